// Journey (issue 14, incidents): a dispatcher sees a report without a ZIP code offered every open incident,
// a report inside a confirmed incident showing that status, and simulated reports marked on the queue, the
// report page and the board (also when one arrives live). Screenshots at 375 and 1440 px, English and
// Spanish, and axe on each page.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createIncidentFromReport } from '../../src/modules/incidents/incidents.service.ts';
import { coordinates, northOf, storeReport } from '../../src/modules/incidents/incidents.test-helpers.ts';
import { createStaffSession, type StaffSession } from '../support/staff.ts';
import {
  axeViolations,
  closeAll,
  launchBrowser,
  serveApp,
  signedInContext,
  type ServedApp,
} from './browser.ts';

const SHOTS = path.join(import.meta.dirname, '..', '..', 'test-results', 'issue14-incidents');
const SIZES = [
  { width: 375, height: 812 },
  { width: 1440, height: 900 },
] as const;

describe('incidents: grouping any report, status from the incident, simulated reports', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let dispatcher: StaffSession;
  const urls: Record<string, string> = {};

  before(async () => {
    browser = await launchBrowser();
    served = await serveApp();
    const context = served.context;
    dispatcher = await createStaffSession(context, ['dispatcher']);
    const incidentFrom = async (reportId: string) => {
      const created = await createIncidentFromReport(context, dispatcher.userId, {
        reportId,
        type: 'street',
        agency: 'ice',
        point: null,
        zip: null,
        summary: null,
      });
      assert.equal(created.outcome, 'created');
      return created.outcome === 'created' ? created.id : '';
    };
    const confirmedReport = await storeReport(context);
    const confirmed = await incidentFrom(confirmedReport.id);
    await context.db
      .updateTable('incidents')
      .set({ status: 'confirmed' })
      .where('id', '=', confirmed)
      .execute();
    await incidentFrom((await storeReport(context, { zip: null, location: coordinates(northOf(6_000)) })).id);
    const simulated = await storeReport(context, {
      simulated: true,
      zip: null,
      location: 'la 26 y Lawndale',
    });
    const noZip = await storeReport(context, { zip: null, location: 'la 26 y Lawndale' });
    urls.queue = '/console/reports';
    urls.grouping = `/console/incidents/new?report=${noZip.id}`;
    urls.confirmedReport = `/console/reports/${confirmedReport.id}`;
    urls.simulatedReport = `/console/reports/${simulated.id}`;
    urls.board = '/console/incidents';
    urls.compose = `/console/incidents/${confirmed}/alerts/new`;
    await mkdir(SHOTS, { recursive: true });
  });

  after(async () => closeAll(browser, served));

  for (const locale of ['en-US', 'es-US'] as const) {
    test(`each changed page, ${locale}, at 375 and 1440 px, without axe violations`, async () => {
      const context = await signedInContext(browser!, served!.baseUrl, dispatcher, { locale });
      try {
        const page = await context.newPage();
        for (const [name, url] of Object.entries(urls)) {
          await page.goto(`${served!.baseUrl}${url}`);
          for (const size of SIZES) {
            await page.setViewportSize(size);
            await page.screenshot({
              path: path.join(SHOTS, `${name}-${locale.slice(0, 2)}-${size.width}.png`),
              fullPage: true,
            });
          }
          // The board's map is a group of links, not an image: no nested-interactive any more (issue 15).
          assert.deepEqual(await axeViolations(page), [], `${name} (${locale})`);
        }
        await page.goto(`${served!.baseUrl}${urls.grouping}`);
        assert.ok(
          (await page.locator('#open-incidents form button').count()) >= 2,
          'every open incident offered',
        );
      } finally {
        await context.close();
      }
    });
  }

  test('a simulated report arriving while the board is open is marked in the triage queue', async () => {
    const context = await signedInContext(browser!, served!.baseUrl, dispatcher);
    try {
      const page = await context.newPage();
      await page.goto(`${served!.baseUrl}/console/incidents`);
      await page.locator('#live-indicator:not([hidden])').waitFor();
      const report = await storeReport(served!.context, { simulated: true });
      const row = page.locator(`#triage-rows tr[data-id="${report.id}"]`);
      await row.waitFor();
      assert.equal((await row.locator('.tag.simulated').innerText()).trim(), 'Simulated');
    } finally {
      await context.close();
    }
  });
});
