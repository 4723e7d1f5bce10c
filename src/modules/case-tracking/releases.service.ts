// Releases (issue 16): recording that a detained person was let out ends their time in detention on the case
// (the summary says "Released on <date>"), stops the locator reminders, puts a pickup task on the case's
// family-support list, and turns the check-in date with ICE into reminders to the family, like a hearing's.
// Also the operation's numbers that come from tracking: releases, people located and transfers by day, and
// where the people of a list of cases are held now.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import { caseKeyStoreFor, CaseKeyUnavailableError, type CaseCipher } from '../../crypto/case-keys.ts';
import type { FieldRef } from '../../crypto/field-encryption.ts';
import type { Database, Facility } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { addPickupTask } from '../case-support/case-support.tasks.ts';
import { openCaseForStaff } from '../cases/cases.access.ts';
import { setNextLocatorCheck } from '../cases/cases.service.ts';
import { recordCaseEvent } from '../cases/cases.timeline.ts';
import { translate } from '../../i18n/i18n.ts';
import {
  validateRelease,
  type FacilityStayRecord,
  type ReleaseFormErrors,
  type ReleaseFormValues,
  type ReleaseRecord,
} from './case-tracking.schemas.ts';
import {
  byNewestStay,
  lockOpenCase,
  reminderTimes,
  resolveFacility,
  unsealStay,
  type FormResult,
} from './case-tracking.service.ts';
import { instantOf, wallTimeOf } from './case-tracking.time.ts';
import { listFacilities } from './facilities.repository.ts';
import { insertReminders } from './case-tracking.repository.ts';
import {
  countLocatedByDay,
  countReleasesByDay,
  countTransfersByDay,
  facilityStaysOfCases,
  insertRelease,
  listReleasesOfCases,
  type ReleaseRow,
} from './releases.repository.ts';

type Principal = Pick<StaffPrincipal, 'userId' | 'roles'>;

const UNKNOWN_FACILITY: ReleaseFormErrors = { facility_id: { key: 'case_tracking.error_facility_choice' } };

export const releaseField = (releaseId: string): FieldRef<'case_releases'> => ({
  table: 'case_releases',
  column: 'release',
  rowId: releaseId,
});

export function unsealRelease(cipher: CaseCipher, row: ReleaseRow): ReleaseRecord {
  return cipher.decryptJson<ReleaseRecord>(releaseField(row.id), row.release_ciphertext);
}

/** When the release happened: now for a release today, midday of the day otherwise (counts go by day). */
function releaseInstant(releasedOn: string, now: Date, timeZone: string): Date {
  if (wallTimeOf(now, timeZone).date === releasedOn) return now;
  return instantOf({ date: releasedOn, time: '12:00' }, timeZone) ?? now;
}

/**
 * Records a release. One transaction: the release (sealed), the end of the locator reminders, the timeline
 * entry, the pickup task (case support) and the check-in reminders.
 */
