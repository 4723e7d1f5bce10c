// What the case forms accept. Checked by plain functions rather than the route's JSON schema, so a rejected
// form comes back with every typed value and a message beside each field, in the user's language.
import type { Language } from '../../config/config.ts';
import { textablePhone } from '../../phone/phone.ts';
import type { FieldError } from '../../http/form.ts';
import { isLanguage } from '../../i18n/i18n.ts';
import { characters, isReadableText } from '../../http/form.ts';
import { isUuid } from '../../http/ids.ts';
import type { FamilyContactDetails } from './cases.family.ts';
import {
  CAREGIVER_PLANS,
  normalizeANumber,
  parseLanguageList,
  type CaregiverPlan,
  type CaseDetails,
} from './cases.model.ts';

export const DETAIL_FIELDS = [
  'name',
  'other_names',
  'date_of_birth',
  'country_of_birth',
  'a_number',
  'person_languages',
  'family_languages',
  'interpreter_needed',
  'interpreter_language',
  'last_seen_place',
  'last_seen_at',
  'dependents_count',
  'dependents_description',
  'caregiver_plan',
  'caregiver_notes',
] as const;
export const CONTACT_FIELDS = [
  'contact_name',
  'contact_relationship',
  'contact_phone',
  'contact_language',
  'contact_consent',
] as const;
export const OPENING_FIELDS = [
  'team_id',
  'task_id',
  'incident_id',
  'confirm_not_duplicate',
  'add_to_case',
] as const;

export type DetailField = (typeof DETAIL_FIELDS)[number];
export type ContactField = (typeof CONTACT_FIELDS)[number];
export type CaseFormField = DetailField | ContactField | (typeof OPENING_FIELDS)[number];

/** The form as typed, kept verbatim so a rejected form can be shown again exactly as it was. */
export type CaseFormValues = Partial<Record<CaseFormField, string>>;

export type CaseFormErrors = Partial<Record<CaseFormField, FieldError>>;

export const MAX_SHORT_CHARS = 200;
export const MAX_LONG_CHARS = 2000;
const MAX_DEPENDENTS = 50;

const LONG_FIELDS: readonly CaseFormField[] = [
  'dependents_description',
  'caregiver_notes',
  'last_seen_place',
];

/** Reads a urlencoded body into the form's values: first value wins, anything else is left out. */
export function formValues<F extends string>(
  body: unknown,
  fields: readonly F[],
): Partial<Record<F, string>> {
  const values: Partial<Record<F, string>> = {};
  if (body === null || typeof body !== 'object') return values;
  const record = body as Record<string, unknown>;
  for (const field of fields) {
    const raw = record[field];
    const value: unknown = Array.isArray(raw) ? (raw as unknown[])[0] : raw;
    if (typeof value === 'string') values[field] = value;
  }
  return values;
}

function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

function checker(values: CaseFormValues, errors: CaseFormErrors) {
  const text = (field: CaseFormField): string => (values[field] ?? '').trim();
  const fail = (field: CaseFormField, error: FieldError): void => {
    errors[field] ??= error;
  };
  const bounded = (field: CaseFormField): string => {
    const value = text(field);
    if (!isReadableText(values[field] ?? '')) fail(field, { key: 'cases.error_encoding' });
    const max = LONG_FIELDS.includes(field) ? MAX_LONG_CHARS : MAX_SHORT_CHARS;
    if (characters(value) > max) fail(field, { key: 'cases.error_too_long', params: { max } });
    return value;
  };
  return { text, fail, bounded };
}

export type DetailsValidation = { ok: true; details: CaseDetails } | { ok: false; errors: CaseFormErrors };

/** The person, languages, last seen and dependents, as the new-case and edit forms send them. */
export function validateDetails(values: CaseFormValues, today: string): DetailsValidation {
  const errors: CaseFormErrors = {};
  const { text, fail, bounded } = checker(values, errors);

  const name = bounded('name');
  if (name === '') fail('name', { key: 'cases.error_required' });
  const otherNames = bounded('other_names');
  const countryOfBirth = bounded('country_of_birth');

  const dob = text('date_of_birth');
  let dateOfBirth: string | null = null;
  if (dob !== '') {
    if (!isRealDate(dob) || dob > today || dob < '1900-01-01')
      fail('date_of_birth', { key: 'cases.error_date' });
    else dateOfBirth = dob;
  }

  const rawANumber = text('a_number');
  let aNumber: string | null = null;
  if (rawANumber !== '') {
    const result = normalizeANumber(rawANumber);
    if (result.ok) aNumber = result.aNumber;
    else
      fail('a_number', {
        key: result.problem === 'digits' ? 'cases.error_a_number_digits' : 'cases.error_a_number_characters',
      });
  }

  const personLanguages = parseLanguageList(bounded('person_languages'));
  const familyLanguages = parseLanguageList(bounded('family_languages'));
  const interpreterNeeded = text('interpreter_needed') !== '';
  const interpreterLanguage = bounded('interpreter_language');

  const lastSeenPlace = bounded('last_seen_place');
  const lastSeenRaw = text('last_seen_at');
  let lastSeenAt: string | null = null;
  if (lastSeenRaw !== '') {
    const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/.exec(lastSeenRaw);
    if (
      !match ||
      !isRealDate(match[1]!) ||
      Number(match[2]) > 23 ||
      Number(match[3]) > 59 ||
      match[1]! > today
    )
      fail('last_seen_at', { key: 'cases.error_datetime' });
    else lastSeenAt = lastSeenRaw;
  }

  const countRaw = text('dependents_count');
  let count: number | null = null;
  if (countRaw !== '') {
    const value = /^\d{1,3}$/.test(countRaw) ? Number(countRaw) : NaN;
    if (Number.isInteger(value) && value <= MAX_DEPENDENTS) count = value;
    else fail('dependents_count', { key: 'cases.error_count', params: { max: MAX_DEPENDENTS } });
  }
  const description = bounded('dependents_description');
  const plan = text('caregiver_plan') || 'unknown';
  if (!(CAREGIVER_PLANS as readonly string[]).includes(plan))
    fail('caregiver_plan', { key: 'cases.error_choose' });
  const caregiverNotes = bounded('caregiver_notes');

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    details: {
      person: { name, otherNames, dateOfBirth, countryOfBirth, aNumber },
      languages: { person: personLanguages, family: familyLanguages, interpreterNeeded, interpreterLanguage },
      lastSeen: { place: lastSeenPlace, at: lastSeenAt },
      dependents: { count, description, caregiverPlan: plan as CaregiverPlan, caregiverNotes },
    },
  };
}

