// The text-to-speech voices the phone line may name in <Say>, per language Amparo speaks. Without a voice,
// Twilio reads every <Say> with its basic "man" voice, which does not speak es-MX; a voice and a language
// that do not go together make the <Say> fail. So each language has a setting (AMPARO_VOICE_EN,
// AMPARO_VOICE_ES) checked at start against the voices Twilio offers for it: Amazon Polly's (Polly.Name,
// or Polly.Name-Neural where Polly has a neural variant) and Google's (Google.<locale>-<type>-<letter>).
// The <Say> then carries the voice's own locale as its language.
import type { Language } from './languages.ts';

export interface SayVoice {
  /** As Twilio's <Say voice> takes it, e.g. Polly.Joanna or Google.es-US-Neural2-A. */
  name: string;
  /** The voice's locale, sent as <Say language>. */
  locale: string;
}

/** Amazon Polly's voices for US English and American Spanish: locale, and whether a neural variant exists. */
const POLLY: Readonly<Record<string, { locale: string; standard: boolean; neural: boolean }>> = {
  Danielle: { locale: 'en-US', standard: false, neural: true },
  Gregory: { locale: 'en-US', standard: false, neural: true },
  Ivy: { locale: 'en-US', standard: true, neural: true },
  Joanna: { locale: 'en-US', standard: true, neural: true },
  Joey: { locale: 'en-US', standard: true, neural: true },
  Justin: { locale: 'en-US', standard: true, neural: true },
  Kendra: { locale: 'en-US', standard: true, neural: true },
  Kevin: { locale: 'en-US', standard: false, neural: true },
  Kimberly: { locale: 'en-US', standard: true, neural: true },
  Matthew: { locale: 'en-US', standard: true, neural: true },
  Ruth: { locale: 'en-US', standard: false, neural: true },
  Salli: { locale: 'en-US', standard: true, neural: true },
  Stephen: { locale: 'en-US', standard: false, neural: true },
  Mia: { locale: 'es-MX', standard: true, neural: true },
  Andres: { locale: 'es-MX', standard: false, neural: true },
  Lupe: { locale: 'es-US', standard: true, neural: true },
  Penelope: { locale: 'es-US', standard: true, neural: false },
  Miguel: { locale: 'es-US', standard: true, neural: false },
  Pedro: { locale: 'es-US', standard: false, neural: true },
};

/** Google's voice families and the speaker letters each has, per locale (Google has no es-MX voices). */
const GOOGLE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'en-US': { Standard: 'ABCDEFGHIJ', Wavenet: 'ABCDEFGHIJ', Neural2: 'ACDEFGHIJ' },
  'es-US': { Standard: 'ABC', Wavenet: 'ABC', Neural2: 'ABC' },
};

/** The locales a language's voice may have. */
const LOCALES: Readonly<Record<Language, readonly string[]>> = {
  en: ['en-US'],
  es: ['es-US', 'es-MX'],
};

/** Voices every Twilio account can use: Polly's standard voices, Joanna (en-US) and Mia (es-MX). */
export const DEFAULT_VOICES: Readonly<Record<Language, string>> = { en: 'Polly.Joanna', es: 'Polly.Mia' };

/** The voice named, with its locale, if Twilio offers it for this language; undefined otherwise. */
export function sayVoice(language: Language, name: string): SayVoice | undefined {
  const polly = /^Polly\.([A-Za-z]+)(-Neural)?$/.exec(name);
  if (polly) {
    const voice = POLLY[polly[1]!];
    if (!voice || !(polly[2] ? voice.neural : voice.standard)) return undefined;
    return LOCALES[language].includes(voice.locale) ? { name, locale: voice.locale } : undefined;
  }
  const google = /^Google\.([a-z]{2}-[A-Z]{2})-([A-Za-z0-9]+)-([A-Z])$/.exec(name);
  if (google) {
    const [, locale, family, letter] = google as unknown as [string, string, string, string];
    if (!LOCALES[language].includes(locale) || !GOOGLE[locale]?.[family]?.includes(letter)) return undefined;
    return { name, locale };
  }
  return undefined;
}
