// The shared form kit's markup: a field's error next to its input, and the error summary at the top of a form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translator } from '../i18n/i18n.ts';
import { errorSummary, fieldError, formErrorSummary } from './form.ts';

function text(value: { value: string } | string): string {
  return typeof value === 'string' ? value : value.value;
}

test('a field error is a span the input can point at, in the reader language; a fine field shows nothing', () => {
  const t = translator('es');
  const shown = fieldError(t, 'split-zip', { key: 'incidents.error_zip' });
  assert.equal(
    typeof shown === 'string' ? shown : shown.value,
    `<span class="field-error" id="split-zip-error">${t('incidents.error_zip')}</span>`,
  );
  assert.equal(fieldError(t, 'split-zip', undefined), '');
});

test('the error summary is an alert titled "There is a problem" with a link to each field, in form order', () => {
  const en = text(
    formErrorSummary(
      translator('en'),
      ['display_name', 'phone', 'languages'] as const,
      {
        languages: { key: 'profile.error_languages_required' },
        display_name: { key: 'profile.error_required' },
      },
      { idOf: (field) => `profile-${field}`, intro: 'Everything you typed is still here.' },
    ),
  );
  assert.match(
    en,
    /^<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">/,
  );
  assert.match(en, /<h2 id="error-summary-title">There is a problem<\/h2>/);
  assert.match(en, /<p>Everything you typed is still here\.<\/p>/);
  const links = [...en.matchAll(/<li><a href="([^"]+)">([^<]+)<\/a><\/li>/g)].map(
    ([, href, words]) => `${href} ${words}`,
  );
  assert.deepEqual(links, [
    `#profile-display_name ${translator('en')('profile.error_required')}`,
    `#profile-languages ${translator('en')('profile.error_languages_required')}`,
  ]);
  assert.match(text(errorSummary(translator('es'), [{ id: 'email', text: 'x' }])), /Hay un problema/);
});

test('no problem, no summary; the words are escaped', () => {
  assert.equal(formErrorSummary(translator('en'), ['a'] as const, {}), '');
  assert.equal(errorSummary(translator('en'), []), '');
  assert.match(
    text(errorSummary(translator('en'), [{ id: 'a"b', text: '<b>' }])),
    /href="#a&quot;b">&lt;b&gt;</,
  );
});
