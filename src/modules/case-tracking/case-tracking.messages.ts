// The texts case tracking sends: hearing reminders to the family and to the attorney, and the locator
// re-check reminder to the legal staff on a case. SMS is never confidential, so no text carries a name or an
// A-number: the family's says "your family member", the staff's name the case only by its reference. Each is
// kept to the GSM-7 alphabet (one accented letter outside it would make the whole text UCS-2 and more than
// double its cost) and to at most two segments, shortening the court's name if it has to.
import type { Language } from '../../config/config.ts';
import type { HearingKind } from './case-tracking.schemas.ts';
import { countSegments, isGsm7 } from '../../integrations/messaging/segments.ts';
import { translate, type MessageKey } from '../../i18n/i18n.ts';
import { zoneAbbreviation } from '../../i18n/time.ts';

export const MAX_REMINDER_SEGMENTS = 2;

/** Replaces what GSM-7 lacks: accented letters by their plain letter (á → a), anything else by '?'. */
export function foldToGsm7(text: string): string {
  let out = '';
  for (const char of text) {
    if (isGsm7(char)) {
      out += char;
      continue;
    }
    if (char === '\u00A0' || char === '\u202F' || char === '\u2009') {
      out += ' ';
      continue;
    }
    if (char === '\u2013' || char === '\u2014') {
      out += '-';
      continue;
    }
    if (char === '\u2018' || char === '\u2019') {
      out += "'";
      continue;
    }
    if (char === '\u201C' || char === '\u201D') {
      out += '"';
      continue;
    }
    const plain = char.normalize('NFD').replace(/\p{M}/gu, '');
    out += plain !== '' && isGsm7(plain) ? plain : '?';
  }
  return out;
}

/** "Wed 2 Dec 9:00 AM CST" / "mie 2 dic 9:00 CST": a hearing's day and time in the network's zone, short. */
export function formatHearingTimeForSms(instant: Date, language: Language, timeZone: string): string {
  const parts = new Intl.DateTimeFormat(language === 'es' ? 'es-US' : 'en-US', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: 'numeric',
    minute: '2-digit',
    hour12: language === 'en',
  }).formatToParts(instant);
  // Spanish abbreviations end in a dot ("dic."), which the text does not need.
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    (parts.find((p) => p.type === type)?.value ?? '').replace(/\./g, '');
  const clock = `${Number(part('hour'))}:${part('minute')}`;
  const time = language === 'en' ? `${clock} ${part('dayPeriod').toUpperCase()}` : clock;
  const zone = zoneAbbreviation(instant, language, timeZone);
  return foldToGsm7(`${part('weekday')} ${part('day')} ${part('month')} ${time} ${zone}`);
}

/**
 * Composes a text from a template and shortens one free-text parameter (the court's name), whole words
 * first, until the text fits in two segments. Everything is folded to GSM-7 first.
 */
function fitted(compose: (shortenable: string) => string, shortenable: string): string {
  let value = foldToGsm7(shortenable).replace(/\s+/g, ' ').trim();
  let text = foldToGsm7(compose(value));
  while (countSegments(text).segments > MAX_REMINDER_SEGMENTS && value.length > 0) {
    const cut = value.lastIndexOf(' ', value.length - 2);
    value = cut > 8 ? `${value.slice(0, cut)}...` : value.slice(0, Math.max(0, value.length - 4));
    text = foldToGsm7(compose(value));
  }
  return text;
}

export interface FamilyHearingReminder {
  language: Language;
  network: string;
  startsAt: Date;
  timeZone: string;
  court: string;
  /** The hotline number, or undefined when the network has none. */
  hotline: string | undefined;
}

/** "Amparo: hearing reminder for your family member, Wed 2 Dec 9:00 AM, Chicago Immigration Court. …" */
export function composeFamilyHearingReminder(input: FamilyHearingReminder): string {
  const { language } = input;
  const when = formatHearingTimeForSms(input.startsAt, language, input.timeZone);
  return fitted(
    (court) =>
      [
        translate(language, 'case_tracking.sms_family_hearing', { network: input.network, when, court }),
        input.hotline
          ? translate(language, 'case_tracking.sms_questions_call', { phone: input.hotline })
          : '',
        translate(language, 'case_tracking.sms_stop'),
      ]
        .filter(Boolean)
        .join(' '),
    input.court,
  );
}

const KIND_KEYS: Record<HearingKind, MessageKey> = {
  master_calendar: 'case_tracking.sms_kind_master_calendar',
  individual: 'case_tracking.sms_kind_individual',
  bond: 'case_tracking.sms_kind_bond',
  other: 'case_tracking.sms_kind_other',
};

export interface AttorneyHearingReminder {
  language: Language;
  network: string;
  startsAt: Date;
  timeZone: string;
  court: string;
  kind: HearingKind;
  reference: string;
  link: string;
}

/** The attorney's reminder names the case by reference and links to it; the rest is behind sign-in. */
export function composeAttorneyHearingReminder(input: AttorneyHearingReminder): string {
  const { language } = input;
  const when = formatHearingTimeForSms(input.startsAt, language, input.timeZone);
  return fitted(
    (court) =>
      translate(language, 'case_tracking.sms_attorney_hearing', {
        network: input.network,
        ref: input.reference,
        when,
        court,
        kind: translate(language, KIND_KEYS[input.kind]),
        link: input.link,
      }),
    input.court,
  );
}

export function composeLocatorReminder(input: {
  language: Language;
  network: string;
  reference: string;
  link: string;
}): string {
  return foldToGsm7(
    translate(input.language, 'case_tracking.sms_locator_due', {
      network: input.network,
      ref: input.reference,
      link: input.link,
    }),
  );
}

/** "Amparo: reminder for your family member. Check-in with ICE on Wed 2 Dec at 9:00 AM CST. …" */
export function composeFamilyCheckInReminder(input: {
  language: Language;
  network: string;
  checkInAt: Date;
  timeZone: string;
  hotline: string | undefined;
}): string {
  const { language } = input;
  // "Wed 2 Dec 9:00 AM CST": the day is the first three words, the time the rest.
  const words = formatHearingTimeForSms(input.checkInAt, language, input.timeZone).split(' ');
  return foldToGsm7(
    [
      translate(language, 'case_tracking.sms_family_checkin', {
        network: input.network,
        date: words.slice(0, 3).join(' '),
        time: words.slice(3).join(' '),
      }),
      input.hotline ? translate(language, 'case_tracking.sms_questions_call', { phone: input.hotline }) : '',
      translate(language, 'case_tracking.sms_stop'),
    ]
      .filter(Boolean)
      .join(' '),
  );
}
