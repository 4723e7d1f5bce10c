// The only place dispatches and verifications are read or written with SQL (staff profiles are the staff
// module's).
import { sql, type Kysely } from 'kysely';
import type { Database, DispatchStatus, Incident, Verification } from '../../db/schema.ts';

type Db = Kysely<Database>;

// ---------------------------------------------------------------------------------------------------------
// Incidents (what dispatching needs of them; read through incidents.queries.ts)

export type IncidentForDispatch = Pick<
  Incident,
  | 'id'
  | 'reference'
  | 'type'
  | 'agency'
  | 'status'
  | 'point_ciphertext'
  | 'zip'
  | 'h3_cell'
  | 'summary_ciphertext'
  | 'reporter_language'
  | 'merged_into'
  | 'created_at'
>;

// ---------------------------------------------------------------------------------------------------------
// Dispatches

export interface DispatchRecord {
  id: string;
  incident_id: string;
  responder_id: string;
  status: DispatchStatus;
  eta_minutes: number | null;
  created_by: string | null;
  created_at: Date;
  responded_at: Date | null;
  provider_id: string | null;
}

function dispatchRecords(db: Db) {
  return db
    .selectFrom('dispatches as d')
    .select([
      'd.id',
      'd.incident_id',
      'd.responder_id',
      'd.status',
      'd.eta_minutes',
      'd.created_by',
      'd.created_at',
      'd.responded_at',
      'd.provider_id',
    ]);
}

export async function listDispatchRecords(db: Db, incidentId: string): Promise<DispatchRecord[]> {
  return dispatchRecords(db)
    .where('d.incident_id', '=', incidentId)
    .orderBy('d.created_at', 'desc')
    .execute();
}

export async function findDispatchRecord(db: Db, id: string): Promise<DispatchRecord | undefined> {
  return dispatchRecords(db).where('d.id', '=', id).executeTakeFirst();
}

export async function lockDispatch(
  db: Db,
  id: string,
): Promise<{ id: string; incident_id: string; responder_id: string; status: DispatchStatus } | undefined> {
  return db
    .selectFrom('dispatches')
    .select(['id', 'incident_id', 'responder_id', 'status'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function insertDispatch(
  db: Db,
  dispatch: { id: string; incidentId: string; responderId: string; createdBy: string; now: Date },
): Promise<void> {
  await db
    .insertInto('dispatches')
    .values({
      id: dispatch.id,
      incident_id: dispatch.incidentId,
      responder_id: dispatch.responderId,
      status: 'sent',
      eta_minutes: null,
      created_by: dispatch.createdBy,
      created_at: dispatch.now,
      responded_at: null,
      provider_id: null,
    })
    .execute();
}

/** Responders already sent to this incident (a cancelled dispatch does not count). */
export async function dispatchedResponderIds(db: Db, incidentId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('dispatches')
    .select('responder_id')
    .where('incident_id', '=', incidentId)
    .where('status', '!=', 'cancelled')
    .execute();
  return new Set(rows.map((row) => row.responder_id));
}

/**
 * Responders with a dispatch still open at any incident (texted without an answer, on their way, or there):
 * a callout leaves them where they are, and their "1" keeps answering the dispatch they already have.
 */
export async function respondersWithOpenDispatches(db: Db): Promise<Set<string>> {
  const rows = await db
    .selectFrom('dispatches')
    .select('responder_id')
    .distinct()
    .where('status', 'in', ['sent', 'on_way', 'arrived'])
    .execute();
  return new Set(rows.map((row) => row.responder_id));
}

export async function updateDispatchAnswer(
  db: Db,
  id: string,
  change: { status: DispatchStatus; etaMinutes?: number | null; respondedAt: Date },
): Promise<void> {
  await db
    .updateTable('dispatches')
    .set({
      status: change.status,
      responded_at: change.respondedAt,
      ...(change.etaMinutes !== undefined ? { eta_minutes: change.etaMinutes } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function setDispatchStatus(db: Db, id: string, status: DispatchStatus): Promise<void> {
  await db.updateTable('dispatches').set({ status }).where('id', '=', id).execute();
}

export async function setDispatchProviderId(db: Db, id: string, providerId: string): Promise<void> {
  await db.updateTable('dispatches').set({ provider_id: providerId }).where('id', '=', id).execute();
}

/**
 * The dispatch a responder's text answers: the newest one still waiting for an answer, else the newest one
 * they are on their way to (a second "1 10" updates the ETA).
 */
export async function findOpenDispatchRowFor(
  db: Db,
  responderId: string,
): Promise<{ id: string; incident_id: string; status: DispatchStatus } | undefined> {
  return db
    .selectFrom('dispatches as d')
    .select(['d.id', 'd.incident_id', 'd.status'])
    .where('d.responder_id', '=', responderId)
    .where('d.status', 'in', ['sent', 'on_way'])
    .orderBy(sql`case when d.status = 'sent' then 0 else 1 end`)
    .orderBy('d.created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Dispatches to one responder that are not finished, newest first, for their own page. */
export async function listOpenDispatchRowsFor(
  db: Db,
  responderId: string,
): Promise<{ id: string; incident_id: string; status: DispatchStatus; created_at: Date }[]> {
  return db
    .selectFrom('dispatches as d')
    .select(['d.id', 'd.incident_id', 'd.status', 'd.created_at'])
    .where('d.responder_id', '=', responderId)
    .where('d.status', 'in', ['sent', 'on_way', 'arrived'])
    .orderBy('d.created_at', 'desc')
    .limit(20)
    .execute();
}

// ---------------------------------------------------------------------------------------------------------
// Verifications

export async function insertVerification(
  db: Db,
  verification: Omit<Verification, 'created_at'> & { created_at: Date },
): Promise<void> {
  await db.insertInto('verifications').values(verification).execute();
}

export async function findVerificationForDispatch(
  db: Db,
  dispatchId: string,
): Promise<Verification | undefined> {
  return db
    .selectFrom('verifications')
    .selectAll()
    .where('dispatch_id', '=', dispatchId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Dispatches whose responder said they are on the way, newest answer first (at most `limit`), and their number. */
export async function listDispatchesOnTheWay(
  db: Db,
  limit: number,
): Promise<{
  count: number;
  rows: {
    id: string;
    incident_id: string;
    responder_id: string;
    eta_minutes: number | null;
    responded_at: Date | null;
  }[];
}> {
  const count = await db
    .selectFrom('dispatches')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', 'on_way')
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('dispatches as d')
    .select(['d.id', 'd.incident_id', 'd.responder_id', 'd.eta_minutes', 'd.responded_at'])
    .where('d.status', '=', 'on_way')
    .orderBy('d.responded_at', 'desc')
    .orderBy('d.id')
    .limit(limit)
    .execute();
  return { count: Number(count.n), rows };
}

/**
 * Whether this staff member was sent to this incident (a dispatch they did not decline): the observation log's
 * rule for who observes an incident.
 */
export async function wasSentToIncident(db: Db, responderId: string, incidentId: string): Promise<boolean> {
  const row = await db
    .selectFrom('dispatches as d')
    .select('d.id')
    .where('d.responder_id', '=', responderId)
    .where('d.incident_id', '=', incidentId)
    .where('d.status', '!=', 'declined')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
