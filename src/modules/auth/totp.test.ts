import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  otpauthUri,
  totpAt,
  totpStep,
  verifyTotp,
} from './totp.ts';

const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');

describe('totp', () => {
  test('matches the RFC 6238 SHA-1 test vectors', () => {
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, expected] of vectors) {
      assert.equal(totpAt(RFC_SECRET, seconds * 1000, 8), expected, `T=${seconds}`);
      assert.equal(totpAt(RFC_SECRET, seconds * 1000), expected.slice(-6), `T=${seconds} (6 digits)`);
    }
  });

  test('matches the RFC 4226 HOTP vectors', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314'];
    expected.forEach((code, counter) => assert.equal(hotp(RFC_SECRET, counter), code));
  });

  test('base32 round-trips and reads the RFC secret', () => {
    assert.equal(base32Encode(RFC_SECRET), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.deepEqual(base32Decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq'), RFC_SECRET);
    for (let length = 0; length < 12; length++) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 37 + 11) & 255));
      assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
    }
    assert.throws(() => base32Decode('not base32!'));
    assert.equal(base32Decode(generateTotpSecret()).length, 20);
  });

  test('accepts one step of drift either way, and no more', () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    assert.equal(verifyTotp(RFC_SECRET, totpAt(RFC_SECRET, now), now, null), step);
    assert.equal(verifyTotp(RFC_SECRET, totpAt(RFC_SECRET, now - 30_000), now, null), step - 1);
    assert.equal(verifyTotp(RFC_SECRET, totpAt(RFC_SECRET, now + 30_000), now, null), step + 1);
    assert.equal(verifyTotp(RFC_SECRET, totpAt(RFC_SECRET, now - 60_000), now, null), null);
    assert.equal(verifyTotp(RFC_SECRET, totpAt(RFC_SECRET, now + 60_000), now, null), null);
  });

  test('refuses a code from the last accepted step or earlier (replay)', () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    const code = totpAt(RFC_SECRET, now);
    assert.equal(verifyTotp(RFC_SECRET, code, now, step), null);
    assert.equal(verifyTotp(RFC_SECRET, code, now, step + 1), null);
    assert.equal(verifyTotp(RFC_SECRET, code, now, step - 1), step);
    // The previous step's code is refused once the current one was used, even inside the drift window.
    assert.equal(verifyTotp(RFC_SECRET, totpAt(RFC_SECRET, now - 30_000), now, step), null);
  });

  test('refuses malformed codes', () => {
    const now = 1_700_000_000_000;
    for (const code of ['', '12345', '1234567', 'abcdef', '12 345']) {
      assert.equal(verifyTotp(RFC_SECRET, code, now, null), null, code);
    }
  });

  test('builds an otpauth URI authenticator apps understand', () => {
    const uri = otpauthUri({ secret: 'ABC', issuer: 'Red de Apoyo', account: 'a@b.org' });
    assert.match(uri, /^otpauth:\/\/totp\/Red%20de%20Apoyo:a%40b\.org\?/);
    const params = new URL(uri).searchParams;
    assert.equal(params.get('secret'), 'ABC');
    assert.equal(params.get('issuer'), 'Red de Apoyo');
    assert.equal(params.get('digits'), '6');
  });
});
