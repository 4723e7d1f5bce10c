// Messages live in one JSON file per language (locales/<lang>.json). Adding a language means adding a file
// with the same keys and listing it in SUPPORTED_LANGUAGES; a test checks every file has every key.
import en from './locales/en.json' with { type: 'json' };
import es from './locales/es.json' with { type: 'json' };
import { SUPPORTED_LANGUAGES, type Language } from '../config/config.ts';

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

export const CATALOGS: Record<Language, Messages> = { en, es };

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
