// Dates and times as people read them on the console's pages: in the reader's language and the network's time
// zone (never the server's).
import type { Language } from '../config/config.ts';

/** Dispatchers read times in the network's own time zone, whatever zone the server runs in. */
export function formatTime(date: Date, lang: Language, timeZone: string): string {
  return new Intl.DateTimeFormat(lang === 'es' ? 'es-US' : 'en-US', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone,
  }).format(date);
}