export type ContactValidation =
  { ok: true; contact: FamilyContactDetails | null } | { ok: false; errors: CaseFormErrors };

/**
 * One family contact. Every field empty means none was given (optional on the new-case form). Consent to
 * texts needs a number to text.
 */
export function validateContact(
  values: CaseFormValues,
  options: { required: boolean; fallbackLanguage: Language },
): ContactValidation {
  const errors: CaseFormErrors = {};
  const { text, fail, bounded } = checker(values, errors);
  const name = bounded('contact_name');
  const relationship = bounded('contact_relationship');
  const rawPhone = text('contact_phone');
  const consent = text('contact_consent') !== '';
  const languageRaw = text('contact_language');
  if (!options.required && name === '' && relationship === '' && rawPhone === '' && !consent) {
    return { ok: true, contact: null };
  }
  if (name === '' && rawPhone === '')
    fail('contact_name', { key: 'cases.error_contact_needs_name_or_phone' });
  let phone: string | null = null;
  if (rawPhone !== '') {
    // Family contacts get texts: a number Amparo would never text is refused here, with the reason.
    const textable = textablePhone(rawPhone);
    if (textable.ok) phone = textable.e164;
    else if (textable.problem === 'invalid') fail('contact_phone', { key: 'cases.error_phone' });
    else fail('contact_phone', { key: 'cases.error_phone_cost' });
  }
  if (consent && rawPhone === '') fail('contact_consent', { key: 'cases.error_consent_needs_phone' });
  let language: Language = options.fallbackLanguage;
  if (languageRaw !== '') {
    if (isLanguage(languageRaw)) language = languageRaw;
    else fail('contact_language', { key: 'cases.error_choose' });
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, contact: { name, relationship, phone, language, consentToUpdates: consent } };
}

/** Values for the form from stored details (the edit form starts from what the case holds). */
export function detailsToValues(details: CaseDetails): CaseFormValues {
  const { person, languages, lastSeen, dependents } = details;
  return {
    name: person.name,
    other_names: person.otherNames,
    date_of_birth: person.dateOfBirth ?? '',
    country_of_birth: person.countryOfBirth,
    a_number: person.aNumber ?? '',
    person_languages: languages.person.join(', '),
    family_languages: languages.family.join(', '),
    interpreter_needed: languages.interpreterNeeded ? 'yes' : '',
    interpreter_language: languages.interpreterLanguage,
    last_seen_place: lastSeen.place,
    last_seen_at: lastSeen.at ?? '',
    dependents_count: dependents.count === null ? '' : String(dependents.count),
    dependents_description: dependents.description,
    caregiver_plan: dependents.caregiverPlan,
    caregiver_notes: dependents.caregiverNotes,
  };
}

/** An optional id field: empty is null, a UUID is itself, anything else is INVALID_ID. */
export const INVALID_ID = Symbol('invalid id');
export function optionalId(value: string | undefined): string | null | typeof INVALID_ID {
  const trimmed = (value ?? '').trim();
  if (trimmed === '') return null;
  return isUuid(trimmed) ? trimmed.toLowerCase() : INVALID_ID;
}

export const caseIdParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

export const caseSubParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 }, sub: { type: 'string', maxLength: 64 } },
  required: ['id', 'sub'],
} as const;

/**
 * Urlencoded staff forms: strings only. No length limit per field here: an over-long value is the form's to
 * refuse (checker's `bounded`), beside its field, in the reader's language, with everything typed kept. A
 * body far beyond any form is refused by the urlencoded parser's size limit before anything reads it.
 */
export const formBody = {
  type: 'object',
  additionalProperties: {
    anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 20 }],
  },
} as const;

export const listQuery = {
  type: 'object',
  properties: { show: { type: 'string', enum: ['open', 'closed', 'all'] }, lang: { type: 'string' } },
} as const;

export const newCaseQuery = {
  type: 'object',
  properties: {
    task: { type: 'string', maxLength: 64 },
    incident: { type: 'string', maxLength: 64 },
    lang: { type: 'string' },
  },
} as const;
