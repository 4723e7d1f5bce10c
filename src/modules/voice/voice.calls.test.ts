// The phone menu, walked as Twilio walks it: every answer parsed as XML and checked by its structure (what
// the caller hears, in which language, where each key press goes), with the calls table and webhook
// receipts checked behind it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import {
  incomingCall,
  postWebhook,
  TEST_HOTLINE,
  TEST_PUBLIC_URL,
  TWILIO_TEST_ENV,
} from '../../../test/support/twilio-webhooks.ts';
import { loadConfig } from '../../config/config.ts';
import { translate } from '../../i18n/i18n.ts';
import { deliveryKeyHash } from '../../integrations/twilio/webhook.ts';
import {
  addStaffPhone,
  findAll,
  only,
  parseTwiml,
  pathOf,
  TestCall,
  type CallAnswer,
} from './voice.test-helpers.ts';
import { VoiceScript } from './voice.script.ts';
import { rightsSpoken } from '../public/rights.ts';

const CALLER = '+17735550142';
const RING_SECONDS = '17';
const voiceUrl = (pathAndQuery: string) => `${TEST_PUBLIC_URL}/webhooks/twilio/voice${pathAndQuery}`;

function says(answer: CallAnswer): { language: string; text: string }[] {
  return findAll(answer.twiml, 'Say').map((node) => ({ language: node.attrs.language!, text: node.text }));
}

/** The default voices: Twilio's basic voice does not speak es-MX, so every <Say> names one. */
const VOICES = { 'en-US': 'Polly.Joanna', 'es-MX': 'Polly.Mia' } as const;

function assertAllSaid(answer: CallAnswer, language: 'en-US' | 'es-MX'): void {
  const all = says(answer);
  assert.ok(all.length > 0, 'something is said');
  for (const said of all) assert.equal(said.language, language, `"${said.text}" is said in ${language}`);
  for (const node of findAll(answer.twiml, 'Say')) assert.equal(node.attrs.voice, VOICES[language]);
}

function assertRecords(answer: CallAnswer, lang: 'en' | 'es'): void {
  const record = only(answer.twiml, 'Record');
  assert.equal(record.attrs.action, voiceUrl(`/recorded?lang=${lang}`));
  assert.equal(record.attrs.method, 'POST');
  assert.equal(record.attrs.recordingStatusCallback, `${TEST_PUBLIC_URL}/webhooks/twilio/status`);
  assert.equal(record.attrs.finishOnKey, '#');
  assert.ok(Number(record.attrs.maxLength) >= 60, 'room for a real message');
  assert.equal(findAll(answer.twiml, 'Gather').length, 0, 'no menu while recording');
  assert.equal(findAll(answer.twiml, 'Dial').length, 0);
  // Heard nothing, Twilio skips the action and goes on: to the same step, asked without a recording.
  const verbs = answer.twiml.children.map((node) => node.name);
  assert.deepEqual(verbs.slice(verbs.indexOf('Record')), ['Record', 'Redirect']);
  assert.equal(only(answer.twiml, 'Redirect').text, record.attrs.action);
}

function assertMenu(answer: CallAnswer, lang: 'en' | 'es', attempt: number): void {
  const gather = only(answer.twiml, 'Gather');
  assert.equal(gather.attrs.action, voiceUrl(`/menu?lang=${lang}&attempt=${attempt}`));
  assert.equal(gather.attrs.numDigits, '1');
  assert.equal(gather.attrs.input, 'dtmf');
  assert.equal(only(gather, 'Say').text, translate(lang, 'voice.menu_prompt'));
  // A caller who presses nothing comes back to the same step, which then counts as missing input.
  assert.equal(only(answer.twiml, 'Redirect').text, gather.attrs.action);
  assertAllSaid(answer, lang === 'en' ? 'en-US' : 'es-MX');
}

