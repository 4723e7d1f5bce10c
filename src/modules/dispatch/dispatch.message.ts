// The texts a responder gets: the dispatch itself and the short answers to their replies. SMS is never
// confidential, so a dispatch names only a neighbourhood (ZIP code and the centre of the incident's H3 cell,
// about 0.7 km²); the exact place is on the linked page, behind sign-in. The wording in every language is
// kept to the GSM-7 alphabet (Spanish without á, í, ó, ú): one accented letter would turn the whole text into
// UCS-2 and more than double what it costs to send.
import { cellToLatLng, isValidCell } from 'h3-js';
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

/** The centre of an H3 cell to about 100 m: it names the cell, not a house. */
export function areaOf(h3Cell: string | null): string | undefined {
  if (!h3Cell || !isValidCell(h3Cell)) return undefined;
  const [lat, lon] = cellToLatLng(h3Cell);
  return `${lat.toFixed(3)},${lon.toFixed(3)}`;
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
  h3Cell: string | null;
  link: string;
}

function where(language: Language, zip: string | null, area: string | undefined): string {
  if (zip && area) return translate(language, 'dispatch_sms.where_zip_area', { zip, area });
  if (zip) return translate(language, 'dispatch_sms.where_zip', { zip });
  if (area) return translate(language, 'dispatch_sms.where_area', { area });
  return translate(language, 'dispatch_sms.where_unknown');
}

export function composeDispatchText(input: DispatchTextInput): string {
  const { language, reference, zip, link } = input;
  const area = areaOf(input.h3Cell);
  const compose = (withArea: boolean): string =>
    translate(language, input.kind === 'callout' ? 'dispatch_sms.callout' : 'dispatch_sms.message', {
      ref: reference,
      where: where(language, zip, withArea ? area : undefined),
      link,
    });
  const full = compose(true);
  // The area is the first thing to go when the text runs long: the ZIP and the link still get them there.
  if (zip && area && countSegments(full).segments > MAX_DISPATCH_SEGMENTS) return compose(false);
  return full;
}

/** The stand-down text: short and in GSM-7, so it is one segment in every language even with a long reference. */
export function composeStandDownText(language: Language, reference: string): string {
  return translate(language, 'dispatch_sms.stand_down', { ref: reference });
}
