import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { normalizePhone } from '../phone/phone.ts';
import { BlindIndexer } from './blind-index.ts';
import { DecryptionError, FieldCipher, fieldRef } from './field-encryption.ts';
import { createKeyring, KeyError, parseMasterKeys } from './keyring.ts';

const key1 = randomBytes(32).toString('base64');
const key2 = randomBytes(32).toString('base64');
const ref = fieldRef('reports', 'details', 'row-1');

describe('field encryption', () => {
  const cipher = new FieldCipher(createKeyring(parseMasterKeys(key1)));

  test('round-trips and never stores the plaintext', () => {
    const stored = cipher.encrypt(ref, 'Three vans on 26th Street');
    assert.match(stored, /^v1\./);
    assert.ok(!stored.includes('vans'));
    assert.equal(cipher.decrypt(ref, stored), 'Three vans on 26th Street');
  });

  test('the same plaintext encrypts differently each time', () => {
    assert.notEqual(cipher.encrypt(ref, 'same'), cipher.encrypt(ref, 'same'));
  });

  test('a value moved to another row, column or table does not decrypt', () => {
    const stored = cipher.encrypt(ref, 'secret');
    assert.throws(() => cipher.decrypt({ ...ref, rowId: 'row-2' }, stored), DecryptionError);
    assert.throws(() => cipher.decrypt({ ...ref, column: 'location' }, stored), DecryptionError);
    assert.throws(() => cipher.decrypt(fieldRef('case_events', 'details', 'row-1'), stored), DecryptionError);
  });

  test('a tampered ciphertext is refused, and the error names the field but not the value', () => {
    const stored = cipher.encrypt(ref, 'secret value');
    const bytes = Buffer.from(stored.slice(3), 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    const tampered = `v1.${bytes.toString('base64url')}`;
    assert.throws(
      () => cipher.decrypt(ref, tampered),
      (error: Error) =>
        error instanceof DecryptionError &&
        error.message.includes('reports.details') &&
        !error.message.includes('secret'),
    );
  });

  test('rotation: old values still decrypt under a keyring with a newer key, new ones use the newer version', () => {
    const old = cipher.encrypt(ref, 'before rotation');
    const rotated = new FieldCipher(createKeyring(parseMasterKeys(`1:${key1},2:${key2}`)));
    assert.equal(rotated.decrypt(ref, old), 'before rotation');
    assert.equal(rotated.needsRotation(old), true);
    const fresh = rotated.encrypt(ref, 'after rotation');
    assert.match(fresh, /^v2\./);
    assert.equal(rotated.needsRotation(fresh), false);
  });

  test('a wrong master key cannot decrypt', () => {
    const other = new FieldCipher(createKeyring(parseMasterKeys(key2)));
    assert.throws(() => other.decrypt(ref, cipher.encrypt(ref, 'x')), DecryptionError);
  });

  test('master keys must be 32 bytes of base64', () => {
    assert.throws(() => parseMasterKeys('short'), KeyError);
    assert.throws(() => parseMasterKeys(`${key1},${key2}`), KeyError);
  });
});

describe('blind index', () => {
  test('is stable for one key, differs between keys and purposes, and hides the value', () => {
    const a = new BlindIndexer(createKeyring(parseMasterKeys(key1)));
    const b = new BlindIndexer(createKeyring(parseMasterKeys(key2)));
    const phone = normalizePhone('(773) 555-0142')!;
    assert.equal(phone, '+17735550142');
    assert.equal(a.index('phone', phone), a.index('phone', normalizePhone('+1 773 555 0142')!));
    assert.notEqual(a.index('phone', phone), b.index('phone', phone));
    assert.notEqual(a.index('phone', phone), a.index('users.email', phone));
    assert.ok(!a.index('phone', phone).includes('5550142'));
  });

  test('normalizePhone refuses what is not a phone number', () => {
    assert.equal(normalizePhone('12345'), undefined);
    assert.equal(normalizePhone('call me'), undefined);
  });
});
