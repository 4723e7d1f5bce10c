// Know your rights, from well-established public guidance (ILRC red cards, ACLU and NILC material). The points
// are listed once, here, and the web page, its printable card, the voice menu's option 4 and the RIGHTS /
// DERECHOS text all read them, so the three never drift apart. Each point's short line is written to stay
// in the GSM-7 alphabet in every language (no á, í, ó, ú), so the text costs a few segments, not twice that.
import type { Language } from '../../config/config.ts';
import { translator, type MessageKey } from '../../i18n/i18n.ts';

export interface RightsPoint {
  /** One short line: the card, the voice menu and the text. */
  line: MessageKey;
  /** What it means and what to say: the web page only. */
  more: MessageKey;
}

export const RIGHTS_POINTS: readonly RightsPoint[] = [
  { line: 'rights.point_silent', more: 'rights.point_silent_more' },
  { line: 'rights.point_door', more: 'rights.point_door_more' },
  { line: 'rights.point_sign', more: 'rights.point_sign_more' },
  { line: 'rights.point_call', more: 'rights.point_call_more' },
  { line: 'rights.point_truth', more: 'rights.point_truth_more' },
  { line: 'rights.point_card', more: 'rights.point_card_more' },
];

/** The short lines in one language, in order. */
export function rightsLines(lang: Language): string[] {
  const t = translator(lang);
  return RIGHTS_POINTS.map((point) => t(point.line));
}

export interface RightsContact {
  networkName: string;
  /** The hotline as people write it, if the network has one. */
  hotline: string | undefined;
  /** The public site without its scheme, for a network without a hotline. */
  site: string;
}

/** The answer to RIGHTS / DERECHOS: the points, that it is not legal advice, and where legal help is. */
export function rightsText(lang: Language, contact: RightsContact): string {
  const t = translator(lang);
  const help = contact.hotline
    ? t('rights.sms_help', { hotline: contact.hotline })
    : t('rights.sms_help_no_phone', { site: contact.site });
  return [
    t('rights.sms_intro', { network: contact.networkName }),
    ...rightsLines(lang).map((line) => `- ${line}`),
    help,
  ].join('\n');
}

/**
 * What option 4 of the phone menu reads: the same points, then how to reach the legal team through the menu
 * that follows (left out when the call ends after it instead).
 */
export function rightsSpoken(lang: Language, menuFollows = true): string {
  const t = translator(lang);
  return [
    t('rights.voice_intro'),
    ...rightsLines(lang),
    ...(menuFollows ? [t('rights.voice_help')] : []),
  ].join(' ');
}
