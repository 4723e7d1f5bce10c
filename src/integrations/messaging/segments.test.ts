import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countSegments, isGsm7 } from './segments.ts';

test('plain English fits one GSM-7 segment up to 160 characters', () => {
  assert.deepEqual(countSegments('a'.repeat(160)), { encoding: 'gsm7', segments: 1 });
  assert.deepEqual(countSegments('a'.repeat(161)), { encoding: 'gsm7', segments: 2 });
  assert.deepEqual(countSegments('a'.repeat(306)), { encoding: 'gsm7', segments: 2 });
  assert.deepEqual(countSegments('a'.repeat(307)), { encoding: 'gsm7', segments: 3 });
});

test('an empty text is still one message', () => {
  assert.deepEqual(countSegments(''), { encoding: 'gsm7', segments: 1 });
});

test('ñ, é, ¿ and ¡ are in the GSM-7 default alphabet; á, í, ó and ú are not', () => {
  for (const char of ['ñ', 'Ñ', 'é', 'É', '¿', '¡', 'ü', 'Ü', 'à']) assert.ok(isGsm7(char), char);
  for (const char of ['á', 'í', 'ó', 'ú', 'Á', 'ê', 'ç']) assert.ok(!isGsm7(char), char);
});

test('Spanish with ñ only stays GSM-7; one á turns the whole text into UCS-2', () => {
  const gsm = 'Señor, ¡mañana! ¿Quién viene? Niño, España';
  assert.deepEqual(countSegments(gsm), { encoding: 'gsm7', segments: 1 });
  const accented = 'Llamé a la línea de ayuda: están en la esquina.';
  assert.equal(countSegments(accented).encoding, 'ucs2');
  // 70 UCS-2 units fit one segment; 71 need two of at most 67.
  assert.deepEqual(countSegments('á'.repeat(70)), { encoding: 'ucs2', segments: 1 });
  assert.deepEqual(countSegments('á'.repeat(71)), { encoding: 'ucs2', segments: 2 });
  assert.deepEqual(countSegments('á'.repeat(134)), { encoding: 'ucs2', segments: 2 });
  assert.deepEqual(countSegments('á'.repeat(135)), { encoding: 'ucs2', segments: 3 });
});

test('extension characters cost two septets and are never split across segments', () => {
  assert.deepEqual(countSegments('€'.repeat(80)), { encoding: 'gsm7', segments: 1 });
  assert.deepEqual(countSegments('€'.repeat(81)), { encoding: 'gsm7', segments: 2 });
  // 152 septets, then a 2-septet € that does not fit the first 153-septet segment.
  assert.deepEqual(countSegments('a'.repeat(152) + '€' + 'b'.repeat(10)), { encoding: 'gsm7', segments: 2 });
  assert.deepEqual(countSegments('a'.repeat(152) + '€' + 'b'.repeat(152)), { encoding: 'gsm7', segments: 3 });
});

test('an emoji is UCS-2 and its surrogate pair counts two units, kept together', () => {
  assert.deepEqual(countSegments('ok 👍'), { encoding: 'ucs2', segments: 1 });
  assert.deepEqual(countSegments('👍'.repeat(35)), { encoding: 'ucs2', segments: 1 });
  assert.deepEqual(countSegments('👍'.repeat(36)), { encoding: 'ucs2', segments: 2 });
  // 66 units then a pair: the pair moves to the next segment rather than being cut.
  assert.deepEqual(countSegments('x'.repeat(66) + '👍' + 'y'.repeat(66)), { encoding: 'ucs2', segments: 3 });
});
