// What other modules may read of incidents (the cases module: the incident a case comes from; dispatch and
// alerts: the incident they act on, `lockIncident` in their transaction; the home page: the open ones).
// Read-only.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { OPEN_INCIDENT_STATUSES } from './incidents.lifecycle.ts';
import { listIncidentsInStatuses, type OpenIncidentRow } from './incidents.repository.ts';

export {
  findIncident,
  findIncidentLabels,
  lockIncident,
  findIncidentInStatus,
  findIncidentReference,
  listIncidentsInStatusSince,
  type IncidentSummary,
  type OpenIncidentRow,
} from './incidents.repository.ts';

/** The incidents still open (not settled, not merged away), most recently changed first, and their number. */
export async function openIncidentsOverview(
  db: Kysely<Database>,
  limit: number,
): Promise<{ count: number; rows: OpenIncidentRow[] }> {
  return listIncidentsInStatuses(db, OPEN_INCIDENT_STATUSES, limit);
}
