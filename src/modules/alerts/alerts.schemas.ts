// What the alert pages accept. Route schemas only bound sizes and shapes; the forms are checked here by plain
// functions, so a dispatcher's form comes back with what they typed and a message in their language. The area
// label is the only text a person types into an alert: it is checked to refuse anything that looks like a
// street address, a phone number or an A-number, since SMS is never confidential.
import type { DistanceUnit } from '../../config/config.ts';
import { parseDistance } from '../../geo/distance.ts';
import { ALERT_KINDS, type AlertKind, type DrawnArea } from '../../db/schema.ts';
import { isKnownZip } from '../../geo/geo.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import {
  bodyText,
  isReadableText,
  readableFormValues,
  type FieldError,
  type FormErrors,
  type Validation,
} from '../../http/form.ts';
import { isAdviceFor, isWhatFor } from './alerts.templates.ts';
import { isValidArea } from './alerts.targeting.ts';

export const MAX_AREA_LABEL_CHARS = 50;
export const MIN_RADIUS_METERS = 100;
export const MAX_RADIUS_METERS = 50_000;
export const MAX_LISTED_ZIPS = 200;
export const MAX_DRAWN_AREAS = 10;
export const MAX_AREA_POINTS = 50;

export function isAlertKind(value: unknown): value is AlertKind {
  return typeof value === 'string' && (ALERT_KINDS as readonly string[]).includes(value);
}

// ---- the area label ----------------------------------------------------------------------------------------

const STREET_WORDS =
  'st|street|ave|avenue|av|blvd|boulevard|rd|road|dr|drive|ln|lane|ct|court|pl|place|pkwy|parkway|hwy|highway|way|ter|terrace|cir|circle|calle|avenida|camino';
/** Words that may follow a number without making it a house number ("within 3 blocks", "Route 9 area"). */
const NOT_A_STREET =
  'blocks?|miles?|mi|km|kilometers?|meters?|m|cuadras?|millas?|kilometros?|metros?|and|y|or|o|area|zone|zona|corridor';

function isZipCode(number: string): boolean {
  return number.length === 5 && isKnownZip(number);
}

/**
 * Why an area label is refused, or undefined when it is fine. The checks are deliberately broad: a
 * neighbourhood name, cross streets or ZIP codes never trip them, and a refused label is one retyped, not
 * one leaked to every phone in the area.
 */
