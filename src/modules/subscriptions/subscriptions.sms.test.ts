// Alert subscriptions by text, through the signed webhook, in English and Spanish: subscribe, change ZIP
// codes, STOP/ALTO, HELP/AYUDA, re-subscribe, ALERTS in the middle of a hotline conversation, no web caps,
// nothing for numbers outside AMPARO_SMS_COUNTRIES, the number kept only as ciphertext plus blind index,
// and the purge after the configured days.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { countSegments } from '../../integrations/messaging/segments.ts';
import { openConversationOf, text } from '../sms/sms.test-helpers.ts';
import { purgeOldSubscribers } from './subscriptions.service.ts';

const NETWORK = 'Chicago Rapid Response';
const PAUSE_MS = 30_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Each number in its own prefix block (area code and exchange), so only the caps test meets a cap. */
let issued = 0;
function freshNumber(): string {
  issued += 1;
  return `+1312${200 + issued}${String(3000 + issued).padStart(4, '0')}`;
}

describe(`alert subscriptions by SMS`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-11-24T14:00:00Z')),
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_NETWORK_NAME: NETWORK,
        AMPARO_SUBSCRIBER_PURGE_DAYS: '7',
        AMPARO_SUBSCRIBE_CAP_PER_PREFIX_PER_HOUR: '3',
      },
    });
  });
  after(async () => {
    await t.close();
  });

  async function say(from: string, body: string) {
    t.clock.advance(PAUSE_MS);
    const answer = await text(t, from, body);
    assert.equal(answer.status, 200, answer.body);
    return answer.reply;
  }

  function subscriber(phone: string) {
    return t.context.db
      .selectFrom('subscribers')
      .selectAll()
      .where('phone_index', '=', t.context.secrets.blindIndex.phone(phone))
      .executeTakeFirst();
  }

  async function optedOut(phone: string) {
    const row = await t.context.db
      .selectFrom('sms_opt_outs')
      .select('phone_index')
      .where('phone_index', '=', t.context.secrets.blindIndex.phone(phone))
      .executeTakeFirst();
    return row !== undefined;
  }

  test('ALERTS subscribes in English with a compliant one-segment confirmation; the number is only ciphertext', async () => {
    const phone = freshNumber();
    const reply = await say(phone, 'ALERTS 60623');
    assert.ok(reply);
    for (const part of [
      NETWORK,
      '60623',
      'a few a month',
      'Msg&data rates may apply',
      'Reply STOP to end, HELP for help',
    ]) {
      assert.ok(reply.includes(part), `${part} in ${reply}`);
    }
    assert.deepEqual(countSegments(reply), { encoding: 'gsm7', segments: 1 });
    const row = await subscriber(phone);
    assert.equal(row?.status, 'active');
    assert.deepEqual(row?.zips, ['60623']);
    assert.equal(row?.language, 'en');
    assert.ok(!row.phone_ciphertext.includes(phone.slice(2)));
    assert.equal(
      t.context.secrets.fields.decrypt(
        { table: 'subscribers', column: 'phone', rowId: row.id },
        row.phone_ciphertext,
      ),
      phone,
    );
  });

  test('ALERTAS with several ZIPs subscribes in Spanish; texting again replaces the ZIPs and says so', async () => {
    const phone = freshNumber();
    const first = await say(phone, 'alertas 60623 60608');
    assert.match(first ?? '', /60623 60608.*ALTO/);
    assert.equal(countSegments(first!).encoding, 'gsm7');
    const changed = await say(phone, 'ALERTAS 60608');
    assert.match(changed ?? '', /ahora son 60608/);
    const row = await subscriber(phone);
    assert.deepEqual(row?.zips, ['60608']);
    assert.equal(row?.language, 'es');
  });

  test('an unknown ZIP or none is refused with a clear reply and nothing stored', async () => {
    const phone = freshNumber();
    assert.match((await say(phone, 'ALERTS 00000')) ?? '', /do not know ZIP 00000/);
    assert.match((await say(phone, 'ALERTAS')) ?? '', /ALERTAS 60623/);
    assert.equal(await subscriber(phone), undefined);
  });

  for (const word of [
    'STOP',
    'ALTO',
    'unsubscribe',
    'Cancel',
    'END',
    'QUIT',
    'REVOKE',
    'OPTOUT',
    'STOPALL',
  ]) {
    test(`${word} opts a subscriber out with one confirmation`, async () => {
      const phone = freshNumber();
      await say(phone, 'ALERTS 60623');
      const reply = await say(phone, word);
      // Twilio's default opt-out handling confirms its own words itself; Amparo confirms the others.
      if (word === 'ALTO') assert.ok(reply && reply.includes(NETWORK));
      else assert.equal(reply, undefined, 'Twilio confirmed it: no second reply');
      const row = await subscriber(phone);
      assert.equal(row?.status, 'opted_out');
      assert.ok(row?.opted_out_at);
      assert.equal(await optedOut(phone), true);
    });
  }

  test('AYUDA mentions alerts (HELP is answered by Twilio)', async () => {
    const phone = freshNumber();
    assert.equal(await say(phone, 'HELP'), undefined);
    assert.match((await say(phone, 'AYUDA')) ?? '', /ALERTAS \+ ZIP/);
  });

  test('an opted-out number re-subscribes by texting ALERTS, and leaves the opt-out list', async () => {
    const phone = freshNumber();
    await say(phone, 'ALERTAS 60623');
    await say(phone, 'ALTO');
    assert.equal(await optedOut(phone), true);
    const reply = await say(phone, 'ALERTS 60608');
    assert.match(reply ?? '', /60608/);
    assert.equal((await subscriber(phone))?.status, 'active');
    assert.equal(await optedOut(phone), false);
  });

  test('INICIO after ALTO resumes a confirmed subscription with its confirmation, in its language', async () => {
    const phone = freshNumber();
    await say(phone, 'ALERTAS 60623 60608');
    await say(phone, 'ALTO');
    assert.equal((await subscriber(phone))?.status, 'opted_out');
    const reply = await say(phone, 'INICIO');
    assert.ok(reply?.includes('60623 60608'), reply);
    assert.ok(reply?.includes('ALTO'), `Spanish confirmation: ${reply}`);
    assert.equal((await subscriber(phone))?.status, 'active');
    assert.equal(await optedOut(phone), false);
  });

  test('START from a number that never subscribed turns texts back on and subscribes nobody', async () => {
    const phone = freshNumber();
    await say(phone, 'STOP');
    assert.equal(await say(phone, 'START'), undefined, 'Twilio answered START');
    assert.equal(await optedOut(phone), false);
    assert.equal(await subscriber(phone), undefined);
  });

  test('HELP right after an automatic reply (inside the reply window) is still answered', async () => {
    const phone = freshNumber();
    await say(phone, 'ALERTS 60623');
    // No pause: the window of the confirmation just sent is still open.
    const answer = await text(t, phone, 'AYUDA');
    assert.equal(answer.status, 200, answer.body);
    assert.ok(answer.reply?.includes('ALERTAS'), answer.reply);
  });

  test('ALERTS mid-conversation subscribes without swallowing or losing the hotline conversation', async () => {
    const phone = freshNumber();
    await say(phone, 'agents detaining people');
    const before = await openConversationOf(t, phone);
    assert.ok(before);
    const reply = await say(phone, 'ALERTS 60623');
    assert.match(reply ?? '', /verified alerts/);
    const afterwards = await openConversationOf(t, phone);
    assert.equal(afterwards?.id, before.id);
    assert.equal(afterwards?.answers_ciphertext, before.answers_ciphertext, 'the conversation is untouched');
    assert.equal((await subscriber(phone))?.status, 'active');
  });

  test('ALERTS by text is never capped: one number block past the web cap is answered every time', async () => {
    // These share +1779555 (area code and exchange); the web allows 3 an hour from such a block.
    const phones = ['+17795550201', '+17795550302', '+17795550403', '+17795550504', '+17795550605'];
    for (const phone of phones) assert.match((await say(phone, 'ALERTS 60623')) ?? '', /verified alerts/);
    for (const phone of phones) assert.equal((await subscriber(phone))?.status, 'active');
    const counted = await t.context.db.selectFrom('subscription_signups').select('id').execute();
    assert.deepEqual(counted, [], 'texted sign-ups are not counted against the web caps');
  });

  test('ALERTS from outside AMPARO_SMS_COUNTRIES or from a premium number subscribes nobody and gets no reply', async () => {
    for (const phone of ['+2348031234567', '+998901234567', '+447911123456', '+19007654321']) {
      const answer = await text(t, phone, 'ALERTS 60623');
      assert.equal(answer.status, 200);
      assert.equal(answer.reply, undefined, phone);
      assert.equal(await subscriber(phone), undefined, phone);
      // Nor does the hotline answer them, though their texts are still taken.
      assert.equal((await text(t, phone, 'HELP')).reply, undefined, phone);
    }
  });

  test('an opted-out subscriber is deleted after the configured days; the opt-out stays', async () => {
    const phone = freshNumber();
    await say(phone, 'ALERTS 60623');
    await say(phone, 'STOP');
    t.clock.advance(6 * DAY_MS);
    await purgeOldSubscribers(t.context);
    assert.ok(await subscriber(phone), 'kept before the delay');
    t.clock.advance(2 * DAY_MS);
    const removed = await purgeOldSubscribers(t.context);
    assert.ok(removed.optedOut >= 1);
    assert.equal(await subscriber(phone), undefined);
    assert.equal(await optedOut(phone), true);
  });
});
