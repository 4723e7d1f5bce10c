// How many SMS segments a text costs. Carriers bill (and senders are rate limited) per segment, so alert
// wording has to be judged by this count. A text made only of the GSM 03.38 default alphabet travels in
// 7-bit septets: 160 in one segment, 153 per segment once split (the rest is the concatenation header).
// Any other character turns the whole text into UCS-2: 70 UTF-16 units in one segment, 67 once split.

/** GSM 03.38 default alphabet, in code order 0x00–0x7F (0x1B, the escape to the extension table, left out). */
const GSM7_BASIC = new Set(
  [
    '@£$¥èéùìòÇ\nØø\rÅå',
    'Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ',
    ' !"#¤%&\'()*+,-./',
    '0123456789:;<=>?',
    '¡ABCDEFGHIJKLMNO',
    'PQRSTUVWXYZÄÖÑÜ§',
    '¿abcdefghijklmno',
    'pqrstuvwxyzäöñüà',
  ].join(''),
);

/** The extension table: each costs two septets (escape, then the character). */
const GSM7_EXTENSION = new Set(['\f', '^', '{', '}', '\\', '[', '~', ']', '|', '€']);

const GSM7_SINGLE = 160;
const GSM7_MULTI = 153;
const UCS2_SINGLE = 70;
const UCS2_MULTI = 67;

export type SmsEncoding = 'gsm7' | 'ucs2';

export interface SegmentCount {
  encoding: SmsEncoding;
  segments: number;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (!GSM7_BASIC.has(char) && !GSM7_EXTENSION.has(char)) return false;
  return true;
}

/**
 * Fills segments greedily without cutting a unit in two: an escaped GSM character (2 septets) or a UTF-16
 * surrogate pair (2 units) always travels whole, as phones need to reassemble it.
 */
function pack(units: number[], single: number, multi: number): number {
  const total = units.reduce((sum, size) => sum + size, 0);
  if (total <= single) return 1;
  let segments = 1;
  let used = 0;
  for (const size of units) {
    if (used + size > multi) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return segments;
}

export function countSegments(text: string): SegmentCount {
  const chars = [...text];
  if (isGsm7(text)) {
    return {
      encoding: 'gsm7',
      segments: pack(
        chars.map((char) => (GSM7_EXTENSION.has(char) ? 2 : 1)),
        GSM7_SINGLE,
        GSM7_MULTI,
      ),
    };
  }
  return {
    encoding: 'ucs2',
    segments: pack(
      chars.map((char) => char.length),
      UCS2_SINGLE,
      UCS2_MULTI,
    ),
  };
}
