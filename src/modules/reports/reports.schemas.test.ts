// The form's rules on their own, without HTTP or a database.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { PhotoDecoder, sniffPhotoType } from './photo.ts';
import { newReferenceCode, REFERENCE_PATTERN } from './reference-code.ts';
import { validateReportForm } from './reports.schemas.ts';

const decoder = new PhotoDecoder({ concurrency: 1, queueLimit: 4, timeoutSeconds: 15 });
const VALID = { activity: 'raid', location: ' 5th & Main ', seen_when: 'today', source: 'heard' };

describe('report form validation', () => {
  test('a minimal report is accepted with defaults and trimmed text', () => {
    const result = validateReportForm(VALID);
    assert.ok(result.ok);
    assert.equal(result.input.location, '5th & Main');
    assert.equal(result.input.agency, 'unknown');
    assert.equal(result.input.zip, null);
    assert.equal(result.input.callbackPhone, null);
  });

  test('a phone is kept only with consent, normalized', () => {
    const without = validateReportForm({ ...VALID, callback_phone: '773 555 0100' });
    assert.ok(!without.ok);
    assert.equal(without.errors.callback_consent?.key, 'report.error_consent');
    const withConsent = validateReportForm({
      ...VALID,
      callback_phone: '773 555 0100',
      callback_consent: 'yes',
    });
    assert.ok(withConsent.ok);
    assert.equal(withConsent.input.callbackPhone, '+17735550100');
    const consentOnly = validateReportForm({ ...VALID, callback_consent: 'yes' });
    assert.ok(consentOnly.ok);
    assert.equal(consentOnly.input.callbackPhone, null);
    const notAPhone = validateReportForm({ ...VALID, callback_phone: '12', callback_consent: 'yes' });
    assert.ok(!notAPhone.ok);
    assert.equal(notAPhone.errors.callback_phone?.key, 'report.error_phone');
  });

  test('values outside the lists, bad counts and ZIPs are refused', () => {
    const result = validateReportForm({
      ...VALID,
      activity: 'arresting',
      agency: 'fbi',
      source: 'dreamt',
      seen_when: 'tomorrow',
      zip: '1234a',
      agents_count: '-1',
      vehicles_count: '1001',
    });
    assert.ok(!result.ok);
    for (const field of ['activity', 'agency', 'source', 'seen_when'] as const) {
      assert.equal(result.errors[field]?.key, 'report.error_choose', field);
    }
    assert.equal(result.errors.zip?.key, 'report.error_zip');
    assert.equal(result.errors.agents_count?.key, 'report.error_count');
    assert.equal(result.errors.vehicles_count?.key, 'report.error_count');
    const edge = validateReportForm({ ...VALID, agents_count: '0', vehicles_count: '1000' });
    assert.ok(edge.ok);
    assert.equal(edge.input.vehiclesCount, 1000);
  });

  test('length limits count characters, not bytes', () => {
    assert.ok(validateReportForm({ ...VALID, location: '🚐'.repeat(500) }).ok);
    const tooLong = validateReportForm({ ...VALID, location: '🚐'.repeat(501) });
    assert.ok(!tooLong.ok);
    assert.deepEqual(tooLong.errors.location, { key: 'report.error_too_long', params: { max: 500 } });
  });

  test('damaged text (replacement characters, NUL) is refused', () => {
    for (const location of ['Main \uFFFD St', 'Main\u0000St']) {
      const result = validateReportForm({ ...VALID, location });
      assert.ok(!result.ok);
      assert.equal(result.errors.location?.key, 'report.error_encoding');
    }
    assert.ok(validateReportForm({ ...VALID, details: 'line one\r\nline two\ttabbed' }).ok);
  });
});

describe('photos', () => {
  test('type is judged by content', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 4, background: '#00f8' } })
      .png()
      .toBuffer();
    assert.equal(sniffPhotoType(png), 'image/png');
    assert.equal(sniffPhotoType(Buffer.from('GIF89a')), undefined);
    const prepared = await decoder.prepare(png);
    assert.equal(prepared.contentType, 'image/png');
    assert.match(prepared.originalSha256, /^[a-f0-9]{64}$/);
    await assert.rejects(decoder.prepare(Buffer.from('<svg/>')), { name: 'InvalidImageError' });
  });

  test('orientation is applied before metadata is dropped', async () => {
    const rotated = await sharp({ create: { width: 4, height: 2, channels: 3, background: 'green' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const prepared = await decoder.prepare(rotated);
    const meta = await sharp(prepared.stripped).metadata();
    assert.equal(meta.orientation, undefined);
    assert.deepEqual([meta.width, meta.height], [2, 4]);
  });

  test('more than 40 megapixels is refused from the headers; 40 is not', async () => {
    // A PNG's size is in its first chunk: a 6,400 × 6,400 one (41 MP) of one colour is small to make.
    const png = (side: number) =>
      sharp({ create: { width: side, height: side, channels: 3, background: 'black' } })
        .png({ compressionLevel: 1 })
        .toBuffer();
    await assert.rejects(decoder.inspect(await png(6_400)), { reason: 'too_many_pixels' });
    await assert.rejects(decoder.prepare(await png(6_400)), { reason: 'too_many_pixels' });
    assert.equal(await decoder.inspect(await png(6_300)), 'image/png');
    assert.deepEqual(decoder.gate.state, { running: 0, waiting: 0 });
  });
});

describe('reference codes', () => {
  test('are 8 characters from the unambiguous alphabet and vary', () => {
    const codes = new Set(Array.from({ length: 200 }, newReferenceCode));
    assert.equal(codes.size, 200);
    for (const code of codes) assert.match(code, REFERENCE_PATTERN);
    assert.ok(![...codes].join('').match(/[01ILO]/));
  });
});
