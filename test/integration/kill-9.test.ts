// Killing Amparo with SIGKILL while reports pour in loses no report it acknowledged: every reference a
// reporter was shown (the 303 after commit) is in the database when it is opened again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openDatabase } from '../../src/db/database.ts';
import { readEmbeddedState } from '../../src/db/embedded-postgres.ts';
import { openPublicForm, startAmparo, submitReport } from '../support/amparo-process.ts';

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

describe(`kill -9 under load`, () => {
  test('every acknowledged report survives Amparo and its database server killed at once', async (t) => {
    // The embedded default, as most networks run it: the server Amparo started is killed with it.
    const running = await startAmparo({
      env: { AMPARO_LOG_LEVEL: 'silent', AMPARO_PUBLIC_RATE_LIMIT: '100000' },
    });
    const exited = new Promise((resolve) => running.child.once('exit', resolve));
    const acknowledged: string[] = [];
    let killed = false;
    const server = await readEmbeddedState(running.dataDir);
    assert.ok(server, 'the embedded server is running and named in the state file');
    try {
      const clients = Array.from({ length: 8 }, () =>
        submitUntilKilled(running.baseUrl, acknowledged, () => killed),
      );
      // Killed mid-stream, once enough has been acknowledged that some writes are surely in flight.
      while (acknowledged.length < 40) await new Promise((r) => setTimeout(r, 10));
      running.child.kill('SIGKILL');
      process.kill(server.pid, 'SIGKILL');
      killed = true;
      await Promise.all(clients);
      await exited;
    } finally {
      if (!killed) {
        running.child.kill('SIGKILL');
        process.kill(server.pid, 'SIGKILL');
      }
    }

    // A new server on the same data directory, after crash recovery.
    const reopened = await openDatabase({
      embedded: { dataDir: running.dataDir, passwordFile: running.databasePasswordFile },
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
      await running.cleanUp();
    }
  });
});
