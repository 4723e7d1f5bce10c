// The languages a US rapid response network meets, by a stable code and with their names in the languages
// Amparo speaks. Staff pick from this list instead of typing codes; the code (ISO 639-1, else ISO 639-3:
// Mayan languages such as Mam or K'iche' only have 3-letter codes) is what is stored. The names are written
// out here because the runtime's own (Intl.DisplayNames) does not know many of these languages.
import type { Language } from '../config/languages.ts';

export interface NamedLanguage {
  code: string;
  names: Record<Language, string>;
  /** Shown first on forms; the rest sit behind "More languages". */
  common: boolean;
}

const named = (code: string, en: string, es: string, common = false): NamedLanguage => ({
  code,
  names: { en, es },
  common,
});

/** English and Spanish first, then the languages hotlines hear most, then the rest. */
export const NETWORK_LANGUAGES: readonly NamedLanguage[] = [
  named('en', 'English', 'Inglés', true),
  named('es', 'Spanish', 'Español', true),
  named('mam', 'Mam', 'Mam', true),
  named('quc', "K'iche'", "K'iche'", true),
  named('kjb', "Q'anjob'al", "Q'anjob'al", true),
  named('knj', 'Akateko', 'Akateko', true),
  named('ht', 'Haitian Creole', 'Criollo haitiano', true),
  named('pt', 'Portuguese', 'Portugués', true),
  named('vi', 'Vietnamese', 'Vietnamita', true),
  named('zh', 'Chinese', 'Chino', true),
  named('ar', 'Arabic', 'Árabe', true),
  named('fr', 'French', 'Francés', true),
  named('am', 'Amharic', 'Amárico'),
  named('ase', 'American Sign Language', 'Lengua de señas americana'),
  named('bn', 'Bengali', 'Bengalí'),
  named('my', 'Burmese', 'Birmano'),
  named('yue', 'Cantonese', 'Cantonés'),
  named('cac', 'Chuj', 'Chuj'),
  named('prs', 'Dari', 'Darí'),
  named('fa', 'Farsi (Persian)', 'Persa (farsi)'),
  named('hi', 'Hindi', 'Hindi'),
  named('ixl', 'Ixil', 'Ixil'),
  named('ja', 'Japanese', 'Japonés'),
  named('cak', 'Kaqchikel', 'Kaqchikel'),
  named('ko', 'Korean', 'Coreano'),
  named('ne', 'Nepali', 'Nepalí'),
  named('ps', 'Pashto', 'Pastún'),
  named('pl', 'Polish', 'Polaco'),
  named('pa', 'Punjabi', 'Panyabí'),
  named('kek', "Q'eqchi'", "Q'eqchi'"),
  named('ru', 'Russian', 'Ruso'),
  named('so', 'Somali', 'Somalí'),
  named('sw', 'Swahili', 'Suajili'),
  named('tl', 'Tagalog', 'Tagalo'),
  named('ti', 'Tigrinya', 'Tigriña'),
  named('uk', 'Ukrainian', 'Ucraniano'),
  named('ur', 'Urdu', 'Urdu'),
  named('wo', 'Wolof', 'Wolof'),
];

const BY_CODE = new Map(NETWORK_LANGUAGES.map((language) => [language.code, language]));

export function isListedLanguage(code: string): boolean {
  return BY_CODE.has(code);
}

/**
 * A language's name in the reader's language: from the list, else the runtime's name for the code, else the
 * code itself (a code someone typed before the list existed is kept and shown as it is).
 */
export function languageName(code: string, lang: Language): string {
  const listed = BY_CODE.get(code);
  if (listed) return listed.names[lang];
  try {
    const name = new Intl.DisplayNames([lang], { type: 'language', fallback: 'code' }).of(code);
    return name && name !== code ? name : code;
  } catch {
    return code;
  }
}