async function receiptCount(t: TestApp): Promise<number> {
  const row = await t.context.db
    .selectFrom('twilio_webhook_receipts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe(`voice menu`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_VOICE_RING_SECONDS: RING_SECONDS,
        AMPARO_NETWORK_NAME: 'Red Norte',
      },
    });
  });
  after(async () => t.close());

  const callRow = (callSid: string) =>
    t.context.db.selectFrom('voice_calls').selectAll().where('call_sid', '=', callSid).executeTakeFirst();

  test('a call is greeted in both languages, each saying its own key, and noted with the number encrypted', async () => {
    const call = new TestCall(t.app, CALLER);
    const answer = await call.start();
    const gather = only(answer.twiml, 'Gather');
    assert.equal(gather.attrs.action, voiceUrl('/language?attempt=1'));
    assert.equal(gather.attrs.method, 'POST');
    assert.equal(gather.attrs.numDigits, '1');
    const inGather = findAll(gather, 'Say').map((node) => [node.attrs.voice, node.attrs.language, node.text]);
    assert.deepEqual(inGather, [
      ['Polly.Joanna', 'en-US', 'This is the Red Norte hotline. For English, press 1.'],
      ['Polly.Mia', 'es-MX', 'Esta es la línea de ayuda de Red Norte. Para español, oprima 2.'],
    ]);
    assert.equal(only(answer.twiml, 'Redirect').text, gather.attrs.action);

    const row = await callRow(call.callSid);
    assert.ok(row, 'the call is noted');
    assert.ok(row.phone_ciphertext && !row.phone_ciphertext.includes('5550142'), 'number encrypted');
    assert.equal(row.phone_index, t.context.secrets.blindIndex.phone(CALLER));
    assert.equal(
      t.context.secrets.fields.decrypt(
        { table: 'voice_calls', column: 'phone', rowId: call.callSid },
        row.phone_ciphertext,
      ),
      CALLER,
    );
    assert.ok(!t.logs.text.includes('5550142'), 'the number is not logged');
  });

  test('2 chooses Spanish and 1 English: the menu follows in that language', async () => {
    const spanish = new TestCall(t.app, CALLER);
    const menu = await spanish.toMenu('2');
    assertMenu(menu, 'es', 1);
    assert.equal((await callRow(spanish.callSid))?.language, 'es');

    const english = new TestCall(t.app, CALLER);
    assertMenu(await english.toMenu('1'), 'en', 1);
    assert.equal((await callRow(english.callSid))?.language, 'en');
  });

  test('a wrong or missing key repeats the language choice, then offers a message in both languages', async () => {
    const call = new TestCall(t.app, CALLER);
    const first = await call.start();
    const wrong = await call.press(first, '9');
    assert.equal(only(wrong.twiml, 'Gather').attrs.action, voiceUrl('/language?attempt=2'));
    assert.deepEqual(says(wrong).slice(0, 2), [
      { language: 'en-US', text: translate('en', 'voice.language_retry') },
      { language: 'es-MX', text: translate('es', 'voice.language_retry') },
    ]);
    const nothing = await call.follow(wrong);
    assert.equal(only(nothing.twiml, 'Gather').attrs.action, voiceUrl('/language?attempt=3'));
    const last = await call.press(nothing, '*');
    assertRecords(last, 'en');
    const before = says(last).slice(0, 2);
    assert.deepEqual(before, [
      { language: 'en-US', text: translate('en', 'voice.record_fallback') },
      { language: 'es-MX', text: translate('es', 'voice.record_fallback') },
    ]);
    assert.equal((await callRow(call.callSid))?.choice, 'message');
  });

  test('a wrong key repeats the menu with the next attempt, a missing one too, then a message is offered', async () => {
    const call = new TestCall(t.app, CALLER);
    const menu = await call.toMenu('2');
    const wrong = await call.press(menu, '7');
    assertMenu(wrong, 'es', 2);
    assert.equal(says(wrong)[0]!.text, translate('es', 'voice.menu_retry'));
    const nothing = await call.follow(wrong);
    assertMenu(nothing, 'es', 3);
    assert.equal(says(nothing)[0]!.text, translate('es', 'voice.menu_retry'));
    const last = await call.follow(nothing);
    assertRecords(last, 'es');
    assertAllSaid(last, 'es-MX');
    assert.equal(says(last)[0]!.text, translate('es', 'voice.record_fallback'));
    assert.equal((await callRow(call.callSid))?.choice, 'message');
  });

  test('4 plays the rights message in the caller language and brings the menu back as a new step', async () => {
    const call = new TestCall(t.app, CALLER);
    const menu = await call.toMenu('2');
    const rights = await call.press(menu, '4');
    assertMenu(rights, 'es', 2);
    // The same points as the web page and the DERECHOS text, from their one list.
    assert.equal(says(rights)[0]!.text, rightsSpoken('es'));
    assert.match(says(rights)[0]!.text, /orden firmada por un juez/);
    // The menu after the rights message is a new step: pressing 2 there is answered, not replayed.
    const past = await call.press(rights, '2');
    assertRecords(past, 'es');
    assert.equal(says(past)[0]!.text, translate('es', 'voice.record_past'));
  });

  test('2 asks for a message about something that already happened and records it', async () => {
    const call = new TestCall(t.app, CALLER);
    const answer = await call.press(await call.toMenu('1'), '2');
    assertRecords(answer, 'en');
    assertAllSaid(answer, 'en-US');
    assert.equal(says(answer)[0]!.text, translate('en', 'voice.record_past'));
    assert.equal((await callRow(call.callSid))?.choice, 'past');
  });

  test('3 asks a family for the details the legal team needs and records them', async () => {
    const call = new TestCall(t.app, CALLER);
    const answer = await call.press(await call.toMenu('2'), '3');
    assertRecords(answer, 'es');
    assert.equal(says(answer)[0]!.text, translate('es', 'voice.record_family'));
    assert.equal((await callRow(call.callSid))?.choice, 'family_detained');
  });

  test('1 with no dispatcher on shift goes straight to recording', async () => {
    const call = new TestCall(t.app, CALLER);
    const answer = await call.press(await call.toMenu('1'), '1');
    assertRecords(answer, 'en');
    assert.equal(says(answer)[0]!.text, translate('en', 'voice.record_now'));
    assert.equal((await callRow(call.callSid))?.choice, 'now');
  });

  describe('with dispatchers on shift', () => {
    const ON_SHIFT = ['+13125550101', '+13125550102'];
    before(async () => {
      for (const phone of ON_SHIFT) {
        await addStaffPhone(t.context, { roles: ['dispatcher'], phone, onShift: true });
      }
      await addStaffPhone(t.context, { roles: ['dispatcher'], phone: '+13125550103', onShift: false });
      await addStaffPhone(t.context, { roles: ['responder'], phone: '+13125550104', onShift: true });
      await addStaffPhone(t.context, {
        roles: ['dispatcher'],
        phone: '+13125550105',
        onShift: true,
        disabled: true,
      });
      await addStaffPhone(t.context, { roles: ['dispatcher'], phone: null, onShift: true });
    });
    after(async () => {
      await t.context.db.updateTable('staff_profiles').set({ on_shift: false }).execute();
    });

    test('1 rings every on-shift dispatcher at once, for the configured time', async () => {
      const call = new TestCall(t.app, CALLER);
      const connecting = await call.press(await call.toMenu('2'), '1');
      assertAllSaid(connecting, 'es-MX');
      assert.equal(says(connecting)[0]!.text, translate('es', 'voice.connecting'));
      assert.equal(findAll(connecting.twiml, 'Dial').length, 0, 'numbers are not in the stored answer');
      const ringing = await call.follow(connecting);
      const dial = only(ringing.twiml, 'Dial');
      assert.equal(dial.attrs.timeout, RING_SECONDS);
      // Dispatchers' phones show the hotline, so no reporter's number stays in their personal call logs.
      assert.equal(dial.attrs.callerId, TEST_HOTLINE);
      assert.ok(
        !ringing.body.includes(CALLER),
        'the caller’s number is nowhere in what dispatchers are rung with',
      );
      assert.equal(dial.attrs.action, voiceUrl('/dial-result?lang=es'));
      assert.deepEqual(
        findAll(dial, 'Number')
          .map((n) => n.text)
          .sort(),
        ON_SHIFT,
      );
      for (const number of findAll(dial, 'Number')) {
        // Each phone that answers is screened before the caller is put through.
        assert.equal(number.attrs.url, voiceUrl('/screen?lang=es'));
        assert.equal(number.attrs.method, 'POST');
      }

      const receipts = await t.context.db
        .selectFrom('twilio_webhook_receipts')
        .select(['key_hash', 'response'])
        .execute();
      const firstStep = deliveryKeyHash(t.context.secrets, `${call.callSid} /webhooks/twilio/voice`);
      assert.ok(
        receipts.some((r) => r.key_hash === firstStep),
        'the steps are stored',
      );
      for (const receipt of receipts) {
        for (const phone of ON_SHIFT) {
          assert.ok(!receipt.response?.includes(phone.slice(2)), 'no dispatcher number in a receipt');
        }
      }
      assert.ok(!t.logs.text.includes('5550101'), 'no dispatcher number in the logs');
    });

    test('when no dispatcher answers the caller can record; an answered call just ends', async () => {
      const call = new TestCall(t.app, CALLER);
      const ringing = await call.follow(await call.press(await call.toMenu('1'), '1'));
      const action = pathOf(only(ringing.twiml, 'Dial').attrs.action!);
      const unanswered = await call.post(action, { DialCallStatus: 'no-answer', DialCallDuration: '0' });
      assertRecords(unanswered, 'en');
      assert.equal(says(unanswered)[0]!.text, translate('en', 'voice.record_now'));

      const other = new TestCall(t.app, CALLER);
      await other.follow(await other.press(await other.toMenu('1'), '1'));
      const answered = await other.post(action, { DialCallStatus: 'completed', DialCallDuration: '95' });
      assert.equal(findAll(answered.twiml, 'Record').length, 0);
      assert.equal(findAll(answered.twiml, 'Hangup').length, 1);
    });
  });

  describe('call screening on the dispatcher leg', () => {
    /** What Twilio posts for the leg of a dispatcher's phone that answered: a call of its own. */
    const dispatcherLeg = (extra: Record<string, string> = {}) =>
      incomingCall('+13125550101', undefined, {
        CallStatus: 'in-progress',
        Direction: 'outbound-dial',
        ParentCallSid: incomingCall(CALLER).CallSid!,
        ...extra,
      });

    async function post(pathAndQuery: string, params: Record<string, string>): Promise<CallAnswer> {
      const res = await postWebhook(t.app, pathAndQuery, params);
      assert.equal(res.status, 200, res.body);
      assert.match(res.contentType ?? '', /^text\/xml/);
      return { ...res, twiml: parseTwiml(res.body) };
    }

    test('the answering phone is asked, in both languages, to press 1; silence hangs up that phone', async () => {
      const answer = await post('/webhooks/twilio/voice/screen?lang=es', dispatcherLeg());
      const [gather, afterGather, ...rest] = answer.twiml.children;
      assert.equal(gather?.name, 'Gather');
      assert.equal(gather.attrs.action, voiceUrl('/screen-result?lang=es'));
      assert.equal(gather.attrs.numDigits, '1');
      assert.equal(gather.attrs.input, 'dtmf');
      assert.ok(Number(gather.attrs.timeout) > 0 && Number(gather.attrs.timeout) <= 10, 'short');
      assert.deepEqual(says(answer), [
        { language: 'en-US', text: 'Hotline call, language: Spanish. Press 1 to take it.' },
        { language: 'es-MX', text: 'Llamada de la línea, idioma: Español. Oprima 1 para tomarla.' },
      ]);
      // A voicemail greeting presses nothing: the gather times out into a hang-up of this leg only.
      assert.equal(afterGather?.name, 'Hangup');
      assert.equal(rest.length, 0);
    });

    test('1 connects with an empty answer; another key or none hangs up; nothing is stored', async () => {
      const leg = dispatcherLeg();
      const path = '/webhooks/twilio/voice/screen-result?lang=en';
      const accepted = await post(path, { ...leg, Digits: '1' });
      assert.deepEqual(accepted.twiml.children, [], 'empty TwiML lets <Dial> bridge the call');
      for (const other of [{ Digits: '2' }, { Digits: '*' }, {}] as Record<string, string>[]) {
        const refused = await post(path, { ...leg, ...other });
        assert.deepEqual(
          refused.twiml.children.map((node) => node.name),
          ['Hangup'],
          JSON.stringify(other),
        );
      }
      const receiptsBefore = await receiptCount(t);
      await post('/webhooks/twilio/voice/screen?lang=en', leg);
      await post(path, { ...leg, Digits: '1' });
      assert.equal(await receiptCount(t), receiptsBefore, 'no receipt');
      assert.equal(await callRow(leg.CallSid!), undefined, 'the leg is not noted as a call');
    });

    test('unsigned or forged screening steps are refused with 403', async () => {
      for (const path of [
        '/webhooks/twilio/voice/screen?lang=en',
        '/webhooks/twilio/voice/screen-result?lang=en',
      ]) {
        const params = { ...dispatcherLeg(), Digits: '1' };
        const unsigned = await postWebhook(t.app, path, params, { signature: null });
        assert.equal(unsigned.status, 403, path);
        assert.ok(!unsigned.body.includes('<Response'), 'no TwiML');
        const forged = await postWebhook(t.app, path, params, { authToken: 'not-the-token' });
        assert.equal(forged.status, 403, path);
      }
    });
  });

  test('a retried callback is answered the same and stored once; a later attempt is a new step', async () => {
    const call = new TestCall(t.app, CALLER);
    const menu = await call.toMenu('2');
    const path = pathOf(only(menu.twiml, 'Gather').attrs.action!);
    const first = await call.post(path, { Digits: '7' });
    const retried = await call.post(path, { Digits: '7' });
    assert.equal(retried.body, first.body);
    const keys = await t.context.db
      .selectFrom('twilio_webhook_receipts')
      .select('key_hash')
      .where('key_hash', '=', deliveryKeyHash(t.context.secrets, `${call.callSid} ${path}`))
      .execute();
    assert.equal(keys.length, 1);
    const calls = await t.context.db
      .selectFrom('voice_calls')
      .select('call_sid')
      .where('call_sid', '=', call.callSid)
      .execute();
    assert.equal(calls.length, 1);
    // The repeated menu carries attempt=2: a different step, so a valid key there is answered afresh.
    const next = await call.press(first, '3');
    assertRecords(next, 'es');
  });

  test('an unsigned or forged call is refused with 403 and nothing is stored', async () => {
    const params = incomingCall(CALLER);
    const receiptsBefore = await receiptCount(t);
    const unsigned = await postWebhook(t.app, '/webhooks/twilio/voice', params, { signature: null });
    assert.equal(unsigned.status, 403);
    const forged = await postWebhook(
      t.app,
      '/webhooks/twilio/voice/menu?lang=en&attempt=1',
      { ...params, Digits: '1' },
      {
        authToken: 'not-the-token',
      },
    );
    assert.equal(forged.status, 403);
    const row = await callRow(params.CallSid!);
    assert.equal(row, undefined);
    assert.equal(await receiptCount(t), receiptsBefore);
  });

  test('a callback without a CallSid is refused as a bad request, not a server error', async () => {
    const params = incomingCall(CALLER);
    delete params.CallSid;
    const res = await postWebhook(t.app, '/webhooks/twilio/voice', params);
    assert.equal(res.status, 400);
  });
});

test('a configured voice is named on every <Say> of its language, with its own locale', () => {
  const script = new VoiceScript(
    loadConfig({ AMPARO_VOICE_ES: 'Polly.Lupe-Neural', AMPARO_VOICE_EN: 'Google.en-US-Neural2-F' }),
  );
  const spanish = findAll(parseTwiml(script.mainMenu('es', 1, { rightsFirst: true })), 'Say');
  assert.ok(spanish.length >= 2);
  for (const node of spanish)
    assert.deepEqual([node.attrs.voice, node.attrs.language], ['Polly.Lupe-Neural', 'es-US']);
  const both = findAll(parseTwiml(script.languageMenu(1, false)), 'Say').map((node) => node.attrs.voice);
  assert.deepEqual(both, ['Google.en-US-Neural2-F', 'Polly.Lupe-Neural']);
});
