// The time an entry's event happened, as the observer's form gives it: "YYYY-MM-DDTHH:MM" in the network's
// time zone (a datetime-local field), read back into an instant, and the other way for the form's default.
import { localDateTime } from '../cases/cases.prefill.ts';

export { localDateTime };

/** How far ahead of UTC the zone's wall clock is at this instant, in milliseconds. */
function zoneOffsetMs(at: Date, timeZone: string): number {
  const wall = localDateTime(at, timeZone);
  const asUtc = Date.parse(`${wall}:00Z`);
  return asUtc - Math.floor(at.getTime() / 60_000) * 60_000;
}

/**
 * The instant a wall-clock time in the zone names, or undefined when the text is not a real date and time.
 * In a gap (clocks moved forward) it lands just after; in an overlap, the first of the two.
 */
export function instantFromLocal(value: string, timeZone: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(guess);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    return undefined;
  if (h > 23 || mi > 59) return undefined;
  let instant = guess - zoneOffsetMs(new Date(guess), timeZone);
  instant = guess - zoneOffsetMs(new Date(instant), timeZone);
  return new Date(instant);
}
