// The SMS webhook's gate: Twilio's signature (computed in the test from the published algorithm), the
// account, retries answered once, and malformed requests refused with a clear 400. A refused request
// stores nothing: no receipt, no conversation, no opt-out, no report.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import {
  incomingSms,
  postWebhook,
  sid,
  TEST_PUBLIC_URL,
  TWILIO_TEST_ENV,
} from '../../../test/support/twilio-webhooks.ts';
import { translate } from '../../i18n/i18n.ts';
import { deliveryKeyHash, EMPTY_TWIML, purgeWebhookReceipts } from '../../integrations/twilio/webhook.ts';
import { freshNumber, replyOf, reportsFrom, SMS_PATH } from './sms.test-helpers.ts';

const ALL_IN_ONE = 'ICE detaining 2 people at 26th and Kedzie now, 3 agents, vests say POLICE ICE, I saw it';

describe(`SMS webhook`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: TWILIO_TEST_ENV });
  });
  after(async () => t.close());

  async function storedRows(): Promise<Record<string, number>> {
    const count = async (
      table: 'twilio_webhook_receipts' | 'sms_conversations' | 'sms_opt_outs' | 'reports',
    ) =>
      Number(
        (
          await t.context.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      receipts: await count('twilio_webhook_receipts'),
      conversations: await count('sms_conversations'),
      optOuts: await count('sms_opt_outs'),
      reports: await count('reports'),
    };
  }

  async function assertRefused(
    params: Record<string, string>,
    options: Parameters<typeof postWebhook>[3],
    status = 403,
  ): Promise<void> {
    const before = await storedRows();
    const res = await postWebhook(t.app, SMS_PATH, params, options);
    assert.equal(res.status, status, res.body);
    assert.ok(!res.body.includes('<Message'));
    assert.deepEqual(await storedRows(), before, 'nothing stored');
  }

  test('a validly signed text is answered in TwiML with the first question', async () => {
    const res = await postWebhook(t.app, SMS_PATH, incomingSms(freshNumber(), 'hello'));
    assert.equal(res.status, 200);
    assert.match(res.contentType ?? '', /^text\/xml/);
    assert.match(
      replyOf(res.body) ?? '',
      /thanks for texting\. STOP to end\. What is happening\? 1 Detaining/,
    );
  });

  test('a tampered parameter is refused (403) and nothing is stored', async () => {
    const params = incomingSms(freshNumber(), 'STOP');
    const signature = (await import('../../../test/support/twilio-webhooks.ts')).expectedSignature(
      TWILIO_TEST_ENV.AMPARO_TWILIO_AUTH_TOKEN!,
      `${TEST_PUBLIC_URL}${SMS_PATH}`,
      params,
    );
    await assertRefused({ ...params, Body: ALL_IN_ONE }, { signature });
    await assertRefused({ ...params, From: freshNumber() }, { signature });
  });

  test('a signature made for another address (the Host header is never trusted) is refused', async () => {
    const params = incomingSms(freshNumber(), ALL_IN_ONE);
    await assertRefused(params, { signedUrl: `https://attacker.example.net${SMS_PATH}` });
    await assertRefused(params, { signedUrl: `${TEST_PUBLIC_URL}/webhooks/twilio/voice` });
  });

  test('a missing signature or a wrong auth token is refused', async () => {
    await assertRefused(incomingSms(freshNumber(), ALL_IN_ONE), { signature: null });
    await assertRefused(incomingSms(freshNumber(), ALL_IN_ONE), {
      authToken: 'not-the-token-0123456789abcdef',
    });
  });

  test('another Twilio account, correctly signed with our token, is refused and nothing is stored', async () => {
    const params = incomingSms(freshNumber(), ALL_IN_ONE, { AccountSid: sid('AC') });
    await assertRefused(params, {});
  });

  test('a replayed MessageSid gets the same answer and is stored once', async () => {
    const from = freshNumber();
    const params = incomingSms(from, ALL_IN_ONE);
    const first = await postWebhook(t.app, SMS_PATH, params);
    t.clock.advance(60_000);
    const second = await postWebhook(t.app, SMS_PATH, params);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(second.body, first.body, 'the same TwiML, reference included');
    assert.match(replyOf(first.body) ?? '', /Your report is [0-9A-Z]{8}\./);
    const reports = await reportsFrom(t, from);
    assert.equal(reports.length, 1, 'one report');
    assert.equal(reports[0]!.details!.split('\n').length, 1, 'one stored message');
    const receipts = await t.context.db
      .selectFrom('twilio_webhook_receipts')
      .select('key_hash')
      .where('key_hash', '=', deliveryKeyHash(t.context.secrets, `sms:${params.MessageSid}`))
      .execute();
    assert.equal(receipts.length, 1);
  });

  test('delivery keys are kept hashed; a replay weeks later, its answer gone, gets an empty answer and changes nothing', async () => {
    const from = freshNumber();
    const params = incomingSms(from, ALL_IN_ONE);
    const first = await postWebhook(t.app, SMS_PATH, params);
    assert.match(replyOf(first.body) ?? '', /Your report is/);
    const receipts = await t.context.db.selectFrom('twilio_webhook_receipts').selectAll().execute();
    for (const receipt of receipts) {
      assert.ok(!JSON.stringify(receipt).includes(params.MessageSid!), 'no SID in the clear');
    }
    const stored = () =>
      t.context.db
        .selectFrom('twilio_webhook_receipts')
        .select(['response'])
        .where('key_hash', '=', deliveryKeyHash(t.context.secrets, `sms:${params.MessageSid}`))
        .executeTakeFirst();
    const keyDays = t.context.config.webhookReceipts.keyDays;
    assert.equal(keyDays, 35);

    // Two days on, the answer (which names the report) is forgotten; the hashed key stays, and a replay
    // any time within the configured days is recognised.
    const sent = t.clock.now().getTime();
    const at = (days: number) => t.clock.advance(sent + days * 24 * 3600_000 - t.clock.now().getTime());
    for (const days of [2.05, 20, 34.9]) {
      at(days);
      await purgeWebhookReceipts(t.context.db, t.context.clock.now(), keyDays);
      assert.deepEqual(await stored(), { response: null }, `day ${days}: the key without its answer`);
      const replay = await postWebhook(t.app, SMS_PATH, params);
      assert.equal(replay.status, 200);
      assert.equal(replay.body, EMPTY_TWIML, `day ${days}: an empty answer`);
      const reports = await reportsFrom(t, from);
      assert.equal(reports.length, 1, `day ${days}: one report`);
      assert.equal(reports[0]!.details!.split('\n').length, 1, `day ${days}: one stored message`);
    }
    // After the configured days the key goes too.
    at(35.1);
    await purgeWebhookReceipts(t.context.db, t.context.clock.now(), keyDays);
    assert.equal(await stored(), undefined);
  });

  test('a replayed text mid-conversation does not answer the question twice', async () => {
    const from = freshNumber();
    await postWebhook(t.app, SMS_PATH, incomingSms(from, 'hi'));
    t.clock.advance(30_000);
    const answer = incomingSms(from, '1');
    const first = await postWebhook(t.app, SMS_PATH, answer);
    t.clock.advance(30_000);
    const again = await postWebhook(t.app, SMS_PATH, answer);
    assert.equal(again.body, first.body);
    assert.match(replyOf(first.body) ?? '', /^Where\?/);
  });

  test('a signed request without a sender or MessageSid gets a clear 400, never a 500', async () => {
    const withoutFrom: Record<string, string> = incomingSms(freshNumber(), 'hi');
    delete withoutFrom.From;
    const before = await storedRows();
    for (const params of [
      withoutFrom,
      { ...incomingSms(freshNumber(), 'hi'), From: 'not a number' },
      { ...incomingSms(freshNumber(), 'hi'), MessageSid: '', SmsMessageSid: '' },
    ]) {
      const answer = await postWebhook(t.app, SMS_PATH, params);
      assert.equal(answer.status, 400, answer.body);
      assert.ok(answer.body.includes(translate('en', 'error.invalid_request')), answer.body);
      assert.doesNotMatch(answer.body, /AppError|\.ts:\d+|\n\s+at /, 'no stack trace');
    }
    assert.deepEqual(await storedRows(), before);
  });
});
