import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkPasswordChoice,
  dummyPasswordHash,
  hashPassword,
  verifyAgainstDummy,
  verifyPassword,
} from './passwords.ts';

describe('passwords', () => {
  test('length is 12 to 256 characters, counted as people see them', () => {
    assert.equal(checkPasswordChoice('a'.repeat(11), 'a'.repeat(11)), 'too_short');
    assert.equal(checkPasswordChoice('a'.repeat(12), 'a'.repeat(12)), null);
    assert.equal(checkPasswordChoice('a'.repeat(256), 'a'.repeat(256)), null);
    assert.equal(checkPasswordChoice('a'.repeat(257), 'a'.repeat(257)), 'too_long');
    // Twelve characters outside the BMP are 24 UTF-16 units but still twelve characters.
    assert.equal(checkPasswordChoice('🔑'.repeat(11), '🔑'.repeat(11)), 'too_short');
    assert.equal(checkPasswordChoice('contraseña larga', 'contrasena larga'), 'mismatch');
  });

  test('hashes with argon2id, 64 MiB, 3 passes, 1 lane, and verifies', async () => {
    const hash = await hashPassword('correct horse battery staple');
    assert.match(hash, /^\$argon2id\$v=19\$m=65536,t=3,p=1\$/);
    assert.equal(await verifyPassword(hash, 'correct horse battery staple'), true);
    assert.equal(await verifyPassword(hash, 'correct horse battery stapl'), false);
    assert.equal(await verifyPassword('not-an-argon2-hash', 'anything at all'), false);
  });

  // Equal cost is shown by equal work, not by timing (which a loaded machine makes flaky): the unknown-account
  // path verifies against a hash with the same parameters, and both refuse over-long input before hashing.
  test('an unknown account costs what a real one costs: the same argon2 parameters, the same refusals', async () => {
    const real = await hashPassword('a real password here');
    const parameters = (hash: string) => hash.split('$').slice(1, 4).join('$');
    assert.equal(parameters(await dummyPasswordHash()), parameters(real));
    assert.equal(parameters(real), 'argon2id$v=19$m=65536,t=3,p=1');
    await verifyAgainstDummy('a wrong guess');
    // Over-long input is refused before any hashing: even the hash of that very input does not match it.
    const tooLong = 'x'.repeat(1500);
    assert.equal(await verifyPassword(await hashPassword(tooLong), tooLong), false);
    await verifyAgainstDummy(tooLong);
  });
});
