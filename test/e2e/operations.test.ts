// Journey: a coordinator opens an operation in the browser (no JavaScript needed: a plain form), then its page
// leads with the children without a caregiver; one caregiver is recorded. The list, the form and the page fit
// a phone (375 px) and a desktop (1440 px) in English and Spanish, with no serious axe violation. Screenshots
// go to /tmp/i16-ops/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createStaffSession, type StaffSession } from '../support/staff.ts';
import { createTestTeam } from '../../src/modules/cases/cases.test-helpers.ts';
import { addDependent } from '../../src/modules/operations/operations.service.ts';
import {
  axeViolations,
  closeAll,
  launchBrowser,
  serveApp,
  signedInContext,
  type ServedApp,
} from './browser.ts';

const SHOTS = '/tmp/i16-ops';
const VIEWPORTS = [
  { width: 375, height: 812 },
  { width: 1440, height: 900 },
] as const;

let served: ServedApp | undefined;
let browser: Browser | undefined;
let coordinator: StaffSession;

before(async () => {
  served = await serveApp();
  browser = await launchBrowser();
  coordinator = await createStaffSession(served.context, ['coordinator']);
  await createTestTeam(served.context, 'Jackson legal team', []);
  await mkdir(SHOTS, { recursive: true });
});
after(async () => closeAll(browser, served));

test('open an operation, see the children without care first, record a caregiver; fits 375 and 1440', async () => {
  const context = await signedInContext(browser!, served!.baseUrl, coordinator, { javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${served!.baseUrl}/console/operations/new`);
  await page.fill('#name', 'Morton poultry plants');
  await page.fill(
    '#sites',
    'Koch Foods, Morton, 39117\nPH Food, 39074\nA very long workplace name with no spaces Supercalifragilisticexpialidocious-Warehouse-Number-Two, 39051',
  );
  await page.check('input[name="agencies"][value="ice"]');
  await page.check('input[name="teams"]');
  await page.click('form[action="/console/operations"] button[type="submit"]');
  await page.waitForURL(/\/console\/operations\/[0-9a-f-]{36}$/);
  const operationId = /operations\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
  await addDependent(served!.context, undefined, {
    operationId,
    need: 'school_pickup',
    description: 'Two children, 6 and 9, at Morton Elementary until 3 PM; their aunt may be able to come',
  });
  served!.clock.advance(60_000);
  await addDependent(served!.context, undefined, {
    operationId,
    need: 'childcare',
    description: 'A baby with a neighbour on Main Street until 6 PM',
  });
  await page.reload();
  assert.equal(await page.locator('#waiting-list > li').count(), 2);
  await context.close();

  for (const lang of ['en', 'es'] as const) {
    for (const viewport of VIEWPORTS) {
      const ctx = await signedInContext(browser!, served!.baseUrl, coordinator, {
        viewport,
        locale: lang === 'es' ? 'es-MX' : 'en-US',
        extraHTTPHeaders: { 'Accept-Language': lang },
      });
      const tab = await ctx.newPage();
      for (const [name, path] of [
        ['list', '/console/operations'],
        ['new', '/console/operations/new'],
        ['page', `/console/operations/${operationId}`],
      ] as const) {
        await tab.goto(`${served!.baseUrl}${path}`);
        const overflow = await tab.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.equal(overflow, 0, `${path} ${lang} ${viewport.width}: no horizontal overflow`);
        const serious = (await axeViolations(tab)).filter((v) => /\((serious|critical)\)/.test(v));
        assert.deepEqual(serious, [], `${path} ${lang} ${viewport.width}`);
        await tab.screenshot({ path: `${SHOTS}/${name}-${lang}-${viewport.width}.png`, fullPage: true });
      }
      await ctx.close();
    }
  }

  const done = await signedInContext(browser!, served!.baseUrl, coordinator, { javaScriptEnabled: false });
  const tab = await done.newPage();
  await tab.goto(`${served!.baseUrl}/console/operations/${operationId}`);
  const first = tab.locator('#waiting-list > li').first();
  await first.locator('input[name="caregiver_name"]').fill('Rosa García');
  await first.locator('input[name="caregiver_relationship"]').fill('aunt');
  await first.locator('button[type="submit"]').click();
  await tab.waitForURL(/#waiting$/);
  assert.equal(await tab.locator('#waiting-list > li').count(), 1);
  assert.ok((await tab.locator('#waiting-list').innerText()).includes('A baby with a neighbour'));
  await done.close();
});
