// Hearing times are typed and read as the court's wall-clock time in the network's time zone
// (AMPARO_TIMEZONE), and stored as instants. Intl knows each zone's offsets; these helpers turn a typed date
// and time into the instant it names there and back, daylight saving included.
const DAY_MS = 24 * 3600_000;

export interface WallTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM, 24-hour */
  time: string;
}

function partsIn(instant: number, timeZone: string): Record<string, number> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const values: Record<string, number> = {};
  for (const part of parts) if (part.type !== 'literal') values[part.type] = Number(part.value);
  return values;
}

/** How far the zone's wall clock is ahead of UTC at this instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const p = partsIn(instant, timeZone);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock date and time names in a zone; for an hour that happens twice (clocks going back),
 * the first. Undefined for a time that never happens there (the hour skipped when clocks go forward).
 */
export function instantOf(wall: WallTime, timeZone: string): Date | undefined {
  const [year, month, day] = wall.date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = wall.time.split(':').map(Number) as [number, number];
  const naive = Date.UTC(year, month - 1, day, hour, minute);
  // The zone's offsets the day before and the day after: on a day clocks change, one of them is right for
  // each side of the change. Candidates that do not read back as the typed time are not it.
  const matches = [naive - offsetAt(naive - DAY_MS, timeZone), naive - offsetAt(naive + DAY_MS, timeZone)]
    .map((instant) => new Date(instant))
    .filter((instant) => {
      const back = wallTimeOf(instant, timeZone);
      return back.date === wall.date && back.time === wall.time;
    })
    .sort((a, b) => a.getTime() - b.getTime());
  return matches[0];
}

/** The wall-clock date and time of an instant in a zone. */
export function wallTimeOf(instant: Date, timeZone: string): WallTime {
  const p = partsIn(instant.getTime(), timeZone);
  const two = (n: number | undefined) => String(n ?? 0).padStart(2, '0');
  return {
    date: `${String(p.year).padStart(4, '0')}-${two(p.month)}-${two(p.day)}`,
    time: `${two(p.hour)}:${two(p.minute)}`,
  };
}
