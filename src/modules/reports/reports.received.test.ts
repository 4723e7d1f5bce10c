// The thank-you page says only what is true: a call back only when a phone was given, a dispatcher looking
// only when one is on duty, and where to get alerts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { escapeHtml } from '../../http/html.ts';
import { translate } from '../../i18n/i18n.ts';
import { addStaffPhone } from '../voice/voice.test-helpers.ts';
import { openReportForm, postReport, VALID_FIELDS } from './reports.test-helpers.ts';

describe(`report received page`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  async function submit(fields: Record<string, string>, lang = 'en') {
    const session = await openReportForm(t.app, lang);
    const res = await postReport(t.app, session, { ...VALID_FIELDS, ...fields }, { lang });
    assert.equal(res.statusCode, 303, res.body);
    const location = String(res.headers.location);
    return t.app.inject({ url: location, headers: { accept: 'text/html', 'accept-language': lang } });
  }
  const has = (body: string, lang: 'en' | 'es', key: Parameters<typeof translate>[1]) =>
    body.includes(escapeHtml(translate(lang, key)));

  test('no phone, nobody on duty: no call-back promise, no one said to be looking, alerts linked', async () => {
    for (const lang of ['en', 'es'] as const) {
      const page = await submit({}, lang);
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /call you back|lo llamamos|le llamamos|devolver la llamada/i);
      assert.doesNotMatch(page.body, /looking at your report now|revisando su reporte ahora/i);
      assert.ok(has(page.body, lang, 'report.received_keep_code'), lang);
      assert.ok(has(page.body, lang, 'report.received_off_duty'), lang);
      assert.match(page.body, /href="\/alerts"/);
      assert.ok(has(page.body, lang, 'public.alerts_line'), lang);
    }
  });

  test('a phone given with consent, a dispatcher on duty: both said', async () => {
    await addStaffPhone(t.context, { roles: ['dispatcher'], phone: '+13125550111', onShift: true });
    const page = await submit({ callback_phone: '(773) 555-0142', callback_consent: 'yes' });
    assert.ok(has(page.body, 'en', 'report.received_callback'));
    assert.ok(has(page.body, 'en', 'report.received_on_duty'));
    assert.ok(!has(page.body, 'en', 'report.received_off_duty'));
  });
});
