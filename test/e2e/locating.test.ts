// Journey: a legal volunteer works the locator worklist in a real Chromium without JavaScript, at 375 and
// 1440 px: the oldest not-located person first; choosing a facility (grouped by state) and saving comes back
// to the list at the next person with a notice; no horizontal scrolling at either width.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createTestTeam, openTestCase } from '../../src/modules/cases/cases.test-helpers.ts';
import { createStaffSession, type StaffSession } from '../support/staff.ts';
import { closeAll, launchBrowser, serveApp, signedInContext, type ServedApp } from './browser.ts';

describe('the locator worklist', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let legal: StaffSession;
  const cases: { id: string; reference: string }[] = [];

  before(async () => {
    browser = await launchBrowser();
    served = await serveApp();
    legal = await createStaffSession(served.context, ['legal']);
    const teamId = await createTestTeam(served.context, 'Mississippi response', [legal.userId]);
    const now = served.context.clock.now();
    await served.context.db
      .insertInto('facilities')
      .values(
        [
          ['Jena Processing Center', '830 Pinehill Rd\nJena, LA 71342'],
          ['Madison County Jail', '2935 US-51\nCanton, MS 39046'],
          ['Adams County Detention Center', '20 Hobo Fork Rd\nNatchez, MS 39120'],
        ].map(([name, address]) => ({
          id: crypto.randomUUID(),
          name: name!,
          name_key: name!.toLowerCase(),
          address: address!,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
    for (let i = 0; i < 3; i += 1) cases.push(await openTestCase(served.context, legal.userId, { teamId }));
  });
  after(async () => closeAll(browser, served));

  for (const width of [375, 1440]) {
    test(`at ${width} px: no overflow, and a result saved from a row comes back at the next row`, async () => {
      const context = await signedInContext(browser!, served!.baseUrl, legal, {
        javaScriptEnabled: false,
        viewport: { width, height: 900 },
      });
      const page = await context.newPage();
      await page.goto(`${served!.baseUrl}/console/locating`);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.equal(overflow, 0);
      await page.screenshot({ path: `/tmp/i16-tracking/worklist-${width}.png`, fullPage: true });
      const first = page.locator('li.worklist-row').first();
      const id = await first.getAttribute('data-id');
      const nextId = await page.locator('li.worklist-row').nth(1).getAttribute('data-id');
      const row = page.locator(`li[data-id="${id}"]`);
      await row.locator('select[name="facility_id"]').selectOption({ label: 'Madison County Jail' });
      await row.locator('input[name="result"][value="found"]').check();
      await row.getByRole('button').click();
      await page.waitForURL(/done=found/);
      assert.ok(page.url().endsWith(`#locate-${nextId}`), page.url());
      assert.ok((await page.locator('.notice.ok').textContent())?.includes('located'));
      assert.equal(await page.locator(`li[data-id="${id}"]`).count(), 0);
      await context.close();
    });
  }
});
