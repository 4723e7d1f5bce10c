// Alert delivery against the Twilio stand-in: who gets what, who is skipped, pacing, the
// sender pool and a messaging service, status callbacks, Twilio's errors, a crashed run's leftovers, the
// purge, and the console outbox without Twilio. Runs are driven by hand here (fanOutAlerts), so each test
// sees exactly one; alerts.delivery.worker.test.ts runs them from the queue.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import {
  incomingSms,
  postWebhook,
  sid,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TEST_PUBLIC_URL,
  TWILIO_TEST_ENV,
} from '../../../test/support/twilio-webhooks.ts';
import { createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { RecipientRefusedError, UnreachableRecipientError } from '../../integrations/messaging/sms-sender.ts';
import { signUpOnWeb } from '../subscriptions/subscriptions.service.ts';
import { sendQueuedSignupCodes } from '../subscriptions/subscriptions.test-helpers.ts';
import { normalizePhone } from '../../phone/phone.ts';
import type { AlertDeliveryStatus } from '../../db/schema.ts';
import { recordOptOut } from '../opt-outs/opt-outs.service.ts';
import { alertDeliveryProgress, fanOutAlerts, resumeAlertDeliveries } from './alerts.delivery.ts';
import { alertTextProvider, type AlertTextProvider } from './alerts.delivery-provider.ts';
import { MAX_TRANSIT_MS } from './alerts.rate.ts';
import { purgeAlertDeliveries } from './alerts.delivery-retention.ts';
import type { FanOutSettings } from './alerts.delivery-run.ts';
import {
  claimDeliveries,
  finishAlertIfDone,
  recordOutcomes,
  returnStaleClaims,
  type DeliveryOutcome,
} from './alerts.ledger.repository.ts';
import {
  addSubscribers,
  approveAlert,
  BODIES,
  busiestSecond,
  recordingPacingClock,
  startFrontDoor,
  type FrontDoor,
} from './alerts.delivery.test-helpers.ts';

const POOL = ['+15550100199', '+15550100198', '+15550100197'];
const STATUS_URL = `${TEST_PUBLIC_URL}/webhooks/twilio/status`;

async function ledger(t: TestApp, alertId: string) {
  return t.context.db.selectFrom('alert_deliveries').selectAll().where('alert_id', '=', alertId).execute();
}

async function alertRow(t: TestApp, alertId: string) {
  return t.context.db.selectFrom('alerts').selectAll().where('id', '=', alertId).executeTakeFirstOrThrow();
}

function statusCount(rows: { status: AlertDeliveryStatus }[], status: AlertDeliveryStatus): number {
  return rows.filter((row) => row.status === status).length;
}

/** Runs a fan-out while moving the test clock on, so retry delays and leases pass in real milliseconds. */
async function fanOutWithClock(
  t: TestApp,
  clock: TestClock,
  stepMs: number,
  options: { settings?: Partial<FanOutSettings> } = {},
) {
  let running = true;
  const ticking = (async () => {
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      clock.advance(stepMs);
    }
  })();
  try {
    // A run that cannot finish gives up after 20 s here, so a broken resume fails rather than hangs.
    return await fanOutAlerts(t.context, {
      successor: false,
      ...options,
      settings: { budgetMs: 20_000, ...options.settings },
    });
  } finally {
    running = false;
    await ticking;
  }
}

