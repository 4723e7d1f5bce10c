// Dispatches and verifications belong to the dispatch module, which imports incidents (a dispatch is sent to
// an incident). What incidents needs of them (the board's counts and activity, the incident page's counts,
// and moving them when incidents merge) the dispatch module registers here at start, so incidents does not
// import dispatch. Every function is set-based and takes the caller's transaction or database.
import type { Kysely } from 'kysely';
import type { Database, DispatchStatus } from '../../db/schema.ts';

export interface IncidentDispatchActivity {
  /** Responders on their way. */
  onWay: number;
  /** The latest dispatch sent or answered, if any. */
  lastAt: Date | null;
}

export interface IncidentDispatches {
  /** For each of these incidents that has dispatches: how many are on their way, and the latest activity. */
  activity(
    db: Kysely<Database>,
    incidentIds: readonly string[],
  ): Promise<Map<string, IncidentDispatchActivity>>;
  /** Incidents with a dispatch sent or answered since then. */
  incidentsActiveSince(db: Kysely<Database>, since: Date): Promise<string[]>;
  /** One incident's dispatches, counted by status. */
  countByStatus(db: Kysely<Database>, incidentId: string): Promise<Map<DispatchStatus, number>>;
  /** An incident merged into another: its dispatches and verifications now belong to the target. */
  moveToIncident(db: Kysely<Database>, fromId: string, toId: string): Promise<void>;
}

let dispatches: IncidentDispatches | undefined;

/** Called once by the dispatch module. */
export function registerIncidentDispatches(handler: IncidentDispatches): void {
  dispatches = handler;
}

export function incidentDispatches(): IncidentDispatches {
  if (!dispatches) throw new Error('No incident dispatches registered (the dispatch module registers them)');
  return dispatches;
}
