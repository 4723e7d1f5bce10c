// The shared field-error renderer: the markup every form's inputs point at with aria-describedby.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translator } from '../i18n/i18n.ts';
import { fieldError } from './form.ts';

test('a field error is a span the input can point at, in the reader language; a fine field shows nothing', () => {
  const t = translator('es');
  const shown = fieldError(t, 'split-zip', { key: 'incidents.error_zip' });
  assert.equal(
    typeof shown === 'string' ? shown : shown.value,
    `<span class="field-error" id="split-zip-error">${t('incidents.error_zip')}</span>`,
  );
  assert.equal(fieldError(t, 'split-zip', undefined), '');
});
