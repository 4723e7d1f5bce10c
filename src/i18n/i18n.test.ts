import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUPPORTED_LANGUAGES } from '../config/config.ts';
import {
  CATALOG_FILES,
  CATALOGS,
  compileMessage,
  languageFromAcceptLanguage,
  onMissingMessage,
  translate,
  type MessageKey,
} from './i18n.ts';

/** The argument names a message uses, plurals' and selects' included. */
function argumentNames(lang: 'en' | 'es', message: string): string[] {
  const names = new Set<string>();
  const walk = (elements: readonly { type: number; value?: unknown; options?: object }[]) => {
    for (const element of elements) {
      if (element.type !== 0 && element.type !== 7 && typeof element.value === 'string')
        names.add(element.value);
      for (const option of Object.values(element.options ?? {}) as { value: typeof elements }[])
        walk(option.value);
    }
  };
  walk(compileMessage(lang, message).format.getAst());
  return [...names].sort();
}

test('no message key is defined in two files of one language', () => {
  for (const [lang, files] of Object.entries(CATALOG_FILES)) {
    const seen = new Map<string, string>();
    for (const [file, messages] of Object.entries(files)) {
      for (const key of Object.keys(messages)) {
        assert.equal(seen.get(key), undefined, `${lang}: ${key} is in both ${seen.get(key)} and ${file}`);
        seen.set(key, file);
      }
    }
  }
});

test('every language file has exactly the keys of the English file, with the same placeholders', () => {
  const englishKeys = Object.keys(CATALOGS.en).sort();
  for (const lang of SUPPORTED_LANGUAGES) {
    const catalog = CATALOGS[lang] as Record<string, string>;
    assert.deepEqual(Object.keys(catalog).sort(), englishKeys, `${lang} keys differ from en`);
    for (const key of englishKeys) {
      assert.ok(catalog[key]!.trim().length > 0, `${lang}: ${key} is empty`);
      assert.deepEqual(
        argumentNames(lang, catalog[key]!),
        argumentNames('en', (CATALOGS.en as Record<string, string>)[key]!),
        `${lang}: ${key}`,
      );
    }
  }
});

test('Accept-Language picks the best supported language by q-value', () => {
  assert.equal(languageFromAcceptLanguage('es-MX,es;q=0.9,en;q=0.8', 'en'), 'es');
  assert.equal(languageFromAcceptLanguage('fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4', 'en'), 'es');
  assert.equal(languageFromAcceptLanguage('en;q=0.2,es;q=0.8', 'en'), 'es');
  assert.equal(languageFromAcceptLanguage('de', 'es'), 'es');
  assert.equal(languageFromAcceptLanguage(undefined, 'en'), 'en');
  assert.equal(languageFromAcceptLanguage('es;q=0', 'en'), 'en');
});

test('translate fills placeholders', () => {
  assert.equal(translate('es', 'error.not_found'), 'No hay nada en esta dirección.');
});

test('every message of every language is valid ICU MessageFormat', () => {
  let compiled = 0;
  for (const lang of SUPPORTED_LANGUAGES) {
    for (const [key, message] of Object.entries(CATALOGS[lang])) {
      assert.doesNotThrow(() => compileMessage(lang, message), `${lang}: ${key} does not parse as ICU`);
      compiled++;
    }
  }
  assert.ok(compiled > 1000);
});

test('ICU reads the old messages as they were: apostrophes, placeholders and numbers unchanged', () => {
  // Apostrophes are ICU's quote character; these messages have them next to words and placeholders.
  const samples: [MessageKey, Record<string, string | number>][] = [
    ['cases.close_hint', { days: 180 }],
    ['outbox.retention', { days: 7 }],
    ['dispatch.crowd_count', { count: 2, cap: 4 }],
    ['incidents.simulated_count', { count: 3 }],
  ];
  for (const lang of SUPPORTED_LANGUAGES) {
    for (const [key, params] of samples) {
      const template = CATALOGS[lang][key];
      const before = template.replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole));
      assert.equal(translate(lang, key, params), before, `${lang}: ${key}`);
    }
    const withApostrophe = Object.entries(CATALOGS[lang]).filter(
      ([, m]) => m.includes("'") && !m.includes('{'),
    );
    for (const [key, message] of withApostrophe) assert.equal(translate(lang, key as MessageKey), message);
  }
  // A year stays a year: numbers outside plurals are written as given, not "2,026".
  assert.equal(
    translate('en', 'outbox.retention', { days: 2026 }),
    CATALOGS.en['outbox.retention'].replace('{days}', '2026'),
  );
});

test('plurals through ICU in English and Spanish: one segment, two segments', () => {
  const meta = (lang: 'en' | 'es', segments: number) =>
    translate(lang, 'alerts.preview_meta', { characters: 150, segments, encoding: 'GSM-7' });
  assert.equal(meta('en', 1), '150 characters · 1 segment · GSM-7');
  assert.equal(meta('en', 2), '150 characters · 2 segments · GSM-7');
  assert.equal(meta('es', 1), '150 caracteres · 1 segmento · GSM-7');
  assert.equal(meta('es', 2), '150 caracteres · 2 segmentos · GSM-7');
  assert.equal(translate('en', 'case_tracking.import_problems', { count: 1 }), '1 row was not imported:');
  assert.equal(translate('es', 'case_tracking.import_problems', { count: 3 }), '3 filas no se importaron:');
  assert.equal(translate('en', 'alerts.approve_submit', { count: 1 }), 'Approve and send to 1 subscriber');
  assert.equal(
    translate('es', 'alerts.approve_submit', { count: 1200 }),
    'Aprobar y enviar a 1,200 suscriptores',
  );
  for (const lang of SUPPORTED_LANGUAGES) {
    for (const [key, message] of Object.entries(CATALOGS[lang])) {
      assert.doesNotMatch(message, /\w\((s|es)\)/, `${lang}: ${key} says "(s)"; use an ICU plural`);
    }
  }
});

test('a missing message falls back to English, then to its key, and only the key is reported', (t) => {
  const reported: string[] = [];
  const previous = onMissingMessage((key) => reported.push(key));
  const english = CATALOGS.en as Record<string, string>;
  const spanish = CATALOGS.es as Record<string, string>;
  english['test.only_in_english'] = 'Only in English, {name}';
  t.after(() => {
    delete english['test.only_in_english'];
    onMissingMessage(previous);
  });
  assert.equal(spanish['test.only_in_english'], undefined);
  assert.equal(
    translate('es', 'test.only_in_english' as MessageKey, { name: 'Ana' }),
    'Only in English, Ana',
  );
  assert.equal(translate('es', 'test.nowhere' as MessageKey, { name: 'Ana María' }), 'test.nowhere');
  assert.deepEqual(reported, ['test.nowhere']);
  // A parameter the caller forgot shows as its placeholder, as before, and is reported without the others.
  assert.equal(
    translate('en', 'dispatch.crowd_count', { count: 2 }),
    CATALOGS.en['dispatch.crowd_count'].replace('{count}', '2'),
  );
  assert.equal(reported.at(-1), 'dispatch.crowd_count (a parameter is missing)');
});
