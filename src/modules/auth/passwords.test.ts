import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkPasswordChoice,
  hashPassword,
  primeDummyHash,
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

  test('an unknown account costs about as much time as a real one', async () => {
    const hash = await hashPassword('a real password here');
    await primeDummyHash();
    const median = async (work: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const start = performance.now();
        await work();
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[1]!;
    };
    const real = await median(() => verifyPassword(hash, 'a wrong guess'));
    const dummy = await median(() => verifyAgainstDummy('a wrong guess'));
    assert.ok(dummy > real * 0.3, `dummy ${dummy} ms vs real ${real} ms`);
    // Over-long input: a real account refuses it without hashing, so the unknown-account path must too.
    const tooLong = 'x'.repeat(1500);
    const realLong = await median(() => verifyPassword(hash, tooLong));
    const dummyLong = await median(() => verifyAgainstDummy(tooLong));
    assert.ok(realLong < real * 0.3, `a real account refuses over-long input fast (${realLong} ms)`);
    assert.ok(dummyLong < real * 0.3, `so does an unknown account (${dummyLong} ms vs a hash at ${real} ms)`);
  });
});