async function receiptCount(t: TestApp): Promise<number> {
  const row = await t.context.db
    .selectFrom('twilio_webhook_receipts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe(`alert delivery through Twilio`, () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let door: FrontDoor;
  const clock = new TestClock();

  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    door = await startFrontDoor(standIn);
    t = await createTestApp({
      clock,
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_TWILIO_API_BASE: door.baseUrl,
        AMPARO_ALERT_SENDERS: POOL.join(','),
        AMPARO_ALERT_RATE_PER_SECOND: '0',
        AMPARO_ALERT_RATE_PER_SENDER_PER_SECOND: '0',
        AMPARO_ALERT_IN_FLIGHT: '8',
      },
    });
  });
  after(async () => {
    await t.close();
    await door.close();
    await standIn.close();
  });

  test('each recipient gets their own language’s text exactly once, from the pool, with a status callback', async () => {
    const english = await addSubscribers(t.context, Array(25).fill({ language: 'en', zips: ['60601'] }));
    const spanish = await addSubscribers(
      t.context,
      Array(25).fill({ language: 'es', zips: ['60601', '60602'] }),
    );
    // No Haitian Creole text in this alert: they get the network's default language (English).
    const creole = await addSubscribers(t.context, Array(4).fill({ language: 'ht', zips: ['60602'] }));
    const elsewhere = await addSubscribers(t.context, Array(5).fill({ language: 'en', zips: ['60699'] }));
    const { alertId, recipients } = await approveAlert(t.context, { zips: ['60601', '60602'] });
    assert.equal(recipients, 54);
    assert.equal((await alertRow(t, alertId)).status, 'sending');
    assert.deepEqual(await alertDeliveryProgress(t.context.db, alertId), {
      queued: 54,
      sending: 0,
      sent: 0,
      delivered: 0,
      failed: 0,
      undeliverable: 0,
      total: 54,
    });

    assert.equal(await fanOutAlerts(t.context, { successor: false }), 'finished');

    const expected = new Map<string, string>();
    for (const s of english) expected.set(s.phone, BODIES.en);
    for (const s of spanish) expected.set(s.phone, BODIES.es);
    for (const s of creole) expected.set(s.phone, BODIES.en);
    const received = [...standIn.messages.values()].filter((m) => expected.has(m.to));
    assert.equal(received.length, 54, 'one text per recipient');
    assert.equal(new Set(received.map((m) => m.to)).size, 54, 'nobody twice');
    for (const message of received) {
      assert.equal(message.body, expected.get(message.to));
      assert.equal(message.statusCallback, STATUS_URL);
      assert.ok(POOL.includes(message.from!), 'from a pool number');
    }
    const outside = new Set(elsewhere.map((s) => s.phone));
    assert.ok(![...standIn.messages.values()].some((m) => outside.has(m.to)), 'nobody outside the ZIP codes');

    const rows = await ledger(t, alertId);
    assert.equal(statusCount(rows, 'sent'), 54);
    for (const row of rows) {
      assert.equal(standIn.messages.get(row.provider_sid!)?.from, row.sender, 'the ledger keeps the sender');
      assert.equal(row.attempts, 1);
      assert.equal(row.claimed_by, null);
    }
    const alert = await alertRow(t, alertId);
    assert.equal(alert.status, 'sent');
    assert.ok(alert.sending_finished_at);
    assert.equal((await alertDeliveryProgress(t.context.db, alertId)).sent, 54);

    for (const fragment of ['312555', 'Kedzie', 'inmigracion']) {
      assert.ok(!t.logs.text.includes(fragment), `the logs mention "${fragment}"`);
    }
    const jobs = await sql<{ data: unknown }>`
      select data from pgboss.job where name = 'alerts.fan-out'`.execute(t.context.db);
    assert.ok(jobs.rows.length > 0);
    for (const job of jobs.rows) assert.deepEqual(Object.keys(job.data as object), ['alertId']);
  });

  test('someone who opted out, stopped or was deleted after approval is skipped, never texted', async () => {
    const people = await addSubscribers(t.context, Array(8).fill({ zips: ['60603'] }));
    const { alertId, recipients } = await approveAlert(t.context, { zips: ['60603'] });
    assert.equal(recipients, 8);
    const [stoppedAtHotline, optedOut, deleted] = people;
    const { db, secrets } = t.context;
    await recordOptOut(db, secrets.blindIndex.phone(stoppedAtHotline!.phone), clock.now());
    await db
      .updateTable('subscribers')
      .set({ status: 'opted_out', opted_out_at: clock.now() })
      .where('id', '=', optedOut!.id)
      .execute();
    await db.deleteFrom('subscribers').where('id', '=', deleted!.id).execute();

    assert.equal(await fanOutAlerts(t.context, { successor: false }), 'finished');

    const skipped = new Set([stoppedAtHotline!.phone, optedOut!.phone, deleted!.phone]);
    assert.ok(![...standIn.messages.values()].some((m) => skipped.has(m.to)), 'no text to any of them');
    assert.ok(!door.arrivals.some((a) => skipped.has(a.to)), 'not even attempted');
    const rows = await ledger(t, alertId);
    const bySubscriber = new Map(rows.map((row) => [row.subscriber_id, row]));
    for (const person of [stoppedAtHotline!, optedOut!, deleted!]) {
      assert.equal(bySubscriber.get(person.id)?.status, 'undeliverable');
      assert.equal(bySubscriber.get(person.id)?.attempts, 0);
    }
    assert.equal(statusCount(rows, 'sent'), 5);
    assert.equal((await alertRow(t, alertId)).status, 'sent');
  });

  test('texts are spread evenly over the sender pool', async () => {
    const people = await addSubscribers(t.context, Array(30).fill({ zips: ['60604'] }));
    await approveAlert(t.context, { zips: ['60604'] });
    await fanOutAlerts(t.context, { successor: false });
    const mine = new Set(people.map((p) => p.phone));
    const perSender = new Map<string, number>();
    for (const message of standIn.messages.values()) {
      if (mine.has(message.to)) perSender.set(message.from!, (perSender.get(message.from!) ?? 0) + 1);
    }
    assert.deepEqual(
      POOL.map((sender) => perSender.get(sender)),
      [10, 10, 10],
    );
  });

  test('the total cap holds over every 1-second window, where texts are handed over and where they arrive', async (context) => {
    const people = await addSubscribers(t.context, Array(50).fill({ zips: ['60605'] }));
    await approveAlert(t.context, { zips: ['60605'] });
    const real = alertTextProvider(t.context);
    const handedOver: number[] = [];
    const provider: AlertTextProvider = {
      name: real.name,
      senders: real.senders,
      pacesSenders: real.pacesSenders,
      send: (text) => {
        handedOver.push(performance.now());
        return real.send(text);
      },
    };
    const pacingClock = recordingPacingClock();
    const started = performance.now();
    await fanOutAlerts(t.context, {
      successor: false,
      provider,
      pacingClock,
      settings: { ratePerSecond: 20 },
    });
    const took = performance.now() - started;
    context.diagnostic(
      `took ${Math.round(took)} ms, of which the pacer waited ${Math.round(pacingClock.waited())} ms`,
    );
    const mine = new Set(people.map((p) => p.phone));
    const arrived = door.arrivals.filter((a) => mine.has(a.to)).map((a) => a.at);
    assert.equal(arrived.length, 50);
    assert.ok(busiestSecond(handedOver) <= 20, `handed over ${busiestSecond(handedOver)} in one second`);
    assert.ok(busiestSecond(arrived) <= 20, `arrived ${busiestSecond(arrived)} in one second`);
    // 50 texts at 20 a second: about 2.5 s. Not a burst: a busy machine only makes a run longer, so this
    // holds under any load.
    assert.ok(took > 2300, `took ${Math.round(took)} ms`);
    // Not a crawl: the pacer itself waited no longer than the cap asks (49 intervals of 50 ms, and up to
    // MAX_TRANSIT_MS in each of the 3 windows for a text whose answer is still on its way), however
    // long a busy machine made the run.
    assert.ok(
      pacingClock.waited() <= 49 * 50 + 3 * MAX_TRANSIT_MS,
      `the pacer waited ${Math.round(pacingClock.waited())} ms`,
    );
  });

  test('each sender number holds its own cap, and the pool is used in turn', async (context) => {
    const people = await addSubscribers(t.context, Array(30).fill({ zips: ['60612'] }));
    await approveAlert(t.context, { zips: ['60612'] });
    const pacingClock = recordingPacingClock();
    const started = performance.now();
    await fanOutAlerts(t.context, {
      successor: false,
      pacingClock,
      settings: { ratePerSecond: 100, ratePerSenderPerSecond: 4 },
    });
    const took = performance.now() - started;
    context.diagnostic(
      `took ${Math.round(took)} ms, of which the pacer waited ${Math.round(pacingClock.waited())} ms`,
    );
    const mine = new Set(people.map((p) => p.phone));
    const arrived = door.arrivals.filter((a) => mine.has(a.to));
    for (const sender of POOL) {
      const times = arrived.filter((a) => a.from === sender).map((a) => a.at);
      assert.equal(times.length, 10, `${sender} sent its share`);
      assert.ok(busiestSecond(times) <= 4, `${sender} sent ${busiestSecond(times)} in one second`);
    }
    // 3 numbers at 4 a second: 12 a second, so 30 texts take about 2.5 s. Not a burst (a busy machine only
    // makes a run longer, so this holds under any load):
    assert.ok(took > 2000, `took ${Math.round(took)} ms`);
    // nor a crawl: the pacer itself waited no longer than the caps ask (each number's 9 intervals of
    // 250 ms after the others' first texts 10 ms apart, and up to MAX_TRANSIT_MS in each of a number's 2
    // later windows), however long a busy machine made the run.
    assert.ok(
      pacingClock.waited() <= 9 * 250 + 2 * 10 + 2 * MAX_TRANSIT_MS,
      `the pacer waited ${Math.round(pacingClock.waited())} ms`,
    );
  });

  test('status callbacks move a row forward only, and leave no webhook receipt', async () => {
    await addSubscribers(t.context, Array(4).fill({ zips: ['60606'] }));
    const { alertId } = await approveAlert(t.context, { zips: ['60606'] });
    await fanOutAlerts(t.context, { successor: false });
    const [a, b, c] = (await ledger(t, alertId)).map((row) => row.provider_sid!);
    const receiptsBefore = await receiptCount(t);
    const status = async (messageSid: string, messageStatus: string) => {
      const answer = await postWebhook(t.app, '/webhooks/twilio/status', {
        AccountSid: TEST_ACCOUNT_SID,
        MessageSid: messageSid,
        MessageStatus: messageStatus,
      });
      assert.equal(answer.status, 200);
    };
    const statusOf = async (messageSid: string) =>
      (
        await t.context.db
          .selectFrom('alert_deliveries')
          .select('status')
          .where('provider_sid', '=', messageSid)
          .executeTakeFirstOrThrow()
      ).status;

    await status(a!, 'delivered');
    assert.equal(await statusOf(a!), 'delivered');
    await status(a!, 'sent'); // late, out of order
    await status(a!, 'delivered'); // retried
    assert.equal(await statusOf(a!), 'delivered', 'a late sent never undoes delivered');
    await status(b!, 'undelivered');
    assert.equal(await statusOf(b!), 'failed');
    await status(b!, 'delivered');
    assert.equal(await statusOf(b!), 'failed', 'a final state stays');
    await status(c!, 'queued');
    assert.equal(await statusOf(c!), 'sent');
    const progress = await alertDeliveryProgress(t.context.db, alertId);
    assert.deepEqual([progress.sent, progress.delivered, progress.failed, progress.total], [2, 1, 1, 4]);
    assert.equal(await receiptCount(t), receiptsBefore, 'no webhook receipt');

    const unsigned = await postWebhook(
      t.app,
      '/webhooks/twilio/status',
      { AccountSid: TEST_ACCOUNT_SID, MessageSid: c!, MessageStatus: 'delivered' },
      { signature: 'forged' },
    );
    assert.equal(unsigned.status, 403);
    assert.equal(await statusOf(c!), 'sent', 'a forged callback changes nothing');
  });

  test('a callback that overtakes the record of its SID is applied once the SID is recorded', async () => {
    await addSubscribers(t.context, Array(6).fill({ zips: ['60613'] }));
    const { alertId } = await approveAlert(t.context, { zips: ['60613'] });
    const real = alertTextProvider(t.context);
    const provider: AlertTextProvider = {
      name: real.name,
      senders: real.senders,
      pacesSenders: real.pacesSenders,
      // Twilio calls back before its answer to the send has even been read.
      send: async (text) => {
        const outcome = await real.send(text);
        if (outcome.kind === 'sent') {
          await postWebhook(t.app, '/webhooks/twilio/status', {
            AccountSid: TEST_ACCOUNT_SID,
            MessageSid: outcome.providerSid,
            MessageStatus: 'delivered',
          });
        }
        return outcome;
      },
    };
    await fanOutAlerts(t.context, { successor: false, provider });
    const rows = await ledger(t, alertId);
    assert.equal(statusCount(rows, 'delivered'), 6);
    const early = await t.context.db.selectFrom('alert_delivery_early_statuses').selectAll().execute();
    assert.deepEqual(early, [], 'nothing left waiting');
  });

  test('Twilio’s permanent errors make a recipient undeliverable; transient ones are retried, then failed', async () => {
    const [invalid, landline, unsubscribed, flaky, down, busy, fine] = await addSubscribers(
      t.context,
      Array(7).fill({ zips: ['60607'] }),
    );
    const { alertId } = await approveAlert(t.context, { zips: ['60607'] });
    door.fault = (to, attempt) => {
      if (to === invalid!.phone) return { status: 400, code: 21211 };
      if (to === landline!.phone) return { status: 400, code: 21614 };
      if (to === unsubscribed!.phone) return { status: 400, code: 21610 };
      if (to === flaky!.phone && attempt <= 2) return { status: 503 };
      if (to === down!.phone) return { status: 500, code: 20500 };
      if (to === busy!.phone && attempt === 1) return { status: 429, code: 20429 };
      return undefined;
    };
    try {
      const end = await fanOutWithClock(t, clock, 1000, {
        settings: { maxAttempts: 3, retryDelayMs: () => 2000 },
      });
      assert.equal(end, 'finished');
    } finally {
      door.fault = () => undefined;
    }
    const row = async (id: string) => (await ledger(t, alertId)).find((r) => r.subscriber_id === id)!;
    const attemptsAt = (phone: string) => door.arrivals.filter((a) => a.to === phone).length;

    for (const [person, code] of [
      [invalid!, 21211],
      [landline!, 21614],
      [unsubscribed!, 21610],
    ] as const) {
      const r = await row(person.id);
      assert.equal(r.status, 'undeliverable');
      assert.equal(r.error_code, code);
      assert.equal(attemptsAt(person.phone), 1, 'a permanent error is not retried');
    }
    // Unsubscribed at the carrier: Amparo honours it as its own STOP.
    const { db, secrets } = t.context;
    const index = secrets.blindIndex.phone(normalizePhone(unsubscribed!.phone)!);
    assert.ok(
      await db
        .selectFrom('sms_opt_outs')
        .select('phone_index')
        .where('phone_index', '=', index)
        .executeTakeFirst(),
    );
    const subscriber = await db
      .selectFrom('subscribers')
      .select('status')
      .where('id', '=', unsubscribed!.id)
      .executeTakeFirstOrThrow();
    assert.equal(subscriber.status, 'opted_out');

    assert.equal((await row(flaky!.id)).status, 'sent');
    assert.equal((await row(flaky!.id)).attempts, 3);
    assert.equal(attemptsAt(flaky!.phone), 3);
    assert.equal((await row(busy!.id)).status, 'sent');
    assert.equal(attemptsAt(busy!.phone), 2);
    const failed = await row(down!.id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error_code, 20500);
    assert.equal(attemptsAt(down!.phone), 3, 'given up after the last attempt');
    assert.equal((await row(fine!.id)).status, 'sent');
    assert.equal((await alertRow(t, alertId)).status, 'sent');
  });

  test('status callbacks keep ErrorCode: permanent ones make the row undeliverable, a dead number gets no more texts until it writes in', async () => {
    const [dead, landline, filtered, away, unknown, fine] = await addSubscribers(
      t.context,
      Array(6).fill({ zips: ['60631'] }),
    );
    const { alertId } = await approveAlert(t.context, { zips: ['60631'] });
    await fanOutAlerts(t.context, { successor: false });
    const rows = await ledger(t, alertId);
    const sidOf = (id: string) => rows.find((r) => r.subscriber_id === id)!.provider_sid!;
    const callback = async (person: { id: string; phone: string }, status: string, errorCode?: string) => {
      const answer = await postWebhook(t.app, '/webhooks/twilio/status', {
        AccountSid: TEST_ACCOUNT_SID,
        MessageSid: sidOf(person.id),
        MessageStatus: status,
        To: person.phone,
        ...(errorCode ? { ErrorCode: errorCode } : {}),
      });
      assert.equal(answer.status, 200);
    };
    await callback(dead!, 'undelivered', '30005');
    await callback(landline!, 'undelivered', '30006');
    await callback(filtered!, 'undelivered', '30007');
    await callback(away!, 'undelivered', '30003');
    await callback(unknown!, 'failed', '30008');
    await callback(fine!, 'delivered');
    const after = await ledger(t, alertId);
    const row = (id: string) => after.find((r) => r.subscriber_id === id)!;
    assert.deepEqual(
      [dead, landline, filtered, away, unknown, fine].map((p) => [row(p!.id).status, row(p!.id).error_code]),
      [
        ['undeliverable', 30005],
        ['undeliverable', 30006],
        ['undeliverable', 30007],
        ['undeliverable', 30003],
        ['failed', 30008],
        ['delivered', null],
      ],
    );

    // The next alert skips the two dead numbers without a text; the others get it.
    const sentBefore = door.arrivals.length;
    const second = await approveAlert(t.context, { zips: ['60631'] });
    await fanOutAlerts(t.context, { successor: false });
    const secondRows = await ledger(t, second.alertId);
    const statusIn = (id: string) => secondRows.find((r) => r.subscriber_id === id)!.status;
    assert.equal(statusIn(dead!.id), 'undeliverable');
    assert.equal(statusIn(landline!.id), 'undeliverable');
    for (const person of [filtered, away, unknown, fine]) assert.equal(statusIn(person!.id), 'sent');
    const newArrivals = door.arrivals.slice(sentBefore).map((a) => a.to);
    assert.ok(!newArrivals.includes(dead!.phone) && !newArrivals.includes(landline!.phone));

    // Other texts skip it too (a family text, a reminder, a dispatch: every one goes through this sender).
    const sender = createSmsSender(t.context);
    await assert.rejects(sender.send({ to: dead!.phone, body: 'test' }), UnreachableRecipientError);
    assert.ok(
      !door.arrivals
        .map((a) => a.to)
        .slice(sentBefore)
        .includes(dead!.phone),
    );
    await sender.send({ to: fine!.phone, body: 'test' });

    // The number writes in: it is reachable again, and a replay of the old callback does not undo that.
    const wrote = await postWebhook(t.app, '/webhooks/twilio/sms', incomingSms(dead!.phone, 'hola'));
    assert.equal(wrote.status, 200);
    await callback(dead!, 'undelivered', '30005');
    await sender.send({ to: dead!.phone, body: 'test' });
    assert.equal(door.arrivals.at(-1)!.to, dead!.phone);
    // Nothing in the table but blind indexes.
    const kept = await t.context.db.selectFrom('sms_unreachable_numbers').selectAll().execute();
    assert.ok(!JSON.stringify(kept).includes(landline!.phone.slice(2)));
    assert.ok(!t.logs.text.includes(landline!.phone.slice(2)), 'no number in the logs');
  });

  test('any text Twilio refuses for a dead number (not a mobile, a landline) notes it: the next text to it is not sent', async () => {
    const [person] = await addSubscribers(t.context, [{ zips: ['60635'] }]);
    const sender = createSmsSender(t.context);
    door.fault = (to) => (to === person!.phone ? { status: 400, code: 21614 } : undefined);
    try {
      await assert.rejects(
        sender.send({ to: person!.phone, body: 'hearing tomorrow' }),
        (error: unknown) => error instanceof RecipientRefusedError && error.code === 21614,
      );
      const tried = door.arrivals.length;
      await assert.rejects(
        sender.send({ to: person!.phone, body: 'hearing tomorrow' }),
        UnreachableRecipientError,
      );
      assert.equal(door.arrivals.length, tried, 'not sent again');
    } finally {
      door.fault = () => undefined;
    }
    // Asking to subscribe on the web makes it worth the code text again.
    const outcome = await signUpOnWeb(t.context, {
      phone: normalizePhone(person!.phone)!,
      zips: ['60635'],
      language: 'en',
      clientAddress: '203.0.113.7',
    });
    assert.equal(outcome, 'queued');
    assert.deepEqual(await sendQueuedSignupCodes(t.context), ['sent']);
    assert.equal(door.arrivals.at(-1)!.to, person!.phone);
  });

  test('a callback with an ErrorCode that overtakes the record of its SID keeps its code', async () => {
    await addSubscribers(t.context, Array(3).fill({ zips: ['60632'] }));
    const { alertId } = await approveAlert(t.context, { zips: ['60632'] });
    const real = alertTextProvider(t.context);
    const provider: AlertTextProvider = {
      name: real.name,
      senders: real.senders,
      pacesSenders: real.pacesSenders,
      send: async (text) => {
        const outcome = await real.send(text);
        if (outcome.kind === 'sent') {
          await postWebhook(t.app, '/webhooks/twilio/status', {
            AccountSid: TEST_ACCOUNT_SID,
            MessageSid: outcome.providerSid,
            MessageStatus: 'undelivered',
            ErrorCode: '30007',
            To: text.to,
          });
        }
        return outcome;
      },
    };
    await fanOutAlerts(t.context, { successor: false, provider });
    const rows = await ledger(t, alertId);
    assert.deepEqual(
      rows.map((r) => [r.status, r.error_code]),
      rows.map(() => ['undeliverable', 30007]),
    );
  });

  test('on send: a full sender queue (21611) is retried from a slower sender, a landline (21635) is final, a refused sender leaves the pool and the run goes on', async () => {
    const people = await addSubscribers(t.context, Array(60).fill({ zips: ['60633'] }));
    const landline = people[0]!;
    const { alertId } = await approveAlert(t.context, { zips: ['60633'] });
    const [, refused, busy] = POOL;
    const busyAnswers: number[] = [];
    door.fault = (to, _attempt, from) => {
      if (from === refused) return { status: 400, code: 21606 };
      if (to === landline.phone) return { status: 400, code: 21635 };
      if (from === busy && busyAnswers.length < 2) {
        busyAnswers.push(performance.now());
        return { status: 400, code: 21611 };
      }
      return undefined;
    };
    const startedAt = door.arrivals.length;
    let end;
    try {
      // 10 a second from each number, so the slowed one's pace shows.
      end = await fanOutWithClock(t, clock, 1000, {
        settings: { maxAttempts: 2, ratePerSenderPerSecond: 10 },
      });
    } finally {
      door.fault = () => undefined;
    }
    assert.equal(end, 'finished');
    const rows = await ledger(t, alertId);
    const landlineRow = rows.find((r) => r.subscriber_id === landline.id)!;
    assert.deepEqual([landlineRow.status, landlineRow.error_code], ['undeliverable', 21635]);
    const others = rows.filter((r) => r.subscriber_id !== landline.id);
    assert.deepEqual(
      others.map((r) => r.status),
      others.map(() => 'sent'),
      'everyone else got the alert, though attempts were limited to 2',
    );
    const arrivals = door.arrivals.slice(startedAt);
    // Only what was already on its way when the first refusal came back (at most the 8 in flight), not its
    // share of 60.
    const triedFromRefused = arrivals.filter((a) => a.from === refused).length;
    assert.ok(triedFromRefused >= 1 && triedFromRefused <= 8, `tried ${triedFromRefused} times from it`);
    assert.ok(others.every((r) => r.sender !== refused));
    assert.equal(busyAnswers.length, 2);
    const fromBusy = others.filter((r) => r.sender === busy).length;
    const fromFree = others.filter((r) => r.sender === POOL[0]).length;
    assert.ok(fromBusy > 0, 'the busy sender carried on');
    assert.ok(fromBusy < fromFree / 2, `slower: ${fromBusy} from it, ${fromFree} from the free one`);
    // The landline is dead: a later text to it is not sent.
    const index = t.context.secrets.blindIndex.phone(normalizePhone(landline.phone)!);
    const dead = await t.context.db
      .selectFrom('sms_unreachable_numbers')
      .selectAll()
      .where('phone_index', '=', index)
      .executeTakeFirst();
    assert.equal(dead?.error_code, 21635);
    // Staff learn which sender by its place in the pool; no number is logged.
    assert.match(t.logs.text, /taken out of the pool/);
    assert.match(t.logs.text, /"sender":2/);
    for (const number of POOL)
      assert.ok(!t.logs.text.includes(number.slice(2)), 'no sender number in the logs');
  });

  test('after a crash, what the dead run held goes out again after the lease with every pending row; nothing else twice', async () => {
    const people = await addSubscribers(t.context, Array(20).fill({ zips: ['60608'] }));
    const { alertId } = await approveAlert(t.context, { zips: ['60608'] });
    // A run that was killed: it claimed 10 rows, recorded 4 of them as sent, and had 6 in flight.
    const dead = randomUUID();
    const claimed = await claimDeliveries(t.context.db, {
      alertId,
      runId: dead,
      limit: 10,
      after: null,
      now: clock.now(),
    });
    assert.equal(claimed.length, 10);
    const recorded = claimed.slice(0, 4);
    await recordOutcomes(
      t.context.db,
      dead,
      clock.now(),
      recorded.map((row) => ({
        alertId,
        subscriberId: row.subscriberId,
        status: 'sent',
        sender: POOL[0]!,
        providerSid: sid('SM'),
        errorCode: null,
        nextAttemptAt: null,
        attemptsDelta: 0,
      })),
    );
    const inFlight = new Set(claimed.slice(4).map((row) => row.subscriberId));
    // Its pg-boss job stays active until pg-boss gives up on it; the fan-out does not wait for that.
    clock.advance(5000);
    const before = door.arrivals.length;

    const end = await fanOutWithClock(t, clock, 2000);
    assert.equal(end, 'finished');

    const phoneOf = new Map(people.map((p) => [p.id, p.phone]));
    const sentNow = door.arrivals.slice(before).map((a) => a.to);
    for (const row of recorded) {
      assert.ok(!sentNow.includes(phoneOf.get(row.subscriberId)!), 'a recorded text is not sent again');
    }
    for (const person of people) {
      if (recorded.some((row) => row.subscriberId === person.id)) continue;
      assert.equal(
        sentNow.filter((to) => to === person.phone).length,
        1,
        inFlight.has(person.id) ? 'an in-flight row goes out once more' : 'a pending row goes out once',
      );
    }
    const rows = await ledger(t, alertId);
    assert.equal(statusCount(rows, 'sent'), 20);
    for (const row of rows) {
      if (inFlight.has(row.subscriber_id)) assert.equal(row.attempts, 2, 'the lost attempt counts');
    }
  });

  test('a run whose claims were taken back after the lease records nothing over the run holding them now', async () => {
    await addSubscribers(t.context, Array(3).fill({ zips: ['60611'] }));
    const { alertId } = await approveAlert(t.context, { zips: ['60611'] });
    const { db } = t.context;
    const slow = randomUUID();
    const claimedBySlow = await claimDeliveries(db, {
      alertId,
      runId: slow,
      limit: 10,
      after: null,
      now: clock.now(),
    });
    assert.equal(claimedBySlow.length, 3);
    clock.advance(31_000);
    const next = randomUUID();
    const now = clock.now();
    const returned = await returnStaleClaims(db, {
      runId: next,
      claimedBefore: new Date(now.getTime() - 30_000),
      now,
    });
    assert.equal(returned, 3);
    const claimedByNext = await claimDeliveries(db, { alertId, runId: next, limit: 10, after: null, now });
    assert.equal(claimedByNext.length, 3);
    const sentBy = (rows: typeof claimedBySlow): DeliveryOutcome[] =>
      rows.map((row) => ({
        alertId,
        subscriberId: row.subscriberId,
        status: 'sent',
        sender: POOL[0]!,
        providerSid: sid('SM'),
        errorCode: null,
        nextAttemptAt: null,
        attemptsDelta: 0,
      }));

    await recordOutcomes(db, slow, clock.now(), sentBy(claimedBySlow));
    for (const row of await ledger(t, alertId)) {
      assert.equal(row.status, 'sending', 'the late run changed a row it no longer holds');
      assert.equal(row.claimed_by, next);
      assert.equal(row.provider_sid, null);
    }
    const outcomes = sentBy(claimedByNext);
    await recordOutcomes(db, next, clock.now(), outcomes);
    const rows = await ledger(t, alertId);
    assert.equal(statusCount(rows, 'sent'), 3);
    for (const row of rows) {
      assert.equal(row.claimed_by, null);
      assert.equal(row.provider_sid, outcomes.find((o) => o.subscriberId === row.subscriber_id)!.providerSid);
    }
    // A claim is held exactly while a row is 'sending': the ledger refuses a settled row with one.
    await assert.rejects(
      sql`update alert_deliveries set claimed_by = ${next}::uuid, claimed_at = now()
          where alert_id = ${alertId}::uuid`.execute(db),
      /alert_deliveries_claim_check/,
    );
    assert.equal(await finishAlertIfDone(db, alertId, clock.now()), true);
  });

  test('the resume job queues a fan-out for claims left by a dead run, whatever pg-boss thinks of its job', async () => {
    await addSubscribers(t.context, Array(5).fill({ zips: ['60614'] }));
    const { alertId } = await approveAlert(t.context, { zips: ['60614'] });
    // Approval queued a job; a worker took it and was killed: pg-boss still shows it active.
    await sql`update pgboss.job set state = 'active', started_on = now()
      where name = 'alerts.fan-out' and state = 'created'`.execute(t.context.db);
    await claimDeliveries(t.context.db, {
      alertId,
      runId: randomUUID(),
      limit: 5,
      after: null,
      now: clock.now(),
    });
    assert.equal(await resumeAlertDeliveries(t.context), 'nothing', 'claims within the lease are left alone');
    clock.advance(60_000);
    assert.equal(await resumeAlertDeliveries(t.context), 'queued');
    const queued = await sql<{ count: string | number }>`
      select count(*) as count from pgboss.job where name = 'alerts.fan-out' and state = 'created'`.execute(
      t.context.db,
    );
    assert.equal(Number(queued.rows[0]!.count), 1);
    assert.equal(await fanOutAlerts(t.context, { successor: false }), 'finished');
    assert.equal(statusCount(await ledger(t, alertId), 'sent'), 5);
    assert.equal(await resumeAlertDeliveries(t.context), 'nothing');
  });

  // Last: it moves the clock on by weeks.
  test('retention: copies at Twilio deleted once final, and ledgers past the retention reduced to counts', async () => {
    await addSubscribers(t.context, Array(6).fill({ zips: ['60609'] }));
    const old = await approveAlert(t.context, { zips: ['60609'] });
    await fanOutAlerts(t.context, { successor: false });
    const oldSids = (await ledger(t, old.alertId)).map((row) => row.provider_sid!);
    for (const [messageSid, status] of [
      [oldSids[0]!, 'delivered'],
      [oldSids[1]!, 'delivered'],
      [oldSids[2]!, 'delivered'],
      [oldSids[3]!, 'undelivered'],
    ] as const) {
      await postWebhook(t.app, '/webhooks/twilio/status', {
        AccountSid: TEST_ACCOUNT_SID,
        MessageSid: messageSid,
        MessageStatus: status,
      });
    }
    // One Twilio no longer has (deleted by hand in its console): as good as deleted.
    standIn.messages.delete(oldSids[4]!);

    clock.advance(25 * 24 * 3600_000);
    await addSubscribers(t.context, Array(2).fill({ zips: ['60610'] }));
    const recent = await approveAlert(t.context, { zips: ['60610'] });
    await fanOutAlerts(t.context, { successor: false });
    const recentSids = (await ledger(t, recent.alertId)).map((row) => row.provider_sid!);
    await postWebhook(t.app, '/webhooks/twilio/status', {
      AccountSid: TEST_ACCOUNT_SID,
      MessageSid: recentSids[0]!,
      MessageStatus: 'delivered',
    });
    clock.advance(6 * 24 * 3600_000);

    const result = await purgeAlertDeliveries(t.context);
    assert.equal(result.more, false);
    for (const messageSid of [...oldSids, recentSids[0]!]) {
      assert.ok(!standIn.messages.has(messageSid), 'deleted at Twilio');
    }
    // The recent alert's other text is still only 'sent' a few days on: it may yet be delivered... but
    // six days is past the day after which nothing more comes, so it is deleted too.
    assert.ok(!standIn.messages.has(recentSids[1]!));

    assert.deepEqual(await ledger(t, old.alertId), [], 'the old ledger is gone');
    const oldAlert = await alertRow(t, old.alertId);
    assert.deepEqual(oldAlert.purged_counts, { sent: 2, delivered: 3, failed: 1, undeliverable: 0 });
    assert.ok(oldAlert.deliveries_purged_at);
    assert.deepEqual(await alertDeliveryProgress(t.context.db, old.alertId), {
      queued: 0,
      sending: 0,
      sent: 2,
      delivered: 3,
      failed: 1,
      undeliverable: 0,
      total: 6,
    });
    const kept = await ledger(t, recent.alertId);
    assert.equal(kept.length, 2, 'a recent ledger stays');
    assert.ok(kept.every((row) => row.provider_copy_deleted_at !== null));
    assert.equal((await alertRow(t, recent.alertId)).deliveries_purged_at, null);
  });
});

