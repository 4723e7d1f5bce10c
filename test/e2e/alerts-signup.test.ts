// Journey: signing up for community alerts on the web, in a real Chromium, on a phone and on a desktop, in
// English and Spanish. With JavaScript the page's own script (served by Amparo, nothing from another
// origin) answers the proof of work while the person types; the code arrives by text (console outbox) and
// the confirm page takes it. A premium or foreign number is refused with a clear message. Without
// JavaScript the form is not shown and the page says to text ALERTS (ALERTAS) with a ZIP code instead.
// Every page is checked with axe-core and photographed into test-results/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { outboxTextsTo } from '../../src/modules/dispatch/dispatch.test-helpers.ts';
import { axeViolations, closeAll, launchBrowser, serveApp, visitorPage, type ServedApp } from './browser.ts';

const SCREENSHOTS = path.join(import.meta.dirname, '..', '..', 'test-results');
const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1440, height: 900 };

/**
 * Photographs the page and checks it fits the screen; with `axe` (JavaScript on), runs axe-core on it too.
 * Without JavaScript a page's timers never fire, so axe cannot run there: see axeWithoutJavaScript.
 */
async function look(page: Page, name: string, options: { axe: boolean } = { axe: true }): Promise<void> {
  if (options.axe) assert.deepEqual(await axeViolations(page), [], `${name}: no accessibility violations`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, `${name}: nothing wider than the screen`);
  await page.screenshot({ path: path.join(SCREENSHOTS, `alerts-signup-${name}.png`), fullPage: true });
}

describe('alert sign-up on the web, in a browser', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  /** Nothing may come from anywhere but Amparo. */
  const open = (options: Parameters<typeof visitorPage>[3]): Promise<Page> =>
    visitorPage(browser!, served!, contexts, options);

  /**
   * axe-core on the page as a browser without JavaScript shows it: the same HTML with its <noscript>
   * content unwrapped and its scripts left out, checked in a context where axe itself can run.
   */
  async function axeWithoutJavaScript(options: {
    lang: 'en' | 'es';
    viewport: { width: number; height: number };
  }): Promise<string[]> {
    const page = await open({ javaScript: true, ...options });
    await page.route(`${served!.baseUrl}/alerts`, async (route) => {
      const response = await route.fetch();
      const html = (await response.text())
        .replace(/<\/?noscript>/g, '')
        .replace(/<script\b[^>]*><\/script>/g, '');
      await route.fulfill({ response, body: html });
    });
    await page.goto(`${served!.baseUrl}/alerts`);
    assert.equal(await page.locator('#alerts-no-javascript').isVisible(), true);
    return axeViolations(page);
  }

  before(async () => {
    browser = await launchBrowser();
    served = await serveApp();
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await closeAll(browser, served);
  });

  test('with JavaScript, on a phone in English: the check runs, the code is texted, confirmed', async () => {
    const page = await open({ javaScript: true, lang: 'en', viewport: PHONE });
    await page.goto(`${served!.baseUrl}/alerts`);
    const form = page.locator('#alerts-form');
    await form.waitFor({ state: 'visible' });
    assert.equal(await page.locator('#alerts-no-proof').isVisible(), false);
    assert.match(await page.locator('#alerts-by-text').innerText(), /text ALERTS .*60623.*\(555\) 010-0199/);
    await look(page, 'en-phone-form');

    await page.locator('#phone').fill('(312) 555-0188');
    await page.locator('#zips').fill('60623');
    const started = performance.now();
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.locator('h1', { hasText: 'Confirm your alerts' }).waitFor();
    console.log(
      `sign-up answered ${Math.round(performance.now() - started)} ms after the click (proof of work included)`,
    );
    await look(page, 'en-phone-confirm');

    // The job texts the code (console outbox) within a few seconds.
    let code: string | undefined;
    for (let i = 0; i < 50 && code === undefined; i += 1) {
      const [text] = await outboxTextsTo(served!.context, '+13125550188');
      code = /(\d{6})/.exec(text ?? '')?.[1];
      if (code === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(code, 'the code was texted');
    await page.locator('#phone').fill('312 555 0188');
    await page.locator('#code').fill(code);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('h1', { hasText: 'You will get alerts' }).waitFor();
    await look(page, 'en-phone-confirmed');
  });

  test('with JavaScript, on a desktop in Spanish: premium and foreign numbers are refused, in Spanish', async () => {
    const page = await open({ javaScript: true, lang: 'es', viewport: DESKTOP });
    await page.goto(`${served!.baseUrl}/alerts`);
    await page.locator('#alerts-form').waitFor({ state: 'visible' });
    await look(page, 'es-desktop-form');
    await page.locator('#phone').fill('+1 900 765 4321');
    await page.locator('#zips').fill('60623');
    await page.getByRole('button', { name: 'Envíenme un código' }).click();
    await page.locator('#phone-error').waitFor();
    assert.match(await page.locator('#phone-error').innerText(), /tarificación especial/);
    assert.equal(await page.locator('#phone').inputValue(), '+1 900 765 4321', 'what was typed is kept');
    await look(page, 'es-desktop-premium');

    await page.locator('#phone').fill('+234 803 123 4567');
    await page.getByRole('button', { name: 'Envíenme un código' }).click();
    await page.locator('#phone-error', { hasText: '+1' }).waitFor();
    assert.match(
      await page.locator('#phone-error').innerText(),
      /Solo podemos enviar mensajes a números de: \+1/,
    );
    assert.deepEqual(await outboxTextsTo(served!.context, '+2348031234567'), []);
  });

  for (const [lang, viewport, word, name] of [
    ['en', PHONE, 'ALERTS', 'en-phone-no-javascript'],
    ['es', PHONE, 'ALERTAS', 'es-phone-no-javascript'],
    ['en', DESKTOP, 'ALERTS', 'en-desktop-no-javascript'],
    ['es', DESKTOP, 'ALERTAS', 'es-desktop-no-javascript'],
  ] as const) {
    test(`without JavaScript (${name}): no form, the page says to text ${word} and a ZIP code`, async () => {
      const page = await open({ javaScript: false, lang, viewport });
      await page.goto(`${served!.baseUrl}/alerts`);
      assert.equal(await page.locator('#alerts-form').isVisible(), false, 'the form needs the script');
      const notice = page.locator('#alerts-no-javascript');
      assert.equal(await notice.isVisible(), true);
      assert.match(await notice.innerText(), new RegExp(`JavaScript.*${word} .*60623.*\\(555\\) 010-0199`));
      await look(page, name, { axe: false });
      assert.deepEqual(
        await axeWithoutJavaScript({ lang, viewport }),
        [],
        `${name}: no accessibility violations`,
      );
    });
  }
});
