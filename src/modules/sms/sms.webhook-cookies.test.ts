// Twilio's webhooks are answered as a machine is: a valid text gets its TwiML and no cookie (no language, no
// form binding), since Twilio keeps none and a cookie per text is only work and header bytes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import {
  expectedSignature,
  incomingSms,
  TEST_AUTH_TOKEN,
  TEST_PUBLIC_URL,
  TWILIO_TEST_ENV,
} from '../../../test/support/twilio-webhooks.ts';
import { freshNumber, replyOf, SMS_PATH } from './sms.test-helpers.ts';

describe(`SMS webhook answers`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: TWILIO_TEST_ENV });
  });
  after(async () => t.close());

  test('a signed text is answered in TwiML without setting a cookie', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/report', headers: { accept: 'text/html' } });
    assert.ok(res.headers['set-cookie'], 'a browser page does set its form cookie');
    const params = incomingSms(freshNumber(), 'hello');
    const answer = await t.app.inject({
      method: 'POST',
      url: SMS_PATH,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': expectedSignature(TEST_AUTH_TOKEN, `${TEST_PUBLIC_URL}${SMS_PATH}`, params),
      },
      payload: new URLSearchParams(params).toString(),
    });
    assert.equal(answer.statusCode, 200);
    assert.ok(replyOf(answer.body), 'the text is answered');
    assert.equal(answer.headers['set-cookie'], undefined);
  });
});
