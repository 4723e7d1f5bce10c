// The public pages: complete without JavaScript, in English and Spanish, with or without a hotline.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { escapeHtml } from '../../http/html.ts';
import { translate } from '../../i18n/i18n.ts';
import { RIGHTS_POINTS } from './rights.ts';

describe(`public pages`, () => {
  let withHotline: TestApp;
  let withoutHotline: TestApp;
  before(async () => {
    withHotline = await createTestApp({ env: { AMPARO_HOTLINE_NUMBER: '+1 (555) 010-0199' } });
    withoutHotline = await createTestApp({ env: { AMPARO_HOTLINE_NUMBER: '' } });
  });
  after(async () => {
    await withHotline.close();
    await withoutHotline.close();
  });

  const page = (t: TestApp, url: string, lang = 'en') =>
    t.app.inject({ url, headers: { accept: 'text/html', 'accept-language': lang } });

  test('home offers the hotline by call and text, the online form, and rights', async () => {
    const res = await page(withHotline, '/');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /href="tel:\+15550100199"/);
    assert.match(res.body, /href="sms:\+15550100199"/);
    assert.match(res.body, />Call \(555\) 010-0199</);
    assert.match(res.body, /href="\/report"/);
    assert.match(res.body, /href="\/rights"/);
    assert.doesNotMatch(res.body, /<script/, 'the home page needs no script');
  });

  test('without a hotline number only the online form is offered', async () => {
    const res = await page(withoutHotline, '/');
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /tel:|sms:/);
    assert.match(res.body, /href="\/report"/);
  });

  test('home and rights are in Spanish for Spanish speakers', async () => {
    const home = await page(withHotline, '/', 'es-MX,es;q=0.9');
    assert.match(home.body, /<html lang="es">/);
    assert.match(home.body, /Llamar al \(555\) 010-0199/);
    const rights = await page(withHotline, '/rights', 'es');
    assert.match(rights.body, /Tiene derecho a guardar silencio/);
    assert.match(rights.body, /orden firmada por un juez/);
    assert.match(rights.body, /No firme nada/);
    assert.match(rights.body, /Pida llamar a un abogado y a su consulado/);
  });

  test('rights in English state the basics', async () => {
    const rights = await page(withHotline, '/rights');
    assert.equal(rights.statusCode, 200);
    for (const phrase of [
      /right to remain silent/,
      /signed by a judge/,
      /Do not sign anything/,
      /Ask to call a lawyer and your consulate/,
    ]) {
      assert.match(rights.body, phrase);
    }
  });

  test('the hotline shows as people write it, with tel: and sms: links', async () => {
    const t = await createTestApp({ env: { AMPARO_HOTLINE_NUMBER: '+13125550100' } });
    try {
      for (const url of ['/', '/rights']) {
        const res = await page(t, url);
        assert.match(res.body, /href="tel:\+13125550100"/, url);
        assert.match(res.body, /href="sms:\+13125550100"/, url);
        assert.match(res.body, /\(312\) 555-0100/, url);
        assert.doesNotMatch(res.body, />[^<]*\+13125550100/, `${url} shows the number as typed by nobody`);
      }
      const alerts = await page(t, '/alerts');
      assert.match(alerts.body, /ALERTS 60623, to \(312\) 555-0100/);
      assert.doesNotMatch(alerts.body, />[^<]*\+13125550100/);
    } finally {
      await t.close();
    }
  });

  test('home links to the alerts sign-up and says what subscribers get and how often', async () => {
    for (const [lang, line] of [
      ['en', /Only alerts a trained volunteer has checked, for your ZIP codes: a few a month\./],
      [
        'es',
        /Solo avisos que una persona voluntaria ya revisó, para sus códigos postales: unos pocos al mes\./,
      ],
    ] as const) {
      const res = await page(withHotline, '/', lang);
      assert.match(res.body, /href="\/alerts"/, lang);
      assert.match(res.body, line, lang);
    }
  });

  test('rights: every point explained, not legal advice, the legal team, and a printable card', async () => {
    for (const lang of ['en', 'es'] as const) {
      const res = await page(withHotline, '/rights', lang);
      assert.equal(res.statusCode, 200);
      assert.doesNotMatch(res.body, /<script/, 'works without JavaScript');
      assert.doesNotMatch(res.body, /coming soon|Pronto tendremos/);
      for (const point of RIGHTS_POINTS) {
        assert.ok(res.body.includes(escapeHtml(translate(lang, point.line))), `${lang}: ${point.line}`);
        assert.ok(res.body.includes(escapeHtml(translate(lang, point.more))), `${lang}: ${point.more}`);
      }
      assert.ok(res.body.includes(escapeHtml(translate(lang, 'rights.not_advice'))));
      assert.ok(res.body.includes(escapeHtml(translate(lang, 'rights.help_heading'))));
      assert.match(res.body, /href="tel:\+15550100199"/);
      // The card: its own print stylesheet, and the back in English for the agent whatever the page's language.
      assert.match(res.body, /<link rel="stylesheet" href="\/assets\/rights.css">/);
      assert.match(res.body, /class="rights-card"/);
      assert.ok(res.body.includes(escapeHtml(translate('en', 'rights.card_statement'))));
    }
    const css = await page(withHotline, '/assets/rights.css');
    assert.equal(css.statusCode, 200);
    assert.match(css.body, /@media print/);
    assert.match(css.body, /85\.6mm/, 'the card is wallet sized when printed');
    const noPhone = await page(withoutHotline, '/rights');
    assert.doesNotMatch(noPhone.body, /tel:|sms:/);
    assert.ok(noPhone.body.includes(escapeHtml(translate('en', 'rights.help_no_phone'))));
    assert.match(noPhone.body, /href="\/report"/);
  });

  test('/favicon.ico is served from this site', async () => {
    const res = await page(withHotline, '/favicon.ico');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/x-icon');
    assert.deepEqual([...res.rawPayload.subarray(0, 4)], [0, 0, 1, 0], 'an ICO file');
    const home = await page(withHotline, '/');
    assert.match(home.body, /<link rel="icon" href="\/favicon.ico">/);
  });

  test('the report form works without JavaScript', async () => {
    const res = await page(withHotline, '/report');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<form method="post" action="\/report" enctype="multipart\/form-data"/);
    assert.match(res.body, /<option value="now"\s+selected>/);
    assert.match(res.body, /<option value="unknown"\s+selected>/);
    // The location button only exists once the script runs; the page has no inline script.
    assert.doesNotMatch(res.body, /Use my location<\/button>/);
    assert.doesNotMatch(res.body, /<script>/);
    assert.match(res.body, /<script src="\/assets\/report-location.js" defer><\/script>/);
    const script = await page(withHotline, '/assets/report-location.js');
    assert.equal(script.statusCode, 200);
    assert.match(script.body, /toFixed\(3\)/);
  });
});
