// Killing Amparo with SIGKILL while reports pour in loses no report it acknowledged: every reference a
// reporter was shown (the 303 after commit) is in the database when it is opened again.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openDatabase } from '../../src/db/database.ts';
import { backends, createTestContext } from '../support/test-context.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitUntilReady(baseUrl: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('Amparo did not become ready');
}

async function submitUntilKilled(
  baseUrl: string,
  acknowledged: string[],
  stop: () => boolean,
): Promise<void> {
  const page = await fetch(`${baseUrl}/report`, { headers: { accept: 'text/html' } });
  const cookie = page.headers
    .getSetCookie()
    .find((c) => c.includes('amparo_form='))!
    .split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  while (!stop()) {
    const form = new FormData();
    for (const [k, v] of Object.entries({
      _csrf: csrf,
      activity: 'detaining',
      location: 'Kedzie and 26th',
      seen_when: 'now',
      agency: 'unknown',
      source: 'saw',
    })) {
      form.append(k, v);
    }
    try {
      const res = await fetch(`${baseUrl}/report`, {
        method: 'POST',
        body: form,
        headers: { cookie, accept: 'text/html' },
        redirect: 'manual',
      });
      if (res.status === 303) acknowledged.push(String(res.headers.get('location')).split('ref=')[1]!);
    } catch {
      return; // the server died mid-request: that report was never acknowledged
    }
  }
}

for (const backend of backends()) {
  describe(`kill -9 under load (${backend})`, () => {
    test('every acknowledged report survives', async (t) => {
      const dir = await mkdtemp(path.join(tmpdir(), 'amparo-kill-'));
      const masterKey = randomBytes(32).toString('base64');
      // PostgreSQL: a database of its own, prepared (migrated) by a test context and left in place.
      const prepared = backend === 'postgres' ? await createTestContext('postgres') : undefined;
      const databaseUrl = prepared?.databaseUrl;
      const port = await freePort();
      const child = spawn(path.join(ROOT, 'node_modules/.bin/node'), ['src/cli/main.ts', 'start'], {
        cwd: ROOT,
        stdio: 'ignore',
        env: {
          ...process.env,
          AMPARO_PORT: String(port),
          AMPARO_HOST: '127.0.0.1',
          AMPARO_DATA_DIR: path.join(dir, 'data'),
          AMPARO_MASTER_KEY: masterKey,
          AMPARO_LOG_LEVEL: 'silent',
          AMPARO_PUBLIC_RATE_LIMIT: '100000',
          ...(databaseUrl ? { AMPARO_DATABASE_URL: databaseUrl } : {}),
        },
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const baseUrl = `http://127.0.0.1:${port}`;
      const acknowledged: string[] = [];
      let killed = false;
      try {
        await waitUntilReady(baseUrl);
        const clients = Array.from({ length: 8 }, () =>
          submitUntilKilled(baseUrl, acknowledged, () => killed),
        );
        await new Promise((r) => setTimeout(r, 1500));
        child.kill('SIGKILL');
        killed = true;
        await Promise.all(clients);
        await exited;
      } finally {
        if (!killed) child.kill('SIGKILL');
      }
      assert.ok(
        acknowledged.length >= 20,
        `enough reports were acknowledged before the kill (${acknowledged.length})`,
      );

      const reopened = await openDatabase({ databaseUrl, pgliteDataDir: path.join(dir, 'data', 'pglite') });
      try {
        const stored = new Set(
          (await reopened.db.selectFrom('reports').select('reference').execute()).map((r) => r.reference),
        );
        const lost = acknowledged.filter((reference) => !stored.has(reference));
        assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged reports were lost`);
        t.diagnostic(`${acknowledged.length} acknowledged before SIGKILL, ${stored.size} stored, 0 lost`);
      } finally {
        await reopened.close();
        await prepared?.close();
      }
    });
  });
}
