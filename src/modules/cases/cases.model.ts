// What a case holds, how its fields are sealed with the case key, and the pure rules about them: A-number
// validation and the normalized forms behind the duplicate indexes. No database, no HTTP.
import type { CaseCipher } from '../../crypto/case-keys.ts';
import type { Case } from '../../db/schema.ts';
import { fieldRef, type EncryptedColumn, type FieldRef } from '../../crypto/field-encryption.ts';

export interface CasePerson {
  name: string;
  otherNames: string;
  /** YYYY-MM-DD, or null when not known. */
  dateOfBirth: string | null;
  countryOfBirth: string;
  /** Nine digits, or null when not known. */
  aNumber: string | null;
  /** Age in years as told, when the date of birth is not known (quick case, roster). */
  age?: number | null;
}

export interface CaseLanguages {
  /** Languages the detained person speaks, most comfortable first. */
  person: string[];
  /** Languages the family speaks. */
  family: string[];
  interpreterNeeded: boolean;
  /** Which interpreter (e.g. Mam, K'iche'). */
  interpreterLanguage: string;
}

export interface CaseLastSeen {
  place: string;
  /** Local date and time as typed (YYYY-MM-DDTHH:MM), or null. */
  at: string | null;
}

export const CAREGIVER_PLANS = ['unknown', 'yes', 'no'] as const;
export type CaregiverPlan = (typeof CAREGIVER_PLANS)[number];

export interface CaseDependents {
  /** How many children and dependents are affected, when known. */
  count: number | null;
  description: string;
  caregiverPlan: CaregiverPlan;
  caregiverNotes: string;
}

export interface CaseDetails {
  person: CasePerson;
  languages: CaseLanguages;
  lastSeen: CaseLastSeen;
  dependents: CaseDependents;
}

export const EMPTY_DETAILS: CaseDetails = {
  person: { name: '', otherNames: '', dateOfBirth: null, countryOfBirth: '', aNumber: null },
  languages: { person: [], family: [], interpreterNeeded: false, interpreterLanguage: '' },
  lastSeen: { place: '', at: null },
  dependents: { count: null, description: '', caregiverPlan: 'unknown', caregiverNotes: '' },
};

export const caseField = (caseId: string, column: EncryptedColumn<'cases'>): FieldRef<'cases'> =>
  fieldRef('cases', column, caseId);

/** The sealed columns of a case row for these details. */
export function sealDetails(
  cipher: CaseCipher,
  details: CaseDetails,
): Pick<
  Case,
  'person_ciphertext' | 'languages_ciphertext' | 'last_seen_ciphertext' | 'dependents_ciphertext'
> {
  const id = cipher.caseId;
  return {
    person_ciphertext: cipher.encryptJson(caseField(id, 'person'), details.person),
    languages_ciphertext: cipher.encryptJson(caseField(id, 'languages'), details.languages),
    last_seen_ciphertext: cipher.encryptJson(caseField(id, 'last_seen'), details.lastSeen),
    dependents_ciphertext: cipher.encryptJson(caseField(id, 'dependents'), details.dependents),
  };
}

export function unsealDetails(cipher: CaseCipher, row: Case): CaseDetails {
  const open = <T>(column: EncryptedColumn<'cases'>, stored: string | null, empty: T): T =>
    stored === null ? empty : { ...empty, ...cipher.decryptJson<T>(caseField(row.id, column), stored) };
  return {
    person: open('person', row.person_ciphertext, EMPTY_DETAILS.person),
    languages: open('languages', row.languages_ciphertext, EMPTY_DETAILS.languages),
    lastSeen: open('last_seen', row.last_seen_ciphertext, EMPTY_DETAILS.lastSeen),
    dependents: open('dependents', row.dependents_ciphertext, EMPTY_DETAILS.dependents),
  };
}

export type ANumberResult = { ok: true; aNumber: string } | { ok: false; problem: 'digits' | 'characters' };

/**
 * An A-number as people write it ("A-12345678", "A 012-345-678", "12345678"): an optional A, then 8 or 9
 * digits with spaces, dashes or dots anywhere. Stored as 9 digits, an 8-digit number with a leading zero,
 * which is the form the detainee locator and the immigration court system take.
 */
export function normalizeANumber(raw: string): ANumberResult {
  const withoutPrefix = raw.trim().replace(/^a(?=[\s\-.#:]*\d)/i, '');
  if (!/^[\s\-.#:\d]*$/.test(withoutPrefix)) return { ok: false, problem: 'characters' };
  const digits = withoutPrefix.replace(/\D/g, '');
  if (digits.length === 8) return { ok: true, aNumber: `0${digits}` };
  if (digits.length === 9) return { ok: true, aNumber: digits };
  return { ok: false, problem: 'digits' };
}

/** "012345678" → "A-012-345-678", as legal staff read it. */
export function formatANumber(aNumber: string): string {
  return `A-${aNumber.slice(0, 3)}-${aNumber.slice(3, 6)}-${aNumber.slice(6)}`;
}

// The name normalization lives in src/crypto/name-index.ts (voice indexes names too); the cases module's
// callers keep importing it from here.
export { nameSpellings, normalizeName } from '../../crypto/name-index.ts';

/** Languages typed as a list ("Mam, Spanish") → ["Mam", "Spanish"], without repeats. */
export function parseLanguageList(raw: string): string[] {
  const seen = new Set<string>();
  const list: string[] = [];
  for (const part of raw.split(/[,;\n/]+/)) {
    const language = part.trim().replace(/\s+/g, ' ');
    if (language === '' || seen.has(language.toLowerCase())) continue;
    seen.add(language.toLowerCase());
    list.push(language);
  }
  return list;
}
