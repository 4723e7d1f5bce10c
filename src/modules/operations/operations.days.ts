// Days and times in the network's zone (never the server's): the raid's local date and time typed in the form,
// the local day of an instant, and the days after the raid that the numbers cover.

const dayFormats = new Map<string, Intl.DateTimeFormat>();

function partsIn(at: Date, timeZone: string): Record<string, number> {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    dayFormats.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return parts;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The local day of an instant: "2026-08-07". */
export function localDay(at: Date, timeZone: string): string {
  const p = partsIn(at, timeZone);
  return `${pad(p.year!, 4)}-${pad(p.month!)}-${pad(p.day!)}`;
}

/** The local time of an instant: "06:30". */
export function localTime(at: Date, timeZone: string): string {
  const p = partsIn(at, timeZone);
  return `${pad(p.hour!)}:${pad(p.minute!)}`;
}

/** The instant a local date and time ("2026-08-07", "06:30") names in the zone; undefined when not a real one. */
export function instantOf(day: string, time: string, timeZone: string): Date | undefined {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return undefined;
  const [year, month, date, hour, minute] = [d[1], d[2], d[3], t[1], t[2]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59) return undefined;
  const wanted = Date.UTC(year, month - 1, date, hour, minute);
  const check = new Date(wanted);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== date) return undefined;
  // Two passes settle the zone's offset at that instant (once more across a change of offset).
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const p = partsIn(new Date(guess), timeZone);
    const seen = Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute);
    guess += wanted - seen;
  }
  return new Date(guess);
}

/** The local days from `from`'s day to `to`'s day, both included, at most `limit` (the first ones). */
export function daysBetween(from: Date, to: Date, timeZone: string, limit = 60): string[] {
  const first = localDay(from, timeZone);
  const last = localDay(to, timeZone);
  const days: string[] = [];
  let cursor = new Date(`${first}T12:00:00Z`);
  while (days.length < limit) {
    const day = cursor.toISOString().slice(0, 10);
    if (day > last) break;
    days.push(day);
    cursor = new Date(cursor.getTime() + 86_400_000);
  }
  return days;
}
