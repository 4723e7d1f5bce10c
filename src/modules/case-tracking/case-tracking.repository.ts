// The only place a case's locator checks, facility stays, hearings and reminders are read or written with
// SQL. What these rows say about the person is ciphertext sealed with the case key; reminders and their
// deliveries are ids and times only.
import { sql, type Kysely, type Selectable } from 'kysely';
import type {
  CaseFacilityStaysTable,
  CaseReminder,
  CaseReminderDeliveryStatus,
  Database,
  HearingsTable,
  LocatorChecksTable,
} from '../../db/schema.ts';
import { liveCasesVisibleToQuery, openLiveCaseIdsQuery } from '../cases/cases.queries.ts';

type Db = Kysely<Database>;

export type LocatorCheckRow = Selectable<LocatorChecksTable>;
export type FacilityStayRow = Selectable<CaseFacilityStaysTable>;
export type HearingRow = Selectable<HearingsTable>;

// ---------------------------------------------------------------------------------------------------------
// Locator checks

export async function insertLocatorCheck(db: Db, row: LocatorCheckRow): Promise<void> {
  await db.insertInto('locator_checks').values(row).execute();
}

export async function listLocatorChecks(db: Db, caseId: string): Promise<LocatorCheckRow[]> {
  return db
    .selectFrom('locator_checks')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('checked_at', 'desc')
    .orderBy('id')
    .execute();
}

export interface DueCheckRow {
  id: string;
  reference: string;
  next_locator_check_at: Date;
  last_checked_at: Date | null;
}

