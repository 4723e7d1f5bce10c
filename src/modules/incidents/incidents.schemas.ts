// What the incident pages accept. Route schemas only bound sizes and shapes; the forms are checked here by
// plain functions, so a dispatcher's form comes back with what they typed and a message in their language.
import {
  INCIDENT_AGENCIES,
  INCIDENT_STATUSES,
  INCIDENT_TYPES,
  type IncidentAgency,
  type IncidentStatus,
  type IncidentType,
} from '../../db/schema.ts';
import { parsePoint, type Point } from '../../geo/geo.ts';
import {
  characters,
  bodyText,
  isReadableText,
  oneOf,
  readableFormValues,
  type FieldError,
  type FormErrors,
  type Validation,
} from '../../http/form.ts';
import { isUuid } from '../../http/ids.ts';
import { OPEN_INCIDENT_STATUSES } from './incidents.lifecycle.ts';

export const MAX_SUMMARY_CHARS = 280;
export const MAX_REASON_CHARS = 500;
/** Cross streets or a landmark: short enough to leave the responder's text room for its link. */
export const MAX_PLACE_NAME_CHARS = 80;

function readable(errors: Record<string, FieldError>, body: Record<string, unknown>, names: string[]): void {
  for (const name of names) {
    if (!isReadableText(bodyText(body, name))) errors[name] ??= { key: 'incidents.error_encoding' };
  }
}

// ---- creating an incident from a report ------------------------------------------------------------------

export type CreateField = 'type' | 'agency' | 'point' | 'place_name' | 'zip' | 'summary';

export interface CreateIncidentInput {
  reportId: string;
  type: IncidentType;
  agency: IncidentAgency;
  point: Point | null;
  /** The place in words ("26th St & Lawndale Ave"); absent or null when not given. */
  placeName?: string | null | undefined;
  zip: string | null;
  summary: string | null;
}

/** The place in words: one line, trimmed, bounded. */
function placeName(body: Record<string, unknown>, fail: (error: FieldError) => void): string | null {
  const text = bodyText(body, 'place_name').replace(/\s+/g, ' ').trim();
  if (characters(text) > MAX_PLACE_NAME_CHARS)
    fail({ key: 'incidents.error_too_long', params: { max: MAX_PLACE_NAME_CHARS } });
  return text || null;
}

function pointField(body: Record<string, unknown>, fail: (error: FieldError) => void): Point | null {
  const pointText = bodyText(body, 'point');
  const point = pointText === '' ? null : (parsePoint(pointText) ?? null);
  if (pointText !== '' && point === null) fail({ key: 'incidents.error_point' });
  return point;
}

export type PlaceField = 'point' | 'place_name';

/** The "Save place" form on an incident's page: a point (from a map click or typed) and the place in words. */
export function validatePlaceForm(
  body: Record<string, unknown>,
): Validation<{ point: Point | null; placeName: string | null }, PlaceField> {
  const errors: FormErrors<PlaceField> = {};
  readable(errors, body, ['point', 'place_name']);
  const point = pointField(body, (error) => (errors.point ??= error));
  const name = placeName(body, (error) => (errors.place_name ??= error));
  if (Object.keys(errors).length > 0)
    return { ok: false, errors, values: readableFormValues(body, ['point', 'place_name']) };
  return { ok: true, value: { point, placeName: name } };
}

export function validateCreateForm(
  body: Record<string, unknown>,
): Validation<CreateIncidentInput, CreateField> {
  const errors: FormErrors<CreateField> = {};
  readable(errors, body, ['type', 'agency', 'point', 'place_name', 'zip', 'summary']);
  const fail = (field: CreateField, error: FieldError) => (errors[field] ??= error);
  const type = bodyText(body, 'type');
  if (type === '') fail('type', { key: 'incidents.error_required' });
  else if (!oneOf(INCIDENT_TYPES, type)) fail('type', { key: 'incidents.error_choose' });
  const agency = bodyText(body, 'agency') || 'unknown';
  if (!oneOf(INCIDENT_AGENCIES, agency)) fail('agency', { key: 'incidents.error_choose' });
  const point = pointField(body, (error) => fail('point', error));
  const name = placeName(body, (error) => fail('place_name', error));
  const zip = bodyText(body, 'zip');
  if (zip !== '' && !/^[0-9]{5}$/.test(zip)) fail('zip', { key: 'incidents.error_zip' });
  const summary = bodyText(body, 'summary');
  if (characters(summary) > MAX_SUMMARY_CHARS)
    fail('summary', { key: 'incidents.error_too_long', params: { max: MAX_SUMMARY_CHARS } });
  if (Object.keys(errors).length > 0)
    return { ok: false, errors, values: readableFormValues(body, CREATE_FIELDS) };
  return {
    ok: true,
    value: {
      reportId: bodyText(body, 'report_id'),
      type: type as IncidentType,
      agency: agency as IncidentAgency,
      point,
      placeName: name,
      zip: zip || null,
      summary: summary || null,
    },
  };
}

