// Texts that arrive at the same moment (on PostgreSQL they really run side by side): a MessageSid Twilio
// delivers twice is stored once and answered the same; texts racing from one number share one open
// conversation (or join the report it became) and get at most one automatic reply per window, as if they
// had come one by one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { deliveryKeyHash } from '../../integrations/twilio/webhook.ts';
import { incomingSms, postWebhook, TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { freshNumber, replyOf, reportsFrom, SMS_PATH, text } from './sms.test-helpers.ts';

const ALL_IN_ONE = 'ICE detaining 2 people at 26th and Kedzie now, 3 agents, vests say POLICE ICE, I saw it';
const AT_ONCE = 6;

describe(`SMS texts at the same moment`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: TWILIO_TEST_ENV });
  });
  after(async () => t.close());

  const conversationsOf = async (phone: string) =>
    t.context.db
      .selectFrom('sms_conversations')
      .select(['closed_at'])
      .where('phone_index', '=', t.context.secrets.blindIndex.phone(phone))
      .execute();

  test('one MessageSid delivered several times at once is stored once and answered the same', async () => {
    const from = freshNumber();
    const params = incomingSms(from, ALL_IN_ONE);
    const answers = await Promise.all(
      Array.from({ length: AT_ONCE }, () => postWebhook(t.app, SMS_PATH, params)),
    );
    for (const answer of answers) assert.equal(answer.status, 200);
    assert.equal(new Set(answers.map((answer) => answer.body)).size, 1, 'every delivery gets one answer');
    assert.match(replyOf(answers[0]!.body) ?? '', /Your report is [0-9A-Z]{8}\./);
    assert.equal((await reportsFrom(t, from)).length, 1, 'one report');
    assert.equal((await conversationsOf(from)).length, 1, 'one conversation');
    const receipts = await t.context.db
      .selectFrom('twilio_webhook_receipts')
      .select('key_hash')
      .where('key_hash', '=', deliveryKeyHash(t.context.secrets, `sms:${params.MessageSid}`))
      .execute();
    assert.equal(receipts.length, 1);
  });

  test('partial texts racing from one number share one conversation and get one reply', async () => {
    const from = freshNumber();
    const answers = await Promise.all(
      Array.from({ length: AT_ONCE }, (_, i) => text(t, from, `they are still here ${i}`)),
    );
    for (const answer of answers) assert.equal(answer.status, 200);
    assert.equal(answers.filter((answer) => answer.reply !== undefined).length, 1, 'one reply per window');
    const conversations = await conversationsOf(from);
    assert.equal(conversations.length, 1, 'one conversation');
    assert.equal(conversations[0]!.closed_at, null);
  });

  test('whole reports racing from one number are all kept (later ones join a report), with one reply', async () => {
    const from = freshNumber();
    const answers = await Promise.all(Array.from({ length: AT_ONCE }, () => text(t, from, ALL_IN_ONE)));
    for (const answer of answers) assert.equal(answer.status, 200);
    const reports = await reportsFrom(t, from);
    // A text within the conversation window joins the report the number's conversation became; one that
    // truly raced the first may still make its own. Either way, nothing sent is lost.
    assert.ok(reports.length >= 1 && reports.length <= AT_ONCE);
    const kept = reports
      .flatMap((report) => report.details!.split('\n'))
      .filter((l) => l.endsWith(ALL_IN_ONE));
    assert.equal(kept.length, AT_ONCE, 'nothing sent is lost');
    assert.equal(answers.filter((answer) => answer.reply !== undefined).length, 1, 'one reply per window');
    assert.equal((await conversationsOf(from)).filter((c) => c.closed_at === null).length, 0);
  });
});
