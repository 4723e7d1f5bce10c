// Issue 14: answers are checked for what was asked. An answer plainly of another kind (a ZIP code for
// "when?", "no" for "where?") is not taken: the question is asked again once, kindly, in the person's
// language, and after a second such answer the conversation goes on with the question left unknown.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { translate } from '../../i18n/i18n.ts';
import {
  markAsked,
  newConversation,
  pendingQuestion,
  readAnswer,
  receiveText,
  type Conversation,
} from './sms.conversation.ts';
import { freshNumber, reportsFrom, text } from './sms.test-helpers.ts';

const at = new Date('2026-11-23T14:02:11.000Z');

function say(conversation: Conversation, body: string): Conversation {
  const next = receiveText(conversation, { body, at, media: [] });
  const question = pendingQuestion(next);
  return question ? markAsked(next, question) : next;
}

describe('answers checked for what was asked', () => {
  test('a ZIP code is not a time, "no" is not a place, a ZIP is not a count', () => {
    assert.equal(readAnswer('seen_when', '60623').settled, false);
    assert.equal(readAnswer('location', 'no').settled, false);
    assert.equal(readAnswer('location', 'Sí').settled, false);
    assert.equal(readAnswer('count', '60623').settled, false);
    assert.equal(readAnswer('activity', '9').settled, false);
    // What does fit is taken as before, free words included.
    assert.equal(readAnswer('seen_when', '2').answers.seenWhen, 'last_15_minutes');
    assert.equal(readAnswer('location', '60623').answers.zip, '60623');
    assert.equal(readAnswer('location', 'Calle 26 y Kedzie').settled, true);
    assert.equal(readAnswer('seen_when', 'como a mediodia').settled, true);
    assert.equal(readAnswer('count', 'no se').settled, true);
  });

  test('a misfit answer is kept, asked again once, and the second misfit goes on', () => {
    let c = say(newConversation('es'), 'hola, se llevaron a mi vecino');
    assert.equal(c.asked, 'location');
    c = say(c, 'no');
    assert.equal(c.asked, 'location', 'asked again');
    assert.equal(c.answers.location, undefined, '"no" is not a place');
    c = say(c, 'Calle 26 y Kedzie');
    assert.equal(c.answers.location, 'Calle 26 y Kedzie');
    assert.equal(c.asked, 'seen_when');
    c = say(c, '60623');
    assert.equal(c.asked, 'seen_when', 'asked again');
    assert.equal(c.answers.seenWhen, undefined);
    assert.equal(c.answers.zip, '60623', 'the ZIP is not dropped');
    c = say(c, '60623');
    assert.equal(c.asked, 'count', 'asked once again only, then on');
    assert.ok(c.answered.includes('seen_when'));
    assert.equal(c.texts.filter((t) => t.question === 'seen_when').length, 2, 'every text kept');
  });
});

describe('asked again, kindly, by text', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-11-23T14:00:00Z')),
      env: { ...TWILIO_TEST_ENV, AMPARO_NETWORK_NAME: 'Chicago Rapid Response' },
    });
  });
  after(async () => {
    await t.close();
  });

  async function send(from: string, body: string): Promise<string | undefined> {
    t.clock.advance(30_000);
    const answer = await text(t, from, body);
    assert.equal(answer.status, 200, answer.body);
    return answer.reply;
  }

  test('in Spanish: "no" for where, a ZIP for when, each asked again once in Spanish', async () => {
    const from = freshNumber();
    await send(from, 'Hola, la migra se llevaron a mi vecino');
    const again = `${translate('es', 'sms.ask_again')} ${translate('es', 'sms.question_location')}`;
    assert.equal(await send(from, 'no'), again);
    assert.equal(await send(from, 'Calle 26 y Kedzie'), translate('es', 'sms.question_seen_when'));
    assert.equal(
      await send(from, '60623'),
      `${translate('es', 'sms.ask_again')} ${translate('es', 'sms.question_seen_when')}`,
    );
    assert.equal(await send(from, '1'), translate('es', 'sms.question_count'));
    for (const body of ['3 agentes', 'NADA', '1']) await send(from, body);
    const [report] = await reportsFrom(t, from);
    assert.ok(report);
    assert.equal(report.location, 'Calle 26 y Kedzie');
    assert.equal(report.seen_when, 'now');
    assert.equal(report.zip, '60623');
    assert.match(report.details!, /\(location\) no\n.*\(location\) Calle 26 y Kedzie/);
  });

  test('in English, a second misfit is not asked a third time', async () => {
    const from = freshNumber();
    await send(from, 'ICE detaining someone');
    assert.match((await send(from, 'yes'))!, /^Sorry/);
    assert.equal(await send(from, 'no'), translate('en', 'sms.question_seen_when'));
  });
});
