// Following a case: detainee-locator checks, the facilities the person is held in, and immigration court
// hearings. Every function starts with the cases module's openCaseForStaff (need to know, 404 otherwise);
// every change is one transaction with its timeline entry, its family text (queued, ids only) and, for
// hearings, the reminders it schedules. What these records say is sealed with the case key.
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { CaseCipher } from '../../crypto/case-keys.ts';
import type { Case, CaseReminder, Database, Facility } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { AppError } from '../../http/errors.ts';
import { openCaseForStaff } from '../cases/cases.access.ts';
import { textFamily } from '../cases/cases.family.ts';
import { listLocatorChecksDueFor, lockCase } from '../cases/cases.queries.ts';
import { auditCaseViewed, setNextLocatorCheck } from '../cases/cases.service.ts';
import { recordCaseEvent } from '../cases/cases.timeline.ts';
import { isUuid } from '../../http/ids.ts';
import { findFacility, listFacilities } from './facilities.repository.ts';
import { facilityNameKey } from './facilities.schemas.ts';
import {
  deletePendingHearingReminders,
  findHearing,
  insertFacilityStay,
  insertHearing,
  insertLocatorCheck,
  insertReminders,
  listCaseHearingReminders,
  lastLocatorChecks,
  listFacilityStays,
  listFacilityStaysOfCases,
  listHearings,
  listHearingsOfVisibleOpenCases,
  listHearingsOfCases,
  listLocatorChecks,
  lockHearing,
  updateHearingRow,
  type DueCheckRow,
  type FacilityStayRow,
  type HearingRow,
} from './case-tracking.repository.ts';
import {
  validateFacilityStay,
  validateHearing,
  validateLocatorCheck,
  type FacilityChoice,
  type FacilityStayRecord,
  type HearingField,
  type HearingFormErrors,
  type HearingFormValues,
  type HearingRecord,
  type LocatorCheckRecord,
  type LocatorFormErrors,
  type LocatorFormValues,
  type StayFormErrors,
  type StayFormValues,
} from './case-tracking.schemas.ts';
import { wallTimeOf } from './case-tracking.time.ts';
import type { FieldRef } from '../../crypto/field-encryption.ts';
import { displayNamesOf } from '../staff/staff.service.ts';

type Principal = Pick<StaffPrincipal, 'userId' | 'roles'>;

const HOUR_MS = 3600_000;

// ---------------------------------------------------------------------------------------------------------
// Field references: how each sealed value is bound to its row (and, through the cipher, to its case)

export const locatorResultField = (checkId: string): FieldRef<'locator_checks'> => ({
  table: 'locator_checks',
  column: 'result',
  rowId: checkId,
});
export const facilityStayField = (stayId: string): FieldRef<'case_facility_stays'> => ({
  table: 'case_facility_stays',
  column: 'stay',
  rowId: stayId,
});
export const hearingField = (hearingId: string): FieldRef<'hearings'> => ({
  table: 'hearings',
  column: 'hearing',
  rowId: hearingId,
});

export function unsealHearing(cipher: CaseCipher, row: HearingRow): HearingRecord {
  return cipher.decryptJson<HearingRecord>(hearingField(row.id), row.hearing_ciphertext);
}

export function unsealStay(cipher: CaseCipher, row: FacilityStayRow): FacilityStayRecord {
  return cipher.decryptJson<FacilityStayRecord>(facilityStayField(row.id), row.stay_ciphertext);
}

/** "2026-12-02 09:00": a hearing's wall-clock time in the network's zone, for timeline details. */
function wallText(instant: Date, timeZone: string): string {
  const wall = wallTimeOf(instant, timeZone);
  return `${wall.date} ${wall.time}`;
}

// ---------------------------------------------------------------------------------------------------------
// Reading a case's tracking, for its page

export interface LocatorCheckView {
  id: string;
  checkedAt: Date;
  checkedBy: string | null;
  record: LocatorCheckRecord;
}

