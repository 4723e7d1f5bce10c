// Every Twilio webhook route, fed what Twilio never sends: JSON and other bodies (415, before any work),
// bodies that are not UTF-8 or not well escaped, oversized bodies and fields, missing fields, fields of the
// wrong shape or repeated, odd query strings, all correctly signed so they reach the handlers. Whatever comes
// in is refused with a 4xx or answered; nothing is ever a 500. The generator is seeded (a failure names the
// case), and the signatures are made by Twilio's own library.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { routesOf } from '../../src/http/app.ts';
import { createTestApp, type TestApp } from '../support/test-context.ts';
import {
  sid,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TEST_HOTLINE,
  TEST_PUBLIC_URL,
  TWILIO_TEST_ENV,
} from '../support/twilio-webhooks.ts';
import { seededRandom as generator, type SeededRandom as Random } from '../support/seeded-random.ts';

const FIELDS = [
  'AccountSid',
  'CallSid',
  'MessageSid',
  'SmsMessageSid',
  'SmsSid',
  'From',
  'To',
  'Body',
  'Digits',
  'SpeechResult',
  'DialCallStatus',
  'CallStatus',
  'MessageStatus',
  'SmsStatus',
  'ErrorCode',
  'RecordingSid',
  'RecordingUrl',
  'RecordingDuration',
  'RecordingStatus',
  'NumMedia',
  'MediaUrl0',
  'MediaContentType0',
  'MediaUrl1',
  'OptOutType',
  'MessagingServiceSid',
];

function fieldValue(r: Random, name: string): string {
  const plausible: Record<string, () => string> = {
    AccountSid: () => TEST_ACCOUNT_SID,
    CallSid: () => sid('CA'),
    MessageSid: () => sid('SM'),
    SmsMessageSid: () => sid('SM'),
    SmsSid: () => sid('SM'),
    From: () => r.pick(['+13125550142', '+15550100142', '3125550142', TEST_HOTLINE]),
    To: () => r.pick([TEST_HOTLINE, '+13125550143']),
    Body: () =>
      r.pick(['hola', 'STOP', 'ALERTAS 60623', 'AYUDA', '1', 'INICIO', 'agents at 26th and Kedzie']),
    Digits: () => r.pick(['1', '2', '3', '4', '9', '*', '#', '11']),
    MessageStatus: () => r.pick(['queued', 'sent', 'delivered', 'undelivered', 'failed', 'read']),
    CallStatus: () => r.pick(['ringing', 'in-progress', 'completed', 'busy', 'no-answer']),
    RecordingStatus: () => r.pick(['completed', 'failed', 'absent']),
    RecordingSid: () => sid('RE'),
    RecordingUrl: () =>
      `https://api.twilio.com/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Recordings/${sid('RE')}`,
    RecordingDuration: () => r.pick(['0', '12', '99999999', '-1', '1.5']),
    ErrorCode: () => r.pick(['30003', '30005', '30006', '30007', '21610', '0', '-1', '99999999999', 'x']),
    NumMedia: () => r.pick(['0', '1', '2', '10', '-1', '1e9', 'NaN', '999999999999999999999']),
    MediaUrl0: () =>
      `https://api.twilio.com/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Messages/${sid('MM')}/Media/${sid('ME')}`,
    OptOutType: () => r.pick(['STOP', 'START', 'HELP', 'OTHER']),
  };
  const garbage = () =>
    r.pick([
      '',
      ' ',
      'null',
      '[]',
      '{"a":1}',
      '\u0000',
      '\ud800',
      '😀'.repeat(r.int(50)),
      'é'.repeat(2000),
      'x'.repeat(20_000),
      '<Response><Say>hi</Say></Response>',
      "'; drop table reports; --",
      '../../etc/passwd',
      'javascript:alert(1)',
      'https://evil.example/steal',
      '+1'.repeat(40),
    ]);
  const make = Object.hasOwn(plausible, name) ? plausible[name] : undefined;
  return r.chance(0.85) && make ? make() : garbage();
}

function randomForm(r: Random): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  if (r.chance(0.95)) params.AccountSid = TEST_ACCOUNT_SID;
  if (r.chance(0.85)) params.CallSid = sid('CA');
  if (r.chance(0.85)) params.MessageSid = sid('SM');
  if (r.chance(0.85)) params.From = '+13125550142';
  for (let i = r.int(10); i > 0; i--) {
    const name = r.chance(0.9)
      ? r.pick(FIELDS)
      : r.pick(['', '__proto__', 'constructor', 'x'.repeat(300), 'ñ']);
    params[name] = r.chance(0.1) ? [fieldValue(r, name), fieldValue(r, name)] : fieldValue(r, name);
  }
  return params;
}

function randomQuery(r: Random): string {
  if (r.chance(0.6)) return `?lang=${r.pick(['en', 'es'])}&attempt=${1 + r.int(3)}`;
  if (r.chance(0.2)) return '';
  const pairs = Array.from({ length: 1 + r.int(3) }, () =>
    r.pick([
      'lang=en',
      'lang=es',
      'lang=xx',
      'lang=',
      'attempt=1',
      'attempt=2',
      'attempt=0',
      'attempt=-5',
      'attempt=abc',
      'attempt=1e3',
      'attempt=99999999999999999999',
      'attempt',
      'lang=en&lang=es',
      '%zz=1',
      'lang=%E2%82',
    ]),
  );
  return `?${pairs.join('&')}`;
}

