// The pure rules behind the case summary: the day the person was detained and how many days ago that was, in
// the network's time zone. No database, no HTTP.
import type { Language } from '../../config/config.ts';

/**
 * The day the person was detained: the day they were last seen free (typed in the network's zone), or, when
 * nobody knows, the day the case was opened there.
 */
export function detentionDay(lastSeenAt: string | null, openedAt: Date, timeZone: string): string {
  if (lastSeenAt && /^\d{4}-\d{2}-\d{2}/.test(lastSeenAt)) return lastSeenAt.slice(0, 10);
  return dayIn(openedAt, timeZone);
}

/** The calendar day (YYYY-MM-DD) an instant falls on in a time zone. */
export function dayIn(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** Whole days from one calendar day (YYYY-MM-DD) to another; never below zero. */
export function daysBetween(from: string, to: string): number {
  const day = (value: string) => {
    const [year, month, date] = value.split('-').map(Number) as [number, number, number];
    return Date.UTC(year, month - 1, date);
  };
  return Math.max(0, Math.round((day(to) - day(from)) / 86_400_000));
}

/** A calendar day as the reader writes dates; a day, not an instant, so no zone applies. */
export function formatCaseDay(day: string, lang: Language): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Intl.DateTimeFormat(lang === 'es' ? 'es-US' : 'en-US', {
    dateStyle: 'medium',
    timeZone: 'UTC',
  }).format(new Date(Date.UTC(year, month - 1, date)));
}

/**
 * Cases by urgency, as the modules' columns rank them (element by element, sources in their order); cases
 * no module ranks (their key destroyed) last; otherwise the order they came in.
 */
export function byUrgency<Entry extends { id: string }>(
  entries: readonly Entry[],
  rankings: readonly (ReadonlyMap<string, readonly number[]> | undefined)[],
): Entry[] {
  const rankOf = (id: string): number[] | null => {
    const ranks = rankings.flatMap((ranking) => (ranking ? [ranking.get(id)] : []));
    return ranks.every((rank) => rank !== undefined) && ranks.length > 0 ? ranks.flat() : null;
  };
  const ranked = entries.map((entry, index) => ({ entry, index, rank: rankOf(entry.id) }));
  ranked.sort((a, b) => {
    if (a.rank === null || b.rank === null)
      return a.rank === b.rank ? a.index - b.index : a.rank === null ? 1 : -1;
    for (let i = 0; i < Math.min(a.rank.length, b.rank.length); i += 1) {
      if (a.rank[i] !== b.rank[i]) return a.rank[i]! - b.rank[i]!;
    }
    return a.index - b.index;
  });
  return ranked.map((item) => item.entry);
}
