// What the profile, dispatch panel and verification forms accept, and how a responder's text is read. Forms
// are checked by plain functions, not route schemas, so a rejected form comes back with everything typed and
// a message beside each field, in the reader's language.
import { isUuid } from '../../http/ids.ts';
import { textablePhone } from '../../phone/phone.ts';
import {
  IDENTIFIED_BY,
  REPORT_ACTIVITIES,
  REPORT_AGENCIES,
  VERIFICATION_OUTCOMES,
  type IdentifiedBy,
  type IncidentAgency,
  type ReportActivity,
  type VerificationOutcome,
} from '../../db/schema.ts';
import { isKnownZip } from '../../geo/geo.ts';
import type { FieldError } from '../../http/form.ts';
import { characters, isReadableText, oneOf } from '../../http/form.ts';
import type { ProfileInput } from '../staff/staff.service.ts';

/** Splits "es, en mam" or "60623 60608" into its parts. */
function listOf(value: string): string[] {
  return value
    .split(/[\s,;]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}

// ---------------------------------------------------------------------------------------------------------
// Staff profile

export const PROFILE_FIELDS = ['display_name', 'phone', 'languages', 'home_zips', 'on_shift'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];
export type ProfileFormValues = Partial<Record<ProfileField, string>>;
export type ProfileFormErrors = Partial<Record<ProfileField, FieldError>>;

export const MAX_DISPLAY_NAME_CHARS = 80;
export const MAX_LANGUAGES = 8;
export const MAX_HOME_ZIPS = 10;
/**
 * A language code as a dispatcher would type it: ISO 639-1 or -3 (en, es, ht, pt, vi, mam, quc), optionally
 * with a region or script (pt-BR, zh-Hant). Indigenous languages such as Mam or K'iche' only have 3-letter codes.
 */
const LANGUAGE_CODE = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/;

/** The language codes a profile form value holds, each once, in order ("en, es" from before the list too). */
export function profileLanguageCodes(value: string): string[] {
  return [...new Set(listOf(value.toLowerCase()))];
}

/**
 * The profile form's languages as one value for validateProfileForm: the ticked boxes (one value or many; an
 * older form's typed "en, es" reads the same), with the language chosen for texts put first, since the first
 * of English and Spanish is the language of the texts the person gets.
 */
export function profileLanguagesValue(ticked: unknown, textsIn: unknown): string {
  const values = (Array.isArray(ticked) ? ticked : [ticked]).filter(
    (v): v is string => typeof v === 'string',
  );
  const codes = profileLanguageCodes(values.join(','));
  const first = textsIn === 'en' || textsIn === 'es' ? [textsIn] : [];
  return [...new Set([...first, ...codes])].join(', ');
}

/** What the profile form saves (the staff module's saveProfile takes it). */
export type { ProfileInput };

export type ProfileValidation = { ok: true; input: ProfileInput } | { ok: false; errors: ProfileFormErrors };

/**
 * @param needsPhoneOnShift the person's roles are reached by phone while on shift (responders get dispatch
 * texts; the voice line rings dispatchers), so going on shift without a number would leave them unreachable.
 */
export function validateProfileForm(
  values: ProfileFormValues,
  needsPhoneOnShift: boolean,
): ProfileValidation {
  const errors: ProfileFormErrors = {};
  const text = (field: ProfileField): string => (values[field] ?? '').trim();
  for (const field of PROFILE_FIELDS) {
    if (!isReadableText(values[field] ?? '')) errors[field] = { key: 'profile.error_encoding' };
  }
  const fail = (field: ProfileField, error: FieldError): void => {
    errors[field] ??= error;
  };

  const displayName = text('display_name').replace(/\s+/g, ' ');
  if (displayName === '') fail('display_name', { key: 'profile.error_required' });
  else if (characters(displayName) > MAX_DISPLAY_NAME_CHARS)
    fail('display_name', { key: 'profile.error_too_long', params: { max: MAX_DISPLAY_NAME_CHARS } });

  const rawPhone = text('phone');
  let phone: string | null = null;
  if (rawPhone !== '') {
    // Dispatches reach responders by text: a number Amparo would never text is refused here.
    const textable = textablePhone(rawPhone);
    if (textable.ok) phone = textable.e164;
    else if (textable.problem === 'invalid') fail('phone', { key: 'profile.error_phone' });
    else fail('phone', { key: 'profile.error_phone_cost' });
  }

  const languages = profileLanguageCodes(text('languages'));
  if (languages.length === 0) fail('languages', { key: 'profile.error_languages_required' });
  else if (languages.length > MAX_LANGUAGES)
    fail('languages', { key: 'profile.error_too_many', params: { max: MAX_LANGUAGES } });
  else if (!languages.every((code) => LANGUAGE_CODE.test(code)))
    fail('languages', { key: 'profile.error_language_code' });

  const homeZips = [...new Set(listOf(text('home_zips')))];
  if (homeZips.length > MAX_HOME_ZIPS)
    fail('home_zips', { key: 'profile.error_too_many', params: { max: MAX_HOME_ZIPS } });
  else {
    const unknown = homeZips.find((zip) => !/^[0-9]{5}$/.test(zip) || !isKnownZip(zip));
    // The unknown ZIP is named: it is one of the person's own five digits, shown back only to them.
    if (unknown !== undefined) fail('home_zips', { key: 'profile.error_zip', params: { zip: unknown } });
  }

  const onShift = text('on_shift') !== '';
  if (onShift && needsPhoneOnShift && rawPhone === '')
    fail('phone', { key: 'profile.error_phone_for_shift' });

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, input: { displayName, phone, languages, homeZips, onShift } };
}