export function areaLabelProblem(label: string): MessageKey | undefined {
  // A-numbers: A followed by 8 or 9 digits, however they are grouped.
  if (/\bA\s*[-#:]?\s*\d{2,3}[\s.-]?\d{3}[\s.-]?\d{3}\b/i.test(label)) return 'alerts.error_area_a_number';
  // Phone numbers (and A-numbers written without the A): any run of digits, grouped however, holding 7 or
  // more digits, unless it is a list of ZIP codes ("60623 60608").
  for (const run of label.matchAll(/\+?\d[\d\s.()/-]*\d/g)) {
    const groups = run[0].split(/\D+/).filter(Boolean);
    if (groups.every(isZipCode)) continue;
    if (groups.join('').length >= 7 || run[0].startsWith('+')) return 'alerts.error_area_phone';
  }
  if (/\S@\S/.test(label)) return 'alerts.error_area_phone';
  // Street addresses: a house number before a name ("2400 S Pulaski", "2400 W. 26th St", "123 26th Street"),
  // or an apartment or unit.
  const houseNumbers = [
    new RegExp(`(?:^|[^\\d])(\\d{1,5})[a-z]?\\s+(?:[nsew]\\.?\\s+)?(?!(?:${NOT_A_STREET})\\b)[a-zà-ÿ]`, 'gi'),
    new RegExp(`(?:^|[^\\d])(\\d{1,5})\\s+[\\wà-ÿ. ]{1,30}\\b(?:${STREET_WORDS})\\b`, 'gi'),
  ];
  for (const pattern of houseNumbers) {
    for (const match of label.matchAll(pattern)) {
      // Five digits are a ZIP code when they are one ("60623 and 60608").
      if (!isZipCode(match[1]!)) return 'alerts.error_area_address';
    }
  }
  if (/#\s*\d|\b(apt|apartment|unit|suite|ste|depto|departamento|piso)\b\.?\s*\d/i.test(label))
    return 'alerts.error_area_address';
  return undefined;
}

function checkAreaLabel(label: string): FieldError | undefined {
  if (label === '') return { key: 'alerts.error_area_required' };
  if (!isReadableText(label)) return { key: 'alerts.error_encoding' };
  if ([...label].length > MAX_AREA_LABEL_CHARS)
    return { key: 'alerts.error_too_long', params: { max: MAX_AREA_LABEL_CHARS } };
  const problem = areaLabelProblem(label);
  return problem ? { key: problem } : undefined;
}

// ---- composing ---------------------------------------------------------------------------------------------

export type ComposeField = 'kind' | 'what' | 'advice' | 'area_label';
export const COMPOSE_FIELDS: readonly ComposeField[] = ['kind', 'what', 'advice', 'area_label'];

export interface ComposeInput {
  kind: AlertKind;
  whatKey: string | null;
  adviceKey: string;
  areaLabel: string;
}

/**
 * Checks the wording a composer chose. Which kinds an incident may have is the service's rule (it needs the
 * incident); here the phrases must come from the kind's own lists.
 */
export function validateComposeForm(body: Record<string, unknown>): Validation<ComposeInput, ComposeField> {
  const errors: FormErrors<ComposeField> = {};
  const kind = bodyText(body, 'kind');
  if (!isAlertKind(kind)) errors.kind = { key: 'alerts.error_choose' };
  const what = bodyText(body, 'what');
  const advice = bodyText(body, 'advice');
  const areaLabel = bodyText(body, 'area_label').replace(/\s+/g, ' ');
  if (isAlertKind(kind)) {
    if (kind === 'know_your_rights') {
      if (what !== '') errors.what = { key: 'alerts.error_choose' };
    } else if (!isWhatFor(kind, what)) errors.what = { key: 'alerts.error_choose' };
    if (!isAdviceFor(kind, advice)) errors.advice = { key: 'alerts.error_choose' };
    if (kind !== 'know_your_rights') {
      const problem = checkAreaLabel(areaLabel);
      if (problem) errors.area_label = problem;
    }
  }
  if (Object.keys(errors).length > 0 || !isAlertKind(kind))
    return { ok: false, errors, values: readableFormValues(body, COMPOSE_FIELDS) };
  return {
    ok: true,
    value: {
      kind,
      whatKey: kind === 'know_your_rights' ? null : what,
      adviceKey: advice,
      areaLabel: kind === 'know_your_rights' ? '' : areaLabel,
    },
  };
}

// ---- targeting ---------------------------------------------------------------------------------------------

export type TargetingField = 'radius' | 'add_zips' | 'remove_zips' | 'areas';
export const TARGETING_FIELDS: readonly TargetingField[] = ['radius', 'add_zips', 'remove_zips', 'areas'];

export interface TargetingInput {
  radiusMeters: number;
  addedZips: string[];
  removedZips: string[];
  drawnAreas: DrawnArea[];
}

function zipList(value: string): { zips: string[]; bad: string[] } {
  const words = value.split(/[\s,;]+/).filter(Boolean);
  const zips: string[] = [];
  const bad: string[] = [];
  for (const word of words) {
    if (/^[0-9]{5}$/.test(word) && isKnownZip(word)) zips.push(word);
    else bad.push(word);
  }
  return { zips: [...new Set(zips)].sort(), bad };
}

/** Drawn areas as typed without a map: one area per line, points as "lat,lon" separated by semicolons. */
export function parseAreas(value: string): { areas: DrawnArea[]; badLine: number | undefined } {
  const areas: DrawnArea[] = [];
  const lines = value.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const points = line
      .split(';')
      .map((point) => point.trim())
      .filter(Boolean)
      .map((point) => {
        const match = /^(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)$/.exec(point);
        return match ? ([Number(match[1]), Number(match[2])] as [number, number]) : undefined;
      });
    if (points.some((point) => point === undefined) || points.length > MAX_AREA_POINTS)
      return { areas, badLine: index + 1 };
    const area = points as DrawnArea;
    if (!isValidArea(area)) return { areas, badLine: index + 1 };
    areas.push(area);
  }
  return { areas, badLine: undefined };
}

/** Drawn areas written back into the form, as parseAreas reads them. */
export function formatAreas(areas: readonly DrawnArea[]): string {
  return areas.map((area) => area.map(([lat, lon]) => `${lat},${lon}`).join('; ')).join('\n');
}

/** @param unit the network's distance unit (AMPARO_DISTANCE_UNIT): the radius is typed in it, kept in metres. */
export function validateTargetingForm(
  body: Record<string, unknown>,
  unit: DistanceUnit,
): Validation<TargetingInput, TargetingField> {
  const errors: FormErrors<TargetingField> = {};
  for (const name of TARGETING_FIELDS)
    if (!isReadableText(bodyText(body, name))) errors[name] = { key: 'alerts.error_encoding' };
  const typed = parseDistance(bodyText(body, 'radius'), unit);
  const radius = typed === null ? Number.NaN : Math.round(typed);
  if (!(radius >= MIN_RADIUS_METERS && radius <= MAX_RADIUS_METERS))
    errors.radius ??= { key: 'alerts.error_radius' };
  const added = zipList(bodyText(body, 'add_zips'));
  const removed = zipList(bodyText(body, 'remove_zips'));
  for (const [field, list] of [
    ['add_zips', added],
    ['remove_zips', removed],
  ] as const) {
    if (list.bad.length > 0)
      errors[field] ??= {
        key: 'alerts.error_target_zips',
        params: { zips: list.bad.slice(0, 5).join(', ') },
      };
    else if (list.zips.length > MAX_LISTED_ZIPS)
      errors[field] ??= { key: 'alerts.error_too_many_zips_listed', params: { max: MAX_LISTED_ZIPS } };
  }
  const { areas, badLine } = parseAreas(bodyText(body, 'areas'));
  if (badLine !== undefined)
    errors.areas ??= { key: 'alerts.error_area_points', params: { line: badLine, max: MAX_AREA_POINTS } };
  else if (areas.length > MAX_DRAWN_AREAS)
    errors.areas ??= { key: 'alerts.error_too_many_areas', params: { max: MAX_DRAWN_AREAS } };
  if (Object.keys(errors).length > 0)
    return { ok: false, errors, values: readableFormValues(body, TARGETING_FIELDS) };
  return {
    ok: true,
    value: { radiusMeters: radius, addedZips: added.zips, removedZips: removed.zips, drawnAreas: areas },
  };
}

// ---- route schemas -----------------------------------------------------------------------------------------

const shortString = { type: 'string', maxLength: 64 } as const;
const formText = { type: 'string', maxLength: 20_000 } as const;
const csrf = { type: 'string', maxLength: 256 } as const;

export const alertIdParams = {
  type: 'object',
  properties: { id: shortString },
  required: ['id'],
} as const;

export const composeQuery = {
  type: 'object',
  properties: { kind: shortString, lang: shortString },
} as const;

export const listQuery = {
  type: 'object',
  properties: { lang: shortString },
} as const;

export const detailQuery = {
  type: 'object',
  properties: { lang: shortString, saved: shortString },
} as const;

export const eventsQuery = {
  type: 'object',
  properties: { since: { type: 'string', pattern: '^[0-9]{1,15}$' }, lang: shortString },
} as const;

export const composeBody = {
  type: 'object',
  properties: {
    _csrf: csrf,
    kind: shortString,
    what: shortString,
    advice: shortString,
    area_label: formText,
  },
} as const;

export const targetingBody = {
  type: 'object',
  properties: {
    _csrf: csrf,
    radius: shortString,
    add_zips: formText,
    remove_zips: formText,
    areas: formText,
  },
} as const;

export const approveBody = {
  type: 'object',
  properties: { _csrf: csrf, seen: shortString },
} as const;

export const cancelBody = {
  type: 'object',
  properties: { _csrf: csrf },
} as const;
