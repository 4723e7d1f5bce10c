// What the hotline texts back. Each reply is written to fit one SMS segment in the GSM-7 alphabet, in
// English and in Spanish (Spanish wording avoids á, í, ó and ú, which would turn a text into UCS-2 and
// more than double its cost); sms.replies.test.ts holds every reply to that.
import type { Language } from '../../config/config.ts';
import { translator, type MessageKey } from '../../i18n/i18n.ts';
import { displayPhone } from '../../phone/phone.ts';
import { rightsText } from '../public/rights.ts';
import { countSegments, isGsm7 } from '../../integrations/messaging/segments.ts';
import type { Question, Step } from './sms.conversation.ts';
import { isFamilyQuestion, type FamilyQuestion, type FamilySite } from './sms.family.ts';

const QUESTION_KEYS: Record<Question, MessageKey> = {
  activity: 'sms.question_activity',
  location: 'sms.question_location',
  seen_when: 'sms.question_seen_when',
  count: 'sms.question_count',
  uniform: 'sms.question_uniform',
  source: 'sms.question_source',
};

const FAMILY_KEYS: Record<Exclude<FamilyQuestion, 'family_site'>, MessageKey> = {
  family_name: 'sms.family_name',
  family_relationship: 'sms.family_relationship',
  family_dependents: 'sms.family_dependents',
  family_dependents_count: 'sms.family_dependents_count',
  family_consent: 'sms.family_consent',
};

/** The family intake's replies may take two segments (the site question lists the open sites). */
export const FAMILY_MAX_SEGMENTS = 2;
/** A site's name in a text is cut to this many characters. */
export const MAX_SITE_NAME_CHARS = 28;

/**
 * A site's name as it can travel in GSM-7: accents the alphabet lacks are dropped ("Pollería" becomes
 * "Polleria"; é, ñ and ü stay), anything else outside it becomes a space, and the name is cut short.
 */
export function gsmSiteName(name: string): string {
  let out = '';
  for (const char of name.normalize('NFC')) {
    if (isGsm7(char)) out += char;
    else {
      const base = char.normalize('NFD').replace(/\p{M}/gu, '');
      out += isGsm7(base) ? base : ' ';
    }
  }
  const cut = [...out.replace(/\s+/g, ' ').trim()].slice(0, MAX_SITE_NAME_CHARS).join('');
  return cut.trim();
}

function siteQuestion(language: Language, sites: readonly { siteName: string }[]): string {
  const t = translator(language);
  const choices = [
    ...sites.map((site, index) => `${index + 1} ${gsmSiteName(site.siteName)}`),
    `${sites.length + 1} ${t('sms.family_site_other')}`,
  ].join(' ');
  return t('sms.family_site', { choices });
}

/**
 * The open sites offered by text: as many as fit, in the order given, so that the site question (asked
 * again, or with the introduction, in either language) stays within FAMILY_MAX_SEGMENTS of GSM-7. The rest
 * count as "other".
 */
export function sitesThatFit<T extends FamilySite>(sites: readonly T[], networkName: string): T[] {
  const fits = (list: readonly T[]) =>
    (['en', 'es'] as const).every((language) =>
      [{ again: true }, { intro: true }].every((options) => {
        const reply = familyQuestionReply(language, 'family_site', {
          intro: false,
          networkName,
          sites: list,
          ...options,
        });
        const count = countSegments(reply);
        return count.encoding === 'gsm7' && count.segments <= FAMILY_MAX_SEGMENTS;
      }),
    );
  const offered = [...sites];
  while (offered.length > 0 && !fits(offered)) offered.pop();
  return offered;
}

function familyQuestionReply(
  language: Language,
  question: FamilyQuestion,
  options: { intro: boolean; networkName: string; again?: boolean; sites?: readonly FamilySite[] },
): string {
  const t = translator(language);
  const text =
    question === 'family_site' ? siteQuestion(language, options.sites ?? []) : t(FAMILY_KEYS[question]);
  if (options.intro) return `${t('sms.family_intro', { network: options.networkName })} ${text}`;
  return options.again ? `${t('sms.ask_again')} ${text}` : text;
}

/** The end of the family intake: the reference, and whether the legal team will text or only call. */
export function familyReceivedReply(language: Language, reference: string, consent: boolean): string {
  return translator(language)(consent ? 'sms.family_received' : 'sms.family_received_no_texts', {
    reference,
  });
}

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
  question: Step,
  options: { intro: boolean; networkName: string; again?: boolean; sites?: readonly FamilySite[] },
): string {
  if (isFamilyQuestion(question)) return familyQuestionReply(language, question, options);
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
