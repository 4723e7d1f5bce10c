// pg-boss runs jobs on both and a job enqueued inside a transaction exists only if that
// transaction commits.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defineJob } from '../../src/jobs/jobs.ts';
import { createTestContext } from '../support/test-context.ts';

const probeJob = defineJob<{ id: string }>({
  name: 'test.probe',
  queue: {},
  parse(data) {
    const id = (data as { id?: unknown }).id;
    if (typeof id !== 'string') throw new Error('test.probe needs an id');
    return { id };
  },
});

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe(`jobs`, () => {
  test('a committed job runs; a rolled-back one never does', async () => {
    const t = await createTestContext();
    try {
      const ran: string[] = [];
      t.context.jobs.register(probeJob, async ({ id }) => {
        ran.push(id);
      });
      await t.context.jobs.start({ work: true, pollingIntervalSeconds: 0.5 });
      await t.context.db.transaction().execute(async (trx) => {
        await t.context.jobs.sendInTransaction(trx, probeJob, { id: 'committed' });
      });
      await assert.rejects(
        t.context.db.transaction().execute(async (trx) => {
          await t.context.jobs.sendInTransaction(trx, probeJob, { id: 'rolled-back' });
          throw new Error('the write failed');
        }),
        /the write failed/,
      );
      assert.ok(await waitFor(() => ran.includes('committed'), 10_000), 'the committed job ran');
      // Give the rolled-back job every chance to show up: several polling rounds.
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(ran, ['committed']);
    } finally {
      await t.close();
    }
  });

  test('a payload that is not the job’s shape is refused before it is stored', async () => {
    const t = await createTestContext();
    try {
      t.context.jobs.register(probeJob, async () => {});
      await t.context.jobs.start({ work: false });
      await assert.rejects(
        t.context.db.transaction().execute((trx) =>
          t.context.jobs.sendInTransaction(trx, probeJob, { phone: '+17735550100' } as unknown as {
            id: string;
          }),
        ),
        /needs an id/,
      );
    } finally {
      await t.close();
    }
  });
});
