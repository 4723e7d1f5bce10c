// What a community alert says, built only from controlled vocabulary: a phrase for what is happening (chosen
// from a list derived from the incident's type and agency), advice chosen from a list per kind, the area label,
// the time, the network's name and hotline. There is no free text, so an alert cannot carry a name, an address
// or anything about the people affected. Each kind has a template per language in the alerts message files
// (alerts.sms_<kind>), with the placeholders {network}, {time}, {area}, {what}, {todo} and {hotline}; a new
// language is one more message file. The wording keeps to the GSM-7 alphabet (Spanish without á, í, ó, ú), so
// an alert fits in two segments in every language.
import type { Language } from '../../config/config.ts';
import { SUPPORTED_LANGUAGES } from '../../config/config.ts';
import type { AlertKind, IncidentAgency, IncidentType } from '../../db/schema.ts';
import { countSegments, type SmsEncoding } from '../../integrations/messaging/segments.ts';
import { translate, type MessageKey } from '../../i18n/i18n.ts';
import { zoneAbbreviation } from '../../i18n/time.ts';

/** More than this many segments per text is shown as a warning on the preview: it costs and it is slow. */
export const MAX_ALERT_SEGMENTS = 2;

/** What is happening, by kind: the phrases a composer may choose from. The first is the usual choice. */
export const WHAT_OPTIONS = {
  confirmed_activity: [
    'at_home',
    'at_workplace',
    'stopping_vehicles',
    'at_courthouse',
    'at_check_in',
    'on_street',
    'detaining',
    'checkpoint',
    'present',
  ],
  update: [
    'still_present',
    'more_agents',
    'moving',
    'detaining',
    'at_home',
    'at_workplace',
    'stopping_vehicles',
    'at_courthouse',
    'at_check_in',
    'on_street',
    'checkpoint',
  ],
  area_clear: ['agents_left', 'no_agents_seen'],
  rumour_control: ['nothing_found', 'not_immigration', 'old_photo'],
  know_your_rights: [],
} as const satisfies Record<AlertKind, readonly string[]>;

/** What to do, by kind: the advice a composer may choose from. The first is the usual choice. */
export const ADVICE_OPTIONS = {
  confirmed_activity: ['avoid_area', 'stay_inside', 'right_silent', 'observe_safely', 'family_plan'],
  update: ['keep_avoiding', 'avoid_area', 'stay_inside', 'right_silent', 'observe_safely'],
  area_clear: ['stay_alert', 'check_neighbors', 'family_plan'],
  rumour_control: ['share_verified', 'dont_forward'],
  know_your_rights: ['right_silent', 'door_warrant', 'red_card', 'family_plan', 'report_first'],
} as const satisfies Record<AlertKind, readonly string[]>;

export type WhatKey = (typeof WHAT_OPTIONS)[AlertKind][number];
export type AdviceKey = (typeof ADVICE_OPTIONS)[AlertKind][number];

export function isWhatFor(kind: AlertKind, key: string): key is WhatKey {
  return (WHAT_OPTIONS[kind] as readonly string[]).includes(key);
}

export function isAdviceFor(kind: AlertKind, key: string): key is AdviceKey {
  return (ADVICE_OPTIONS[kind] as readonly string[]).includes(key);
}

const WHAT_BY_INCIDENT_TYPE: Record<IncidentType, WhatKey> = {
  home: 'at_home',
  workplace: 'at_workplace',
  vehicle_stop: 'stopping_vehicles',
  courthouse: 'at_courthouse',
  check_in: 'at_check_in',
  street: 'on_street',
  other: 'present',
};

/** The phrase a composer starts from, from what the incident is; they can choose another from the list. */
export function defaultWhat(
  kind: AlertKind,
  incident: { type: IncidentType; status: string } | undefined,
): WhatKey | null {
  switch (kind) {
    case 'confirmed_activity':
      return incident ? WHAT_BY_INCIDENT_TYPE[incident.type] : 'present';
    case 'update':
      return 'still_present';
    case 'area_clear':
      return 'agents_left';
    case 'rumour_control':
      return incident?.status === 'not_immigration' ? 'not_immigration' : 'nothing_found';
    case 'know_your_rights':
      return null;
  }
}

export function defaultAdvice(kind: AlertKind, incident: { type: IncidentType } | undefined): AdviceKey {
  // Agents at a home: the door is what matters to the neighbours.
  if (kind === 'confirmed_activity' && incident?.type === 'home') return 'stay_inside';
  return ADVICE_OPTIONS[kind][0];
}

/** Who the agents are, in words, from the incident's agency; unknown or other agencies are "immigration agents". */
export function agentsKey(agency: IncidentAgency | null): MessageKey {
  switch (agency) {
    case 'ice':
      return 'alerts.agents_ice';
    case 'cbp':
      return 'alerts.agents_cbp';
    case 'local_police':
      return 'alerts.agents_local_police';
    case 'other':
    case 'unknown':
    case null:
      return 'alerts.agents_unknown';
  }
}

export interface AlertWording {
  kind: AlertKind;
  whatKey: string | null;
  adviceKey: string;
  areaLabel: string;
  agency: IncidentAgency | null;
  /** When it was seen or written, already formatted per language (see formatAlertTime). */
  time: Record<string, string>;
  networkName: string;
  /** The hotline number, or where else to report when the network has none. */
  hotline: string;
}

/**
 * The time in an alert: short, with the zone's abbreviation ("10:11 PM CST", "22:11 CST"), and in GSM-7 (no
 * narrow no-break space, which some formatters emit).
 */
export function formatAlertTime(at: Date, language: Language, timeZone: string): string {
  const parts = new Intl.DateTimeFormat(language === 'en' ? 'en-US' : language, {
    timeZone,
    hour: 'numeric',
    minute: '2-digit',
    hour12: language === 'en',
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const clock = `${part('hour')}:${part('minute')}`;
  const zone = zoneAbbreviation(at, language, timeZone);
  return language === 'en'
    ? `${clock} ${part('dayPeriod').toUpperCase()} ${zone}`
    : `${clock.padStart(5, '0')} ${zone}`;
}

/** The text one language's subscribers receive. */
export function renderAlertText(language: Language, wording: AlertWording): string {
  const agents = translate(language, agentsKey(wording.agency));
  const what = wording.whatKey
    ? translate(language, `alerts.what_${wording.whatKey}` as MessageKey, { agents })
    : '';
  return translate(language, `alerts.sms_${wording.kind}` as MessageKey, {
    network: wording.networkName,
    time: wording.time[language] ?? '',
    area: wording.areaLabel,
    what,
    todo: translate(language, `alerts.advice_${wording.adviceKey}` as MessageKey),
    hotline: wording.hotline,
  })
    .replace(/\s+/g, ' ')
    .trim();
}

/** Every language's text, by language code, as stored on the alert and sent to each subscriber. */
export function renderAlertBodies(wording: AlertWording): Record<string, string> {
  const bodies: Record<string, string> = {};
  for (const language of SUPPORTED_LANGUAGES) bodies[language] = renderAlertText(language, wording);
  return bodies;
}

export interface BodyPreview {
  language: string;
  text: string;
  characters: number;
  segments: number;
  encoding: SmsEncoding;
  tooLong: boolean;
}

export function previewBodies(bodies: Record<string, string>): BodyPreview[] {
  return Object.entries(bodies).map(([language, text]) => {
    const { segments, encoding } = countSegments(text);
    return {
      language,
      text,
      characters: [...text].length,
      segments,
      encoding,
      tooLong: segments > MAX_ALERT_SEGMENTS,
    };
  });
}
