// The only place incidents, their timelines and their links to reports are read or written with SQL.
import { sql, type Insertable, type Kysely } from 'kysely';
import type {
  Database,
  Incident,
  IncidentAgency,
  IncidentEventsTable,
  IncidentsTable,
  IncidentStatus,
  IncidentType,
} from '../../db/schema.ts';

type Db = Kysely<Database>;

/** PostgreSQL notification channel: payload is an incident id; the live board re-reads that incident. */
export const INCIDENTS_CHANNEL = 'amparo_incidents';

export async function notifyIncident(db: Db, incidentId: string): Promise<void> {
  await sql`select pg_notify(${INCIDENTS_CHANNEL}, ${incidentId})`.execute(db);
}

export async function insertIncidentEvent(db: Db, event: Insertable<IncidentEventsTable>): Promise<void> {
  await db.insertInto('incident_events').values(event).execute();
}

/** An incident's status, its row locked until the transaction ends. */
export async function lockIncidentStatus(
  db: Db,
  id: string,
): Promise<{ status: IncidentStatus; merged_into: string | null } | undefined> {
  return db
    .selectFrom('incidents')
    .select(['status', 'merged_into'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function setIncidentStatus(
  db: Db,
  id: string,
  change: { status: IncidentStatus; changedBy: string | null; changedAt: Date },
): Promise<void> {
  await db
    .updateTable('incidents')
    .set({
      status: change.status,
      status_changed_at: change.changedAt,
      status_changed_by: change.changedBy,
      updated_at: change.changedAt,
    })
    .where('id', '=', id)
    .execute();
}

/** What the board shows of an incident: never its exact point, summary or timeline notes. */
export interface BoardRow extends Omit<BoardIncidentRow, 'own_changed_at'> {
  /** Real reports only: simulated ones are never counted. */
  report_count: number;
  /** Reports made with the console's text simulator, shown apart. */
  simulated_count: number;
  on_way_count: number;
  /** The latest of anything that happened to it (status, timeline, a dispatch): the live stream's cursor. */
  changed_at: Date;
}

/** A board row as the incidents table alone gives it; the service adds the reports' and dispatches' parts. */
export interface BoardIncidentRow {
  id: string;
  reference: string;
  type: IncidentType;
  agency: IncidentAgency;
  status: IncidentStatus;
  zip: string | null;
  h3_cell: string | null;
  created_at: Date;
  updated_at: Date;
  merged_into: string | null;
  /** The latest of the incident's own changes: its row and its timeline. */
  own_changed_at: Date;
}

/** What other modules show of an incident they refer to. */
export interface IncidentSummary {
  id: string;
  reference: string;
  zip: string | null;
  created_at: Date;
}

export interface BoardFilters {
  statuses: readonly IncidentStatus[] | 'all';
  type?: IncidentType | undefined;
  agency?: IncidentAgency | undefined;
  zip?: string | undefined;
  /** Only incidents with something happening since then. */
  changedSince?: Date | undefined;
}

/** An open incident that a report might belong to, with its encrypted point for the distance check. */
export interface CandidateIncident {
  id: string;
  reference: string;
  type: IncidentType;
  agency: IncidentAgency;
  status: IncidentStatus;
  zip: string | null;
  point_ciphertext: string | null;
  created_at: Date;
  updated_at: Date;
}

function boardQuery(db: Db) {
  return db
    .selectFrom('incidents as i')
    .select([
      'i.id',
      'i.reference',
      'i.type',
      'i.agency',
      'i.status',
      'i.zip',
      'i.h3_cell',
      'i.created_at',
      'i.updated_at',
      'i.merged_into',
      sql<Date>`greatest(i.updated_at, (select max(e.at) from incident_events e where e.incident_id = i.id))`.as(
        'own_changed_at',
      ),
    ]);
}

export async function listBoard(db: Db, filters: BoardFilters, limit: number): Promise<BoardIncidentRow[]> {
  let query = boardQuery(db).where('i.merged_into', 'is', null);
  if (filters.statuses !== 'all') query = query.where('i.status', 'in', filters.statuses);
  if (filters.type) query = query.where('i.type', '=', filters.type);
  if (filters.agency) query = query.where('i.agency', '=', filters.agency);
  if (filters.zip) query = query.where('i.zip', '=', filters.zip);
  if (filters.changedSince) query = query.where('i.updated_at', '>=', filters.changedSince);
  return query.orderBy('i.updated_at', 'desc').orderBy('i.id').limit(limit).execute();
}

/** One incident as the board shows it, merged or not (the live stream tells boards to drop merged ones). */
export async function findBoardRow(db: Db, id: string): Promise<BoardIncidentRow | undefined> {
  return boardQuery(db).where('i.id', '=', id).executeTakeFirst();
}

/**
 * Incidents where anything happened since a moment: what a reconnecting board may have missed. Those with
 * dispatch activity since then are named by the caller (the dispatch module's).
 */
export async function listBoardChangedSince(
  db: Db,
  since: Date,
  dispatchedIds: readonly string[],
  limit: number,
): Promise<BoardIncidentRow[]> {
  return boardQuery(db)
    .where((eb) =>
      eb.or([
        eb('i.updated_at', '>=', since),
        eb.exists(
          eb
            .selectFrom('incident_events as e')
            .select('e.id')
            .whereRef('e.incident_id', '=', 'i.id')
            .where('e.at', '>=', since),
        ),
        ...(dispatchedIds.length > 0 ? [eb('i.id', 'in', dispatchedIds)] : []),
      ]),
    )
    .orderBy('i.updated_at', 'asc')
    .limit(limit)
    .execute();
}

/** Places (cell, ZIP) of incidents started since a moment: the network's area when the board is empty. */
export async function listRecentPlaces(
  db: Db,
  since: Date,
  limit: number,
): Promise<{ h3_cell: string | null; zip: string | null }[]> {
  return db
    .selectFrom('incidents')
    .select(['h3_cell', 'zip'])
    .where('created_at', '>=', since)
    .where('merged_into', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
}

export async function insertIncident(db: Db, incident: Insertable<IncidentsTable>): Promise<void> {
  await db.insertInto('incidents').values(incident).execute();
}

export async function incidentReferenceExists(db: Db, reference: string): Promise<boolean> {
  const row = await db
    .selectFrom('incidents')
    .select('id')
    .where('reference', '=', reference)
    .executeTakeFirst();
  return row !== undefined;
}

export async function findIncident(db: Db, id: string): Promise<Incident | undefined> {
  return db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Reads an incident and locks its row until the transaction ends. */
export async function lockIncident(db: Db, id: string): Promise<Incident | undefined> {
  return db.selectFrom('incidents').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function touchIncident(db: Db, id: string, now: Date): Promise<void> {
  await db.updateTable('incidents').set({ updated_at: now }).where('id', '=', id).execute();
}

export async function updateIncidentPlace(
  db: Db,
  id: string,
  place: {
    point_ciphertext: string | null;
    zip: string | null;
    h3_cell: string | null;
    place_name_ciphertext?: string | null;
  },
): Promise<void> {
  await db.updateTable('incidents').set(place).where('id', '=', id).execute();
}

export async function markMerged(db: Db, sourceId: string, targetId: string, now: Date): Promise<void> {
  await db
    .updateTable('incidents')
    .set({ merged_into: targetId, updated_at: now })
    .where('id', '=', sourceId)
    .execute();
}

/**
 * Open incidents active within a window: what a report from that time might belong to. The newest first,
 * and only a bounded number, so the few points decrypted to measure distances stay few.
 */
export async function listCandidateIncidents(
  db: Db,
  options: { statuses: readonly IncidentStatus[]; activeFrom: Date; startedBy: Date; limit: number },
): Promise<CandidateIncident[]> {
  return db
    .selectFrom('incidents')
    .select([
      'id',
      'reference',
      'type',
      'agency',
      'status',
      'zip',
      'point_ciphertext',
      'created_at',
      'updated_at',
    ])
    .where('merged_into', 'is', null)
    .where('status', 'in', options.statuses)
    .where('updated_at', '>=', options.activeFrom)
    .where('created_at', '<=', options.startedBy)
    .orderBy('updated_at', 'desc')
    .limit(options.limit)
    .execute();
}

/** Open incidents a dispatcher may merge another into, newest activity first. */
export async function listMergeTargets(
  db: Db,
  excludeId: string,
  statuses: readonly IncidentStatus[],
  limit: number,
): Promise<
  { id: string; reference: string; type: IncidentType; zip: string | null; status: IncidentStatus }[]
> {
  return db
    .selectFrom('incidents')
    .select(['id', 'reference', 'type', 'zip', 'status'])
    .where('merged_into', 'is', null)
    .where('id', '!=', excludeId)
    .where('status', 'in', statuses)
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute();
}

export interface TimelineRow {
  id: string;
  at: Date;
  actor_id: string | null;
  kind: string;
  from_status: IncidentStatus | null;
  to_status: IncidentStatus | null;
  note_ciphertext: string | null;
  report_id: string | null;
  dispatch_id: string | null;
  related_incident_id: string | null;
}

export async function listTimeline(db: Db, incidentId: string): Promise<TimelineRow[]> {
  return (
    db
      .selectFrom('incident_events as e')
      .select([
        'e.id',
        'e.at',
        'e.actor_id',
        'e.kind',
        'e.from_status',
        'e.to_status',
        'e.note_ciphertext',
        'e.report_id',
        'e.dispatch_id',
        'e.related_incident_id',
      ])
      .where('e.incident_id', '=', incidentId)
      .orderBy('e.at', 'asc')
      // Events of one transaction share a millisecond: the incident's beginning comes first among them.
      .orderBy(sql`case when e.kind in ('created', 'split_from') then 0 else 1 end`)
      .orderBy('e.id')
      .execute()
  );
}

/** Everything that happened to one incident now belongs to another's timeline. */
export async function moveIncidentEvents(db: Db, fromId: string, toId: string): Promise<void> {
  await db
    .updateTable('incident_events')
    .set({ incident_id: toId })
    .where('incident_id', '=', fromId)
    .execute();
}

/** An incident's reference and place, when it is not merged and its status is one of these. */
export async function findIncidentInStatus(
  db: Db,
  incidentId: string,
  statuses: readonly IncidentStatus[],
): Promise<IncidentSummary | undefined> {
  return db
    .selectFrom('incidents')
    .select(['id', 'reference', 'zip', 'created_at'])
    .where('id', '=', incidentId)
    .where('merged_into', 'is', null)
    .where('status', 'in', statuses)
    .executeTakeFirst();
}

/** Incidents not merged, in one of these statuses, started since then; newest first. */
export async function listIncidentsInStatusSince(
  db: Db,
  statuses: readonly IncidentStatus[],
  since: Date,
  limit: number,
): Promise<IncidentSummary[]> {
  return db
    .selectFrom('incidents')
    .select(['id', 'reference', 'zip', 'created_at'])
    .where('merged_into', 'is', null)
    .where('status', 'in', statuses)
    .where('created_at', '>=', since)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
}

export async function findIncidentReference(db: Db, incidentId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('incidents')
    .select('reference')
    .where('id', '=', incidentId)
    .executeTakeFirst();
  return row?.reference;
}

/** References and ZIP codes of these incidents, by id: what other modules show of incidents they list. */
export async function findIncidentLabels(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, { reference: string; zip: string | null; status: IncidentStatus }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('incidents')
    .select(['id', 'reference', 'zip', 'status'])
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((row) => [row.id, { reference: row.reference, zip: row.zip, status: row.status }]));
}

export interface OpenIncidentRow {
  id: string;
  reference: string;
  status: IncidentStatus;
  zip: string | null;
  updated_at: Date;
}

/** Incidents in these statuses, most recently changed first (at most `limit`), and how many there are in all. */
export async function listIncidentsInStatuses(
  db: Db,
  statuses: readonly IncidentStatus[],
  limit: number,
): Promise<{ count: number; rows: OpenIncidentRow[] }> {
  const count = await db
    .selectFrom('incidents')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', 'in', statuses)
    .where('merged_into', 'is', null)
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('incidents')
    .select(['id', 'reference', 'status', 'zip', 'updated_at'])
    .where('status', 'in', statuses)
    .where('merged_into', 'is', null)
    .orderBy('updated_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
  return { count: Number(count.n), rows };
}

/**
 * Incidents settled (or merged away) before the cutoff: their observation logs and media are due for deletion
 * unless something keeps them (incidents.retention.ts).
 */
export async function listIncidentsSettledBefore(
  db: Db,
  settled: readonly IncidentStatus[],
  cutoff: Date,
  afterId: string | null,
  limit: number,
): Promise<string[]> {
  let query = db
    .selectFrom('incidents')
    .select('id')
    .where((eb) => eb.or([eb('status', 'in', [...settled]), eb('merged_into', 'is not', null)]))
    .where((eb) => eb(eb.fn.coalesce('status_changed_at', 'updated_at'), '<', cutoff));
  if (afterId !== null) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map((row) => row.id);
}
