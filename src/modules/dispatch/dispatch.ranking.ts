// Which on-shift responder to send first. Minutes matter (many arrests are over within minutes), so distance
// leads; but a responder who speaks the reporter's language can talk to the family and neighbours at the
// scene, which is worth a short detour. The rule is kept simple enough to explain on the page beside each
// name: sharing the reporter's language counts as being LANGUAGE_BONUS_KM closer.
import { distanceMeters, zipCentroid, type Point } from '../../geo/geo.ts';

export const LANGUAGE_BONUS_KM = 3;

export interface Candidate {
  userId: string;
  displayName: string;
  languages: readonly string[];
  homeZips: readonly string[];
}

export interface Suggestion extends Candidate {
  /** From the centroid of the responder's nearest home ZIP to the incident; null when either is unknown. */
  distanceKm: number | null;
  /** The home ZIP the distance was measured from. */
  nearestZip: string | null;
  sharesLanguage: boolean;
}

/** "es-MX" and "es" are the same language for talking to someone. */
function primary(code: string): string {
  return code.toLowerCase().split('-')[0] ?? '';
}

export function speaksLanguage(languages: readonly string[], language: string): boolean {
  const wanted = primary(language);
  return wanted !== '' && languages.some((code) => primary(code) === wanted);
}

function nearestHome(homeZips: readonly string[], place: Point): { zip: string; km: number } | undefined {
  let best: { zip: string; km: number } | undefined;
  for (const zip of homeZips) {
    const centroid = zipCentroid(zip);
    if (!centroid) continue;
    const km = distanceMeters(centroid, place) / 1000;
    if (!best || km < best.km) best = { zip, km };
  }
  return best;
}

/** Lower is better; responders whose distance is unknown come after everyone whose distance is known. */
function score(suggestion: Suggestion): number {
  if (suggestion.distanceKm === null) return Number.POSITIVE_INFINITY;
  return suggestion.distanceKm - (suggestion.sharesLanguage ? LANGUAGE_BONUS_KM : 0);
}

export function rankResponders(
  candidates: readonly Candidate[],
  place: Point | undefined,
  reporterLanguage: string,
): Suggestion[] {
  const suggestions = candidates.map((candidate): Suggestion => {
    const home = place ? nearestHome(candidate.homeZips, place) : undefined;
    return {
      ...candidate,
      distanceKm: home ? Math.round(home.km * 10) / 10 : null,
      nearestZip: home?.zip ?? null,
      sharesLanguage: speaksLanguage(candidate.languages, reporterLanguage),
    };
  });
  return suggestions.sort(
    (a, b) =>
      score(a) - score(b) ||
      Number(b.sharesLanguage) - Number(a.sharesLanguage) ||
      a.displayName.localeCompare(b.displayName) ||
      a.userId.localeCompare(b.userId),
  );
}

/**
 * How far a callout reaches: responders whose nearest home ZIP centre is within this distance of the
 * incident. A callout texts several people at once without anyone choosing each name, so someone far away,
 * or whose distance is unknown (no home ZIP, or an incident without a place), is never called out by it; a
 * dispatcher can still send them by hand.
 */
export const CALLOUT_RADIUS_KM = 25;

/** The first `count` ranked suggestions within the callout radius: the panel's order, language bonus kept. */
export function pickForCallout(ranked: readonly Suggestion[], count: number): Suggestion[] {
  if (count <= 0) return [];
  return ranked.filter((s) => s.distanceKm !== null && s.distanceKm <= CALLOUT_RADIUS_KM).slice(0, count);
}