const CREATE_FIELDS = ['type', 'agency', 'point', 'place_name', 'zip', 'summary'];

// ---- status, merge, split ---------------------------------------------------------------------------------

export type StatusField = 'to' | 'reason';

export function validateStatusForm(
  body: Record<string, unknown>,
): Validation<{ to: IncidentStatus; reason: string }, StatusField> {
  const errors: FormErrors<StatusField> = {};
  readable(errors, body, ['to', 'reason']);
  const to = bodyText(body, 'to');
  if (to === '') errors.to ??= { key: 'incidents.error_required' };
  else if (!oneOf(INCIDENT_STATUSES, to)) errors.to ??= { key: 'incidents.error_choose' };
  const reason = bodyText(body, 'reason');
  if (reason === '') errors.reason ??= { key: 'incidents.error_reason_required' };
  else if (characters(reason) > MAX_REASON_CHARS)
    errors.reason ??= { key: 'incidents.error_too_long', params: { max: MAX_REASON_CHARS } };
  if (Object.keys(errors).length > 0)
    return { ok: false, errors, values: readableFormValues(body, ['to', 'reason']) };
  return { ok: true, value: { to: to as IncidentStatus, reason } };
}

function optionalReason(body: Record<string, unknown>, errors: Record<string, FieldError>): string | null {
  const reason = bodyText(body, 'reason');
  if (!isReadableText(reason)) errors.reason ??= { key: 'incidents.error_encoding' };
  else if (characters(reason) > MAX_REASON_CHARS)
    errors.reason ??= { key: 'incidents.error_too_long', params: { max: MAX_REASON_CHARS } };
  return reason || null;
}

export type MergeField = 'target' | 'reason';

export function validateMergeForm(
  body: Record<string, unknown>,
): Validation<{ targetId: string; reason: string | null }, MergeField> {
  const errors: FormErrors<MergeField> = {};
  const target = bodyText(body, 'target');
  if (target === '') errors.target = { key: 'incidents.error_required' };
  else if (!isUuid(target)) errors.target = { key: 'incidents.error_choose' };
  const reason = optionalReason(body, errors);
  if (Object.keys(errors).length > 0)
    return { ok: false, errors, values: readableFormValues(body, ['target', 'reason']) };
  return { ok: true, value: { targetId: target, reason } };
}

export type SplitField = 'report_ids' | 'type' | 'agency' | 'reason';

export interface SplitInput {
  reportIds: string[];
  type: IncidentType;
  agency: IncidentAgency;
  reason: string | null;
}

export function validateSplitForm(body: Record<string, unknown>): Validation<SplitInput, SplitField> {
  const errors: FormErrors<SplitField> = {};
  const raw = body.report_ids;
  const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(
    (id): id is string => typeof id === 'string' && id !== '',
  );
  if (ids.length === 0) errors.report_ids = { key: 'incidents.error_split_none' };
  else if (!ids.every(isUuid)) errors.report_ids = { key: 'incidents.error_choose' };
  const type = bodyText(body, 'type');
  if (!oneOf(INCIDENT_TYPES, type)) errors.type = { key: 'incidents.error_choose' };
  const agency = bodyText(body, 'agency') || 'unknown';
  if (!oneOf(INCIDENT_AGENCIES, agency)) errors.agency = { key: 'incidents.error_choose' };
  const reason = optionalReason(body, errors);
  if (Object.keys(errors).length > 0)
    return { ok: false, errors, values: readableFormValues(body, ['type', 'agency', 'reason']) };
  return {
    ok: true,
    value: {
      reportIds: [...new Set(ids)],
      type: type as IncidentType,
      agency: agency as IncidentAgency,
      reason,
    },
  };
}

// ---- the board's filters ----------------------------------------------------------------------------------

export const TIME_FILTERS = ['1h', '6h', '24h', '7d', 'all'] as const;
export type TimeFilter = (typeof TIME_FILTERS)[number];
const TIME_FILTER_MS: Record<Exclude<TimeFilter, 'all'>, number> = {
  '1h': 3600_000,
  '6h': 6 * 3600_000,
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
};