/** When each of these cases was last checked (absent when never). */
export async function lastLocatorChecks(db: Db, caseIds: readonly string[]): Promise<Map<string, Date>> {
  if (caseIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('locator_checks')
    .select(['case_id', (eb) => eb.fn.max('checked_at').as('last')])
    .where('case_id', 'in', caseIds)
    .groupBy('case_id')
    .execute();
  return new Map(rows.map((row) => [row.case_id, new Date(row.last)]));
}

// ---------------------------------------------------------------------------------------------------------
// Facility stays

export async function insertFacilityStay(db: Db, row: FacilityStayRow): Promise<void> {
  await db.insertInto('case_facility_stays').values(row).execute();
}

export async function listFacilityStays(db: Db, caseId: string): Promise<FacilityStayRow[]> {
  return db
    .selectFrom('case_facility_stays')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('recorded_at')
    .orderBy('id')
    .execute();
}

// ---------------------------------------------------------------------------------------------------------
// Hearings

export async function insertHearing(db: Db, row: HearingRow): Promise<void> {
  await db.insertInto('hearings').values(row).execute();
}

export async function findHearing(db: Db, hearingId: string): Promise<HearingRow | undefined> {
  return db.selectFrom('hearings').selectAll().where('id', '=', hearingId).executeTakeFirst();
}

/** The hearing, locked until the transaction ends: two edits of one hearing go one after the other. */
export async function lockHearing(db: Db, hearingId: string): Promise<HearingRow | undefined> {
  return db.selectFrom('hearings').selectAll().where('id', '=', hearingId).forUpdate().executeTakeFirst();
}

export async function updateHearingRow(
  db: Db,
  hearingId: string,
  change: { hearing_ciphertext: string; updated_at: Date },
): Promise<void> {
  await db.updateTable('hearings').set(change).where('id', '=', hearingId).execute();
}

/** The stays of several cases in one query (the case list), in the order they were recorded. */
export async function listFacilityStaysOfCases(
  db: Db,
  caseIds: readonly string[],
): Promise<FacilityStayRow[]> {
  if (caseIds.length === 0) return [];
  return db
    .selectFrom('case_facility_stays')
    .selectAll()
    .where('case_id', 'in', caseIds)
    .orderBy('recorded_at')
    .orderBy('id')
    .execute();
}

/** The hearings of several cases in one query (the case list). */
export async function listHearingsOfCases(db: Db, caseIds: readonly string[]): Promise<HearingRow[]> {
  if (caseIds.length === 0) return [];
  return db
    .selectFrom('hearings')
    .selectAll()
    .where('case_id', 'in', caseIds)
    .orderBy('created_at')
    .execute();
}

export async function listHearings(db: Db, caseId: string): Promise<HearingRow[]> {
  return db.selectFrom('hearings').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
}

// ---------------------------------------------------------------------------------------------------------
// Reminders

export async function insertReminders(
  db: Db,
  rows: readonly {
    id: string;
    kind: 'hearing' | 'locator' | 'checkin';
    case_id: string;
    hearing_id: string | null;
    release_id?: string;
    hours_before: number | null;
    due_at: Date;
    created_at: Date;
  }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('case_reminders')
    .values(rows.map((row) => ({ ...row, status: 'pending' as const })))
    .execute();
}

/** Drops a hearing's reminders not yet sent (it was rescheduled or cancelled); sent ones stay as history. */
export async function deletePendingHearingReminders(db: Db, hearingId: string): Promise<number> {
  const result = await db
    .deleteFrom('case_reminders')
    .where('hearing_id', '=', hearingId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function listCaseHearingReminders(db: Db, caseId: string): Promise<CaseReminder[]> {
  return db
    .selectFrom('case_reminders')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('kind', '=', 'hearing')
    .orderBy('due_at')
    .execute();
}

/**
 * Turns due locator re-checks (case and due time, from the cases module) into reminder rows, once per (case,
 * due time) however many workers run this at once. The source of truth stays cases.next_locator_check_at.
 */
export async function createLocatorReminders(
  db: Db,
  due: readonly { id: string; next_locator_check_at: Date }[],
  now: Date,
): Promise<void> {
  if (due.length === 0) return;
  await sql`
    insert into case_reminders (id, kind, case_id, hearing_id, hours_before, due_at, status, created_at)
    select gen_random_uuid(), 'locator', d.case_id, null, null, d.due_at, 'pending', ${now}
    from unnest(${due.map((d) => d.id)}::uuid[], ${due.map((d) => d.next_locator_check_at)}::timestamptz[])
      as d(case_id, due_at)
    on conflict (case_id, due_at) where kind = 'locator' do nothing`.execute(db);
}

/**
 * Claims up to `limit` reminders that are due, or that a worker claimed before `staleBefore` and never
 * finished (it died): each goes to exactly one of the workers asking at once (SKIP LOCKED).
 */
export async function claimDueReminders(
  db: Db,
  options: { now: Date; staleBefore: Date; limit: number },
): Promise<CaseReminder[]> {
  const { rows } = await sql<CaseReminder>`
    update case_reminders set status = 'sending', claimed_at = ${options.now}
    where id in (
      select id from case_reminders
      where (status = 'pending' and due_at <= ${options.now})
         or (status = 'sending' and claimed_at < ${options.staleBefore})
      order by due_at
      limit ${options.limit}
      for update skip locked
    )
    returning *`.execute(db);
  return rows.map((row) => ({
    ...row,
    due_at: new Date(row.due_at),
    claimed_at: row.claimed_at === null ? null : new Date(row.claimed_at),
    finished_at: row.finished_at === null ? null : new Date(row.finished_at),
    created_at: new Date(row.created_at),
  }));
}

export async function finishReminder(
  db: Db,
  reminderId: string,
  outcome: { status: 'done' } | { status: 'skipped'; reason: string },
  at: Date,
): Promise<void> {
  await db
    .updateTable('case_reminders')
    .set({
      status: outcome.status,
      skip_reason: outcome.status === 'skipped' ? outcome.reason : null,
      finished_at: at,
    })
    .where('id', '=', reminderId)
    .execute();
}

/** Gives a claimed reminder back (the provider failed): the next run tries again. */
export async function releaseReminder(db: Db, reminderId: string): Promise<void> {
  await db
    .updateTable('case_reminders')
    .set({ status: 'pending', claimed_at: null })
    .where('id', '=', reminderId)
    .where('status', '=', 'sending')
    .execute();
}

/** Takes the right to text one recipient for one reminder; false when someone already has it. */
export async function claimDelivery(
  db: Db,
  row: { reminderId: string; recipient: string; at: Date },
): Promise<boolean> {
  const inserted = await db
    .insertInto('case_reminder_deliveries')
    .values({ reminder_id: row.reminderId, recipient: row.recipient, status: 'sending', updated_at: row.at })
    .onConflict((conflict) => conflict.columns(['reminder_id', 'recipient']).doNothing())
    .returning('recipient')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function settleDelivery(
  db: Db,
  row: { reminderId: string; recipient: string; at: Date },
  status: Exclude<CaseReminderDeliveryStatus, 'sending'>,
  providerId: string | null,
): Promise<void> {
  await db
    .updateTable('case_reminder_deliveries')
    .set({ status, provider_id: providerId, updated_at: row.at })
    .where('reminder_id', '=', row.reminderId)
    .where('recipient', '=', row.recipient)
    .execute();
}

export async function releaseDelivery(db: Db, row: { reminderId: string; recipient: string }): Promise<void> {
  await db
    .deleteFrom('case_reminder_deliveries')
    .where('reminder_id', '=', row.reminderId)
    .where('recipient', '=', row.recipient)
    .where('status', '=', 'sending')
    .execute();
}

// ---------------------------------------------------------------------------------------------------------
// Merging: the rows of a merged-away case move to the kept case, resealed by the caller

export async function moveTrackingRows(
  db: Db,
  fromCaseId: string,
  toCaseId: string,
  resealed: {
    checks: { id: string; result_ciphertext: string }[];
    stays: { id: string; stay_ciphertext: string }[];
    hearings: { id: string; hearing_ciphertext: string }[];
  },
): Promise<void> {
  for (const check of resealed.checks) {
    await db
      .updateTable('locator_checks')
      .set({ case_id: toCaseId, result_ciphertext: check.result_ciphertext })
      .where('id', '=', check.id)
      .execute();
  }
  for (const stay of resealed.stays) {
    await db
      .updateTable('case_facility_stays')
      .set({ case_id: toCaseId, stay_ciphertext: stay.stay_ciphertext })
      .where('id', '=', stay.id)
      .execute();
  }
  for (const hearing of resealed.hearings) {
    await db
      .updateTable('hearings')
      .set({ case_id: toCaseId, hearing_ciphertext: hearing.hearing_ciphertext })
      .where('id', '=', hearing.id)
      .execute();
  }
  await db
    .updateTable('case_reminders')
    .set({ case_id: toCaseId })
    .where('case_id', '=', fromCaseId)
    .where('kind', '=', 'hearing')
    .execute();
  // The merged-away case's locator reminders mean nothing for the kept one, which has its own schedule.
  await db
    .deleteFrom('case_reminders')
    .where('case_id', '=', fromCaseId)
    .where('kind', '=', 'locator')
    .execute();
}

// ---------------------------------------------------------------------------------------------------------
// Staff names and facility stays, as tracking needs them (the case row is read through cases.queries.ts)

/** Whether the case has a facility stay: someone knows where the person is held. */
export async function hasFacilityStay(db: Db, caseId: string): Promise<boolean> {
  const row = await db
    .selectFrom('case_facility_stays')
    .select('id')
    .where('case_id', '=', caseId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The hearings of the open, live cases this staff member may see (need to know is the cases module's subquery),
 * with their case's reference. The hearing's time is sealed with the case key: the caller unseals and filters.
 */
export async function listHearingsOfVisibleOpenCases(
  db: Db,
  userId: string,
): Promise<(HearingRow & { case_reference: string })[]> {
  return db
    .selectFrom('hearings as h')
    .innerJoin(liveCasesVisibleToQuery(db, userId).as('c'), 'c.id', 'h.case_id')
    .selectAll('h')
    .select('c.reference as case_reference')
    .where('h.case_id', 'in', openLiveCaseIdsQuery(db))
    .orderBy('c.reference')
    .orderBy('h.id')
    .execute();
}
