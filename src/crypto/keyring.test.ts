import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { KeyError, loadMasterKeys } from './keyring.ts';

test('embedded mode creates a 0600 key file once and reuses it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'amparo-key-'));
  const file = path.join(dir, 'master.key');
  const first = await loadMasterKeys({ masterKey: undefined, masterKeyFile: file, mayCreateFile: true });
  assert.equal(first.createdFile, file);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const second = await loadMasterKeys({ masterKey: undefined, masterKeyFile: file, mayCreateFile: true });
  assert.equal(second.createdFile, undefined);
  assert.deepEqual(second.keys.get(1), first.keys.get(1));
  assert.equal(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64').length, 32);
});

test('PostgreSQL mode refuses to invent a key', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'amparo-key-'));
  await assert.rejects(
    loadMasterKeys({ masterKey: undefined, masterKeyFile: path.join(dir, 'none'), mayCreateFile: false }),
    KeyError,
  );
});
