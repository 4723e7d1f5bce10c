// Matching languages as people type them. A case lists the person's and the family's languages as words
// ("Mam, Spanish", "español", "K'iche'"), family contacts carry a code (es), and the directory may say either:
// each is reduced to one key, the language's code where it is known (by its English, Spanish or own name, or
// a common alternative name), else the word itself without accents, case or punctuation.
import { SUPPORTED_LANGUAGES, type Language } from '../../config/config.ts';

/** Codes whose names (in English, Spanish and their own) the runtime may know. */
const KNOWN_CODES = [
  'en',
  'es',
  'ht',
  'pt',
  'fr',
  'vi',
  'zh',
  'yue',
  'ar',
  'ru',
  'uk',
  'ko',
  'ja',
  'tl',
  'hi',
  'pa',
  'bn',
  'ur',
  'fa',
  'ps',
  'so',
  'am',
  'ti',
  'sw',
  'wo',
  'ln',
  'rw',
  'tr',
  'ro',
  'pl',
  'it',
  'de',
  'km',
  'ne',
  'my',
  'zap',
  'quc',
  'kek',
] as const;

/**
 * Names the runtime does not know, or knows under another spelling: above all the Indigenous languages of
 * Mexico and Guatemala that detained people often speak, which need an interpreter.
 */
const ALIASES: Record<string, string> = {
  mam: 'mam',
  kiche: 'quc',
  quiche: 'quc',
  kanjobal: 'kjb',
  qanjobal: 'kjb',
  qanjobalmaya: 'kjb',
  achi: 'acr',
  ixil: 'ixl',
  kaqchikel: 'cak',
  cakchiquel: 'cak',
  qeqchi: 'kek',
  kekchi: 'kek',
  tzeltal: 'tzh',
  tsotsil: 'tzo',
  tzotzil: 'tzo',
  mayayucateco: 'yua',
  yucatecmaya: 'yua',
  nahuatl: 'nah',
  mixteco: 'mix',
  mixtec: 'mix',
  zapoteco: 'zap',
  triqui: 'trs',
  chuj: 'cac',
  akateko: 'knj',
  popti: 'jac',
  jakalteko: 'jac',
  garifuna: 'cab',
  creole: 'ht',
  haitian: 'ht',
  kreyol: 'ht',
  kreyolayisyen: 'ht',
  castellano: 'es',
  mandarin: 'zh',
  tagalog: 'tl',
  farsi: 'fa',
  dari: 'fa',
  karen: 'kar',
};

function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

let namesToCodes: Map<string, string> | undefined;

function names(): Map<string, string> {
  if (namesToCodes) return namesToCodes;
  const map = new Map<string, string>(Object.entries(ALIASES));
  for (const code of KNOWN_CODES) {
    for (const locale of ['en', 'es', code]) {
      try {
        const name = new Intl.DisplayNames([locale], { type: 'language', fallback: 'none' }).of(code);
        if (name && !map.has(fold(name))) map.set(fold(name), code);
      } catch {
        // A locale the runtime lacks: the other names still match.
      }
    }
  }
  namesToCodes = map;
  return map;
}

/** One key per language: "Spanish", "español", "es" and "es-MX" are all "es"; "K'iche'" and "quc" are "quc". */
export function languageKey(text: string): string {
  const trimmed = text.trim().toLowerCase();
  const code = /^([a-z]{2,3})(?:-[a-z0-9]{2,8})*$/.exec(trimmed);
  const folded = fold(trimmed);
  const named = names().get(folded);
  if (named) return named;
  if (code?.[1]) return code[1];
  return folded;
}

export function speaksAny(spoken: readonly string[], wanted: string): boolean {
  const key = languageKey(wanted);
  return key !== '' && spoken.some((language) => languageKey(language) === key);
}

/** The first of these languages Amparo speaks (for texts to the person), if any. */
export function firstSupportedLanguage(languages: readonly string[]): Language | undefined {
  for (const language of languages) {
    const key = languageKey(language);
    const supported = SUPPORTED_LANGUAGES.find((code) => code === key);
    if (supported) return supported;
  }
  return undefined;
}

/** One entry per language, the first spelling kept ("Spanish" and "es" are one). */
export function uniqueLanguages(languages: readonly string[]): string[] {
  const seen = new Set<string>();
  return languages.filter((language) => {
    const key = languageKey(language);
    if (key === '' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A language as a reader sees it: a bare code ("es", "ht") by its name in their language, else as typed. */
export function languageLabel(language: string, readerLanguage: Language): string {
  if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(language) || language !== language.toLowerCase())
    return language;
  try {
    const name = new Intl.DisplayNames([readerLanguage], { type: 'language', fallback: 'none' }).of(language);
    return name ?? language;
  } catch {
    return language;
  }
}

/** Splits a typed list ("Spanish, Mam; en") into its entries, without repeats of one language. */
export function parseLanguages(raw: string): string[] {
  const seen = new Set<string>();
  const list: string[] = [];
  for (const part of raw.split(/[,;\n/]+/)) {
    const language = part.trim().replace(/\s+/g, ' ');
    const key = languageKey(language);
    if (language === '' || key === '' || seen.has(key)) continue;
    seen.add(key);
    list.push(language);
  }
  return list;
}