function encodeForm(params: Record<string, string | string[]>): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const item of [value].flat()) form.append(name, item);
  }
  return form.toString();
}

describe('Twilio webhooks under malformed input', () => {
  let t: TestApp;
  let paths: string[];

  before(async () => {
    t = await createTestApp({ env: { ...TWILIO_TEST_ENV } });
    paths = routesOf(t.app)
      .filter((route) => route.access.kind === 'twilio')
      .map((route) => route.url);
    assert.ok(paths.length >= 9, `found ${paths.length} webhook routes`);
  });
  after(async () => t.close());

  async function count(table: 'twilio_webhook_receipts' | 'reports' | 'sms_conversations' | 'voice_calls') {
    const row = await t.context.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  test('a body that is not a form gets 415 before any work, signed or not', async () => {
    const before = await Promise.all([
      count('twilio_webhook_receipts'),
      count('reports'),
      count('sms_conversations'),
      count('voice_calls'),
    ]);
    for (const path of paths) {
      const params = {
        AccountSid: TEST_ACCOUNT_SID,
        CallSid: sid('CA'),
        MessageSid: sid('SM'),
        From: '+13125550142',
        Body: 'hola',
        MessageStatus: 'delivered',
      };
      const url = `${path}?lang=en&attempt=1`;
      const signature = getExpectedTwilioSignature(TEST_AUTH_TOKEN, `${TEST_PUBLIC_URL}${url}`, params);
      const bodies: [string | undefined, string][] = [
        ['application/json', JSON.stringify(params)],
        ['application/json; charset=utf-8', JSON.stringify(params)],
        ['application/json', JSON.stringify({ ...params, Body: 5, MediaUrl0: { a: [1] }, NumMedia: null })],
        ['application/json', '[1,2,3]'],
        ['text/plain', encodeForm(params)],
        [
          'multipart/form-data; boundary=x',
          '--x\r\nContent-Disposition: form-data; name="Body"\r\n\r\nhola\r\n--x--',
        ],
        ['application/xml', '<Body>hola</Body>'],
        ['application/x-www-form-urlencoded-not', encodeForm(params)],
        [undefined, encodeForm(params)],
      ];
      for (const [type, payload] of bodies) {
        const response = await t.app.inject({
          method: 'POST',
          url,
          headers: { ...(type ? { 'content-type': type } : {}), 'x-twilio-signature': signature },
          payload,
        });
        assert.equal(response.statusCode, 415, `${path} with ${type ?? 'no content type'}: ${response.body}`);
      }
    }
    const after = await Promise.all([
      count('twilio_webhook_receipts'),
      count('reports'),
      count('sms_conversations'),
      count('voice_calls'),
    ]);
    assert.deepEqual(after, before, 'nothing stored');
  });

  test('bytes that are not a well-formed form, and oversized bodies, are refused with a 4xx', async () => {
    const path = paths[0]!;
    const cases: [string, Buffer | string, number][] = [
      ['invalid UTF-8', Buffer.from([0x42, 0x6f, 0x64, 0x79, 0x3d, 0xff, 0xfe, 0xc3]), 400],
      ['escape of invalid UTF-8', 'Body=%ff%fe', 400],
      ['broken escape', 'Body=%zz&From=%', 400],
      ['over the form limit', `Body=${'x'.repeat(300 * 1024)}`, 413],
      ['over the body limit', `Body=${'x'.repeat(1100 * 1024)}`, 413],
      ['empty', '', 403],
      ['only separators', '&&&=&=', 403],
    ];
    for (const [what, payload, status] of cases) {
      const response = await t.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
        payload,
      });
      assert.equal(response.statusCode, status, `${what}: ${response.body.slice(0, 200)}`);
    }
  });

  test('signed forms with missing, repeated, oversized and ill-typed fields are answered or refused, never a 500', async () => {
    const r = generator(11_2026);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 600; i++) {
      const path = r.pick(paths);
      const url = `${path}${randomQuery(r)}`;
      const params = randomForm(r);
      const signature = r.chance(0.9)
        ? getExpectedTwilioSignature(TEST_AUTH_TOKEN, `${TEST_PUBLIC_URL}${url}`, params)
        : 'forged';
      const response = await t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        payload: encodeForm(params),
      });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      assert.ok(
        response.statusCode < 500,
        `case ${i}: ${url} ${JSON.stringify(params).slice(0, 500)} answered ${response.statusCode} ${response.body.slice(0, 300)}`,
      );
    }
    // Not only refusals: many of these reached a handler and were answered.
    assert.ok((statuses.get(200) ?? 0) > 100, JSON.stringify([...statuses]));
    assert.ok(!t.logs.text.includes('unexpected error'), 'no unexpected error was logged');
  });
});
