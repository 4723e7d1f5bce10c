// What the case's tracking forms accept (a locator check, a facility change, a hearing) and the shapes sealed
// with the case key. Forms are checked by plain functions, so a rejected form comes back with everything typed
// and a message beside each field, in the reader's language.
import type { FormErrors } from '../../http/form.ts';
import { characters, isReadableText, oneOf } from '../../http/form.ts';
import { isUuid } from '../../http/ids.ts';
import { instantOf, type WallTime } from './case-tracking.time.ts';
import { RELEASE_KINDS, type ReleaseKind } from '../case-support/case-support.schemas.ts';

export const LOCATOR_RESULTS = ['not_found', 'found'] as const;
export type LocatorResult = (typeof LOCATOR_RESULTS)[number];

export const HEARING_KINDS = ['master_calendar', 'individual', 'bond', 'other'] as const;
export type HearingKind = (typeof HEARING_KINDS)[number];

/** 'pending' until the hearing happens; reminders go only for pending hearings. */
export const HEARING_RESULTS = ['pending', 'held', 'continued', 'cancelled'] as const;
export type HearingResult = (typeof HEARING_RESULTS)[number];

/** Sealed in locator_checks.result_ciphertext. */
export interface LocatorCheckRecord {
  result: LocatorResult;
  /** Where the person was found: the directory's facility (if it is in it) and its name at the time. */
  facilityId: string | null;
  facilityName: string | null;
  notes: string;
}

/** Sealed in case_facility_stays.stay_ciphertext. */
export interface FacilityStayRecord {
  facilityId: string | null;
  /** Copied when recorded, so the history reads the same if the directory entry changes or goes. */
  facilityName: string;
  /** YYYY-MM-DD: since when the person is held there. */
  since: string;
  notes: string;
}

/** Sealed in hearings.hearing_ciphertext. */
export interface HearingRecord {
  /** ISO instant. */
  startsAt: string;
  court: string;
  judge: string;
  kind: HearingKind;
  result: HearingResult;
  resultNotes: string;
}

export const MAX_NOTES_CHARS = 1000;
export const MAX_NAME_CHARS = 200;

export type Validation<Field extends string, Input> =
  { ok: true; input: Input } | { ok: false; errors: FormErrors<Field> };