export async function recordRelease(
  context: AppContext,
  principal: Principal,
  caseId: string,
  values: ReleaseFormValues,
): Promise<FormResult<ReleaseFormErrors>> {
  const { cipher } = await openCaseForStaff(context, principal, caseId);
  const zone = context.config.timeZone;
  const now = context.clock.now();
  const today = wallTimeOf(now, zone).date;
  const validation = validateRelease(values, today, zone);
  if (!validation.ok) return { outcome: 'invalid', errors: validation.errors };
  const { input } = validation;
  const facility = await resolveFacility(context.db, input.facility);
  if (facility === 'unknown_facility') return { outcome: 'invalid', errors: UNKNOWN_FACILITY };
  return context.db.transaction().execute(async (trx) => {
    const caseRow = await lockOpenCase(trx, caseId);
    if (!caseRow) return { outcome: 'closed' as const };
    const releaseId = randomUUID();
    const record: ReleaseRecord = {
      releasedOn: input.releasedOn,
      facilityId: facility.facilityId,
      place: facility.facilityName,
      how: input.how,
      ankleMonitor: input.ankleMonitor,
      checkInAt: input.checkInAt?.toISOString() ?? null,
      conditions: input.conditions,
    };
    await insertRelease(trx, {
      id: releaseId,
      case_id: caseId,
      released_at: releaseInstant(input.releasedOn, now, zone),
      recorded_at: now,
      recorded_by: principal.userId,
      release_ciphertext: cipher.encryptJson(releaseField(releaseId), record),
    });
    await setNextLocatorCheck(trx, caseId, null);
    await recordCaseEvent(trx, cipher, {
      caseId,
      actorId: principal.userId,
      kind: 'released',
      details: { on: record.releasedOn, place: record.place },
      at: now,
    });
    await addPickupTask(trx, cipher, {
      caseId,
      actorId: principal.userId,
      // Staff read the task list in their own language; the pickup line is written in the network's.
      text: translate(context.config.defaultLanguage, 'case_tracking.pickup_task', {
        ref: caseRow.reference,
        place: record.place,
      }),
      dueOn: today,
      at: now,
    });
    if (input.checkInAt) {
      await insertReminders(
        trx,
        reminderTimes(input.checkInAt, context.config.cases.hearingReminderHours, now).map((time) => ({
          id: randomUUID(),
          kind: 'checkin' as const,
          case_id: caseId,
          hearing_id: null,
          release_id: releaseId,
          hours_before: time.hours,
          due_at: time.dueAt,
          created_at: now,
        })),
      );
    }
    return { outcome: 'saved' as const };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Where the person is now: held (the newest stay), released (a release recorded after it), or not located

export type Whereabouts =
  | { kind: 'held'; stay: FacilityStayRecord }
  | { kind: 'released'; release: ReleaseRecord }
  | { kind: 'unknown' };

/**
 * A release ends the stay it follows: the person is released when their newest release was recorded after
 * their newest stay (a stay recorded after a release means they were detained again).
 */
export function whereaboutsOf(
  stays: readonly { record: FacilityStayRecord; recordedAt: Date }[],
  releases: readonly { record: ReleaseRecord; recordedAt: Date }[],
): Whereabouts {
  const stay = [...stays].sort(byNewestStay)[0];
  const release = [...releases].sort((a, b) => b.recordedAt.getTime() - a.recordedAt.getTime())[0];
  if (release && (!stay || release.recordedAt.getTime() >= stay.recordedAt.getTime()))
    return { kind: 'released', release: release.record };
  if (stay) return { kind: 'held', stay: stay.record };
  return { kind: 'unknown' };
}

/** The releases of one opened case, newest first. */
export async function caseReleases(
  db: Kysely<Database>,
  caseId: string,
  cipher: CaseCipher,
): Promise<{ id: string; record: ReleaseRecord; recordedAt: Date }[]> {
  return (await listReleasesOfCases(db, [caseId]))
    .map((row) => ({ id: row.id, record: unsealRelease(cipher, row), recordedAt: row.recorded_at }))
    .reverse();
}

// ---------------------------------------------------------------------------------------------------------
// The operation's numbers: counts only, no person in them

export type DayCounts = { day: string; count: number }[];

/** People released, by the day of their release in the network's zone. */
export function releasedCountsOfCases(
  db: Kysely<Database>,
  caseIds: readonly string[],
  timeZone: string,
): Promise<DayCounts> {
  return countReleasesByDay(db, caseIds, timeZone);
}

/** Of these cases, those with a release recorded. */
export async function releasedCaseIds(
  db: Kysely<Database>,
  caseIds: readonly string[],
): Promise<Set<string>> {
  return new Set((await listReleasesOfCases(db, caseIds)).map((row) => row.case_id));
}

/** People located (their first facility recorded), by day. */
export function locatedCountsOfCases(
  db: Kysely<Database>,
  caseIds: readonly string[],
  timeZone: string,
): Promise<DayCounts> {
  return countLocatedByDay(db, caseIds, timeZone);
}

/** Moves between facilities (each facility recorded after a person's first), by day. */
export function transferredCountsOfCases(
  db: Kysely<Database>,
  caseIds: readonly string[],
  timeZone: string,
): Promise<DayCounts> {
  return countTransfersByDay(db, caseIds, timeZone);
}

const STATE = /\b([A-Z]{2})\s+\d{5}(?:-\d{4})?\s*$/;

/** The US state of a facility, from the end of its address ("…, Jena, LA 71342"); null when not there. */
export function facilityState(facility: Pick<Facility, 'address'> | undefined): string | null {
  if (!facility) return null;
  const lastLine = facility.address.trim().split('\n').pop() ?? '';
  return STATE.exec(lastLine.trim())?.[1] ?? null;
}

export interface FacilityCount {
  /** The directory's facility, or null for one typed by name. */
  facilityId: string | null;
  facilityName: string;
  state: string | null;
  /** People held there now. */
  heldNow: number;
  /** Of them, those whose first facility was in another state. */
  movedOutOfState: number;
}

type KeyContext = Pick<AppContext, 'db' | 'config' | 'secrets'>;

/**
 * Where the people of these cases are held now, per facility, and how many of them were moved out of the
 * state they were first held in. Counts only. The stays are sealed with each case's key: a case whose key is
 * gone is left out.
 */
export async function facilityCountsOfCases(
  context: KeyContext,
  caseIds: readonly string[],
): Promise<FacilityCount[]> {
  const [stayRows, releaseRows, directory] = [
    await facilityStaysOfCases(context.db, caseIds),
    await listReleasesOfCases(context.db, caseIds),
    await listFacilities(context.db),
  ];
  const byId = new Map(directory.map((facility) => [facility.id, facility]));
  const keys = caseKeyStoreFor(context);
  const ciphers = new Map<string, CaseCipher | null>();
  async function cipherOf(caseId: string): Promise<CaseCipher | null> {
    if (!ciphers.has(caseId)) {
      try {
        ciphers.set(caseId, await keys.cipherFor(caseId));
      } catch (error) {
        if (!(error instanceof CaseKeyUnavailableError)) throw error;
        ciphers.set(caseId, null);
      }
    }
    return ciphers.get(caseId)!;
  }
  // The key files are read side by side first (one after the other, hundreds of them added their waits up).
  await Promise.all([...new Set(stayRows.map((row) => row.case_id))].map(cipherOf));
  const stays = new Map<string, { record: FacilityStayRecord; recordedAt: Date }[]>();
  for (const row of stayRows) {
    const cipher = await cipherOf(row.case_id);
    if (!cipher) continue;
    const list = stays.get(row.case_id) ?? [];
    list.push({ record: unsealStay(cipher, row), recordedAt: row.recorded_at });
    stays.set(row.case_id, list);
  }
  const released = new Map<string, Date>();
  for (const row of releaseRows) released.set(row.case_id, row.recorded_at);
  const counts = new Map<string, FacilityCount>();
  for (const [caseId, list] of stays) {
    const newest = [...list].sort(byNewestStay);
    const current = newest[0]!;
    const releasedAt = released.get(caseId);
    if (releasedAt && releasedAt.getTime() >= current.recordedAt.getTime()) continue;
    const first = newest[newest.length - 1]!;
    const facility = current.record.facilityId ? byId.get(current.record.facilityId) : undefined;
    const key = current.record.facilityId ?? `name:${current.record.facilityName.toLowerCase()}`;
    const entry = counts.get(key) ?? {
      facilityId: current.record.facilityId,
      facilityName: facility?.name ?? current.record.facilityName,
      state: facilityState(facility),
      heldNow: 0,
      movedOutOfState: 0,
    };
    entry.heldNow += 1;
    const firstState = first.record.facilityId ? facilityState(byId.get(first.record.facilityId)) : null;
    if (firstState && entry.state && firstState !== entry.state) entry.movedOutOfState += 1;
    counts.set(key, entry);
  }
  return [...counts.values()].sort(
    (a, b) => b.heldNow - a.heldNow || a.facilityName.localeCompare(b.facilityName),
  );
}
