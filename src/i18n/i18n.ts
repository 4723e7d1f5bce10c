// Messages live in one directory per language (locales/<lang>/), split by area into the same file names:
// core (pages, console, errors), sms and voice (what the hotline says), incidents, dispatch, alerts, and
// cases, case_tracking and case_support (detained people's cases), and rights (know your rights: the web
// page, the voice menu and the RIGHTS/DERECHOS text), and home (the staff home page), and packets (evidence packets, legal holds). Adding a
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
import enOperations from './locales/en/operations.json' with { type: 'json' };
import enObservations from './locales/en/observations.json' with { type: 'json' };
import enEvidence from './locales/en/evidence.json' with { type: 'json' };
import enPackets from './locales/en/packets.json' with { type: 'json' };
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
import esOperations from './locales/es/operations.json' with { type: 'json' };
import esObservations from './locales/es/observations.json' with { type: 'json' };
import esEvidence from './locales/es/evidence.json' with { type: 'json' };
import esPackets from './locales/es/packets.json' with { type: 'json' };
import { IntlMessageFormat } from 'intl-messageformat';
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
    operations: enOperations,
    observations: enObservations,
    evidence: enEvidence,
    packets: enPackets,
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
    operations: esOperations,
    observations: esObservations,
    evidence: esEvidence,
    packets: esPackets,
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
  ...enOperations,
  ...enObservations,
  ...enEvidence,
  ...enPackets,
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
    ...esOperations,
    ...esObservations,
    ...esEvidence,
    ...esPackets,
  },
};

type Params = Record<string, string | number>;

/** A catalogue message compiled once, and which of its arguments are numbers ICU reads (plural, number). */
interface Compiled {
  format: IntlMessageFormat;
  numeric: ReadonlySet<string>;
}

// ICU's element types (from @formatjs/icu-messageformat-parser): 2 number, 5 select, 6 plural, 8 tag.
const NUMERIC_TYPES = new Set([2, 6]);

interface Element {
  type: number;
  value?: unknown;
  options?: Record<string, { value: Element[] }>;
  children?: Element[];
}

function numericArguments(elements: readonly Element[], into: Set<string>): Set<string> {
  for (const element of elements) {
    if (NUMERIC_TYPES.has(element.type) && typeof element.value === 'string') into.add(element.value);
    for (const option of Object.values(element.options ?? {})) numericArguments(option.value, into);
    if (element.children) numericArguments(element.children, into);
  }
  return into;
}

const compiled = new Map<string, Compiled>();

/** Compiles a message as ICU MessageFormat (plurals, selects); `<` is text, not a tag. Throws if it does not parse. */
export function compileMessage(lang: Language, template: string): Compiled {
  const format = new IntlMessageFormat(template, lang === 'es' ? 'es-US' : 'en-US', undefined, {
    ignoreTag: true,
  });
  return { format, numeric: numericArguments(format.getAst(), new Set()) };
}

function compiledMessage(lang: Language, key: string, template: string): Compiled {
  const cacheKey = `${lang}\u0000${key}`;
  let entry = compiled.get(cacheKey);
  if (!entry) {
    entry = compileMessage(lang, template);
    compiled.set(cacheKey, entry);
  }
  return entry;
}

/** Where a missing message key is reported: the key's name only, never the params (they can be a person's words). */
let reportMissing = (key: string): void => {
  process.emitWarning(
    `Message "${key}" is in no catalogue; its key was shown instead.`,
    'AmparoMissingMessage',
  );
};

/** Sends missing-message reports somewhere (the app's log); returns the reporter it replaced. */
export function onMissingMessage(report: (key: string) => void): (key: string) => void {
  const previous = reportMissing;
  reportMissing = report;
  return previous;
}

/**
 * A message in the language asked for, else in English, else the key itself (and the key is reported): a
 * missing message never fails a page. Numbers a message counts with (`{count, plural, …}`) are read as
 * numbers; elsewhere a number is written as given ("2026", not "2,026"), as before ICU.
 */
export function translate(lang: Language, key: MessageKey, params: Params = {}): string {
  const own = (CATALOGS[lang] as Partial<Messages>)[key];
  const template = own ?? (CATALOGS.en as Partial<Messages>)[key];
  if (template === undefined) {
    reportMissing(key);
    return key;
  }
  const message = compiledMessage(own === undefined ? 'en' : lang, key, template);
  const values: Params = {};
  for (const [name, value] of Object.entries(params)) {
    values[name] = typeof value === 'number' && !message.numeric.has(name) ? String(value) : value;
  }
  try {
    return String(message.format.format(values));
  } catch {
    // A parameter the caller did not give: shown as its placeholder, as before ICU, and reported.
    reportMissing(`${key} (a parameter is missing)`);
    return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
      values[name] === undefined ? whole : String(values[name]),
    );
  }
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