export interface StayView {
  id: string;
  recordedAt: Date;
  recordedBy: string | null;
  record: FacilityStayRecord;
  /** The directory's entry, when the facility is (still) in it. */
  facility: Facility | undefined;
}

export interface HearingView {
  id: string;
  record: HearingRecord;
  startsAt: Date;
  reminders: { pending: number; sent: number; nextDueAt: Date | null };
}

export interface TrackingView {
  caseId: string;
  status: Case['status'];
  nextLocatorCheckAt: Date | null;
  checks: LocatorCheckView[];
  /** Newest first by the date the stay began: the first is where the person is held now. */
  stays: StayView[];
  hearings: HearingView[];
  directory: Facility[];
  /** Display names of the staff named in the checks and stays. */
  staffNames: Map<string, string>;
}

/** Stays, newest first: by the day the stay began, then by when it was recorded. */
export function byNewestStay(a: { record: FacilityStayRecord; recordedAt: Date }, b: typeof a): number {
  if (a.record.since !== b.record.since) return a.record.since < b.record.since ? 1 : -1;
  return b.recordedAt.getTime() - a.recordedAt.getTime();
}

function reminderSummary(reminders: CaseReminder[]): HearingView['reminders'] {
  const pending = reminders.filter((r) => r.status === 'pending' || r.status === 'sending');
  return {
    pending: pending.length,
    sent: reminders.filter((r) => r.status === 'done').length,
    nextDueAt: pending[0]?.due_at ?? null,
  };
}

/** Where a person is and their next hearing, as the case list shows them. */
export interface CaseWhereabouts {
  /** The facility the person is held in now, or null when not yet located. */
  facilityName: string | null;
  nextHearing: { startsAt: Date; court: string } | null;
}

/**
 * Where the people of several cases are and their next hearings: two queries for all the cases (the stays,
 * the hearings), each opened with its own case key. The caller has opened the cases.
 */
export async function readWhereabouts(
  context: Pick<AppContext, 'db' | 'clock'>,
  cases: readonly { caseRow: Case; cipher: CaseCipher }[],
): Promise<Map<string, CaseWhereabouts>> {
  const ids = cases.map((opened) => opened.caseRow.id);
  const ciphers = new Map(cases.map((opened) => [opened.caseRow.id, opened.cipher]));
  const [stayRows, hearingRows] = [
    await listFacilityStaysOfCases(context.db, ids),
    await listHearingsOfCases(context.db, ids),
  ];
  const now = context.clock.now().getTime();
  const result = new Map<string, CaseWhereabouts>(
    ids.map((id) => [id, { facilityName: null, nextHearing: null }]),
  );
  const staysOf = new Map<string, { record: FacilityStayRecord; recordedAt: Date }[]>();
  for (const row of stayRows) {
    const list = staysOf.get(row.case_id) ?? [];
    list.push({ record: unsealStay(ciphers.get(row.case_id)!, row), recordedAt: row.recorded_at });
    staysOf.set(row.case_id, list);
  }
  for (const [caseId, stays] of staysOf) {
    result.get(caseId)!.facilityName = stays.sort(byNewestStay)[0]!.record.facilityName;
  }
  for (const row of hearingRows) {
    const record = unsealHearing(ciphers.get(row.case_id)!, row);
    const startsAt = new Date(record.startsAt);
    const entry = result.get(row.case_id)!;
    if (startsAt.getTime() < now) continue;
    if (!entry.nextHearing || startsAt < entry.nextHearing.startsAt) {
      entry.nextHearing = { startsAt, court: record.court };
    }
  }
  return result;
}