describe(`alert delivery when Twilio refuses every sender of the pool`, () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let door: FrontDoor;

  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    door = await startFrontDoor(standIn);
    t = await createTestApp({
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_TWILIO_API_BASE: door.baseUrl,
        AMPARO_ALERT_SENDERS: POOL.join(','),
        AMPARO_ALERT_RATE_PER_SECOND: '0',
        AMPARO_ALERT_RATE_PER_SENDER_PER_SECOND: '0',
      },
    });
  });
  after(async () => {
    await t.close();
    await door.close();
    await standIn.close();
  });

  test('when every sender is refused, nothing is failed: the run halts and the texts wait', async () => {
    await addSubscribers(t.context, Array(4).fill({ zips: ['60634'] }));
    const { alertId } = await approveAlert(t.context, { zips: ['60634'] });
    door.fault = () => ({ status: 400, code: 21659 });
    let end;
    try {
      end = await fanOutAlerts(t.context, { successor: false });
    } finally {
      door.fault = () => undefined;
    }
    assert.equal(end, 'halted');
    const rows = await ledger(t, alertId);
    assert.deepEqual(
      rows.map((r) => [r.status, r.attempts]),
      rows.map(() => ['pending', 0]),
    );
  });
});

describe(`alert delivery through a messaging service`, () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let door: FrontDoor;
  const service = `MG${'0123456789abcdef'.repeat(2)}`;

  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    door = await startFrontDoor(standIn);
    t = await createTestApp({
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_TWILIO_API_BASE: door.baseUrl,
        AMPARO_TWILIO_MESSAGING_SERVICE_SID: service,
        AMPARO_ALERT_SENDERS: POOL.join(','),
        AMPARO_ALERT_RATE_PER_SECOND: '0',
        // Would be 20 s for 20 texts from one number; a messaging service paces its own pool.
        AMPARO_ALERT_RATE_PER_SENDER_PER_SECOND: '1',
      },
    });
  });
  after(async () => {
    await t.close();
    await door.close();
    await standIn.close();
  });

  test('texts go through the service, without a From, and only the total cap applies', async () => {
    const people = await addSubscribers(t.context, Array(20).fill({ zips: ['60615'] }));
    const { alertId } = await approveAlert(t.context, { zips: ['60615'] });
    const pacingClock = recordingPacingClock();
    assert.equal(await fanOutAlerts(t.context, { successor: false, pacingClock }), 'finished');
    assert.deepEqual(pacingClock.waits, [], 'not held to a per-number rate: the pacer never waited');
    const mine = new Set(people.map((p) => p.phone));
    const received = [...standIn.messages.values()].filter((m) => mine.has(m.to));
    assert.equal(received.length, 20);
    for (const message of received) {
      assert.equal(message.messagingServiceSid, service);
      assert.equal(message.from, null);
      assert.equal(message.statusCallback, STATUS_URL);
    }
    for (const row of await ledger(t, alertId)) assert.equal(row.sender, null);
  });

  // Last: a refused account holds this app's fan-outs back for a minute.
  test('when Twilio refuses the account, nothing is failed: texts wait, unsent, until it is fixed', async () => {
    await addSubscribers(t.context, Array(12).fill({ zips: ['60616'] }));
    const { alertId } = await approveAlert(t.context, { zips: ['60616'] });
    door.fault = () => ({ status: 401, code: 20003 });
    try {
      assert.equal(await fanOutAlerts(t.context, { successor: false }), 'halted');
    } finally {
      door.fault = () => undefined;
    }
    const rows = await ledger(t, alertId);
    assert.equal(statusCount(rows, 'pending'), 12, 'every row back to pending');
    assert.ok(rows.every((row) => row.attempts === 0 && row.claimed_by === null));
    assert.equal((await alertRow(t, alertId)).status, 'sending');
    assert.match(t.logs.text, /SMS provider refuses the account/);
    assert.ok(!t.logs.text.includes('312555'), 'no number in the log');
    assert.equal(await fanOutAlerts(t.context, { successor: false }), 'held', 'not hammering Twilio');
    assert.equal(await resumeAlertDeliveries(t.context), 'held');
  });
});

