// Issue 14: the number that texts again. Within the conversation window (AMPARO_SMS_CONVERSATION_TIMEOUT_MINUTES
// after its last text) a later text joins the report the conversation became, and is answered in the language
// the conversation was held in; past the window, a new conversation starts, its language guessed again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { translate } from '../../i18n/i18n.ts';
import { freshNumber, reportsFrom, text, type Answer } from './sms.test-helpers.ts';

const NETWORK = 'Chicago Rapid Response';
/** Longer than the default reply window (10 s), so each text of a conversation gets its answer. */
const PAUSE_MS = 30_000;

describe('SMS: the number that texts again', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-11-23T14:00:00Z')),
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_NETWORK_NAME: NETWORK,
        AMPARO_SMS_CONVERSATION_TIMEOUT_MINUTES: '20',
      },
    });
  });
  after(async () => {
    await t.close();
  });

  async function converse(from: string, bodies: string[]): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (const body of bodies) {
      t.clock.advance(PAUSE_MS);
      const answer = await text(t, from, body);
      assert.equal(answer.status, 200, answer.body);
      answers.push(answer);
    }
    return answers;
  }

  const SPANISH_REPORT = [
    'La migra está deteniendo gente en la 26 y Kedzie ahora, 4 agentes, chalecos dicen POLICE ICE, yo lo vi',
  ];

  test('a later text within the window joins the Spanish report and is answered in Spanish', async () => {
    const from = freshNumber();
    await converse(from, SPANISH_REPORT);
    const [report] = await reportsFrom(t, from);
    assert.ok(report);
    assert.equal(report.language, 'es');

    // Ten minutes later, words that say nothing of a language: the answer is still in Spanish.
    t.clock.advance(10 * 60_000);
    const again = await text(t, from, 'ok 2 more');
    assert.equal(again.reply, translate('es', 'sms.added', { reference: report.reference }));
    const reports = await reportsFrom(t, from);
    assert.equal(reports.length, 1, 'no new report');
    assert.match(reports[0]!.details!, /POLICE ICE[\s\S]*\n\[[^\]]+\] ok 2 more$/);

    // Each text keeps the window open: another 15 minutes on, it still joins.
    t.clock.advance(15 * 60_000);
    await text(t, from, 'se fueron');
    const still = await reportsFrom(t, from);
    assert.equal(still.length, 1);
    assert.match(still[0]!.details!, /se fueron$/);
  });

  test('past the window, a new conversation starts, its language guessed again', async () => {
    const from = freshNumber();
    await converse(from, SPANISH_REPORT);
    t.clock.advance(21 * 60_000);
    const answer = await text(t, from, 'Hi, there are agents outside');
    assert.match(answer.reply!, new RegExp(translate('en', 'sms.question_activity').slice(0, 10)));
    assert.equal((await reportsFrom(t, from)).length, 1, 'the new conversation is not a report yet');
  });
});
