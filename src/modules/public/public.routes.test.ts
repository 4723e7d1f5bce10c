// The public pages: complete without JavaScript, in English and Spanish, with or without a hotline.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';

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
    assert.match(res.body, /\+1 \(555\) 010-0199/);
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
    assert.match(home.body, /Llamar al \+1 \(555\) 010-0199/);
    const rights = await page(withHotline, '/rights', 'es');
    assert.match(rights.body, /Tiene derecho a permanecer en silencio/);
    assert.match(rights.body, /orden firmada por un juez/);
    assert.match(rights.body, /No firme nada/);
    assert.match(rights.body, /Pida un abogado/);
  });

  test('rights in English state the basics', async () => {
    const rights = await page(withHotline, '/rights');
    assert.equal(rights.statusCode, 200);
    for (const phrase of [
      /right to remain silent/,
      /signed by a judge/,
      /Do not sign anything/,
      /Ask for a lawyer/,
    ]) {
      assert.match(rights.body, phrase);
    }
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