describe(`alert delivery to the console outbox, without Twilio`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  test('every text lands in the outbox, encrypted, in its recipient’s language', async () => {
    assert.equal(t.context.config.smsProvider, 'console');
    const people = [
      ...(await addSubscribers(t.context, Array(3).fill({ language: 'en', zips: ['60617'] }))),
      ...(await addSubscribers(t.context, Array(2).fill({ language: 'es', zips: ['60617'] }))),
    ];
    const { alertId } = await approveAlert(t.context, { zips: ['60617'] });
    assert.equal(await fanOutAlerts(t.context, { successor: false }), 'finished');
    const { fields } = t.context.secrets;
    const outbox = await t.context.db.selectFrom('sms_outbox').selectAll().execute();
    const texts = new Map(
      outbox.map((row) => [
        fields.decrypt({ table: 'sms_outbox', column: 'to', rowId: row.id }, row.to_ciphertext),
        fields.decrypt({ table: 'sms_outbox', column: 'body', rowId: row.id }, row.body_ciphertext),
      ]),
    );
    assert.equal(texts.size, 5);
    for (const person of people) {
      assert.equal(texts.get(person.phone), person.language === 'es' ? BODIES.es : BODIES.en);
    }
    const rows = await ledger(t, alertId);
    assert.equal(statusCount(rows, 'sent'), 5);
    for (const row of rows) {
      assert.match(row.provider_sid!, /^console:/);
      assert.equal(row.sender, null);
    }
    assert.equal((await alertRow(t, alertId)).status, 'sent');
  });

  test('an alert nobody is subscribed to is sent at once, with nothing to send', async () => {
    const { alertId, recipients } = await approveAlert(t.context, { zips: ['60618'] });
    assert.equal(recipients, 0);
    const alert = await alertRow(t, alertId);
    assert.equal(alert.status, 'sent');
    assert.equal(alert.recipients, 0);
    assert.ok(alert.sending_finished_at);
    assert.equal((await alertDeliveryProgress(t.context.db, alertId)).total, 0);
  });
});
