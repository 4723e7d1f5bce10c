// Journey: a legal volunteer, in Chromium without JavaScript, opens two quick cases one after the other on a
// phone (the form comes back empty with a notice each time), then on a desktop pastes a roster of four people
// of whom one already has a case: the preview shows 3 new and 1 matched, and the import opens the three.
// Every page fits the screen at 375 and 1440 pixels; screenshots go to /tmp/i16-quick/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createTestTeam, openTestCase, testCaseDetails } from '../../src/modules/cases/cases.test-helpers.ts';
import { createStaffSession, type StaffSession } from '../support/staff.ts';
import { closeAll, launchBrowser, serveApp, signedInContext, type ServedApp } from './browser.ts';

const SHOTS = '/tmp/i16-quick';

async function fits(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.ok(overflow <= 0, `${what}: ${overflow}px wider than the screen`);
}

describe('quick cases and a roster, in a browser', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let volunteer: StaffSession;

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    browser = await launchBrowser();
    served = await serveApp();
    volunteer = await createStaffSession(served.context, ['legal']);
    const team = await createTestTeam(served.context, 'Surge team', [volunteer.userId]);
    await openTestCase(served.context, volunteer.userId, {
      teamId: team,
      details: testCaseDetails({ name: 'Juan Pérez', aNumber: '012345679' }),
    });
  });
  after(async () => closeAll(browser, served));

  test('two quick cases on a phone, in Spanish', async () => {
    const context = await signedInContext(browser!, served!.baseUrl, volunteer, {
      locale: 'es-US',
      javaScriptEnabled: false,
      viewport: { width: 375, height: 812 },
      extraHTTPHeaders: { 'Accept-Language': 'es-US,es' },
    });
    const page = await context.newPage();
    await page.goto(`${served!.baseUrl}/console/cases/quick`);
    await fits(page, 'quick case 375');
    await page.screenshot({ path: `${SHOTS}/quick-375.png`, fullPage: true });
    for (const [name, site] of [
      ['Rosa Ixcot', 'Planta 1'],
      ['Elena Batz', 'Planta 2'],
    ] as const) {
      await page.fill('#name', name);
      await page.fill('#age', '38');
      await page.fill('#site', site);
      await page.fill('#contact_phone', '773 555 0102');
      await page.check('input[name="children"][value="no"]');
      await page.click('#quick-case button[type="submit"]');
      await page.waitForSelector('#quick-opened');
      assert.match(
        (await page.textContent('#quick-opened')) ?? '',
        new RegExp(`Se abrió el caso C-\\w+ para ${name}`),
      );
      assert.equal(await page.inputValue('#name'), '', 'the form is empty again');
    }
    await page.click('#quick-case button[type="submit"]');
    await page.waitForSelector('.error-summary');
    await fits(page, 'quick case errors 375');
    await page.screenshot({ path: `${SHOTS}/quick-errors-375.png`, fullPage: true });
    await context.close();
  });

  test('a roster on a desktop: preview, then import', async () => {
    const context = await signedInContext(browser!, served!.baseUrl, volunteer, {
      javaScriptEnabled: false,
      viewport: { width: 1440, height: 900 },
    });
    const page = await context.newPage();
    await page.goto(`${served!.baseUrl}/console/cases/roster`);
    await fits(page, 'roster 1440');
    await page.screenshot({ path: `${SHOTS}/roster-1440.png`, fullPage: true });
    await page.fill(
      '#roster-paste',
      'name,date of birth/age,a-number,site\n' +
        '"Pérez, Juan",,A-012-345-679,Planta 1\n' +
        'Ana Solís,41,,Planta 2\n' +
        'Pedro Tum,1988-08-08,,Planta 1\n' +
        'Lucía Ramírez,1990-01-02,,Planta 3\n',
    );
    await page.click('form[enctype="multipart/form-data"] button[type="submit"]');
    await page.waitForSelector('#roster-rows');
    await fits(page, 'roster preview 1440');
    await page.screenshot({ path: `${SHOTS}/roster-preview-1440.png`, fullPage: true });
    assert.equal(await page.locator('tr[data-class="new"]').count(), 3);
    assert.equal(await page.locator('tr[data-class="matched"]').count(), 1);
    await page.setViewportSize({ width: 375, height: 812 });
    await fits(page, 'roster preview 375');
    await page.screenshot({ path: `${SHOTS}/roster-preview-375.png`, fullPage: true });
    await page.click('form[action="/console/cases/roster/import"] button[type="submit"]');
    await page.waitForSelector('#roster-result');
    assert.match((await page.textContent('#roster-result')) ?? '', /3 cases opened; 1 row skipped/);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${served!.baseUrl}/console/cases/quick`);
    await fits(page, 'quick case 1440');
    await page.screenshot({ path: `${SHOTS}/quick-1440.png`, fullPage: true });
    await context.close();
  });
});
