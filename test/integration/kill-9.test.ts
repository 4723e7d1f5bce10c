// Killing Amparo with SIGKILL while reports pour in loses no report it acknowledged: every reference a
// reporter was shown (the 303 after commit) is in the database when it is opened again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { embeddedDatabaseDir } from '../../src/app/bootstrap.ts';
import { openDatabase } from '../../src/db/database.ts';
import { openPublicForm, startAmparo, submitReport } from '../support/amparo-process.ts';
import { backends, createTestContext } from '../support/test-context.ts';

async function submitUntilKilled(
  baseUrl: string,
  acknowledged: string[],
  stop: () => boolean,
): Promise<void> {
  const form = await openPublicForm(baseUrl);
  for (let i = 0; !stop(); i++) {
    try {
      const reference = await submitReport(baseUrl, form, i);
      if (reference) acknowledged.push(reference);
    } catch {
      return; // the server died mid-request: that report was never acknowledged
    }
  }
}

for (const backend of backends()) {
  describe(`kill -9 under load (${backend})`, () => {
    test('every acknowledged report survives', async (t) => {
      // PostgreSQL: a database of its own, prepared (migrated) by a test context and dropped at the end.
      const prepared = backend === 'postgres' ? await createTestContext('postgres') : undefined;
      const databaseUrl = prepared?.databaseUrl;
      const running = await startAmparo({
        databaseUrl,
        env: { AMPARO_LOG_LEVEL: 'silent', AMPARO_PUBLIC_RATE_LIMIT: '100000' },
      });
      const exited = new Promise((resolve) => running.child.once('exit', resolve));
      const acknowledged: string[] = [];
      let killed = false;
      try {
        const clients = Array.from({ length: 8 }, () =>
          submitUntilKilled(running.baseUrl, acknowledged, () => killed),
        );
        await new Promise((r) => setTimeout(r, 1500));
        running.child.kill('SIGKILL');
        killed = true;
        await Promise.all(clients);
        await exited;
      } finally {
        if (!killed) running.child.kill('SIGKILL');
      }
      assert.ok(
        acknowledged.length >= 20,
        `enough reports were acknowledged before the kill (${acknowledged.length})`,
      );

      const reopened = await openDatabase({
        databaseUrl,
        pgliteDataDir: embeddedDatabaseDir({ dataDir: running.dataDir }),
      });
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