// ---------------------------------------------------------------------------------------------------------
// Dispatch panel

export interface DispatchRequest {
  responderId: string;
  /** The dispatcher ticked "send anyway" beside the crowd-cap warning. */
  confirmOverCap: boolean;
}

export function parseDispatchRequest(body: Record<string, unknown> | undefined): DispatchRequest | undefined {
  const responderId = body?.responder_id;
  if (!isUuid(responderId)) return undefined;
  return {
    responderId,
    confirmOverCap: typeof body?.confirm_over_cap === 'string' && body.confirm_over_cap !== '',
  };
}

export const dispatchBody = {
  type: 'object',
  properties: {
    _csrf: { type: 'string', maxLength: 256 },
    responder_id: { type: 'string', maxLength: 64 },
    confirm_over_cap: { type: 'string', maxLength: 8 },
  },
} as const;

// ---------------------------------------------------------------------------------------------------------
// A responder's answer, on the page or by text

export const RESPONDER_ANSWERS = ['on_way', 'declined', 'arrived'] as const;
export type ResponderAnswer = (typeof RESPONDER_ANSWERS)[number];
/** The dispatches table allows 0–600 minutes. */
export const MAX_ETA_MINUTES = 600;

export type AnswerValidation =
  { ok: true; answer: ResponderAnswer; etaMinutes: number | null } | { ok: false; error: FieldError };

export function validateAnswerForm(values: { answer?: unknown; eta?: unknown }): AnswerValidation {
  const answer = typeof values.answer === 'string' ? values.answer : '';
  if (!oneOf(RESPONDER_ANSWERS, answer)) return { ok: false, error: { key: 'verify.error_choose' } };
  const raw = typeof values.eta === 'string' ? values.eta.trim() : '';
  if (answer !== 'on_way' || raw === '') return { ok: true, answer, etaMinutes: null };
  const eta = /^[0-9]{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(eta) || eta > MAX_ETA_MINUTES)
    return { ok: false, error: { key: 'verify.error_eta', params: { max: MAX_ETA_MINUTES } } };
  return { ok: true, answer, etaMinutes: eta };
}

export const answerBody = {
  type: 'object',
  properties: {
    _csrf: { type: 'string', maxLength: 256 },
    answer: { type: 'string', maxLength: 16 },
    eta: { type: 'string' },
  },
} as const;

export type TextAnswer = { kind: 'on_way'; etaMinutes: number | null } | { kind: 'declined' };

/**
 * Reads a responder's text: "1" (on my way), "1 15", "1 15 min", "1, 15 minutos" (on my way, 15 minutes),
 * "2" (can't go). Anything else is undefined, and the responder is told the choices again.
 */
export function parseResponderText(body: string): TextAnswer | undefined {
  const text = body
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[.!]+$/, '');
  if (/^2$/.test(text)) return { kind: 'declined' };
  // A separator is needed: "12" or "115" is more likely a typo than "1" with an ETA.
  const onWay = /^1(?:[\s,:;-]+([0-9]{1,3})\s*(?:m|min|mins|minute|minutes|minuto|minutos)?)?$/.exec(text);
  if (!onWay) return undefined;
  if (onWay[1] === undefined) return { kind: 'on_way', etaMinutes: null };
  const eta = Number(onWay[1]);
  return eta <= MAX_ETA_MINUTES ? { kind: 'on_way', etaMinutes: eta } : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Verification

export const VERIFICATION_TEXT_FIELDS = [
  'anyone_present',
  'agency',
  'activity',
  'agents_count',
  'vehicles_count',
  'notes',
  'outcome',
] as const;
export type VerificationTextField = (typeof VERIFICATION_TEXT_FIELDS)[number];
export type VerificationField = VerificationTextField | 'identified_by' | 'photo';

export interface VerificationFormValues extends Partial<Record<VerificationTextField, string>> {
  identified_by?: string[];
}
export type VerificationFormErrors = Partial<Record<VerificationField, FieldError>>;

export const MAX_NOTES_CHARS = 5000;
const MAX_COUNT = 1000;
/** Longer than the notes may be in four-byte UTF-8, so the limit that bites is ours, not the parser's. */
export const VERIFICATION_FIELD_BYTE_LIMIT = 24 * 1024;

export interface VerificationInput {
  anyonePresent: boolean;
  agency: IncidentAgency;
  identifiedBy: IdentifiedBy[];
  activity: ReportActivity | null;
  agentsCount: number | null;
  vehiclesCount: number | null;
  notes: string | null;
  outcome: VerificationOutcome;
}

