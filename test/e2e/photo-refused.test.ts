// Journey: someone posts the report form with a photo of 10,000 × 10,000 pixels (about 1 MB as a one-colour
// JPEG, 600 MB once decoded). Without JavaScript, in English and in Spanish, on a phone and a desktop: the
// report is saved and the page says, in the reporter's language, that the photo was not kept and why; when the
// form comes back for another reason, the photo's own error is among its problems. Every page is checked with
// axe-core (JavaScript on) and photographed into test-results/.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { REFERENCE_PATTERN } from '../../src/modules/reports/reference-code.ts';
import { axeViolations, closeAll, launchBrowser, serveApp, WAIT_MS, type ServedApp } from './browser.ts';

const SCREENSHOTS = path.join(import.meta.dirname, '..', '..', 'test-results');
const VIEWPORTS = { phone: { width: 375, height: 812 }, desktop: { width: 1440, height: 900 } };
const TEXT = {
  en: {
    submit: 'Send report',
    notKept: 'Your report was saved, but not its photo: the photo is larger than 40 megapixels.',
    fieldError: 'The photo is larger than 40 megapixels. A screenshot of it is small enough.',
  },
  es: {
    submit: 'Enviar reporte',
    notKept: 'Su reporte se guardó, pero no su foto: la foto tiene más de 40 megapíxeles.',
    fieldError:
      'La foto tiene más de 40 megapíxeles. Una captura de pantalla de la foto es lo bastante pequeña.',
  },
} as const;

async function look(page: Page, name: string, options: { axe: boolean }): Promise<void> {
  if (options.axe) assert.deepEqual(await axeViolations(page), [], `${name}: no accessibility violations`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, `${name}: nothing wider than the screen`);
  await page.screenshot({ path: path.join(SCREENSHOTS, `photo-refused-${name}.png`), fullPage: true });
}

describe('a photo too large to decode, on the public report form', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let tmp: string;
  let bombPath: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'amparo-e2e-photo-'));
    bombPath = path.join(tmp, 'scene.jpg');
    await sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: 'white' } })
      .jpeg()
      .toFile(bombPath);
    browser = await launchBrowser();
    served = await serveApp();
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await closeAll(browser, served);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function open(lang: 'en' | 'es', viewport: keyof typeof VIEWPORTS, javaScript: boolean) {
    const context = await browser!.newContext({
      javaScriptEnabled: javaScript,
      viewport: VIEWPORTS[viewport],
      locale: lang === 'es' ? 'es-MX' : 'en-US',
      extraHTTPHeaders: { 'Accept-Language': lang === 'es' ? 'es-MX,es' : 'en-US,en' },
    });
    context.setDefaultTimeout(WAIT_MS);
    context.setDefaultNavigationTimeout(WAIT_MS);
    contexts.push(context);
    return context.newPage();
  }

  async function fill(page: Page, options: { activity: boolean }) {
    await page.goto(`${served!.baseUrl}/report`);
    if (options.activity) await page.locator('#activity').selectOption('checkpoint');
    await page.locator('#location').fill('Corner of 26th and Kedzie');
    await page.locator('#seen_when').selectOption('now');
    await page.locator('input[name="source"][value="saw"]').check();
    await page.locator('#photo').setInputFiles(bombPath);
  }

  for (const lang of ['en', 'es'] as const) {
    for (const viewport of ['phone', 'desktop'] as const) {
      test(`${lang}, ${viewport}: the report is saved, and the page says why the photo was not`, async () => {
        const page = await open(lang, viewport, false);
        await fill(page, { activity: true });
        await page.getByRole('button', { name: TEXT[lang].submit }).click();
        await page.waitForURL(/\/report\/received\?ref=/);
        assert.equal(await page.locator('html').getAttribute('lang'), lang);
        assert.match((await page.locator('p.reference').innerText()).trim(), REFERENCE_PATTERN);
        assert.ok((await page.locator('#photo-not-kept').innerText()).startsWith(TEXT[lang].notKept));
        await look(page, `received-${lang}-${viewport}`, { axe: false });
        // axe needs scripts: the same page, with them on.
        const withScripts = await open(lang, viewport, true);
        await withScripts.goto(page.url());
        await withScripts.locator('#photo-not-kept').waitFor();
        assert.deepEqual(await axeViolations(withScripts), [], 'no accessibility violations');
      });

      test(`${lang}, ${viewport}: a form that comes back names the photo's problem`, async () => {
        const page = await open(lang, viewport, true);
        await fill(page, { activity: false });
        await page.getByRole('button', { name: TEXT[lang].submit }).click();
        await page.locator('#activity-error').waitFor();
        await page.getByText(TEXT[lang].fieldError).first().waitFor();
        await look(page, `form-${lang}-${viewport}`, { axe: true });
      });
    }
  }
});
