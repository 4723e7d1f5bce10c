// File sizes as people read them ("20 MB", "630 byte" → "630 bytes"), in the reader's language. Decimal units,
// as phones and operating systems show them, so the number matches what the observer saw on the phone.
import type { Language } from '../config/config.ts';

const UNITS = [
  { unit: 'gigabyte', size: 1e9 },
  { unit: 'megabyte', size: 1e6 },
  { unit: 'kilobyte', size: 1e3 },
] as const;

export function formatFileSize(bytes: number, lang: Language): string {
  for (const { unit, size } of UNITS) {
    if (bytes >= size) {
      return new Intl.NumberFormat(lang, {
        style: 'unit',
        unit,
        unitDisplay: 'short',
        maximumFractionDigits: 1,
      }).format(bytes / size);
    }
  }
  return new Intl.NumberFormat(lang, { style: 'unit', unit: 'byte', unitDisplay: 'long' }).format(bytes);
}
