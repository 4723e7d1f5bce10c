import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFileSize } from './size.ts';

test('file sizes in words people know, in English and Spanish', () => {
  assert.equal(formatFileSize(20_972_761, 'en'), '21 MB');
  assert.equal(formatFileSize(314_572_800, 'es'), '314,6 MB');
  assert.equal(formatFileSize(1_500, 'en'), '1.5 kB');
  assert.equal(formatFileSize(630, 'en'), '630 bytes');
  assert.equal(formatFileSize(630, 'es'), '630 bytes');
  assert.equal(formatFileSize(2_400_000_000, 'en'), '2.4 GB');
});
