// The dispatches and verifications as other modules need them: incidents (the board, the incident page, a
// merge) and reports (the orphan sweep keeps verification photos). Registered in dispatch.module.ts;
// set-based, in the caller's transaction.
import { sql, type Kysely } from 'kysely';
import type { Database, DispatchStatus } from '../../db/schema.ts';
import type { IncidentDispatchActivity } from '../incidents/incidents.dispatches.ts';

type Db = Kysely<Database>;

export async function dispatchActivityByIncident(
  db: Db,
  incidentIds: readonly string[],
): Promise<Map<string, IncidentDispatchActivity>> {
  if (incidentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('dispatches as d')
    .select([
      'd.incident_id',
      sql<number>`count(*) filter (where d.status = 'on_way')::int`.as('on_way'),
      sql<Date | null>`max(greatest(d.created_at, d.responded_at))`.as('last_at'),
    ])
    .where('d.incident_id', 'in', incidentIds)
    .groupBy('d.incident_id')
    .execute();
  return new Map(rows.map((row) => [row.incident_id, { onWay: row.on_way, lastAt: row.last_at }]));
}

export async function incidentsWithDispatchesSince(db: Db, since: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('dispatches as d')
    .select('d.incident_id')
    .distinct()
    .where((d) => d.or([d('d.created_at', '>=', since), d('d.responded_at', '>=', since)]))
    .execute();
  return rows.map((row) => row.incident_id);
}

export async function countDispatchesByStatus(
  db: Db,
  incidentId: string,
): Promise<Map<DispatchStatus, number>> {
  const rows = await db
    .selectFrom('dispatches')
    .select(['status', sql<number>`count(*)::int`.as('count')])
    .where('incident_id', '=', incidentId)
    .groupBy('status')
    .execute();
  return new Map(rows.map((row) => [row.status, row.count]));
}

export async function moveDispatchesToIncident(db: Db, fromId: string, toId: string): Promise<void> {
  await db.updateTable('dispatches').set({ incident_id: toId }).where('incident_id', '=', fromId).execute();
  await db
    .updateTable('verifications')
    .set({ incident_id: toId })
    .where('incident_id', '=', fromId)
    .execute();
}

/** Which of these keys of the reports' store are verification photos (registered with reports). */
export async function referencedVerificationPhotos(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom('verifications')
    .select('photo_storage_key')
    .where('photo_storage_key', 'in', keys)
    .execute();
  return new Set(rows.flatMap((row) => (row.photo_storage_key === null ? [] : [row.photo_storage_key])));
}
