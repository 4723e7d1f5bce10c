// The only place staff profiles, dispatches and verifications are read or written with SQL.
import { sql, type Kysely } from 'kysely';
import type {
  Database,
  DispatchStatus,
  Incident,
  Role,
  StaffProfile,
  Verification,
} from '../../db/schema.ts';

type Db = Kysely<Database>;

// ---------------------------------------------------------------------------------------------------------
// Profiles

export async function findProfile(db: Db, userId: string): Promise<StaffProfile | undefined> {
  return db.selectFrom('staff_profiles').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Whose profile holds this phone number (by blind index), if anyone's. */
export async function findProfileOwnerByPhone(db: Db, phoneIndex: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('staff_profiles')
    .select('user_id')
    .where('phone_index', '=', phoneIndex)
    .executeTakeFirst();
  return row?.user_id;
}

export interface ProfileWrite {
  userId: string;
  displayName: string;
  phoneCiphertext: string | null;
  phoneIndex: string | null;
  languages: string[];
  homeZips: string[];
  onShift: boolean;
  onShiftSince: Date | null;
  now: Date;
}

export async function upsertProfile(db: Db, profile: ProfileWrite): Promise<void> {
  const values = {
    display_name: profile.displayName,
    phone_ciphertext: profile.phoneCiphertext,
    phone_index: profile.phoneIndex,
    languages: profile.languages,
    home_zips: profile.homeZips,
    on_shift: profile.onShift,
    on_shift_since: profile.onShiftSince,
    updated_at: profile.now,
  };
  await db
    .insertInto('staff_profiles')
    .values({ user_id: profile.userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

export async function findUserRoles(
  db: Db,
  userId: string,
): Promise<{ roles: Role[]; disabled: boolean } | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['roles', 'disabled_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
  return row && { roles: row.roles, disabled: row.disabled_at !== null };
}

export interface RosterRow {
  user_id: string;
  display_name: string;
  roles: Role[];
  languages: string[];
  home_zips: string[];
  on_shift: boolean;
  on_shift_since: Date | null;
  has_phone: boolean;
}

/** Every active staff member with a profile: who is on shift comes first, then by name. */
export async function listRoster(db: Db): Promise<RosterRow[]> {
  return db
    .selectFrom('staff_profiles as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select([
      'p.user_id',
      'p.display_name',
      'u.roles',
      'p.languages',
      'p.home_zips',
      'p.on_shift',
      'p.on_shift_since',
      // Not the index: a number also on another profile has none here, and is texted all the same.
      sql<boolean>`p.phone_ciphertext is not null`.as('has_phone'),
    ])
    .where('u.disabled_at', 'is', null)
    .orderBy('p.on_shift', 'desc')
    .orderBy('p.display_name')
    .execute();
}

export interface ReachableStaff {
  userId: string;
  displayName: string;
  phoneCiphertext: string;
  languages: string[];
  homeZips: string[];
}

/** On-shift, enabled staff holding the role, with a phone number on their profile. */
function reachableOnShiftQuery(db: Db, role: Role) {
  return db
    .selectFrom('staff_profiles as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select(['p.user_id', 'p.display_name', 'p.phone_ciphertext', 'p.languages', 'p.home_zips'])
    .where('p.on_shift', '=', true)
    .where('p.phone_ciphertext', 'is not', null)
    .where('u.disabled_at', 'is', null)
    .where(sql<boolean>`${role} = any(u.roles)`);
}

function toReachableStaff(row: {
  user_id: string;
  display_name: string;
  phone_ciphertext: string | null;
  languages: string[];
  home_zips: string[];
}): ReachableStaff {
  return {
    userId: row.user_id,
    displayName: row.display_name,
    phoneCiphertext: row.phone_ciphertext!,
    languages: row.languages,
    homeZips: row.home_zips,
  };
}

/**
 * On-shift, enabled staff holding the role, with a phone number on their profile: whom a dispatch can reach
 * (responders) or the hotline can ring (dispatchers).
 */
export async function listReachableOnShift(
  db: Db,
  role: Role,
  onlyUserId?: string,
): Promise<ReachableStaff[]> {
  let query = reachableOnShiftQuery(db, role);
  if (onlyUserId !== undefined) query = query.where('p.user_id', '=', onlyUserId);
  const rows = await query.orderBy('p.display_name').execute();
  return rows.map(toReachableStaff);
}

/**
 * The same staff, those who came on shift first first, at most `limit`: the hotline rings them together, and
 * Twilio dials at most ten numbers at once.
 */
export async function listLongestOnShift(db: Db, role: Role, limit: number): Promise<ReachableStaff[]> {
  const rows = await reachableOnShiftQuery(db, role)
    .orderBy('p.on_shift_since', 'asc')
    .orderBy('p.user_id')
    .limit(limit)
    .execute();
  return rows.map(toReachableStaff);
}

/** An enabled responder whose profile holds this phone number (by blind index). */
export async function findResponderByPhone(
  db: Db,
  phoneIndex: string,
): Promise<{ userId: string; languages: string[] } | undefined> {
  const row = await db
    .selectFrom('staff_profiles as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select(['p.user_id', 'p.languages'])
    .where('p.phone_index', '=', phoneIndex)
    .where('u.disabled_at', 'is', null)
    .where(sql<boolean>`${'responder'} = any(u.roles)`)
    .executeTakeFirst();
  return row && { userId: row.user_id, languages: row.languages };
}

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

export interface DispatchRow {
  id: string;
  incident_id: string;
  responder_id: string;
  status: DispatchStatus;
  eta_minutes: number | null;
  created_by: string | null;
  created_at: Date;
  responded_at: Date | null;
  provider_id: string | null;
  responder_name: string | null;
}

function dispatchesWithNames(db: Db) {
  return db
    .selectFrom('dispatches as d')
    .leftJoin('staff_profiles as p', 'p.user_id', 'd.responder_id')
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
      'p.display_name as responder_name',
    ]);
}

export async function listDispatches(db: Db, incidentId: string): Promise<DispatchRow[]> {
  return dispatchesWithNames(db)
    .where('d.incident_id', '=', incidentId)
    .orderBy('d.created_at', 'desc')
    .execute();
}

export async function findDispatch(db: Db, id: string): Promise<DispatchRow | undefined> {
  return dispatchesWithNames(db).where('d.id', '=', id).executeTakeFirst();
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

/** Staff whose phone number texted STOP to the hotline: nothing may text them until they text START. */
export async function staffWhoOptedOut(db: Db): Promise<Set<string>> {
  const rows = await db
    .selectFrom('staff_profiles as p')
    .innerJoin('sms_opt_outs as o', 'o.phone_index', 'p.phone_index')
    .select('p.user_id')
    .execute();
  return new Set(rows.map((row) => row.user_id));
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