/** What the case page's tracking sections show. The caller has opened the case (openCaseForStaff). */
export async function readTracking(
  context: Pick<AppContext, 'db'>,
  caseRow: Case,
  cipher: CaseCipher,
): Promise<TrackingView> {
  const { db } = context;
  const [checkRows, stayRows, hearingRows, reminders, directory] = [
    await listLocatorChecks(db, caseRow.id),
    await listFacilityStays(db, caseRow.id),
    await listHearings(db, caseRow.id),
    await listCaseHearingReminders(db, caseRow.id),
    await listFacilities(db),
  ];
  const checks = checkRows.map((row) => ({
    id: row.id,
    checkedAt: row.checked_at,
    checkedBy: row.checked_by,
    record: cipher.decryptJson<LocatorCheckRecord>(locatorResultField(row.id), row.result_ciphertext),
  }));
  const byId = new Map(directory.map((facility) => [facility.id, facility]));
  const stays = withoutRepeatedStays(
    stayRows
      .map((row) => {
        const record = unsealStay(cipher, row);
        return {
          id: row.id,
          recordedAt: row.recorded_at,
          recordedBy: row.recorded_by,
          record,
          facility: record.facilityId ? byId.get(record.facilityId) : undefined,
        };
      })
      .sort(byNewestStay),
  );
  const hearings = hearingRows
    .map((row) => {
      const record = unsealHearing(cipher, row);
      return {
        id: row.id,
        record,
        startsAt: new Date(record.startsAt),
        reminders: reminderSummary(reminders.filter((r) => r.hearing_id === row.id)),
      };
    })
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  const staffNames = await checkedByNames(db, [
    ...checks.flatMap((check) => (check.checkedBy ? [check.checkedBy] : [])),
    ...stays.flatMap((stay) => (stay.recordedBy ? [stay.recordedBy] : [])),
  ]);
  return {
    caseId: caseRow.id,
    status: caseRow.status,
    nextLocatorCheckAt: caseRow.next_locator_check_at,
    checks,
    stays,
    hearings,
    directory,
    staffNames,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Where the person is held

export interface ResolvedFacility {
  facilityId: string | null;
  facilityName: string;
}

/** The directory's facility for a chosen id (its current name), or the name typed when none was chosen. */
export async function resolveFacility(
  db: Kysely<Database>,
  choice: FacilityChoice,
): Promise<ResolvedFacility | 'unknown_facility'> {
  if (choice.facilityId === null) return { facilityId: null, facilityName: choice.typedName };
  const facility = await findFacility(db, choice.facilityId);
  if (!facility) return 'unknown_facility';
  return { facilityId: facility.id, facilityName: facility.name };
}

function sameFacility(a: ResolvedFacility, b: FacilityStayRecord | undefined): boolean {
  if (!b) return false;
  if (a.facilityId !== null && b.facilityId !== null) return a.facilityId === b.facilityId;
  return facilityNameKey(a.facilityName) === facilityNameKey(b.facilityName);
}

/** The case's stays, newest first (see byNewestStay). */
async function staysOf(
  trx: Kysely<Database>,
  cipher: CaseCipher,
  caseId: string,
): Promise<{ record: FacilityStayRecord; recordedAt: Date }[]> {
  const stays = (await listFacilityStays(trx, caseId)).map((row) => ({
    record: unsealStay(cipher, row),
    recordedAt: row.recorded_at,
  }));
  return stays.sort(byNewestStay);
}

async function currentStay(
  trx: Kysely<Database>,
  cipher: CaseCipher,
  caseId: string,
): Promise<FacilityStayRecord | undefined> {
  return (await staysOf(trx, cipher, caseId))[0]?.record;
}

/**
 * One entry per time in a facility: a stay at the same facility as the one just before it (recorded twice, or
 * brought together by a merge) is the same stay, shown once with the earlier day. Takes stays newest first.
 */
export function withoutRepeatedStays<Stay extends { record: FacilityStayRecord }>(
  newestFirst: Stay[],
): Stay[] {
  return newestFirst.filter((stay, index) => {
    const older = newestFirst[index + 1];
    return !older || !sameFacility(stay.record, older.record);
  });
}

/**
 * Adds a stay to the case's history. When it is the newest, the person has been located (the first stay) or
 * moved (a different facility): the timeline says so, the family is texted what happened (if they consented),
 * and locator reminders stop. The facility the person was already in on that day changes nothing at all: no
 * new stay, no timeline entry, no text.
 */
async function addStay(
  context: AppContext,
  trx: Transaction<Database>,
  cipher: CaseCipher,
  input: {
    caseRow: { id: string };
    actorId: string;
    facility: ResolvedFacility;
    since: string;
    notes: string;
    at: Date;
  },
): Promise<'located' | 'moved' | 'history' | 'unchanged'> {
  const { caseRow, at } = input;
  const stays = await staysOf(trx, cipher, caseRow.id);
  const current = stays[0]?.record;
  // The stay in effect on that day: the newest that began on or before it.
  const inEffect = stays.find((stay) => stay.record.since <= input.since)?.record;
  if (inEffect && sameFacility(input.facility, inEffect)) return 'unchanged';
  const stayId = randomUUID();
  const record: FacilityStayRecord = {
    facilityId: input.facility.facilityId,
    facilityName: input.facility.facilityName,
    since: input.since,
    notes: input.notes,
  };
  await insertFacilityStay(trx, {
    id: stayId,
    case_id: caseRow.id,
    recorded_at: at,
    recorded_by: input.actorId,
    stay_ciphertext: cipher.encryptJson(facilityStayField(stayId), record),
  });
  await setNextLocatorCheck(trx, caseRow.id, null);
  const details = { facility: record.facilityName, since: record.since };
  // An older stay fills in the history: nothing moved.
  if (current && input.since < current.since) {
    await recordCaseEvent(trx, cipher, {
      caseId: caseRow.id,
      actorId: input.actorId,
      kind: 'facility_history_added',
      details,
      at,
    });
    return 'history';
  }
  await recordCaseEvent(trx, cipher, {
    caseId: caseRow.id,
    actorId: input.actorId,
    kind: current ? 'facility_transferred' : 'facility_set',
    details,
    at,
  });
  const change = current ? 'moved' : 'located';
  await textFamily(context, trx, { caseId: caseRow.id, change });
  return change;
}

/**
 * 'closed': the case was closed (or merged away) meanwhile. A closed case is read-only until the cases
 * module reopens it: its retention clock is running and its family is no longer texted.
 */
export type FormResult<Errors> =
  { outcome: 'saved' } | { outcome: 'invalid'; errors: Errors } | { outcome: 'closed' };

type LockedCase = NonNullable<Awaited<ReturnType<typeof lockCase>>>;

/** Locks the case for a change; undefined when it takes none (closed, merged away, key destroyed). */
export async function lockOpenCase(trx: Kysely<Database>, caseId: string): Promise<LockedCase | undefined> {
  const caseRow = await lockCase(trx, caseId);
  if (!caseRow) throw new AppError('not_found');
  const open = caseRow.status === 'open' && caseRow.merged_into === null && caseRow.key_destroyed_at === null;
  return open ? caseRow : undefined;
}

/** Records where the person is held from a given day (an arrival, or a transfer). */
export async function recordFacilityStay(
  context: AppContext,
  principal: Principal,
  caseId: string,
  values: StayFormValues,
): Promise<FormResult<StayFormErrors>> {
  const { cipher } = await openCaseForStaff(context, principal, caseId);
  const today = wallTimeOf(context.clock.now(), context.config.timeZone).date;
  const validation = validateFacilityStay(values, today);
  if (!validation.ok) return { outcome: 'invalid', errors: validation.errors };
  const facility = await resolveFacility(context.db, validation.input.facility);
  if (facility === 'unknown_facility')
    return { outcome: 'invalid', errors: { facility_id: { key: 'case_tracking.error_facility_choice' } } };
  return context.db.transaction().execute(async (trx) => {
    const caseRow = await lockOpenCase(trx, caseId);
    if (!caseRow) return { outcome: 'closed' as const };
    await addStay(context, trx, cipher, {
      caseRow,
      actorId: principal.userId,
      facility,
      since: validation.input.since,
      notes: validation.input.notes,
      at: context.clock.now(),
    });
    return { outcome: 'saved' as const };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Detainee-locator checks

/**
 * Logs a locator check. Not found: the legal team is reminded to check again in AMPARO_LOCATOR_RECHECK_HOURS
 * (while the case is open). Found at a facility: reminders stop, and if that is not where the case says the
 * person is, the facility changes too (timeline, family text).
 */
export async function recordLocatorCheck(
  context: AppContext,
  principal: Principal,
  caseId: string,
  values: LocatorFormValues,
): Promise<FormResult<LocatorFormErrors>> {
  const { cipher } = await openCaseForStaff(context, principal, caseId);
  const validation = validateLocatorCheck(values);
  if (!validation.ok) return { outcome: 'invalid', errors: validation.errors };
  const { result, notes } = validation.input;
  let facility: ResolvedFacility | null = null;
  if (validation.input.facility) {
    const resolved = await resolveFacility(context.db, validation.input.facility);
    if (resolved === 'unknown_facility')
      return { outcome: 'invalid', errors: { facility_id: { key: 'case_tracking.error_facility_choice' } } };
    facility = resolved;
  }
  const at = context.clock.now();
  return context.db.transaction().execute(async (trx) => {
    const caseRow = await lockOpenCase(trx, caseId);
    if (!caseRow) return { outcome: 'closed' as const };
    const checkId = randomUUID();
    const record: LocatorCheckRecord = {
      result,
      facilityId: facility?.facilityId ?? null,
      facilityName: facility?.facilityName ?? null,
      notes,
    };
    await insertLocatorCheck(trx, {
      id: checkId,
      case_id: caseId,
      checked_at: at,
      checked_by: principal.userId,
      result_ciphertext: cipher.encryptJson(locatorResultField(checkId), record),
    });
    await recordCaseEvent(trx, cipher, {
      caseId,
      actorId: principal.userId,
      kind: result === 'found' ? 'locator_found' : 'locator_not_found',
      details: result === 'found' ? { facility: record.facilityName } : {},
      at,
    });
    if (result === 'not_found') {
      const next = new Date(at.getTime() + context.config.cases.locatorRecheckHours * HOUR_MS);
      await setNextLocatorCheck(trx, caseId, next);
      return { outcome: 'saved' as const };
    }
    await setNextLocatorCheck(trx, caseId, null);
    const current = await currentStay(trx, cipher, caseId);
    if (facility && !sameFacility(facility, current)) {
      await addStay(context, trx, cipher, {
        caseRow,
        actorId: principal.userId,
        facility,
        since: wallTimeOf(at, context.config.timeZone).date,
        notes: '',
        at,
      });
    }
    return { outcome: 'saved' as const };
  });
}

/** Open cases the staff member may see whose locator re-check is due, oldest first. */
export async function checksDue(context: AppContext, principal: Principal): Promise<DueCheckRow[]> {
  if (!principal.roles.includes('legal')) return [];
  const due = await listLocatorChecksDueFor(context.db, principal.userId, context.clock.now());
  const last = await lastLocatorChecks(
    context.db,
    due.map((row) => row.id),
  );
  return due.map((row) => ({ ...row, last_checked_at: last.get(row.id) ?? null }));
}

// ---------------------------------------------------------------------------------------------------------
// Hearings

export interface UpcomingHearing {
  caseId: string;
  caseReference: string;
  startsAt: Date;
}

/**
 * Hearings from `from` until `until` on the open cases the staff member may see, soonest first: the home page's
 * week ahead. Each case is opened through openCaseForStaff (the same rule as its page); a case that cannot be
 * opened now (its key destroyed meanwhile) is left out.
 */
export async function upcomingHearings(
  context: AppContext,
  principal: Principal,
  from: Date,
  until: Date,
): Promise<UpcomingHearing[]> {
  if (!principal.roles.includes('legal')) return [];
  const rows = await listHearingsOfVisibleOpenCases(context.db, principal.userId);
  const ciphers = new Map<string, CaseCipher | null>();
  const found: UpcomingHearing[] = [];
  for (const row of rows) {
    if (!ciphers.has(row.case_id)) {
      try {
        ciphers.set(row.case_id, (await openCaseForStaff(context, principal, row.case_id)).cipher);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        ciphers.set(row.case_id, null);
      }
    }
    const cipher = ciphers.get(row.case_id);
    if (!cipher) continue;
    const startsAt = new Date(unsealHearing(cipher, row).startsAt);
    if (startsAt >= from && startsAt < until)
      found.push({ caseId: row.case_id, caseReference: row.case_reference, startsAt });
  }
  return found.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

/**
 * A hearing's reminders: one per AMPARO_HEARING_REMINDER_HOURS offset whose time is still ahead. An offset
 * already past when the hearing is entered is skipped: the family is being texted about the hearing right
 * now anyway (textFamily), and a reminder never goes early or late.
 */
export function reminderTimes(startsAt: Date, hoursBefore: readonly number[], now: Date) {
  return hoursBefore
    .map((hours) => ({ hours, dueAt: new Date(startsAt.getTime() - hours * HOUR_MS) }))
    .filter((reminder) => reminder.dueAt.getTime() > now.getTime());
}

async function scheduleHearingReminders(
  context: AppContext,
  trx: Kysely<Database>,
  hearing: { id: string; caseId: string; record: HearingRecord },
  now: Date,
): Promise<void> {
  if (hearing.record.result !== 'pending') return;
  const times = reminderTimes(
    new Date(hearing.record.startsAt),
    context.config.cases.hearingReminderHours,
    now,
  );
  await insertReminders(
    trx,
    times.map((time) => ({
      id: randomUUID(),
      kind: 'hearing' as const,
      case_id: hearing.caseId,
      hearing_id: hearing.id,
      hours_before: time.hours,
      due_at: time.dueAt,
      created_at: now,
    })),
  );
}

export type HearingFormResult = FormResult<HearingFormErrors> & { hearingId?: string };

/** Adds a hearing: sealed, on the timeline, its reminders scheduled, the family texted. */
export async function addHearing(
  context: AppContext,
  principal: Principal,
  caseId: string,
  values: HearingFormValues,
): Promise<HearingFormResult> {
  const { cipher } = await openCaseForStaff(context, principal, caseId);
  const validation = validateHearing(values, context.config.timeZone);
  if (!validation.ok) return { outcome: 'invalid', errors: validation.errors };
  const { input } = validation;
  const at = context.clock.now();
  const hearingId = randomUUID();
  const record: HearingRecord = {
    startsAt: input.startsAt.toISOString(),
    court: input.court,
    judge: input.judge,
    kind: input.kind,
    result: input.result,
    resultNotes: input.resultNotes,
  };
  return context.db.transaction().execute(async (trx): Promise<HearingFormResult> => {
    const caseRow = await lockOpenCase(trx, caseId);
    if (!caseRow) return { outcome: 'closed' };
    await insertHearing(trx, {
      id: hearingId,
      case_id: caseId,
      created_by: principal.userId,
      created_at: at,
      updated_at: at,
      hearing_ciphertext: cipher.encryptJson(hearingField(hearingId), record),
    });
    await scheduleHearingReminders(context, trx, { id: hearingId, caseId, record }, at);
    await recordCaseEvent(trx, cipher, {
      caseId,
      actorId: principal.userId,
      kind: 'hearing_added',
      details: {
        when: wallText(input.startsAt, context.config.timeZone),
        court: record.court,
        kind: record.kind,
      },
      at,
    });
    // A hearing recorded after the fact (held, or a date already past) is news to no one.
    if (record.result === 'pending' && input.startsAt.getTime() > at.getTime())
      await textFamily(context, trx, { caseId, change: 'hearing' });
    return { outcome: 'saved', hearingId };
  });
}

/** A hearing of a case the principal may open, for its edit page. 404 when it is not this case's. */
export async function hearingForEdit(
  context: AppContext,
  principal: Principal,
  caseId: string,
  hearingId: string,
  options: { audit: boolean },
): Promise<{ caseRow: Case; record: HearingRecord }> {
  const { caseRow, cipher } = await openCaseForStaff(context, principal, caseId);
  if (!isUuid(hearingId)) throw new AppError('not_found');
  const row = await findHearing(context.db, hearingId.toLowerCase());
  if (!row || row.case_id !== caseId) throw new AppError('not_found');
  // Opening a case's page is audited; this page shows part of one.
  if (options.audit) await auditCaseViewed(context, principal.userId, caseRow.id);
  return { caseRow, record: unsealHearing(cipher, row) };
}

/**
 * What the family needs to hear about: a new time or court, or that it will not happen (or did), for a
 * hearing still ahead (or just moved from ahead). Correcting a long-past hearing's record is news to no one.
 */
function familyMustKnow(before: HearingRecord, after: HearingRecord, now: Date): boolean {
  const ahead = Math.max(Date.parse(before.startsAt), Date.parse(after.startsAt)) > now.getTime();
  const changed =
    before.startsAt !== after.startsAt || before.court !== after.court || before.result !== after.result;
  return ahead && changed;
}

/**
 * Changes a hearing (reschedule, court, judge, kind, result). A new time, or a hearing no longer pending,
 * replaces its reminders not yet sent; reminders already sent stay as history.
 */
export async function updateHearing(
  context: AppContext,
  principal: Principal,
  caseId: string,
  hearingId: string,
  values: HearingFormValues,
): Promise<HearingFormResult> {
  const { cipher } = await openCaseForStaff(context, principal, caseId);
  if (!isUuid(hearingId)) throw new AppError('not_found');
  const validation = validateHearing(values, context.config.timeZone);
  if (!validation.ok) return { outcome: 'invalid', errors: validation.errors };
  const { input } = validation;
  const at = context.clock.now();
  return context.db.transaction().execute(async (trx): Promise<HearingFormResult> => {
    const caseRow = await lockOpenCase(trx, caseId);
    const row = await lockHearing(trx, hearingId.toLowerCase());
    if (!row || row.case_id !== caseId) throw new AppError('not_found');
    if (!caseRow) return { outcome: 'closed' };
    const before = unsealHearing(cipher, row);
    const after: HearingRecord = {
      startsAt: input.startsAt.toISOString(),
      court: input.court,
      judge: input.judge,
      kind: input.kind,
      result: input.result,
      resultNotes: input.resultNotes,
    };
    await updateHearingRow(trx, row.id, {
      hearing_ciphertext: cipher.encryptJson(hearingField(row.id), after),
      updated_at: at,
    });
    if (before.startsAt !== after.startsAt || before.result !== after.result) {
      await deletePendingHearingReminders(trx, row.id);
      await scheduleHearingReminders(context, trx, { id: row.id, caseId, record: after }, at);
    }
    await recordCaseEvent(trx, cipher, {
      caseId,
      actorId: principal.userId,
      kind: 'hearing_changed',
      details: {
        when: wallText(input.startsAt, context.config.timeZone),
        court: after.court,
        kind: after.kind,
        result: after.result,
      },
      at,
    });
    if (familyMustKnow(before, after, at)) await textFamily(context, trx, { caseId, change: 'hearing' });
    return { outcome: 'saved', hearingId: row.id };
  });
}

/** The form values of a stored hearing, in the network's zone. */
export function hearingValues(record: HearingRecord, timeZone: string): Record<HearingField, string> {
  const wall = wallTimeOf(new Date(record.startsAt), timeZone);
  return {
    date: wall.date,
    time: wall.time,
    court: record.court,
    judge: record.judge,
    kind: record.kind,
    result: record.result,
    result_notes: record.resultNotes,
  };
}

/** Display names of staff members (from their profiles; an empty name left out), for "checked by" lines. */
async function checkedByNames(
  db: Kysely<Database>,
  userIds: readonly string[],
): Promise<Map<string, string>> {
  const names = await displayNamesOf(db, userIds);
  return new Map([...names].filter(([, name]) => name !== ''));
}
