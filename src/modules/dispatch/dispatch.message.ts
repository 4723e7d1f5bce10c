// The texts a responder gets: the dispatch itself and the short answers to their replies. SMS is never
// confidential, so a dispatch names the place only in the words a dispatcher chose for it ("26th St &
// Lawndale Ave") and the ZIP code; never coordinates or a map cell, which nobody reads on a street corner.
// The exact point is on the linked page, behind sign-in. The wording in every language is
// kept to the GSM-7 alphabet (Spanish without á, í, ó, ú): one accented letter would turn the whole text into
// UCS-2 and more than double what it costs to send.
import type { Language } from '../../config/config.ts';
import { countSegments } from '../../integrations/messaging/segments.ts';
import { isLanguage, translate } from '../../i18n/i18n.ts';

/** A dispatch text has to fit in two segments, link included, even with a long public URL. */
export const MAX_DISPATCH_SEGMENTS = 2;

/** The first of a person's languages that Amparo writes in; the network's default when it speaks none. */
export function textLanguage(languages: readonly string[], fallback: Language): Language {
  for (const code of languages) {
    const primary = code.toLowerCase().split('-')[0];
    if (isLanguage(primary)) return primary;
  }
  return fallback;
}

export function dispatchLink(publicUrl: URL, dispatchId: string): string {
  return new URL(`console/dispatches/${dispatchId}`, publicUrl).href;
}

/**
 * The place in words as a text carries it: one line, in the GSM-7 alphabet (accents dropped, "Jesús" becomes
 * "Jesus", so one letter does not double the cost), and nothing that looks like coordinates.
 */
export function placeForText(placeName: string | null | undefined): string | undefined {
  if (!placeName) return undefined;
  const plain = placeName
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/[[\]{}\\^~|`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  // A dispatcher who typed the point into the name would text coordinates: the ZIP code says enough then.
  if (plain === '' || /-?\d{1,3}\.\d{2,}\s*,\s*-?\d{1,3}\.\d{2,}/.test(plain)) return undefined;
  return plain;
}

/**
 * A dispatch asks one responder to go and check; a callout asks the nearest on-shift responders to come and
 * observe (dispatch.callout.ts). Same facts, same answers, same size; only the first words differ.
 */
export type DispatchTextKind = 'dispatch' | 'callout';

export interface DispatchTextInput {
  kind?: DispatchTextKind;
  language: Language;
  reference: string;
  zip: string | null;
  /** The place in words a dispatcher gave the incident, when they gave one. */
  placeName: string | null;
  link: string;
}

function where(language: Language, zip: string | null, place: string | undefined): string {
  if (zip && place) return translate(language, 'dispatch_sms.where_place_zip', { zip, place });
  if (place) return translate(language, 'dispatch_sms.where_place', { place });
  if (zip) return translate(language, 'dispatch_sms.where_zip', { zip });
  return translate(language, 'dispatch_sms.where_unknown');
}

export function composeDispatchText(input: DispatchTextInput): string {
  const { language, reference, zip, link } = input;
  const place = placeForText(input.placeName);
  const compose = (zipShown: string | null, placeShown: string | undefined): string =>
    translate(language, input.kind === 'callout' ? 'dispatch_sms.callout' : 'dispatch_sms.message', {
      ref: reference,
      where: where(language, zipShown, placeShown),
      link,
    });
  // When the text runs long the ZIP code goes first (the place names the corner), then the place (the link
  // still gets them there): never a third segment.
  const tries = [
    compose(zip, place),
    ...(place && zip ? [compose(null, place)] : []),
    compose(zip, undefined),
  ];
  return tries.find((text) => countSegments(text).segments <= MAX_DISPATCH_SEGMENTS) ?? tries.at(-1)!;
}

/** The stand-down text: short and in GSM-7, so it is one segment in every language even with a long reference. */
export function composeStandDownText(language: Language, reference: string): string {
  return translate(language, 'dispatch_sms.stand_down', { ref: reference });
}
