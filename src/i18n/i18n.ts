// Messages live in one directory per language (locales/<lang>/), split by area into the same file names:
// core (pages, console, errors), sms and voice (what the hotline says), incidents, dispatch, alerts, and
// cases, case_tracking and case_support (detained people's cases), and rights (know your rights: the web
// page, the voice menu and the RIGHTS/DERECHOS text), and home (the staff home page). Adding a
// language means copying the directory, translating it and listing it in SUPPORTED_LANGUAGES; a test checks
// every language has every key and no key is defined in two files.
import enCore from './locales/en/core.json' with { type: 'json' };
import enSms from './locales/en/sms.json' with { type: 'json' };
import enVoice from './locales/en/voice.json' with { type: 'json' };
import enIncidents from './locales/en/incidents.json' with { type: 'json' };
import enDispatch from './locales/en/dispatch.json' with { type: 'json' };
import enAlerts from './locales/en/alerts.json' with { type: 'json' };
import enCases from './locales/en/cases.json' with { type: 'json' };
import enCaseTracking from './locales/en/case_tracking.json' with { type: 'json' };
import enCaseSupport from './locales/en/case_support.json' with { type: 'json' };
import enRights from './locales/en/rights.json' with { type: 'json' };
import enHome from './locales/en/home.json' with { type: 'json' };
import esCore from './locales/es/core.json' with { type: 'json' };
import esSms from './locales/es/sms.json' with { type: 'json' };
import esVoice from './locales/es/voice.json' with { type: 'json' };
import esIncidents from './locales/es/incidents.json' with { type: 'json' };
import esDispatch from './locales/es/dispatch.json' with { type: 'json' };
import esAlerts from './locales/es/alerts.json' with { type: 'json' };
import esCases from './locales/es/cases.json' with { type: 'json' };
import esCaseTracking from './locales/es/case_tracking.json' with { type: 'json' };
import esCaseSupport from './locales/es/case_support.json' with { type: 'json' };
import esRights from './locales/es/rights.json' with { type: 'json' };
import esHome from './locales/es/home.json' with { type: 'json' };
import { SUPPORTED_LANGUAGES, type Language } from '../config/config.ts';

/** Each language's files, by area, in the order they are merged. */
export const CATALOG_FILES = {
  en: {
    core: enCore,
    sms: enSms,
    voice: enVoice,
    incidents: enIncidents,
    dispatch: enDispatch,
    alerts: enAlerts,
    cases: enCases,
    case_tracking: enCaseTracking,
    case_support: enCaseSupport,
    rights: enRights,
    home: enHome,
  },
  es: {
    core: esCore,
    sms: esSms,
    voice: esVoice,
    incidents: esIncidents,
    dispatch: esDispatch,
    alerts: esAlerts,
    cases: esCases,
    case_tracking: esCaseTracking,
    case_support: esCaseSupport,
    rights: esRights,
    home: esHome,
  },
} as const;

const english = {
  ...enCore,
  ...enSms,
  ...enVoice,
  ...enIncidents,
  ...enDispatch,
  ...enAlerts,
  ...enCases,
  ...enCaseTracking,
  ...enCaseSupport,
  ...enRights,
  ...enHome,
};
export type MessageKey = keyof typeof english;
export type Messages = Record<MessageKey, string>;

export const CATALOGS: Record<Language, Messages> = {
  en: english,
  es: {
    ...esCore,
    ...esSms,
    ...esVoice,
    ...esIncidents,
    ...esDispatch,
    ...esAlerts,
    ...esCases,
    ...esCaseTracking,
    ...esCaseSupport,
    ...esRights,
    ...esHome,
  },
};

export function translate(
  lang: Language,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  const template = CATALOGS[lang][key] ?? CATALOGS.en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : String(params[name]),
  );
}

export type Translator = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(lang: Language): Translator {
  return (key, params) => translate(lang, key, params);
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (SUPPORTED_LANGUAGES as readonly string[]).includes(value);
}

/** Picks the best supported language from an Accept-Language header, honouring q-values. */
export function languageFromAcceptLanguage(header: string | undefined, fallback: Language): Language {
  if (!header) return fallback;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { lang: tag.toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0 && !Number.isNaN(entry.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked.map((entry) => entry.lang).find(isLanguage) ?? fallback;
}
