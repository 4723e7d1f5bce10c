// What other modules keep about an incident and must follow it when it is merged into another (the observation
// log's entries). They register a step here when their module loads; incidents imports none of them. Each step
// runs in the merge's transaction, after the reports, timeline and dispatches moved.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

export type IncidentMergeStep = (db: Kysely<Database>, fromId: string, toId: string) => Promise<void>;

const steps = new Map<string, IncidentMergeStep>();

export function registerIncidentMergeStep(id: string, step: IncidentMergeStep): void {
  // Apps are built more than once in tests; the same step registering again replaces itself.
  steps.set(id, step);
}

/** Every registered step, one after the other, in registration order. */
export async function runIncidentMergeSteps(
  db: Kysely<Database>,
  fromId: string,
  toId: string,
): Promise<void> {
  for (const step of steps.values()) await step(db, fromId, toId);
}
