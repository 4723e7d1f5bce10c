import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CaseKeyStore, CaseKeyUnavailableError } from './case-keys.ts';
import { DecryptionError, fieldRef } from './field-encryption.ts';
import { createKeyring } from './keyring.ts';

let dir: string;
const keyring = createKeyring(new Map([[1, randomBytes(32)]]));
const ref = fieldRef('cases', 'person', 'r1');

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'amparo-case-keys-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a case key encrypts and decrypts its fields, and the key file holds no plaintext key', async () => {
  const store = new CaseKeyStore(dir, keyring);
  const caseId = randomUUID();
  await store.create(caseId);
  const cipher = await store.cipherFor(caseId);
  const stored = cipher.encryptJson(ref, { name: 'Ana Canary', aNumber: '012345678' });
  assert.doesNotMatch(stored, /Canary|012345678/);
  assert.deepEqual((await store.cipherFor(caseId)).decryptJson(ref, stored), {
    name: 'Ana Canary',
    aNumber: '012345678',
  });
  const file = path.join(dir, `${caseId}.key`);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.match(await readFile(file, 'utf8'), /^v1\.[A-Za-z0-9_-]+\n$/);
});

test('a ciphertext is bound to its case, table, column and row', async () => {
  const store = new CaseKeyStore(dir, keyring);
  const [first, second] = [randomUUID(), randomUUID()];
  await store.create(first);
  await store.create(second);
  const stored = (await store.cipherFor(first)).encrypt(ref, 'secret');
  const firstCipher = await store.cipherFor(first);
  assert.throws(() => firstCipher.decrypt({ ...ref, rowId: 'r2' }, stored), DecryptionError);
  assert.throws(() => firstCipher.decrypt({ ...ref, column: 'languages' }, stored), DecryptionError);
  await assert.rejects(async () => (await store.cipherFor(second)).decrypt(ref, stored), DecryptionError);
});

test('creating a key twice is refused rather than orphaning the first', async () => {
  const store = new CaseKeyStore(dir, keyring);
  const caseId = randomUUID();
  await store.create(caseId);
  await assert.rejects(store.create(caseId), /EEXIST/);
});

test('once destroyed, a copy of the ciphertext taken before cannot be read, even with the master key', async () => {
  const store = new CaseKeyStore(dir, keyring);
  const caseId = randomUUID();
  await store.create(caseId);
  const copyTakenBefore = (await store.cipherFor(caseId)).encrypt(ref, 'Ana Canary');
  await store.destroy(caseId);
  assert.equal(await store.exists(caseId), false);
  assert.ok(!(await readdir(dir)).includes(`${caseId}.key`));
  await assert.rejects(store.cipherFor(caseId), CaseKeyUnavailableError);
  // Destroying again is harmless (a retried job).
  await store.destroy(caseId);
  assert.ok(copyTakenBefore.startsWith('c1.'));
});

test('another master key cannot unwrap a case key', async () => {
  const caseId = randomUUID();
  await new CaseKeyStore(dir, keyring).create(caseId);
  const stranger = new CaseKeyStore(dir, createKeyring(new Map([[1, randomBytes(32)]])));
  await assert.rejects(stranger.cipherFor(caseId), DecryptionError);
});

test('only a UUID can name a key file', async () => {
  const store = new CaseKeyStore(dir, keyring);
  await assert.rejects(store.create('../escape'), /UUID/);
});
