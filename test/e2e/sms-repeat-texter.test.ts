// Journey (issue 14): the repeat texter. In the console's text simulator, in Spanish, a number sends a
// report in Spanish and gets its reference; minutes later the same number texts again with words that name
// no language. The answer is in Spanish, and the text joins the same report instead of starting an English
// interview and a second report.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { translate } from '../../src/i18n/i18n.ts';
import { reportsFrom } from '../../src/modules/sms/sms.test-helpers.ts';
import { createStaffSession } from '../support/staff.ts';
import { closeAll, launchBrowser, serveApp, signedInContext, type ServedApp } from './browser.ts';

const RESULTS = path.join(import.meta.dirname, '..', '..', 'test-results');
const PRETEND = '+13125550142';

describe('the repeat texter, in the text simulator', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    browser = await launchBrowser();
    served = await serveApp();
    const dispatcher = await createStaffSession(served.context, ['dispatcher']);
    context = await signedInContext(browser, served.baseUrl, dispatcher, { locale: 'es-US' });
    page = await context.newPage();
  });

  after(async () => closeAll(browser, served));

  /** Texts from the pretend number and returns the hotline's answer, as the transcript shows it. */
  async function send(body: string): Promise<string> {
    await page.locator('#sim-phone').fill(PRETEND);
    await page.locator('#sim-body').fill(body);
    await Promise.all([
      page.waitForLoadState('load'),
      page.locator('form.simulator button[type="submit"]').click(),
    ]);
    await page.locator('#sms-transcript li.answered').last().waitFor();
    return (await page.locator('#sms-transcript li.answered .user-text').last().innerText()).trim();
  }

  test('a Spanish report, then a later text from the same number: answered in Spanish, same report', async () => {
    await page.goto(`${served!.baseUrl}/console/hotline/simulator`);
    const first = await send(
      'La migra está deteniendo gente en la 26 y Kedzie ahora, 4 agentes, chalecos dicen POLICE ICE, yo lo vi',
    );
    const [report] = await reportsFrom(served!, PRETEND);
    assert.ok(report, 'the report was made');
    assert.equal(first, translate('es', 'sms.received', { reference: report.reference }));

    // Five minutes on (past the reply window, within the conversation window), words of no language.
    served!.clock.advance(5 * 60_000);
    const again = await send('60623');
    assert.equal(again, translate('es', 'sms.added', { reference: report.reference }));
    assert.doesNotMatch(again, /What is happening/);

    const reports = await reportsFrom(served!, PRETEND);
    assert.equal(reports.length, 1, 'no second report');
    assert.match(reports[0]!.details!, /\] 60623$/);

    await mkdir(RESULTS, { recursive: true });
    for (const [width, height] of [
      [375, 812],
      [1440, 900],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.screenshot({
        path: path.join(RESULTS, `sms-repeat-texter-es-${width}.png`),
        fullPage: true,
      });
    }
  });
});
