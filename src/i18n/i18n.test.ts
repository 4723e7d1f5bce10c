import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUPPORTED_LANGUAGES } from '../config/config.ts';
import { CATALOG_FILES, CATALOGS, languageFromAcceptLanguage, translate } from './i18n.ts';

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
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  const englishKeys = Object.keys(CATALOGS.en).sort();
  for (const lang of SUPPORTED_LANGUAGES) {
    const catalog = CATALOGS[lang] as Record<string, string>;
    assert.deepEqual(Object.keys(catalog).sort(), englishKeys, `${lang} keys differ from en`);
    for (const key of englishKeys) {
      assert.ok(catalog[key]!.trim().length > 0, `${lang}: ${key} is empty`);
      assert.deepEqual(
        placeholders(catalog[key]!),
        placeholders((CATALOGS.en as Record<string, string>)[key]!),
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
