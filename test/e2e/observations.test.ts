// Journey (issue 17): a responder sent to an incident keeps its observation log on a phone (375 × 812, with
// JavaScript). Three entries go straight through; then the signal drops, two more are written and wait on the
// phone (the page says how many); the signal comes back and they arrive, once each. In Spanish too. The page
// has no horizontal overflow, no serious or critical axe finding, and a screenshot is kept to look at.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { observedIncident } from '../../src/modules/observations/observations.test-helpers.ts';
import { readObservationTimeline } from '../../src/modules/observations/observations.service.ts';
import {
  axeViolations,
  closeAll,
  launchBrowser,
  serveApp,
  signedInContext,
  type ServedApp,
} from './browser.ts';

const SCREENSHOTS = '/tmp/i17-observe';
const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true };

async function write(page: Page, kind: string, text: string): Promise<void> {
  await page.check(`#kind-${kind}`);
  await page.fill('#text', text);
  await page.click('#observation-form button[type="submit"]');
}

async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function seriousAxe(page: Page): Promise<string[]> {
  return (await axeViolations(page)).filter((v) => /\((serious|critical)\)/.test(v));
}

describe('the observation log on a phone, with and without signal', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;

  before(async () => {
    browser = await launchBrowser();
    served = await serveApp();
  });
  after(async () => closeAll(browser, served));

  async function journey(lang: 'en' | 'es', words: { waiting2: RegExp; heading: RegExp }) {
    const { incident, observer } = await observedIncident(served!.context, `Observer ${lang}`);
    const context: BrowserContext = await signedInContext(browser!, served!.baseUrl, observer, {
      ...PHONE,
      locale: lang === 'es' ? 'es-MX' : 'en-US',
      extraHTTPHeaders: { 'Accept-Language': lang === 'es' ? 'es-MX,es' : 'en-US,en' },
    });
    const page = await context.newPage();
    const logUrl = `${served!.baseUrl}/console/incidents/${incident.id}/log`;
    await page.goto(logUrl);
    assert.match(await page.locator('h1').innerText(), words.heading);

    const online = [
      `${lang} arrival: two grey vans`,
      `${lang} detained: a man in a red jacket`,
      `${lang} words: "get in"`,
    ];
    await write(page, 'arrival', online[0]!);
    await page.locator('#observation-timeline', { hasText: online[0]! }).waitFor();
    await write(page, 'people_detained', online[1]!);
    await page.locator('#observation-timeline', { hasText: online[1]! }).waitFor();
    await write(page, 'words_said', online[2]!);
    await page.locator('#observation-timeline', { hasText: online[2]! }).waitFor();

    await context.setOffline(true);
    const offline = [`${lang} force: door pushed open`, `${lang} departure: vans left north`];
    await write(page, 'force_used', offline[0]!);
    await page.locator('#observations-pending[data-count="1"]').waitFor();
    await write(page, 'departure', offline[1]!);
    await page.locator('#observations-pending[data-count="2"]').waitFor();
    assert.match(await page.locator('#observations-pending').innerText(), words.waiting2);
    assert.equal(await page.inputValue('#text'), '', 'the form is ready for the next entry');
    const stored = await readObservationTimeline(served!.context, incident.id);
    assert.equal(stored.length, 3, 'nothing reached the server while offline');
    await page.screenshot({ path: `${SCREENSHOTS}/log-offline-${lang}-375.png`, fullPage: true });

    await context.setOffline(false);
    await page.locator('#observation-timeline', { hasText: offline[1]! }).waitFor();
    const timeline = await readObservationTimeline(served!.context, incident.id);
    assert.deepEqual(
      timeline.map((entry) => entry.text).sort(),
      [...online, ...offline].sort(),
      'every entry arrived, once',
    );
    assert.ok(timeline.every((entry) => entry.authorName === `Observer ${lang}`));
    assert.deepEqual(
      timeline.map((entry) => entry.kind),
      ['arrival', 'people_detained', 'words_said', 'force_used', 'departure'],
      'in the order they were written on the phone',
    );

    assert.equal(await overflow(page), 0, 'no horizontal overflow at 375 px');
    assert.deepEqual(await seriousAxe(page), []);
    await page.screenshot({ path: `${SCREENSHOTS}/log-${lang}-375.png`, fullPage: true });
    await page.setViewportSize({ width: 1440, height: 900 });
    assert.equal(await overflow(page), 0, 'no horizontal overflow at 1440 px');
    await page.screenshot({ path: `${SCREENSHOTS}/log-${lang}-1440.png`, fullPage: true });
    await context.close();
  }

  test('in English', async () => {
    await journey('en', { waiting2: /2 entries wait to be sent/, heading: /Observation log/ });
  });

  test('in Spanish', async () => {
    await journey('es', { waiting2: /2 entradas esperan para enviarse/, heading: /Registro de observación/ });
  });

  test('without JavaScript the plain form posts and comes back with a notice', async () => {
    const { incident, observer } = await observedIncident(served!.context, 'Observer plain');
    const context = await signedInContext(browser!, served!.baseUrl, observer, {
      ...PHONE,
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    await page.goto(`${served!.baseUrl}/console/incidents/${incident.id}/log`);
    await write(page, 'vehicles', 'plain: a white pickup');
    await page.locator('#action-notice').waitFor();
    assert.match(await page.locator('#action-notice').innerText(), /Entry saved/);
    await page.locator('#observation-timeline', { hasText: 'plain: a white pickup' }).waitFor();
    assert.equal(await overflow(page), 0);
    await context.close();
  });
});
