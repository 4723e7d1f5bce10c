// Journeys: the public front door in a real Chromium, without JavaScript, on a phone and on a desktop, in
// English and Spanish. From / to the know-your-rights page and its card (printed: only the card, wallet
// sized), and from / to the alerts sign-up. Nothing comes from another origin, nothing answers 404 (the
// favicon included), every page passes axe-core, and each is photographed into test-results/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { translate } from '../../src/i18n/i18n.ts';
import { RIGHTS_POINTS } from '../../src/modules/public/rights.ts';
import { axeViolations, closeAll, launchBrowser, serveApp, visitorPage, type ServedApp } from './browser.ts';

const SCREENSHOTS = path.join(import.meta.dirname, '..', '..', 'test-results');
const VIEWPORTS = { phone: { width: 375, height: 812 }, desktop: { width: 1440, height: 900 } } as const;
const LANGS = ['en', 'es'] as const;
/** A bank card's width, 85.6 mm, in CSS pixels (96 per inch). */
const CARD_WIDTH_PX = (85.6 / 25.4) * 96;

describe('public pages in a browser', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  async function open(options: {
    javaScript: boolean;
    lang: 'en' | 'es';
    viewport: { width: number; height: number };
  }): Promise<Page> {
    const page = await visitorPage(browser!, served!, contexts, options);
    page.on('response', (response) => {
      assert.ok(response.status() < 400, `${response.url()} answered ${response.status()}`);
    });
    return page;
  }

  async function look(page: Page, name: string): Promise<void> {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, `${name}: nothing wider than the screen`);
    await page.screenshot({ path: path.join(SCREENSHOTS, `public-${name}.png`), fullPage: true });
  }

  /** The pages have no script, so axe (which needs JavaScript) sees exactly what a browser without it shows. */
  async function axe(url: string, lang: 'en' | 'es', viewport: { width: number; height: number }) {
    const page = await open({ javaScript: true, lang, viewport });
    await page.goto(`${served!.baseUrl}${url}`);
    assert.deepEqual(await axeViolations(page), [], `${url} ${lang}: no accessibility violations`);
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

  for (const lang of LANGS) {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      test(`/ to /rights and its printed card, without JavaScript (${lang}, ${size})`, async () => {
        const page = await open({ javaScript: false, lang, viewport });
        await page.goto(`${served!.baseUrl}/`);
        const favicon = await page.request.get(`${served!.baseUrl}/favicon.ico`);
        assert.equal(favicon.status(), 200);
        await page.getByRole('link', { name: translate(lang, 'public.rights_link') }).click();
        await page.waitForURL(/\/rights$/);
        assert.equal(await page.locator('h1').innerText(), translate(lang, 'rights.title'));
        for (const point of RIGHTS_POINTS) {
          await page.getByRole('heading', { name: translate(lang, point.line) }).waitFor();
        }
        assert.equal(
          await page.locator('#not-legal-advice').innerText(),
          translate(lang, 'rights.not_advice'),
        );
        assert.equal(await page.locator('#legal-help ~ p a[href^="tel:"]').count(), 1);
        await look(page, `rights-${lang}-${size}`);

        // Printed: the card alone, a bank card wide, each side a bank card tall.
        await page.emulateMedia({ media: 'print' });
        assert.equal(await page.locator('header.site').isVisible(), false);
        assert.equal(await page.locator('.rights-points').isVisible(), false);
        assert.equal(await page.locator('.rights-card').isVisible(), true);
        const card = await page.locator('.rights-card').boundingBox();
        assert.ok(card && Math.abs(card.width - CARD_WIDTH_PX) < 2, `card width ${card?.width}`);
        for (const side of await page.locator('.card-side').all()) {
          const fits = await side.evaluate((el) => el.scrollHeight <= el.clientHeight);
          assert.equal(fits, true, 'the side holds all its text');
        }
        await page.locator('.rights-card').screenshot({
          path: path.join(SCREENSHOTS, `public-rights-card-${lang}-${size}.png`),
        });
        await page.emulateMedia({ media: 'screen' });
        await axe('/rights', lang, viewport);
      });

      test(`/ to /alerts, without JavaScript (${lang}, ${size})`, async () => {
        const page = await open({ javaScript: false, lang, viewport });
        await page.goto(`${served!.baseUrl}/`);
        await page.getByText(translate(lang, 'public.alerts_line')).waitFor();
        // The number as people write it, with call and text links.
        await page.locator('a[href="tel:+15550100199"]', { hasText: '(555) 010-0199' }).waitFor();
        await page.locator('a[href="sms:+15550100199"]', { hasText: '(555) 010-0199' }).waitFor();
        await look(page, `home-${lang}-${size}`);
        await page.getByRole('link', { name: translate(lang, 'public.alerts_signup'), exact: true }).click();
        await page.waitForURL(/\/alerts$/);
        assert.equal(await page.locator('h1').innerText(), translate(lang, 'alerts.page_title'));
        await look(page, `alerts-from-home-${lang}-${size}`);
        await axe('/', lang, viewport);
      });
    }
  }
});
