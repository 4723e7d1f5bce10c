// Alert delivery as a worker runs it: approval queues the fan-out, the worker sends,
// Twilio's stand-in calls back to the running app, the ledger ends delivered or failed, and the console
// hears about it on 'amparo_alerts' (ids only). A flood of report jobs queued first does not hold it up.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { expireReportJob } from '../reports/reports.jobs.ts';
import { alertDeliveryProgress, ALERT_PROGRESS_CHANNEL } from './alerts.delivery.ts';
import { addSubscribers, approveAlert, eventually } from './alerts.delivery.test-helpers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe(`alert delivery in a worker`, () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let origin = '';

  before(async () => {
    standIn = await startTwilioStandIn({
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
      statusCallbacks: { deliverTo: () => origin, undeliveredFraction: 0.25 },
    });
    t = await createTestApp({
      work: true,
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_TWILIO_API_BASE: standIn.baseUrl,
        AMPARO_ALERT_RATE_PER_SECOND: '0',
        AMPARO_ALERT_RATE_PER_SENDER_PER_SECOND: '0',
      },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await t.close();
    await standIn.close();
  });

  test('the resume and purge jobs are scheduled', async () => {
    const schedules = await sql<{ name: string }>`select name from pgboss.schedule`.execute(t.context.db);
    const names = schedules.rows.map((row) => row.name);
    assert.ok(names.includes('alerts.resume'));
    assert.ok(names.includes('alerts.purge-deliveries'));
  });

  test('approved behind a flood of report jobs, an alert is sent and its fate comes back by callback', async (context) => {
    // Report jobs due now, for reports long gone: each one a trip to the database.
    await t.context.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 400; i++) {
        await t.context.jobs.sendInTransaction(trx, expireReportJob, { reportId: crypto.randomUUID() });
      }
    });
    const payloads: string[] = [];
    const unlisten = await t.context.database.listen(ALERT_PROGRESS_CHANNEL, (payload) =>
      payloads.push(payload),
    );
    try {
      const people = await addSubscribers(t.context, Array(40).fill({ zips: ['60620'] }));
      const { alertId, recipients } = await approveAlert(t.context, { zips: ['60620'] });
      assert.equal(recipients, 40);
      await eventually(async () => {
        const alert = await t.context.db
          .selectFrom('alerts')
          .select('status')
          .where('id', '=', alertId)
          .executeTakeFirstOrThrow();
        return alert.status === 'sent';
      }, 'the alert to be sent');
      // Not held up: the worker's own log, in the order it worked, says the fan-out had sent all 40 while
      // report jobs queued ahead of them were still waiting to run (however fast or busy the machine).
      let order: { msg?: string; job?: string; sent?: number }[] = [];
      let alertSent = -1;
      await eventually(() => {
        order = t.logs.lines.map((line) => JSON.parse(line) as (typeof order)[number]);
        let sentSoFar = 0;
        alertSent = order.findIndex(
          (entry) => entry.msg === 'alert fan-out run ended' && (sentSoFar += entry.sent ?? 0) >= 40,
        );
        return alertSent !== -1;
      }, 'a fan-out run to log the 40 texts sent');
      const reportJobsFirst = order.slice(0, alertSent).filter((entry) => entry.job === 'reports.expire');
      context.diagnostic(`${reportJobsFirst.length} of the 400 report jobs ran before the alert was sent`);
      assert.ok(
        reportJobsFirst.length < 400,
        `the alert waited for the report jobs (all ${reportJobsFirst.length} ran first)`,
      );
      const mine = new Set(people.map((p) => p.phone));
      assert.equal([...standIn.messages.values()].filter((m) => mine.has(m.to)).length, 40);

      await eventually(async () => {
        const progress = await alertDeliveryProgress(t.context.db, alertId);
        return progress.delivered + progress.failed + progress.undeliverable === 40;
      }, 'every status callback to be recorded');
      const progress = await alertDeliveryProgress(t.context.db, alertId);
      assert.deepEqual(
        [
          progress.delivered,
          progress.undeliverable,
          progress.failed,
          progress.sent,
          progress.queued,
          progress.total,
        ],
        [30, 10, 0, 0, 0, 40],
        'the stand-in’s 30003 (unreachable handset) makes a text undeliverable, not failed',
      );
      assert.ok(payloads.includes(alertId), 'the console heard about it');
      assert.ok(
        payloads.every((payload) => UUID.test(payload)),
        'ids only',
      );
      for (const fragment of ['312555', 'Kedzie']) {
        assert.ok(!t.logs.text.includes(fragment), `the logs mention "${fragment}"`);
      }
    } finally {
      await unlisten();
    }
  });
});
