// What the hotline texts back. Each reply is written to fit one SMS segment in the GSM-7 alphabet, in
// English and in Spanish (Spanish wording avoids á, í, ó and ú, which would turn a text into UCS-2 and
// more than double its cost); sms.replies.test.ts holds every reply to that.
import type { Language } from '../../config/config.ts';
import { translator, type MessageKey } from '../../i18n/i18n.ts';
import { displayPhone } from '../../phone/phone.ts';
import { rightsText } from '../public/rights.ts';
import type { Question } from './sms.conversation.ts';

const QUESTION_KEYS: Record<Question, MessageKey> = {
  activity: 'sms.question_activity',
  location: 'sms.question_location',
  seen_when: 'sms.question_seen_when',
  count: 'sms.question_count',
  uniform: 'sms.question_uniform',
  source: 'sms.question_source',
};

export interface HotlineIdentity {
  networkName: string;
  /** The number a person can call, as configured for display. */
  hotlineNumber: string | undefined;
  /** Where to find the network otherwise: AMPARO_PUBLIC_URL without its scheme. */
  site: string;
}

/** The public address as a person would type it: host and path, no scheme, no trailing slash. */
export function siteOf(publicUrl: URL): string {
  return `${publicUrl.host}${publicUrl.pathname}`.replace(/\/+$/, '');
}

/** The next question; the first reply of a conversation also names the network and how to stop. */
export function questionReply(
  language: Language,
  question: Question,
  options: { intro: boolean; networkName: string; again?: boolean },
): string {
  const t = translator(language);
  const text = t(QUESTION_KEYS[question]);
  if (options.intro) return `${t('sms.intro', { network: options.networkName })} ${text}`;
  // An answer that did not fit what was asked: the question again, once, kindly.
  return options.again ? `${t('sms.ask_again')} ${text}` : text;
}

export function receivedReply(language: Language, reference: string): string {
  return translator(language)('sms.received', { reference });
}

/** A later text within the conversation window joined the report. */
export function addedReply(language: Language, reference: string): string {
  return translator(language)('sms.added', { reference });
}

/**
 * STOP: no more texts, and what is kept, how long and why: what the person sent stays until the report
 * retention runs out (unless it is confirmed, then it is kept as evidence), and how to come back.
 */
export function stoppedReply(
  language: Language,
  identity: HotlineIdentity,
  kept: { until: Date; timeZone: string },
): string {
  const until = new Intl.DateTimeFormat(language === 'es' ? 'es-US' : 'en-US', {
    month: 'long',
    day: 'numeric',
    timeZone: kept.timeZone,
  }).format(kept.until);
  return translator(language)('sms.stopped', { network: identity.networkName, until });
}

export function startedReply(language: Language, identity: HotlineIdentity): string {
  return translator(language)('sms.started', { network: identity.networkName });
}

/**
 * HELP/AYUDA, as CTIA asks: the program's name, how to reach the network (the hotline, else its site), how
 * often it texts, that rates may apply, and how to stop.
 */
export function helpReply(language: Language, identity: HotlineIdentity): string {
  const t = translator(language);
  return identity.hotlineNumber
    ? t('alerts.help', { network: identity.networkName, hotline: identity.hotlineNumber })
    : t('alerts.help_no_phone', { network: identity.networkName, site: identity.site });
}

/** RIGHTS / DERECHOS: the points the web page and the voice menu give (a few segments, GSM-7). */
export function rightsReply(language: Language, identity: HotlineIdentity): string {
  return rightsText(language, {
    networkName: identity.networkName,
    hotline: identity.hotlineNumber === undefined ? undefined : displayPhone(identity.hotlineNumber),
    site: identity.site,
  });
}
