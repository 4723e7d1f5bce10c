// Which attorney to suggest for a case. An attorney who can take the case and talk with the detained person
// in their own language comes first; one who speaks only the family's language next; then the rest. Among
// equals, more spare capacity first. Attorneys who already represent a related party (a possible conflict of
// interest) come after everyone free of one, and attorneys at capacity come last: both can still be chosen,
// but only with an explicit confirmation. The rule is simple enough to say on the page beside each name.
import { languageKey, speaksAny, uniqueLanguages } from './case-support.languages.ts';

export interface AttorneyCandidate {
  id: string;
  name: string;
  organization: string | null;
  languages: readonly string[];
  capacity: number;
  /** Open cases the attorney currently represents. */
  openCases: number;
}

/** The languages a case needs: the detained person's, and those of the family contacts. */
export interface CaseLanguages {
  person: readonly string[];
  family: readonly string[];
}

/**
 * Why an attorney may already represent a related party:
 * - same_incident: another case opened from the same incident (people detained together);
 * - same_hotline_call: another case opened from the same hotline follow-up (one family's call about
 *   several people);
 * - shared_family_phone: another case lists a family contact with the same phone number (one household).
 * Interests of people detained together or of one household can diverge (one may be a witness about the
 * other, or the family must choose whose bond to pay first), which is why the attorney must confirm.
 */
export const CONFLICT_REASONS = ['same_incident', 'same_hotline_call', 'shared_family_phone'] as const;
export type ConflictReason = (typeof CONFLICT_REASONS)[number];

export interface AttorneySuggestion extends AttorneyCandidate {
  /** The detained person's languages this attorney speaks, in the case's order. */
  speaksPerson: string[];
  /** The family's languages this attorney speaks (those the person also speaks are not repeated). */
  speaksFamily: string[];
  spare: number;
  full: boolean;
  conflicts: ConflictReason[];
}

function languageTier(s: AttorneySuggestion): number {
  if (s.speaksPerson.length > 0) return 2;
  if (s.speaksFamily.length > 0) return 1;
  return 0;
}

function group(s: AttorneySuggestion): number {
  if (s.full) return 2;
  if (s.conflicts.length > 0) return 1;
  return 0;
}

export function rankAttorneys(
  candidates: readonly AttorneyCandidate[],
  languages: CaseLanguages,
  conflicts: ReadonlyMap<string, readonly ConflictReason[]>,
): AttorneySuggestion[] {
  const person = uniqueLanguages(languages.person);
  const personKeys = new Set(person.map(languageKey));
  const family = uniqueLanguages(languages.family).filter(
    (language) => !personKeys.has(languageKey(language)),
  );
  const suggestions = candidates.map((candidate): AttorneySuggestion => {
    const spare = Math.max(0, candidate.capacity - candidate.openCases);
    return {
      ...candidate,
      speaksPerson: person.filter((code) => speaksAny(candidate.languages, code)),
      speaksFamily: family.filter((code) => speaksAny(candidate.languages, code)),
      spare,
      full: candidate.openCases >= candidate.capacity,
      conflicts: [...(conflicts.get(candidate.id) ?? [])],
    };
  });
  return suggestions.sort(
    (a, b) =>
      group(a) - group(b) ||
      languageTier(b) - languageTier(a) ||
      b.speaksPerson.length + b.speaksFamily.length - (a.speaksPerson.length + a.speaksFamily.length) ||
      b.spare - a.spare ||
      a.name.localeCompare(b.name) ||
      a.id.localeCompare(b.id),
  );
}