export const STATUS_FILTERS = ['open', 'all', ...INCIDENT_STATUSES] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

/** The board's filters as chosen; the defaults are what a dispatcher needs at the start of a shift. */
export interface BoardQuery {
  status: StatusFilter;
  type: IncidentType | '';
  agency: IncidentAgency | '';
  zip: string;
  time: TimeFilter;
}

export const DEFAULT_BOARD_QUERY: BoardQuery = { status: 'open', type: '', agency: '', zip: '', time: 'all' };

export interface BoardQueryString {
  status?: string;
  type?: string;
  agency?: string;
  zip?: string;
  time?: string;
  since?: string;
  frame?: string;
  lang?: string;
}

/**
 * Reads the filters from a query string. The choices come from select boxes, so an unknown value is a
 * tampered URL and is dropped; a mistyped ZIP comes back to the dispatcher with a message.
 */
export function readBoardQuery(query: BoardQueryString): { filters: BoardQuery; zipError: boolean } {
  const zip = (query.zip ?? '').trim();
  const zipError = zip !== '' && !/^[0-9]{5}$/.test(zip);
  return {
    filters: {
      status: oneOf(STATUS_FILTERS, query.status) ? query.status : DEFAULT_BOARD_QUERY.status,
      type: oneOf(INCIDENT_TYPES, query.type) ? query.type : '',
      agency: oneOf(INCIDENT_AGENCIES, query.agency) ? query.agency : '',
      zip: zipError ? '' : zip,
      time: oneOf(TIME_FILTERS, query.time) ? query.time : DEFAULT_BOARD_QUERY.time,
    },
    zipError,
  };
}

export function statusesFor(filter: StatusFilter): readonly IncidentStatus[] | 'all' {
  if (filter === 'all') return 'all';
  if (filter === 'open') return OPEN_INCIDENT_STATUSES;
  return [filter];
}

export function changedSinceFor(filter: TimeFilter, now: Date): Date | undefined {
  return filter === 'all' ? undefined : new Date(now.getTime() - TIME_FILTER_MS[filter]);
}

/** The filters as a query string, for links and the live stream's address. */
export function boardQueryString(filters: BoardQuery): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters) as [keyof BoardQuery, string][]) {
    if (value !== '' && value !== DEFAULT_BOARD_QUERY[name]) params.set(name, value);
  }
  return params.toString();
}

// ---- route schemas ----------------------------------------------------------------------------------------

const shortString = { type: 'string', maxLength: 64 } as const;

export const incidentIdParams = {
  type: 'object',
  properties: { id: shortString },
  required: ['id'],
} as const;

export const boardQuerySchema = {
  type: 'object',
  properties: {
    status: shortString,
    type: shortString,
    agency: shortString,
    zip: shortString,
    time: shortString,
    lang: shortString,
  },
} as const;

export const eventsQuerySchema = {
  type: 'object',
  properties: {
    ...boardQuerySchema.properties,
    since: { type: 'string', pattern: '^[0-9]{1,15}$' },
    frame: shortString,
  },
} as const;

export const newIncidentQuery = {
  type: 'object',
  properties: { report: shortString, lang: shortString },
} as const;

// Text fields are bounded generously here and exactly in the validators, which answer in words.
const formText = { type: 'string', maxLength: 20_000 } as const;
const csrf = { type: 'string', maxLength: 256 } as const;

export const createIncidentBody = {
  type: 'object',
  properties: {
    _csrf: csrf,
    report_id: shortString,
    type: shortString,
    agency: shortString,
    point: formText,
    place_name: formText,
    zip: shortString,
    summary: formText,
  },
} as const;

export const placeBody = {
  type: 'object',
  properties: { _csrf: csrf, point: formText, place_name: formText },
} as const;

export const addReportBody = {
  type: 'object',
  properties: { _csrf: csrf, report_id: shortString },
} as const;

export const statusChangeBody = {
  type: 'object',
  properties: { _csrf: csrf, to: shortString, reason: formText },
} as const;

export const mergeBody = {
  type: 'object',
  properties: { _csrf: csrf, target: shortString, reason: formText },
} as const;

export const splitBody = {
  type: 'object',
  properties: {
    _csrf: csrf,
    report_ids: { type: 'array', items: shortString, maxItems: 500 },
    type: shortString,
    agency: shortString,
    reason: formText,
  },
} as const;
