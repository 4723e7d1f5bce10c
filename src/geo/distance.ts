// Distances as people read and type them: in miles (US networks, the default) or kilometres, by setting
// (AMPARO_DISTANCE_UNIT). Amparo keeps metres inside; only what is shown or typed is in the network's unit.
import type { DistanceUnit, Language } from '../config/config.ts';

export const METERS_PER_MILE = 1609.344;
const METERS_PER_FOOT = 0.3048;

function locale(lang: Language): string {
  return lang === 'es' ? 'es-US' : 'en-US';
}

function format(value: number, unit: 'mile' | 'kilometer' | 'foot' | 'meter', lang: Language): string {
  return new Intl.NumberFormat(locale(lang), {
    style: 'unit',
    unit,
    unitDisplay: 'short',
    maximumFractionDigits: 1,
  }).format(value);
}

/** Metres in the network's unit (miles or kilometres), not rounded. */
export function metersToUnit(meters: number, unit: DistanceUnit): number {
  return unit === 'mi' ? meters / METERS_PER_MILE : meters / 1000;
}

export function unitToMeters(value: number, unit: DistanceUnit): number {
  return unit === 'mi' ? value * METERS_PER_MILE : value * 1000;
}

/**
 * "15.5 mi", "0,4 km", "500 ft": one decimal at most; under a tenth of a mile in feet and under a kilometre in
 * metres (both to the nearest ten), where a decimal of the larger unit would read as nothing.
 */
export function formatDistance(meters: number, unit: DistanceUnit, lang: Language): string {
  if (unit === 'mi') {
    const miles = meters / METERS_PER_MILE;
    if (miles < 0.1) return format(Math.round(meters / METERS_PER_FOOT / 10) * 10, 'foot', lang);
    return format(miles, 'mile', lang);
  }
  if (meters < 1000) return format(Math.round(meters / 10) * 10, 'meter', lang);
  return format(meters / 1000, 'kilometer', lang);
}

/**
 * A distance typed in the network's unit ("2", "1.5", "1,5", "2 mi") as metres, or null when it is not a
 * number. The caller checks the range.
 */
export function parseDistance(text: string, unit: DistanceUnit): number | null {
  const match =
    /^\s*([0-9]{1,6}(?:[.,][0-9]{1,3})?)\s*(?:mi|km|millas?|miles?|kil[oó]metros?|kilometres?)?\s*$/i.exec(
      text,
    );
  if (!match) return null;
  const value = Number(match[1]!.replace(',', '.'));
  return Number.isFinite(value) ? unitToMeters(value, unit) : null;
}
