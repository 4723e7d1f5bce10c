// What the report form and the console routes accept. The form is checked here by plain functions (not by
// the route's JSON schema), because a rejected form must come back to the reporter with every typed value and
// a message beside each field, in their language, instead of a bare 400.
import { normalizePhone } from '../../phone/phone.ts';
import {
  REPORT_ACTIVITIES,
  REPORT_AGENCIES,
  REPORT_SEEN_WHEN,
  REPORT_SOURCES,
  REPORT_STATUSES,
  type ReportActivity,
  type ReportAgency,
  type ReportSeenWhen,
  type ReportSource,
  type ReportStatus,
} from '../../db/schema.ts';
import { characters, isReadableText, oneOf, type FieldError } from '../../http/form.ts';

export const REPORT_TEXT_FIELDS = [
  'activity',
  'location',
  'zip',
  'seen_when',
  'agents_count',
  'vehicles_count',
  'uniform',
  'agency',
  'source',
  'callback_phone',
  'callback_consent',
  'details',
] as const;
export type ReportTextField = (typeof REPORT_TEXT_FIELDS)[number];
export type ReportFormField = ReportTextField | 'photo';

/** The form as typed, kept verbatim so a rejected form can be shown again exactly as it was. */
export type ReportFormValues = Partial<Record<ReportTextField, string>>;

export type ReportFormErrors = Partial<Record<ReportFormField, FieldError>>;

export const MAX_LOCATION_CHARS = 500;
export const MAX_UNIFORM_CHARS = 500;
export const MAX_DETAILS_CHARS = 5000;
const MAX_COUNT = 1000;
/** Longer than any field may be (5000 characters of four-byte UTF-8), so the limit is ours, not the parser's. */
export const REPORT_FIELD_BYTE_LIMIT = 24 * 1024;

/** A report ready to be stored: every value checked, the phone normalized and present only with consent. */
export interface ReportInput {
  activity: ReportActivity;
  location: string;
  zip: string | null;
  seenWhen: ReportSeenWhen;
  agentsCount: number | null;
  vehiclesCount: number | null;
  uniform: string | null;
  agency: ReportAgency;
  source: ReportSource;
  callbackPhone: string | null;
  details: string | null;
}

export type ReportValidation = { ok: true; input: ReportInput } | { ok: false; errors: ReportFormErrors };

/** Values the form starts with: a report is most often about what is happening right now. */
export const REPORT_FORM_DEFAULTS: ReportFormValues = { seen_when: 'now', agency: 'unknown' };

export function validateReportForm(values: ReportFormValues): ReportValidation {
  const errors: ReportFormErrors = {};
  const text = (field: ReportTextField): string => (values[field] ?? '').trim();

  for (const field of REPORT_TEXT_FIELDS) {
    if (!isReadableText(values[field] ?? '')) errors[field] = { key: 'report.error_encoding' };
  }
  const fail = (field: ReportTextField, error: FieldError): void => {
    errors[field] ??= error;
  };

  const activity = text('activity');
  if (activity === '') fail('activity', { key: 'report.error_required' });
  else if (!oneOf(REPORT_ACTIVITIES, activity)) fail('activity', { key: 'report.error_choose' });

  const location = text('location');
  if (location === '') fail('location', { key: 'report.error_required' });
  else if (characters(location) > MAX_LOCATION_CHARS)
    fail('location', { key: 'report.error_too_long', params: { max: MAX_LOCATION_CHARS } });

  const zip = text('zip');
  if (zip !== '' && !/^[0-9]{5}$/.test(zip)) fail('zip', { key: 'report.error_zip' });

  const seenWhen = text('seen_when');
  if (seenWhen === '') fail('seen_when', { key: 'report.error_required' });
  else if (!oneOf(REPORT_SEEN_WHEN, seenWhen)) fail('seen_when', { key: 'report.error_choose' });

  const counts: Partial<Record<'agents_count' | 'vehicles_count', number>> = {};
  for (const field of ['agents_count', 'vehicles_count'] as const) {
    const raw = text(field);
    if (raw === '') continue;
    const value = /^[0-9]{1,4}$/.test(raw) ? Number(raw) : NaN;
    if (Number.isInteger(value) && value <= MAX_COUNT) counts[field] = value;
    else fail(field, { key: 'report.error_count' });
  }

  const uniform = text('uniform');
  if (characters(uniform) > MAX_UNIFORM_CHARS)
    fail('uniform', { key: 'report.error_too_long', params: { max: MAX_UNIFORM_CHARS } });

  const agency = text('agency') || 'unknown';
  if (!oneOf(REPORT_AGENCIES, agency)) fail('agency', { key: 'report.error_choose' });

  const source = text('source');
  if (source === '') fail('source', { key: 'report.error_required' });
  else if (!oneOf(REPORT_SOURCES, source)) fail('source', { key: 'report.error_choose' });

  const phone = text('callback_phone');
  const consent = text('callback_consent') !== '';
  let callbackPhone: string | null = null;
  if (phone !== '') {
    const normalized = normalizePhone(phone);
    if (!normalized) fail('callback_phone', { key: 'report.error_phone' });
    else if (!consent) fail('callback_consent', { key: 'report.error_consent' });
    else callbackPhone = normalized;
  }

  const details = text('details');
  if (characters(details) > MAX_DETAILS_CHARS)
    fail('details', { key: 'report.error_too_long', params: { max: MAX_DETAILS_CHARS } });

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    input: {
      activity: activity as ReportActivity,
      location,
      zip: zip || null,
      seenWhen: seenWhen as ReportSeenWhen,
      agentsCount: counts.agents_count ?? null,
      vehiclesCount: counts.vehicles_count ?? null,
      uniform: uniform || null,
      agency: agency as ReportAgency,
      source: source as ReportSource,
      callbackPhone,
      details: details || null,
    },
  };
}

/** Statuses a dispatcher may set from the console. */
export const SETTABLE_STATUSES: readonly ReportStatus[] = REPORT_STATUSES;

export function isSettableStatus(value: unknown): value is ReportStatus {
  return typeof value === 'string' && oneOf(SETTABLE_STATUSES, value);
}

export const reportIdParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

export const consoleListQuery = {
  type: 'object',
  properties: { show: { type: 'string', enum: ['open', 'all'] }, lang: { type: 'string' } },
} as const;

export const eventsQuery = {
  type: 'object',
  properties: { since: { type: 'string', pattern: '^[0-9]{1,15}$' }, lang: { type: 'string' } },
} as const;

export const receivedQuery = {
  type: 'object',
  properties: {
    ref: { type: 'string', maxLength: 16 },
    lang: { type: 'string' },
    photo: { type: 'string', maxLength: 32 },
    callback: { type: 'string', maxLength: 1 },
  },
} as const;

export const statusBody = {
  type: 'object',
  properties: {
    status: { type: 'string', maxLength: 32 },
    _csrf: { type: 'string', maxLength: 256 },
  },
  required: ['status'],
} as const;
