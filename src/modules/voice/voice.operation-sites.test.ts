// Option 3 during an operation: the call asks one more question, "was it at <site>?", with one key per open
// site and 9 for not sure, in the caller's language and voice; the family's follow-up is filed under the
// operation and the site. With nobody registered (no operations module), option 3 records at once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { sid, TEST_PUBLIC_URL, TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { translate } from '../../i18n/i18n.ts';
import { registerOpenOperationSites, resetOpenOperationSites } from './operation-sites.ts';
import { followupsOfOperation } from './voice.queries.ts';
import { findAll, only, pathOf, TestCall, type CallAnswer } from './voice.test-helpers.ts';

const CALLER = '+17735550166';
const OPERATION = randomUUID();
const SITES = [
  { operationId: OPERATION, siteId: randomUUID(), siteName: 'Koch Foods, Morton', zip: '39117' },
  { operationId: OPERATION, siteId: randomUUID(), siteName: 'Peco Foods, Canton', zip: '39046' },
];
const voiceUrl = (pathAndQuery: string) => `${TEST_PUBLIC_URL}/webhooks/twilio/voice${pathAndQuery}`;

describe('voice option 3 during an operation', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: TWILIO_TEST_ENV });
  });
  afterEach(() => resetOpenOperationSites());
  after(async () => t.close());

  const followupOfCall = async (callSid: string) => {
    const call = await t.context.db
      .selectFrom('voice_calls')
      .select('report_id')
      .where('call_sid', '=', callSid)
      .executeTakeFirstOrThrow();
    return t.context.db
      .selectFrom('followup_tasks')
      .selectAll()
      .where('report_id', '=', call.report_id!)
      .executeTakeFirstOrThrow();
  };

  /** The Record step's action posted without a recording: the family hung up before the tone. */
  async function hangUpBeforeTone(call: TestCall, at: CallAnswer): Promise<void> {
    only(at.twiml, 'Record');
    await call.post(pathOf(only(at.twiml, 'Record').attrs.action!));
  }

  test('nobody registered: option 3 goes straight to the message, and its follow-up has no operation', async () => {
    const call = new TestCall(t.app, CALLER);
    const at = await call.press(await call.toMenu('1'), '3');
    assert.equal(findAll(at.twiml, 'Gather').length, 0);
    await hangUpBeforeTone(call, at);
    const task = await followupOfCall(call.callSid);
    assert.equal(task.operation_id, null);
    assert.equal(task.operation_site_id, null);
  });

  for (const [languageKey, lang, voice, language] of [
    ['1', 'en', 'Polly.Joanna', 'en-US'],
    ['2', 'es', 'Polly.Mia', 'es-MX'],
  ] as const) {
    test(`${lang}: "was it at <site>?" with a key per site and 9; 2 files the follow-up under that site`, async () => {
      registerOpenOperationSites(async () => SITES);
      const call = new TestCall(t.app, CALLER);
      const asked = await call.press(await call.toMenu(languageKey), '3');
      const gather = only(asked.twiml, 'Gather');
      assert.equal(gather.attrs.action, voiceUrl(`/site?lang=${lang}&attempt=1`));
      assert.equal(gather.attrs.numDigits, '1');
      assert.equal(gather.attrs.input, 'dtmf');
      const said = findAll(gather, 'Say');
      assert.deepEqual(
        said.map((node) => node.text),
        [
          translate(lang, 'voice.site_prompt'),
          translate(lang, 'voice.site_option', { site: 'Koch Foods, Morton', key: '1' }),
          translate(lang, 'voice.site_option', { site: 'Peco Foods, Canton', key: '2' }),
          translate(lang, 'voice.site_not_sure'),
        ],
      );
      for (const node of said) {
        assert.equal(node.attrs.voice, voice);
        assert.equal(node.attrs.language, language);
      }
      assert.equal(only(asked.twiml, 'Redirect').text, gather.attrs.action, 'silence asks again');

      const recording = await call.press(asked, '2');
      assert.equal(only(recording.twiml, 'Record').attrs.action, voiceUrl(`/recorded?lang=${lang}`));
      await call.post(pathOf(only(recording.twiml, 'Record').attrs.action!), {
        RecordingSid: sid('RE'),
        RecordingUrl: `https://api.twilio.com/recordings/${sid('RE')}`,
        RecordingDuration: '12',
      });
      const task = await followupOfCall(call.callSid);
      assert.equal(task.operation_id, OPERATION);
      assert.equal(task.operation_site_id, SITES[1]!.siteId);
      assert.equal(task.operation_site_name, 'Peco Foods, Canton');
      assert.equal(task.language, lang);
      const filed = await followupsOfOperation(t.context.db, OPERATION);
      assert.ok(filed.some((row) => row.id === task.id && row.siteId === SITES[1]!.siteId));
    });
  }

  test('a key that is not a site asks again; 9 (not sure) files under the one open operation, no site', async () => {
    registerOpenOperationSites(async () => SITES);
    const call = new TestCall(t.app, CALLER);
    const asked = await call.press(await call.toMenu('2'), '3');
    const again = await call.press(asked, '7');
    assert.equal(only(again.twiml, 'Gather').attrs.action, voiceUrl('/site?lang=es&attempt=2'));
    assert.equal(findAll(again.twiml, 'Say')[0]!.text, translate('es', 'voice.site_retry'));
    const recording = await call.press(again, '9');
    await hangUpBeforeTone(call, recording);
    const task = await followupOfCall(call.callSid);
    assert.equal(task.operation_id, OPERATION);
    assert.equal(task.operation_site_id, null);
    assert.ok(!t.logs.text.includes('5550166'), 'the number is not logged');
  });

  test('silence three times goes on to the message without a site', async () => {
    registerOpenOperationSites(async () => SITES);
    const call = new TestCall(t.app, CALLER);
    let at = await call.press(await call.toMenu('1'), '3');
    for (let attempt = 1; attempt < 3; attempt++) at = await call.follow(at);
    const recording = await call.follow(at);
    await hangUpBeforeTone(call, recording);
    const task = await followupOfCall(call.callSid);
    assert.equal(task.operation_id, null);
  });
});
