// Twilio's own opt-out handling and Amparo's keywords on top of it, through the signed webhook and a Twilio
// stand-in: the webhook's OptOutType is authoritative, a text Twilio answered is never answered twice, the
// Spanish words Twilio does not know are Amparo's to answer, a resubscription Twilio still blocks is shown
// to staff, and a text Twilio refuses with 21610 opts the number out whichever module sent it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { RecipientRefusedError } from '../../integrations/messaging/sms-sender.ts';
import { composeConfirmedActivity, incidentWith } from '../alerts/alerts.test-helpers.ts';
import { sendOwedReply } from '../sms/sms.service.ts';
import { freshNumber, openConversationOf, reportsFrom, text, type Answer } from '../sms/sms.test-helpers.ts';

const NETWORK = 'Red Pilsen';
/** The Spanish STOP confirmation (it names the date until which the report is kept). */
const STOPPED_ES = new RegExp(`^${NETWORK}: ya no le escribiremos\\. .* INICIO para volver\\.$`);
const PAUSE_MS = 30_000;

describe(`Twilio's opt-out handling`, () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let dispatcher: StaffSession;
  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-12-08T15:00:00Z')),
      env: { ...TWILIO_TEST_ENV, AMPARO_TWILIO_API_BASE: standIn.baseUrl, AMPARO_NETWORK_NAME: NETWORK },
    });
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => {
    await t.close();
    await standIn.close();
  });

  /** Texts the hotline after a pause longer than the reply window; `optOutType` as Twilio would add it. */
  async function say(from: string, body: string, optOutType?: 'STOP' | 'START' | 'HELP'): Promise<Answer> {
    t.clock.advance(PAUSE_MS);
    const answer = await text(t, from, body, optOutType ? { OptOutType: optOutType } : {});
    assert.equal(answer.status, 200, answer.body);
    return answer;
  }

  const index = (phone: string) => t.context.secrets.blindIndex.phone(phone);

  async function optedOut(phone: string): Promise<boolean> {
    const row = await t.context.db
      .selectFrom('sms_opt_outs')
      .select('phone_index')
      .where('phone_index', '=', index(phone))
      .executeTakeFirst();
    return row !== undefined;
  }

  async function blockedAtTwilio(phone: string): Promise<boolean> {
    const row = await t.context.db
      .selectFrom('sms_provider_blocks')
      .select('phone_index')
      .where('phone_index', '=', index(phone))
      .executeTakeFirst();
    return row !== undefined;
  }

  async function subscriberStatus(phone: string): Promise<string | undefined> {
    const row = await t.context.db
      .selectFrom('subscribers')
      .select('status')
      .where('phone_index', '=', index(phone))
      .executeTakeFirst();
    return row?.status;
  }

  test('OptOutType=STOP (a Spanish word set in Advanced Opt-Out): the effect is recorded, no second reply', async () => {
    const from = freshNumber();
    await say(from, 'ALERTAS 60623');
    await say(from, 'hay agentes en la 26 y Kedzie');
    const stop = await say(from, 'Cancelar', 'STOP');
    assert.equal(stop.reply, undefined, 'Twilio sent the confirmation');
    assert.equal(await optedOut(from), true);
    assert.equal(await blockedAtTwilio(from), true, 'Twilio blocks the number from now on');
    assert.equal(await subscriberStatus(from), 'opted_out');
    const [partial] = await reportsFrom(t, from);
    assert.ok(partial, 'what was sent before is kept as a report');
    assert.doesNotMatch(partial.details!, /Cancelar/);
  });

  test('Twilio’s default words are answered by Twilio alone (no OptOutType without Advanced Opt-Out)', async () => {
    const from = freshNumber();
    await say(from, 'hi');
    const help = await say(from, 'HELP');
    assert.equal(help.reply, undefined, 'HELP is not answered twice');
    const helpByType = await say(from, 'AYUDA', 'HELP');
    assert.equal(helpByType.reply, undefined, 'nor AYUDA when Twilio says it answered it');
    assert.equal(
      (await openConversationOf(t, from))?.step,
      'activity',
      'the conversation waits where it was',
    );
    const stop = await say(from, 'stop');
    assert.equal(stop.reply, undefined);
    assert.equal(await optedOut(from), true);
    assert.equal(await blockedAtTwilio(from), true);
    const start = await say(from, 'START');
    assert.equal(start.reply, undefined, 'Twilio answered START');
    assert.equal(await optedOut(from), false);
    assert.equal(await blockedAtTwilio(from), false);
  });

  test('"Cancelar" alone is an opt-out Amparo confirms in Spanish; "cancelar" inside a report is a report', async () => {
    const from = freshNumber();
    const stop = await say(from, 'CANCELAR');
    assert.match(stop.reply ?? '', STOPPED_ES);
    assert.equal(await optedOut(from), true);
    assert.equal(await blockedAtTwilio(from), false, 'Twilio does not know the word: nothing blocked there');
    for (const word of ['BAJA', 'Detener']) {
      const other = freshNumber();
      assert.match((await say(other, word)).reply ?? '', STOPPED_ES);
    }
    const reporter = freshNumber();
    const report = await say(reporter, 'van a cancelar la cita, hay agentes de ICE afuera');
    assert.match(report.reply ?? '', /ALTO para terminar/, 'the hotline conversation starts');
    assert.equal(await optedOut(reporter), false);
    const ayuda = await say(reporter, 'AYUDA');
    assert.match(
      ayuda.reply ?? '',
      /pocas alertas al mes/,
      'AYUDA is Amparo’s to answer, with the frequency',
    );
  });

  test('INICIO after a STOP Twilio handled: back in Amparo, no reply Twilio would refuse, and staff see it', async () => {
    const from = freshNumber();
    await say(from, 'ALERTAS 60623');
    await say(from, 'STOP');
    assert.equal(await subscriberStatus(from), 'opted_out');
    const sentBefore = standIn.messages.size;
    const inicio = await say(from, 'INICIO');
    assert.equal(inicio.reply, undefined, 'Twilio still blocks the number: any answer would be refused');
    assert.equal(await optedOut(from), false, 'the person asked to come back');
    assert.equal(await subscriberStatus(from), 'active');
    assert.equal(await blockedAtTwilio(from), true);
    assert.equal(standIn.messages.size, sentBefore, 'nothing sent');
    assert.match(t.logs.text, /Twilio still blocks texts to the number/);
    assert.ok(!t.logs.text.includes(from.slice(2)), 'the log never names the number');

    // ALERTAS from another number in the same state: subscribed, not answered.
    const other = freshNumber();
    await say(other, 'STOP');
    assert.equal((await say(other, 'ALERTAS 60623')).reply, undefined);
    assert.equal(await subscriberStatus(other), 'active');

    // The draft of an alert to 60623 says that two of its recipients will not get it, and why.
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const alertId = await composeConfirmedActivity(t.app, dispatcher, incident.id);
    const page = async (lang: string) =>
      t.app.inject({
        url: `/console/alerts/${alertId}`,
        headers: { accept: 'text/html', cookie: dispatcher.cookie, 'accept-language': lang },
      });
    const english = await page('en');
    assert.match(english.body, /id="recipients-blocked"/);
    assert.match(english.body, /Signed up again by text .* Twilio handled: 2\. .* until they text START/s);
    assert.match((await page('es')).body, /Se inscribieron de nuevo por mensaje .* Twilio: 2\./);

    // START reaches Twilio and lifts its block: the notice goes.
    await say(from, 'START');
    assert.equal(await blockedAtTwilio(from), false);
    assert.match((await page('en')).body, /Twilio handled: 1\./);
  });

  test('INICIO matched by Advanced Opt-Out (OptOutType=START) lifts both, and Twilio alone answers', async () => {
    const from = freshNumber();
    await say(from, 'ALERTAS 60623');
    await say(from, 'ALTO', 'STOP');
    assert.equal(await blockedAtTwilio(from), true);
    const inicio = await say(from, 'INICIO', 'START');
    assert.equal(inicio.reply, undefined);
    assert.equal(await optedOut(from), false);
    assert.equal(await blockedAtTwilio(from), false);
    assert.equal(await subscriberStatus(from), 'active', 'the subscription is resumed');
  });

  test('YES that Twilio took as START mid-conversation is kept as the answer; the next step is owed, not lost', async () => {
    const from = freshNumber();
    for (const body of ['ICE detaining people at 26th and Kedzie now', '3 agents', 'vests say ICE']) {
      await say(from, body);
    }
    assert.equal((await openConversationOf(t, from))?.step, 'source');
    const yes = await say(from, 'Yes', 'START');
    assert.equal(yes.reply, undefined, 'Twilio answered it');
    const [report] = await reportsFrom(t, from);
    assert.equal(report?.source, 'saw', 'YES answered "did you see it yourself?"');
    const conversation = await t.context.db
      .selectFrom('sms_conversations')
      .select('id')
      .where('report_id', '=', report.id)
      .executeTakeFirstOrThrow();
    t.clock.advance(PAUSE_MS);
    const sentBefore = standIn.messages.size;
    assert.equal(await sendOwedReply(t.context, conversation.id), 'sent');
    const sent = [...standIn.messages.values()].slice(sentBefore);
    assert.match(sent[0]?.body ?? '', new RegExp(report.reference), 'the reference follows by job');
  });

  test('a 21610 on send records the opt-out and the block, whoever sent the text', async () => {
    const from = freshNumber();
    await say(from, 'ALERTS 60623');
    standIn.unsubscribed.add(from);
    await assert.rejects(
      createSmsSender(t.context).send({ to: from, body: 'test' }),
      (error: unknown) => error instanceof RecipientRefusedError && error.code === 21610,
    );
    assert.equal(await optedOut(from), true);
    assert.equal(await blockedAtTwilio(from), true);
    assert.equal(await subscriberStatus(from), 'opted_out', 'no alert will be tried either');
  });

  test('an owed reply refused with 21610 is not owed any more, and the number is opted out', async () => {
    const from = freshNumber();
    await say(from, 'hi');
    // Inside the reply window, so the next question is owed by job.
    t.clock.advance(1_000);
    await text(t, from, '1');
    const conversation = await openConversationOf(t, from);
    assert.ok(conversation);
    standIn.unsubscribed.add(from);
    t.clock.advance(PAUSE_MS);
    assert.equal(await sendOwedReply(t.context, conversation.id), 'nothing_owed');
    assert.equal(await optedOut(from), true);
    assert.equal(await sendOwedReply(t.context, conversation.id), 'nothing_owed', 'and never tried again');
  });
});
