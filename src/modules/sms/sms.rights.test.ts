// RIGHTS / DERECHOS: the know-your-rights points by text, in the keyword's language, with the hotline as
// people write it; a keyword, so it never becomes a report.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { rightsText } from '../public/rights.ts';
import { parseKeyword } from './sms.conversation.ts';
import { freshNumber, reportsFrom, text } from './sms.test-helpers.ts';

const NETWORK = 'Chicago Rapid Response';

test('RIGHTS and DERECHOS are keywords that name their language', () => {
  assert.deepEqual(parseKeyword('RIGHTS'), { kind: 'rights', language: 'en' });
  assert.deepEqual(parseKeyword('derechos.'), { kind: 'rights', language: 'es' });
  assert.deepEqual(parseKeyword('Derechos!'), { kind: 'rights', language: 'es' });
  assert.equal(parseKeyword('they have no rights here'), undefined);
});

describe(`SMS rights keyword`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-11-23T14:00:00Z')),
      env: { ...TWILIO_TEST_ENV, AMPARO_NETWORK_NAME: NETWORK, AMPARO_HOTLINE_NUMBER: '+13125550100' },
    });
  });
  after(async () => {
    await t.close();
  });

  test('DERECHOS answers the points in Spanish, RIGHTS in English, and neither is a report', async () => {
    const from = freshNumber();
    const contact = { networkName: NETWORK, hotline: '(312) 555-0100', site: '' };
    const spanish = await text(t, from, 'Derechos');
    assert.equal(spanish.status, 200);
    assert.equal(spanish.reply, rightsText('es', contact));
    assert.match(spanish.reply ?? '', /Ayuda legal: llame o escriba al \(312\) 555-0100/);
    t.clock.advance(60_000);
    const english = await text(t, freshNumber(), 'RIGHTS');
    assert.equal(english.reply, rightsText('en', contact));
    assert.deepEqual(await reportsFrom(t, from), []);
  });
});
