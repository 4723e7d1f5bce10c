// Uploads abandoned half-way (a phone that gave up): the daily sweep removes their sealed parts once nothing was
// written to them for ABANDONED_UPLOAD_MS, and leaves an upload still being resumed alone.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { Upload } from '@tus/server';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { ABANDONED_UPLOAD_MS } from './evidence.jobs.ts';
import { SealedUploadStore } from './evidence.tus-store.ts';

let t: TestApp;
let directory: string;
before(async () => {
  t = await createTestApp();
  directory = await mkdtemp(path.join(tmpdir(), 'amparo-uploads-'));
});
after(async () => {
  await t.close();
  await rm(directory, { recursive: true, force: true });
});

test('an upload untouched past the limit is removed whole; one written to since is kept', async () => {
  const store = new SealedUploadStore(t.context.secrets.keyring, directory);
  const abandoned = randomUUID();
  const resuming = randomUUID();
  for (const id of [abandoned, resuming]) {
    await store.create(new Upload({ id, size: 1_000_000, offset: 0 }));
    await store.write(Readable.from([Buffer.alloc(300_000, 7)]), id, 0);
  }
  const now = Date.now();
  const longAgo = new Date(now - ABANDONED_UPLOAD_MS - 60_000);
  for (const suffix of ['info', 'body', 'tail'])
    await utimes(path.join(directory, `${abandoned}.${suffix}`), longAgo, longAgo);
  // Created long ago, but a PATCH an hour ago: still being resumed.
  await utimes(path.join(directory, `${resuming}.info`), longAgo, longAgo);

  assert.equal(await store.removeAbandoned(new Date(now - ABANDONED_UPLOAD_MS)), 1);
  const left = (await readdir(directory)).sort();
  assert.deepEqual(left, [`${resuming}.body`, `${resuming}.info`, `${resuming}.tail`]);
  assert.equal((await store.getUpload(resuming)).offset, 300_000, 'the kept upload resumes where it was');
  assert.equal(
    await store.removeAbandoned(new Date(now - ABANDONED_UPLOAD_MS)),
    0,
    'a second sweep is harmless',
  );
});