function textChecker<Field extends string>(
  values: Partial<Record<Field, string>>,
  errors: FormErrors<Field>,
) {
  return (field: Field, options: { max: number; singleLine?: boolean; required?: boolean }): string => {
    const raw = values[field] ?? '';
    if (!isReadableText(raw)) {
      errors[field] ??= { key: 'case_tracking.error_unreadable' };
      return '';
    }
    let value = raw.normalize('NFC').replace(/\r\n?/g, '\n').trim();
    if (options.singleLine) value = value.replace(/\s+/g, ' ');
    if (options.required && value === '') errors[field] ??= { key: 'case_tracking.error_required' };
    else if (characters(value) > options.max)
      errors[field] ??= { key: 'case_tracking.error_too_long', params: { max: options.max } };
    return value;
  };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1900 && year <= 2200 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

// ---------------------------------------------------------------------------------------------------------
// Where the person is: a facility from the directory, or one typed by name when it is not in it yet

export interface FacilityChoice {
  facilityId: string | null;
  /** The typed name; the directory's name is looked up by the service when an id was chosen. */
  typedName: string;
}

function facilityChoice<Field extends string>(
  values: Partial<Record<Field | 'facility_id' | 'facility_name', string>>,
  errors: FormErrors<Field | 'facility_id' | 'facility_name'>,
  required: boolean,
): FacilityChoice {
  const text = textChecker<Field | 'facility_id' | 'facility_name'>(values, errors);
  const rawId = (values.facility_id ?? '').trim();
  const typedName = text('facility_name', { max: MAX_NAME_CHARS, singleLine: true });
  if (rawId !== '' && !isUuid(rawId)) errors.facility_id ??= { key: 'case_tracking.error_facility_choice' };
  if (required && rawId === '' && typedName === '' && !errors.facility_name)
    errors.facility_id ??= { key: 'case_tracking.error_facility_required' };
  return { facilityId: rawId === '' ? null : rawId.toLowerCase(), typedName };
}

export const LOCATOR_FIELDS = ['result', 'facility_id', 'facility_name', 'notes'] as const;
export type LocatorField = (typeof LOCATOR_FIELDS)[number];
export type LocatorFormValues = Partial<Record<LocatorField, string>>;
export type LocatorFormErrors = FormErrors<LocatorField>;

export interface LocatorCheckInput {
  result: LocatorResult;
  facility: FacilityChoice | null;
  notes: string;
}

export function validateLocatorCheck(values: LocatorFormValues): Validation<LocatorField, LocatorCheckInput> {
  const errors: LocatorFormErrors = {};
  const result = (values.result ?? '').trim();
  if (!oneOf(LOCATOR_RESULTS, result)) errors.result = { key: 'case_tracking.error_choose' };
  const facility = result === 'found' ? facilityChoice(values, errors, true) : null;
  const notes = textChecker(values, errors)('notes', { max: MAX_NOTES_CHARS });
  if (Object.keys(errors).length > 0 || !oneOf(LOCATOR_RESULTS, result)) return { ok: false, errors };
  return { ok: true, input: { result, facility, notes } };
}

export const STAY_FIELDS = ['facility_id', 'facility_name', 'since', 'notes'] as const;
export type StayField = (typeof STAY_FIELDS)[number];
export type StayFormValues = Partial<Record<StayField, string>>;
export type StayFormErrors = FormErrors<StayField>;

export interface FacilityStayInput {
  facility: FacilityChoice;
  since: string;
  notes: string;
}

/** @param today YYYY-MM-DD in the network's zone: a stay cannot start in the future. */
export function validateFacilityStay(
  values: StayFormValues,
  today: string,
): Validation<StayField, FacilityStayInput> {
  const errors: StayFormErrors = {};
  const facility = facilityChoice(values, errors, true);
  const since = (values.since ?? '').trim();
  if (since === '') errors.since = { key: 'case_tracking.error_required' };
  else if (!isDate(since)) errors.since = { key: 'case_tracking.error_date' };
  else if (since > today) errors.since = { key: 'case_tracking.error_date_future' };
  const notes = textChecker(values, errors)('notes', { max: MAX_NOTES_CHARS });
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, input: { facility, since, notes } };
}

export const HEARING_FIELDS = ['date', 'time', 'court', 'judge', 'kind', 'result', 'result_notes'] as const;
export type HearingField = (typeof HEARING_FIELDS)[number];
export type HearingFormValues = Partial<Record<HearingField, string>>;
export type HearingFormErrors = FormErrors<HearingField>;

export interface HearingInput {
  startsAt: Date;
  court: string;
  judge: string;
  kind: HearingKind;
  result: HearingResult;
  resultNotes: string;
}

/** The date and time are the court's, in the network's time zone. */
export function validateHearing(
  values: HearingFormValues,
  timeZone: string,
): Validation<HearingField, HearingInput> {
  const errors: HearingFormErrors = {};
  const text = textChecker(values, errors);
  const date = (values.date ?? '').trim();
  const time = (values.time ?? '').trim();
  if (date === '') errors.date = { key: 'case_tracking.error_required' };
  else if (!isDate(date)) errors.date = { key: 'case_tracking.error_date' };
  if (time === '') errors.time = { key: 'case_tracking.error_required' };
  else if (!TIME.test(time)) errors.time = { key: 'case_tracking.error_time' };
  let startsAt: Date | undefined;
  if (!errors.date && !errors.time) {
    const wall: WallTime = { date, time };
    startsAt = instantOf(wall, timeZone);
    if (!startsAt) errors.time = { key: 'case_tracking.error_time_skipped' };
  }
  const court = text('court', { max: MAX_NAME_CHARS, singleLine: true, required: true });
  const judge = text('judge', { max: MAX_NAME_CHARS, singleLine: true });
  const kind = (values.kind ?? '').trim();
  if (!oneOf(HEARING_KINDS, kind)) errors.kind = { key: 'case_tracking.error_choose' };
  const result = (values.result ?? '').trim() || 'pending';
  if (!oneOf(HEARING_RESULTS, result)) errors.result = { key: 'case_tracking.error_choose' };
  const resultNotes = text('result_notes', { max: MAX_NOTES_CHARS });
  if (
    Object.keys(errors).length > 0 ||
    !startsAt ||
    !oneOf(HEARING_KINDS, kind) ||
    !oneOf(HEARING_RESULTS, result)
  )
    return { ok: false, errors };
  return { ok: true, input: { startsAt, court, judge, kind, result, resultNotes } };
}

