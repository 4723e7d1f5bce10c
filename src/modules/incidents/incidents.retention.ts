// What an incident leaves behind past its retention: the observation log and the media responders sent (their
// modules own them and register here how to delete them). Other modules say whether an incident must be kept
// (a legal hold, a detained person's case still kept, registered by the packets module): "keepers". The
// incidents module asks them, and deletes nothing that any keeper keeps. Both registries are lists: none
// registered means nothing is held back and nothing besides the incident holds data.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database, IncidentStatus } from '../../db/schema.ts';
import { listIncidentsSettledBefore } from './incidents.repository.ts';

/** Of these incidents, the ids this keeper says must be kept. */
export type IncidentKeeper = (db: Kysely<Database>, incidentIds: readonly string[]) => Promise<Set<string>>;

export interface IncidentRetainedData {
  name: string;
  /** Deletes what this module keeps about these incidents (safe to run twice). */
  expire(context: AppContext, incidentIds: readonly string[]): Promise<void>;
}

const keepers = new Map<string, IncidentKeeper>();
const retained = new Map<string, IncidentRetainedData>();

/** Registering again under a name replaces the earlier one (a module's registration runs once per app). */
export function registerIncidentKeeper(name: string, keeper: IncidentKeeper): void {
  keepers.set(name, keeper);
}

export function registerIncidentRetainedData(data: IncidentRetainedData): void {
  retained.set(data.name, data);
}

/** Of these incidents, those some keeper keeps. */
export async function keptIncidentIds(
  db: Kysely<Database>,
  incidentIds: readonly string[],
): Promise<Set<string>> {
  const kept = new Set<string>();
  if (incidentIds.length === 0) return kept;
  for (const keeper of keepers.values()) for (const id of await keeper(db, incidentIds)) kept.add(id);
  return kept;
}

const SETTLED: readonly IncidentStatus[] = [
  'not_immigration',
  'false_alarm',
  'unable_to_verify',
  'concluded',
];
const BATCH = 500;

/**
 * The daily retention run: the observation logs and media of incidents settled more than
 * `incidentEvidenceRetentionDays` ago are deleted, except those a keeper keeps.
 */
export async function expireIncidentEvidence(
  context: AppContext,
  now: Date,
): Promise<{ expired: string[]; kept: string[] }> {
  const cutoff = new Date(now.getTime() - context.config.incidentEvidenceRetentionDays * 86_400_000);
  const result = { expired: [] as string[], kept: [] as string[] };
  let afterId: string | null = null;
  for (;;) {
    const due = await listIncidentsSettledBefore(context.db, SETTLED, cutoff, afterId, BATCH);
    if (due.length === 0) return result;
    const keep = await keptIncidentIds(context.db, due);
    const expired = due.filter((id) => !keep.has(id));
    if (expired.length > 0) for (const data of retained.values()) await data.expire(context, expired);
    result.expired.push(...expired);
    result.kept.push(...due.filter((id) => keep.has(id)));
    afterId = due.at(-1) ?? null;
  }
}
