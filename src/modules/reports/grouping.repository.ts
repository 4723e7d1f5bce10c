// Reports as the incidents module groups them: read, locked, linked to an incident and moved between
// incidents. Only the reports module queries its table; incidents calls these through reports.queries.ts
// (reads) and reports.service.ts (writes), passing its transaction.
import { sql, type Kysely } from 'kysely';
import type { Database, Report, ReportStatus } from '../../db/schema.ts';

type Db = Kysely<Database>;

/** A report waiting to be grouped, with its encrypted location for matching (never shown on the board). */
export interface GroupableReport {
  id: string;
  reference: string;
  created_at: Date;
  activity: Report['activity'];
  zip: string | null;
  agency: Report['agency'];
  status: ReportStatus;
  channel: Report['channel'];
  language: string;
  incident_id: string | null;
  /** Made with the console's text simulator: shown as such, never counted or alerted on. */
  simulated: boolean;
  location_ciphertext: string | null;
}

const GROUPABLE_COLUMNS = [
  'reports.id',
  'reports.reference',
  'reports.created_at',
  'reports.activity',
  'reports.zip',
  'reports.agency',
  'reports.status',
  'reports.channel',
  'reports.language',
  'reports.incident_id',
  'reports.simulated',
  'reports.location_ciphertext',
] as const;

export async function findGroupableReport(db: Db, id: string): Promise<GroupableReport | undefined> {
  return db.selectFrom('reports').select(GROUPABLE_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** Reads a report for grouping and locks it, so two dispatchers cannot put it in two incidents. */
export async function lockGroupableReport(db: Db, id: string): Promise<GroupableReport | undefined> {
  return db
    .selectFrom('reports')
    .select(GROUPABLE_COLUMNS)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** The triage queue: open reports that no incident holds yet, newest first. */
export async function listTriageReports(
  db: Db,
  statuses: readonly ReportStatus[],
  limit: number,
): Promise<GroupableReport[]> {
  return db
    .selectFrom('reports')
    .select(GROUPABLE_COLUMNS)
    .where('incident_id', 'is', null)
    .where('status', 'in', statuses)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function listTriageReportsSince(
  db: Db,
  statuses: readonly ReportStatus[],
  since: Date,
  limit: number,
): Promise<GroupableReport[]> {
  return db
    .selectFrom('reports')
    .select(GROUPABLE_COLUMNS)
    .where('incident_id', 'is', null)
    .where('status', 'in', statuses)
    .where('created_at', '>=', since)
    .orderBy('created_at', 'asc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function listIncidentReports(db: Db, incidentId: string): Promise<GroupableReport[]> {
  return db
    .selectFrom('reports')
    .select(GROUPABLE_COLUMNS)
    .where('incident_id', '=', incidentId)
    .orderBy('created_at', 'asc')
    .orderBy('id')
    .execute();
}

export async function listIncidentReportIds(db: Db, incidentId: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('reports')
    .select('id')
    .where('incident_id', '=', incidentId)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

export async function linkReportToIncident(
  db: Db,
  reportId: string,
  link: { incidentId: string; h3Cell: string | null },
): Promise<void> {
  await db
    .updateTable('reports')
    .set({ incident_id: link.incidentId, h3_cell: link.h3Cell })
    .where('id', '=', reportId)
    .execute();
}

/** Moves reports from one incident to another: all of them, or the ones listed. */
export async function moveReportsToIncident(
  db: Db,
  fromId: string,
  toId: string,
  reportIds?: readonly string[],
): Promise<number> {
  if (reportIds?.length === 0) return 0;
  let query = db.updateTable('reports').set({ incident_id: toId }).where('incident_id', '=', fromId);
  if (reportIds) query = query.where('id', 'in', reportIds);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** How many real and how many simulated reports each incident holds, in one query for a page of incidents. */
export interface IncidentReportCounts {
  real: number;
  simulated: number;
}

export async function countReportsByIncident(
  db: Db,
  incidentIds: readonly string[],
): Promise<Map<string, IncidentReportCounts>> {
  if (incidentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('reports')
    .select([
      'incident_id',
      sql<number>`(count(*) filter (where not simulated))::int`.as('real'),
      sql<number>`(count(*) filter (where simulated))::int`.as('simulated'),
    ])
    .where('incident_id', 'in', incidentIds)
    .groupBy('incident_id')
    .execute();
  return new Map(rows.map((row) => [row.incident_id!, { real: row.real, simulated: row.simulated }]));
}

/**
 * True when every report an incident holds was made with the console's simulator (and it holds at least
 * one): such an incident is practice, and must never reach the community.
 */
export async function incidentHoldsOnlySimulatedReports(db: Db, incidentId: string): Promise<boolean> {
  const row = await db
    .selectFrom('reports')
    .select([
      sql<number>`(count(*) filter (where not simulated))::int`.as('real'),
      sql<number>`(count(*) filter (where simulated))::int`.as('simulated'),
    ])
    .where('incident_id', '=', incidentId)
    .executeTakeFirstOrThrow();
  return row.real === 0 && row.simulated > 0;
}

/** The references of these reports, by id (those deleted meanwhile are absent). */
export async function findReportReferences(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('reports').select(['id', 'reference']).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, row.reference]));
}

/** Where the reports grouped into an incident say it is (encrypted), for the responder sent to look. */
export async function listReportLocations(
  db: Db,
  incidentId: string,
): Promise<{ id: string; location_ciphertext: string }[]> {
  const rows = await db
    .selectFrom('reports')
    .select(['id', 'location_ciphertext'])
    .where('incident_id', '=', incidentId)
    .where('location_ciphertext', 'is not', null)
    .orderBy('created_at')
    .limit(5)
    .execute();
  return rows.map((row) => ({ id: row.id, location_ciphertext: row.location_ciphertext! }));
}

/** How many reports the triage queue holds in these statuses (no incident holds them yet), for the home page. */
export async function countTriageReports(db: Db, statuses: readonly ReportStatus[]): Promise<number> {
  const row = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('incident_id', 'is', null)
    .where('status', 'in', statuses)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