// ---------------------------------------------------------------------------------------------------------
// A release from detention: when, where to (a facility's door or a place), and its conditions

// The same kinds as the case outcome's release (case support), so the two never disagree.
export { RELEASE_KINDS, type ReleaseKind };

/** Sealed with the case key: everything about a release but the time it happened. */
export interface ReleaseRecord {
  releasedOn: string;
  facilityId: string | null;
  /** Where the person was let out: the facility's name, or the place typed. */
  place: string;
  how: ReleaseKind;
  ankleMonitor: boolean;
  /** ISO instant of the check-in with ICE, or null when none was set. */
  checkInAt: string | null;
  conditions: string;
}

export const RELEASE_FIELDS = [
  'released_on',
  'facility_id',
  'facility_name',
  'how',
  'ankle_monitor',
  'checkin_date',
  'checkin_time',
  'conditions',
] as const;
export type ReleaseField = (typeof RELEASE_FIELDS)[number];
export type ReleaseFormValues = Partial<Record<ReleaseField, string>>;
export type ReleaseFormErrors = FormErrors<ReleaseField>;

export interface ReleaseInput {
  releasedOn: string;
  facility: FacilityChoice;
  how: ReleaseKind;
  ankleMonitor: boolean;
  checkInAt: Date | null;
  conditions: string;
}

/** @param today YYYY-MM-DD in the network's zone: a release cannot be in the future. */
export function validateRelease(
  values: ReleaseFormValues,
  today: string,
  timeZone: string,
): Validation<ReleaseField, ReleaseInput> {
  const errors: ReleaseFormErrors = {};
  const releasedOn = (values.released_on ?? '').trim();
  if (releasedOn === '') errors.released_on = { key: 'case_tracking.error_required' };
  else if (!isDate(releasedOn)) errors.released_on = { key: 'case_tracking.error_date' };
  else if (releasedOn > today) errors.released_on = { key: 'case_tracking.error_date_future' };
  const facility = facilityChoice(values, errors, true);
  const how = (values.how ?? '').trim();
  if (!oneOf(RELEASE_KINDS, how)) errors.how = { key: 'case_tracking.error_choose' };
  const monitor = (values.ankle_monitor ?? '').trim();
  if (monitor !== 'yes' && monitor !== 'no') errors.ankle_monitor = { key: 'case_tracking.error_choose' };
  const date = (values.checkin_date ?? '').trim();
  const time = (values.checkin_time ?? '').trim();
  let checkInAt: Date | null = null;
  if (date !== '' || time !== '') {
    if (!isDate(date)) errors.checkin_date = { key: 'case_tracking.error_date' };
    if (!TIME.test(time)) errors.checkin_time = { key: 'case_tracking.error_time' };
    if (!errors.checkin_date && !errors.checkin_time) {
      checkInAt = instantOf({ date, time }, timeZone) ?? null;
      if (!checkInAt) errors.checkin_time = { key: 'case_tracking.error_time_skipped' };
    }
  }
  const conditions = textChecker(values, errors)('conditions', { max: MAX_NOTES_CHARS });
  if (Object.keys(errors).length > 0 || !oneOf(RELEASE_KINDS, how)) return { ok: false, errors };
  return {
    ok: true,
    input: { releasedOn, facility, how, ankleMonitor: monitor === 'yes', checkInAt, conditions },
  };
}