export type VerificationValidation =
  { ok: true; input: VerificationInput } | { ok: false; errors: VerificationFormErrors };

export const VERIFICATION_FORM_DEFAULTS: VerificationFormValues = { agency: 'unknown' };

export function validateVerificationForm(values: VerificationFormValues): VerificationValidation {
  const errors: VerificationFormErrors = {};
  const text = (field: VerificationTextField): string => (values[field] ?? '').trim();
  for (const field of VERIFICATION_TEXT_FIELDS) {
    if (!isReadableText(values[field] ?? '')) errors[field] = { key: 'verify.error_encoding' };
  }
  const fail = (field: VerificationField, error: FieldError): void => {
    errors[field] ??= error;
  };

  const present = text('anyone_present');
  if (present === '') fail('anyone_present', { key: 'verify.error_required' });
  else if (present !== 'yes' && present !== 'no') fail('anyone_present', { key: 'verify.error_choose' });

  const agency = text('agency') || 'unknown';
  if (!oneOf(REPORT_AGENCIES, agency)) fail('agency', { key: 'verify.error_choose' });

  const identifiedBy = [...new Set(values.identified_by ?? [])];
  if (!identifiedBy.every((value) => oneOf(IDENTIFIED_BY, value)))
    fail('identified_by', { key: 'verify.error_choose' });

  const activity = text('activity');
  if (activity !== '' && !oneOf(REPORT_ACTIVITIES, activity))
    fail('activity', { key: 'verify.error_choose' });

  const counts: Partial<Record<'agents_count' | 'vehicles_count', number>> = {};
  for (const field of ['agents_count', 'vehicles_count'] as const) {
    const raw = text(field);
    if (raw === '') continue;
    const value = /^[0-9]{1,4}$/.test(raw) ? Number(raw) : NaN;
    if (Number.isInteger(value) && value <= MAX_COUNT) counts[field] = value;
    else fail(field, { key: 'verify.error_count', params: { max: MAX_COUNT } });
  }

  const notes = text('notes');
  if (characters(notes) > MAX_NOTES_CHARS)
    fail('notes', { key: 'verify.error_too_long', params: { max: MAX_NOTES_CHARS } });

  const outcome = text('outcome');
  if (outcome === '') fail('outcome', { key: 'verify.error_required' });
  else if (!oneOf(VERIFICATION_OUTCOMES, outcome)) fail('outcome', { key: 'verify.error_choose' });
  else if (outcome === 'confirmed') {
    // A confirmation is what lets an alert go out: it must rest on something the responder saw.
    if (present === 'no') fail('outcome', { key: 'verify.error_confirm_nobody' });
    if (present === 'yes' && identifiedBy.length === 0)
      fail('identified_by', { key: 'verify.error_confirm_how' });
    if (agency === 'local_police') fail('agency', { key: 'verify.error_confirm_local_police' });
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    input: {
      anyonePresent: present === 'yes',
      agency: agency as IncidentAgency,
      identifiedBy: identifiedBy as IdentifiedBy[],
      activity: activity === '' ? null : (activity as ReportActivity),
      agentsCount: counts.agents_count ?? null,
      vehiclesCount: counts.vehicles_count ?? null,
      notes: notes === '' ? null : notes,
      outcome: outcome as VerificationOutcome,
    },
  };
}

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

export const profileBody = {
  type: 'object',
  properties: {
    _csrf: { type: 'string', maxLength: 256 },
    // No length limits here: an over-long value comes back in the form with a message, not as a bare 400.
    display_name: { type: 'string' },
    phone: { type: 'string' },
    // Ticked boxes: one value or many (an older form sends the codes typed in one field).
    languages: {
      anyOf: [{ type: 'string' }, { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 64 } }],
    },
    texts_in: { type: 'string', maxLength: 8 },
    home_zips: { type: 'string' },
    on_shift: { type: 'string' },
    /** 'home': the shift form on the home page, which goes back there. */
    from: { type: 'string', maxLength: 8 },
  },
} as const;

export const panelQuery = {
  type: 'object',
  properties: {
    sent: { type: 'string', maxLength: 64 },
    stood_down: { type: 'string', maxLength: 64 },
    called_out: { type: 'string', maxLength: 8 },
    room: { type: 'string', maxLength: 8 },
    lang: { type: 'string' },
  },
} as const;

/** A count carried back to the panel in its query (after a callout); anything else is no count at all. */
export function queryCount(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,4}$/.test(value)) return undefined;
  return Number(value);
}

/** Standing a responder down carries nothing but the form token: the dispatch is in the path. */
export const standDownBody = {
  type: 'object',
  properties: { _csrf: { type: 'string', maxLength: 256 } },
} as const;

/** Nor does a callout: whom to text is decided under the incident's lock, not by the form. */
export const calloutBody = standDownBody;

export const savedQuery = {
  type: 'object',
  properties: { saved: { type: 'string', maxLength: 8 }, lang: { type: 'string' } },
} as const;
