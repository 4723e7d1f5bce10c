// Journey: someone on a phone with JavaScript off, browsing in Spanish, reports what they see, photo and all.
// The form must work as plain HTML, come back in Spanish with everything typed when something is missing,
// and end with a reference code; the report must be stored encrypted, with its photo.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { REFERENCE_PATTERN } from '../../src/modules/reports/reference-code.ts';
import { closeAll, launchBrowser, serveApp, WAIT_MS, type ServedApp } from './browser.ts';
import { reportField } from '../../src/modules/reports/reports.fields.ts';

const LOCATION = 'Calle 26 y Avenida Kedzie, frente a la panadería';
const DETAILS = 'Dos camionetas grises sin placas; los agentes llevan chalecos.';
const UNIFORM = 'Chalecos que dicen POLICE e ICE';

describe('public report without JavaScript, in Spanish', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let tmp: string;
  let photoPath: string;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'amparo-e2e-'));
    photoPath = path.join(tmp, 'foto.png');
    await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 200, g: 40, b: 40 } } })
      .png()
      .toFile(photoPath);
    // The browser first: without one the journey fails at once, before a database is set up.
    browser = await launchBrowser();
    served = await serveApp();
    context = await browser.newContext({
      javaScriptEnabled: false,
      locale: 'es-MX',
      extraHTTPHeaders: { 'Accept-Language': 'es-MX,es' },
    });
    context.setDefaultTimeout(WAIT_MS);
    context.setDefaultNavigationTimeout(WAIT_MS);
    page = await context.newPage();
  });

  after(async () => {
    await closeAll(browser, served);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('home page leads to a Spanish form that works without scripts', async () => {
    await page.goto(`${served!.baseUrl}/`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    await page.getByRole('link', { name: 'Reportar actividad ahora' }).first().click();
    await page.waitForURL(`${served!.baseUrl}/report`);

    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    await page.locator('h1', { hasText: 'Reportar actividad' }).waitFor();
    assert.equal((await page.locator('label[for="location"]').innerText()).includes('¿Dónde?'), true);
    assert.match(await page.locator('label[for="activity"]').innerText(), /¿Qué está pasando\?/);
    assert.equal(await page.getByRole('button', { name: 'Enviar reporte' }).count(), 1);
    // "Use my location" is added by a script; with scripts off it must not be there at all.
    assert.equal(await page.locator('button.use-location').count(), 0);
    assert.equal(await page.getByText('Usar mi ubicación').count(), 0);
  });

  async function fillEverythingButActivity(): Promise<void> {
    await page.locator('#location').fill(LOCATION);
    await page.locator('#zip').fill('60623');
    await page.locator('#seen_when').selectOption('last_15_minutes');
    await page.locator('#agents_count').fill('4');
    await page.locator('#vehicles_count').fill('2');
    await page.locator('#uniform').fill(UNIFORM);
    await page.locator('#agency').selectOption('ice');
    await page.locator('input[name="source"][value="saw"]').check();
    await page.locator('#details').fill(DETAILS);
    await page.locator('#photo').setInputFiles(photoPath);
  }

  test('a missing required field brings the form back in Spanish with everything typed', async () => {
    await fillEverythingButActivity();
    await page.getByRole('button', { name: 'Enviar reporte' }).click();
    await page.locator('#activity-error').waitFor();

    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    assert.equal(await page.locator('#activity-error').innerText(), 'Este campo es obligatorio.');
    assert.equal(await page.locator('#activity').getAttribute('aria-invalid'), 'true');
    await page.getByText('Revise los campos marcados abajo. Todavía no se ha enviado nada.').waitFor();
    // Browsers cannot refill a file input, so the reporter is told to attach the photo again.
    await page.getByText('Su foto no se guardó. Adjúntela de nuevo, por favor.').waitFor();

    assert.equal(await page.locator('#location').inputValue(), LOCATION);
    assert.equal(await page.locator('#zip').inputValue(), '60623');
    assert.equal(await page.locator('#seen_when').inputValue(), 'last_15_minutes');
    assert.equal(await page.locator('#agents_count').inputValue(), '4');
    assert.equal(await page.locator('#vehicles_count').inputValue(), '2');
    assert.equal(await page.locator('#uniform').inputValue(), UNIFORM);
    assert.equal(await page.locator('#agency').inputValue(), 'ice');
    assert.equal(await page.locator('input[name="source"][value="saw"]').isChecked(), true);
    assert.equal(await page.locator('#details').inputValue(), DETAILS);

    const stored = await served!.context.db
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), 0, 'nothing is stored until the form is complete');
  });

  test('the completed form is accepted with a reference code, and stored encrypted with its photo', async () => {
    await page.locator('#activity').selectOption('checkpoint');
    await page.locator('#photo').setInputFiles(photoPath);
    await page.getByRole('button', { name: 'Enviar reporte' }).click();
    await page.waitForURL(/\/report\/received\?ref=/);

    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    await page.locator('h1', { hasText: 'Reporte recibido' }).waitFor();
    await page.getByText('Su código de referencia').waitFor();
    const reference = (await page.locator('p.reference').innerText()).trim();
    assert.match(reference, REFERENCE_PATTERN);

    const { db, secrets } = served!.context;
    const report = await db
      .selectFrom('reports')
      .selectAll()
      .where('reference', '=', reference)
      .executeTakeFirst();
    assert.ok(report, `a report with reference ${reference} is stored`);
    assert.equal(report.channel, 'web');
    assert.equal(report.status, 'new');
    assert.equal(report.activity, 'checkpoint');
    assert.equal(report.zip, '60623');
    assert.equal(report.seen_when, 'last_15_minutes');
    assert.equal(report.agents_count, 4);
    assert.equal(report.agency, 'ice');
    assert.equal(report.source, 'saw');

    const locationCiphertext = report.location_ciphertext ?? '';
    assert.ok(!locationCiphertext.includes('panadería'));
    assert.ok(!locationCiphertext.includes('Kedzie'));
    assert.match(locationCiphertext, /^v\d+\./);
    // The accented text survived the trip through a script-less multipart form intact.
    const ref = reportField(report.id, 'location');
    assert.equal(secrets.fields.decrypt(ref, locationCiphertext), LOCATION);
    assert.ok(report.details_ciphertext && !report.details_ciphertext.includes('camionetas'));

    const photos = await db
      .selectFrom('report_photos')
      .selectAll()
      .where('report_id', '=', report.id)
      .execute();
    assert.equal(photos.length, 1);
    assert.equal(photos[0]!.content_type, 'image/png');
    const sent = createHash('sha256')
      .update(await readFile(photoPath))
      .digest('hex');
    assert.equal(photos[0]!.original_sha256, sent);

    const count = await db
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1, 'the rejected attempt stored nothing; the accepted one stored one');
  });
});
