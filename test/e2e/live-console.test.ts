// Journey: a dispatcher keeps the console open; a report sent from somewhere else appears in the list on
// its own, without a reload, and the row carries nothing sensitive (no location or free text).
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REFERENCE_PATTERN } from '../../src/modules/reports/reference-code.ts';
import { createStaffSession } from '../support/staff.ts';
import { closeAll, launchBrowser, serveApp, WAIT_MS, type ServedApp } from './browser.ts';

const SCREENSHOT = path.join(import.meta.dirname, '..', '..', 'test-results', 'console.png');

interface LiveWindow {
  __amparoMarker?: number;
}

describe('live console', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let consoleContext: BrowserContext;
  let reporterContext: BrowserContext;
  let consolePage: Page;
  let seededReference: string;

  before(async () => {
    // The browser first: without one the journey fails at once, before a database is set up.
    browser = await launchBrowser();
    served = await serveApp();
    consoleContext = await browser.newContext({ locale: 'en-US' });
    reporterContext = await browser.newContext({ locale: 'en-US' });
    for (const context of [consoleContext, reporterContext]) {
      context.setDefaultTimeout(WAIT_MS);
      context.setDefaultNavigationTimeout(WAIT_MS);
    }
  });

  after(async () => closeAll(browser, served));

  /** A reporter, in their own browser, sends a report through the public form; returns its reference. */
  async function sendReport(location: string, zip: string): Promise<string> {
    const page = await reporterContext.newPage();
    try {
      await page.goto(`${served!.baseUrl}/report`);
      await page.locator('#activity').selectOption('raid');
      await page.locator('#location').fill(location);
      await page.locator('#zip').fill(zip);
      await page.locator('input[name="source"][value="heard"]').check();
      await page.getByRole('button', { name: 'Send report' }).click();
      await page.waitForURL(/\/report\/received\?ref=/);
      const reference = (await page.locator('p.reference').innerText()).trim();
      assert.match(reference, REFERENCE_PATTERN);
      return reference;
    } finally {
      await page.close();
    }
  }

  const rows = (): ReturnType<Page['locator']> => consolePage.locator('#report-rows tr');

  test('a signed-in dispatcher opens the console and it goes live', async () => {
    seededReference = await sendReport('Seeded: 18th and Blue Island', '60608');

    const staff = await createStaffSession(served!.context, ['dispatcher']);
    const separator = staff.cookie.indexOf('=');
    await consoleContext.addCookies([
      {
        name: staff.cookie.slice(0, separator),
        value: staff.cookie.slice(separator + 1),
        url: served!.baseUrl,
        httpOnly: true,
        sameSite: 'Strict',
      },
    ]);
    consolePage = await consoleContext.newPage();
    const response = await consolePage.goto(`${served!.baseUrl}/console/reports`);
    assert.equal(response?.status(), 200);
    await consolePage.locator('h1', { hasText: 'Reports' }).waitFor();

    const indicator = consolePage.locator('#live-indicator.on');
    await indicator.waitFor({ state: 'visible' });
    assert.equal((await indicator.innerText()).trim(), 'Live');

    assert.equal(await rows().count(), 1);
    assert.equal((await rows().first().locator('td').first().innerText()).trim(), seededReference);
  });

  test('a report sent elsewhere appears at the top of the open list without a reload', async () => {
    const before = await rows().count();
    const consoleUrl = consolePage.url();
    await consolePage.evaluate(() => {
      (window as LiveWindow).__amparoMarker = 1;
    });

    const reference = await sendReport('Do not show: 2400 S Pulaski Rd, behind the laundromat', '60623');
    assert.notEqual(reference, seededReference);

    const newRow = consolePage.locator('#report-rows tr.fresh', { hasText: reference });
    await newRow.waitFor({ state: 'visible' });

    assert.equal(consolePage.url(), consoleUrl);
    assert.equal(
      await consolePage.evaluate(() => (window as LiveWindow).__amparoMarker),
      1,
      'the page was not reloaded (the marker set before the report survived)',
    );
    assert.equal(await rows().count(), before + 1);
    const cells = (await newRow.locator('td').allInnerTexts()).map((text) => text.trim());
    assert.deepEqual(cells.slice(0, 1), [reference]);
    assert.equal(cells[2], 'Raid on a home or workplace');
    assert.equal(cells[3], '60623');
    assert.equal(cells[7], 'New');
    assert.equal(
      await newRow.locator('a').getAttribute('href'),
      `/console/reports/${(await newRow.getAttribute('data-id'))!}`,
    );
    // The newest report is on top, and the live summary leaks nothing from the report's text.
    assert.equal((await rows().first().locator('td').first().innerText()).trim(), reference);
    assert.equal(await consolePage.getByText('laundromat').count(), 0);
    assert.equal(await consolePage.locator('#live-indicator.on').isVisible(), true);

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await consolePage.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});
