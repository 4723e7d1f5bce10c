// Dates and times as people read them on the console's pages and in texts: in the reader's language and the
// network's time zone (never the server's), always with the zone's abbreviation ("10:11 PM CST"), so a time
// read from another zone (a lawyer in another state, a server abroad) is never taken for local.
import type { Language } from '../config/config.ts';

const locale = (lang: Language): string => (lang === 'es' ? 'es-US' : 'en-US');

/**
 * "Dec 6, 2026, 10:11 PM CST" / "6 dic 2026, 10:11 p.m. CST". Zones without a common abbreviation in the
 * reader's language show their offset ("GMT-5"). Intl's narrow no-break spaces become plain spaces.
 */
export function formatTime(date: Date, lang: Language, timeZone: string): string {
  return timeFormat(lang, timeZone)
    .format(date)
    .replace(/[\u202f\u00a0]/g, ' ');
}

/** One formatter per language and zone: making one costs far more than formatting (a worklist shows 200). */
const timeFormats = new Map<string, Intl.DateTimeFormat>();

function timeFormat(lang: Language, timeZone: string): Intl.DateTimeFormat {
  const key = `${lang}\0${timeZone}`;
  let format = timeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale(lang), {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    });
    timeFormats.set(key, format);
  }
  return format;
}

/** The zone's short name at that instant in the reader's language: "CST", "CDT", "GMT-5". */
export function zoneAbbreviation(date: Date, lang: Language, timeZone: string): string {
  return (
    new Intl.DateTimeFormat(locale(lang), { timeZone, timeZoneName: 'short' })
      .formatToParts(date)
      .find((part) => part.type === 'timeZoneName')?.value ?? timeZone
  ).replace(/[\u202f\u00a0\u2212]/g, (char) => (char === '\u2212' ? '-' : ' '));
}
