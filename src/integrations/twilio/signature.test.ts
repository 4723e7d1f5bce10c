// Expected signatures are computed here from Twilio's published algorithm, not by calling the code under
// test: base64(HMAC-SHA1(authToken, url + each name and value, names sorted)).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { isValidTwilioSignature, twilioSignature } from './signature.ts';

const TOKEN = '12345abcdef67890fedcba0987654321';
const URL_ = 'https://hotline.example.org/webhooks/twilio/sms';
const PARAMS = {
  MessageSid: 'SM0123456789abcdef0123456789abcdef',
  AccountSid: 'AC0123456789abcdef0123456789abcdef',
  From: '+15550100142',
  To: '+15550100199',
  Body: 'Hay agentes en la esquina',
};

function expected(token: string, url: string, pairs: [string, string][]): string {
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHmac('sha1', token)
    .update(url + sorted.map(([name, value]) => name + value).join(''))
    .digest('base64');
}

test('known answer: the signed string is the URL then names and values in name order', () => {
  const signed =
    'https://hotline.example.org/webhooks/twilio/sms' +
    'AccountSidAC0123456789abcdef0123456789abcdef' +
    'BodyHay agentes en la esquina' +
    'From+15550100142' +
    'MessageSidSM0123456789abcdef0123456789abcdef' +
    'To+15550100199';
  const answer = createHmac('sha1', TOKEN).update(signed, 'utf8').digest('base64');
  // Fixed value of the line above, so a change to how the test itself signs cannot hide a regression.
  assert.equal(answer, 'TmgJy+8KCWYoItZ2ZNvvZur9deM=');
  assert.equal(twilioSignature(TOKEN, URL_, PARAMS), answer);
});

test('a valid request is accepted', () => {
  const header = expected(TOKEN, URL_, Object.entries(PARAMS));
  assert.equal(isValidTwilioSignature(TOKEN, URL_, PARAMS, header), true);
});

test('a tampered parameter is refused', () => {
  const header = expected(TOKEN, URL_, Object.entries(PARAMS));
  assert.equal(isValidTwilioSignature(TOKEN, URL_, { ...PARAMS, Body: 'No hay nadie' }, header), false);
  assert.equal(isValidTwilioSignature(TOKEN, URL_, { ...PARAMS, Extra: 'x' }, header), false);
});

test('a signature made for another URL is refused', () => {
  const header = expected(TOKEN, 'https://elsewhere.example.org/webhooks/twilio/sms', Object.entries(PARAMS));
  assert.equal(isValidTwilioSignature(TOKEN, URL_, PARAMS, header), false);
});

test('a missing, empty or wrong-token header is refused', () => {
  assert.equal(isValidTwilioSignature(TOKEN, URL_, PARAMS, undefined), false);
  assert.equal(isValidTwilioSignature(TOKEN, URL_, PARAMS, ''), false);
  const other = expected('another-token', URL_, Object.entries(PARAMS));
  assert.equal(isValidTwilioSignature(TOKEN, URL_, PARAMS, other), false);
  assert.equal(isValidTwilioSignature(TOKEN, URL_, PARAMS, 'short'), false);
});

test('the order parameters arrive in does not matter', () => {
  const header = expected(TOKEN, URL_, Object.entries(PARAMS));
  const reversed = Object.fromEntries(Object.entries(PARAMS).reverse());
  assert.equal(isValidTwilioSignature(TOKEN, URL_, reversed, header), true);
});

test('a repeated name contributes each distinct value once, values sorted, whatever order they came in', () => {
  const params = { To: '+15550100199', MediaUrl: ['https://a.example/2', 'https://a.example/1'] };
  const header = expected(TOKEN, URL_, [
    ['To', '+15550100199'],
    ['MediaUrl', 'https://a.example/1'],
    ['MediaUrl', 'https://a.example/2'],
  ]);
  assert.equal(isValidTwilioSignature(TOKEN, URL_, params, header), true);
  const swapped = {
    ...params,
    MediaUrl: ['https://a.example/1', 'https://a.example/2', 'https://a.example/1'],
  };
  assert.equal(isValidTwilioSignature(TOKEN, URL_, swapped, header), true);
  const fewer = { ...params, MediaUrl: ['https://a.example/1'] };
  assert.equal(isValidTwilioSignature(TOKEN, URL_, fewer, header), false);
});
