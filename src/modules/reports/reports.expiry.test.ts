// Report expiry and the legal team: a detained family member's call stays while its follow-up task is open.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { reportsDeps } from './reports.module.ts';
import { expireReport, insertIncomingReport } from './reports.service.ts';

describe(`report expiry with an open follow-up`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  async function voiceReportWithTask(): Promise<{ reportId: string; taskId: string }> {
    const taskId = randomUUID();
    const reportId = await t.context.db.transaction().execute(async (trx) => {
      const { id } = await insertIncomingReport(t.context, trx, {
        channel: 'voice',
        language: 'es',
        callbackPhone: '+13125550123',
      });
      await trx
        .insertInto('followup_tasks')
        .values({
          id: taskId,
          kind: 'family_detained',
          report_id: id,
          created_at: t.clock.now(),
          closed_at: null,
          assigned_to: null,
        })
        .execute();
      return id;
    });
    return { reportId, taskId };
  }

  const exists = async (id: string) =>
    (await t.context.db.selectFrom('reports').select('id').where('id', '=', id).executeTakeFirst()) !==
    undefined;

  test('is postponed while the task is open, and deleted once it is done', async () => {
    const { reportId, taskId } = await voiceReportWithTask();
    const deps = reportsDeps(t.context);
    assert.equal(await expireReport(deps, reportId), 'postponed');
    assert.ok(await exists(reportId), 'the call is still there for the legal team');

    await t.context.db
      .updateTable('followup_tasks')
      .set({ status: 'done', closed_at: t.clock.now() })
      .where('id', '=', taskId)
      .execute();
    assert.equal(await expireReport(deps, reportId), 'deleted');
    assert.equal(await exists(reportId), false);
  });

  test('a report without a task expires as before', async () => {
    const reportId = await t.context.db
      .transaction()
      .execute(
        async (trx) => (await insertIncomingReport(t.context, trx, { channel: 'sms', language: 'en' })).id,
      );
    assert.equal(await expireReport(reportsDeps(t.context), reportId), 'deleted');
  });
});
