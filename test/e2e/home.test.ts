// Journey: each role's home page in a real browser, at 375 and 1440 px, in English and Spanish: the panels fit
// the screen, axe finds nothing serious, and a dispatcher's home updates by itself when a report arrives.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Role } from '../../src/db/schema.ts';
import { createTestTeam, openTestCase } from '../../src/modules/cases/cases.test-helpers.ts';
import { createStaff, insertIncident } from '../../src/modules/dispatch/dispatch.test-helpers.ts';
import { storeReport } from '../../src/modules/incidents/incidents.test-helpers.ts';
import {
  axeViolations,
  closeAll,
  launchBrowser,
  serveApp,
  signedInContext,
  type ServedApp,
} from './browser.ts';

const SCREENSHOTS = '/tmp/i15-homes';
const VIEWPORTS = [
  { width: 375, height: 812 },
  { width: 1440, height: 900 },
];

interface LiveWindow {
  __amparoMarker?: number;
}

describe('the home page in a browser', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;

  before(async () => {
    browser = await launchBrowser();
    served = await serveApp();
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => closeAll(browser, served));

  test('a dispatcher’s home counts a new report without a reload', async () => {
    const dispatcher = await createStaff(served!.context, ['dispatcher']);
    const context = await signedInContext(browser!, served!.baseUrl, dispatcher);
    try {
      const page = await context.newPage();
      await page.goto(`${served!.baseUrl}/console`);
      await page.locator('#live-indicator.on').waitFor();
      assert.equal(await page.locator('#panel-triage [data-count]').getAttribute('data-count'), '0');
      await page.evaluate(() => {
        (window as LiveWindow).__amparoMarker = 1;
      });
      const report = await storeReport(served!.context);
      await page.locator('#panel-triage [data-count="1"]').waitFor();
      assert.match(await page.locator('#panel-triage').innerText(), new RegExp(report.reference));
      assert.equal(
        await page.evaluate(() => (window as LiveWindow).__amparoMarker),
        1,
        'the same page: nothing reloaded',
      );
    } finally {
      await context.close();
    }
  });

  test('every role’s home fits 375 and 1440 px, in English and Spanish, with no serious axe finding', async () => {
    const { context: app } = served!;
    // Something in every panel, so the screenshots show lists as well as empty states.
    const legal = await createStaff(app, ['legal'], { displayName: 'Lucía Legal' });
    const team = await createTestTeam(app, 'Pilsen', [legal.userId]);
    await openTestCase(app, legal.userId, { teamId: team });
    const responder = await createStaff(app, ['responder'], {
      displayName: 'Rosa Rápida',
      languages: ['es'],
    });
    const incident = await insertIncident(app, { status: 'verifying' });
    await app.db
      .insertInto('dispatches')
      .values({
        id: randomUUID(),
        incident_id: incident.id,
        responder_id: responder.userId,
        status: 'on_way',
        eta_minutes: 10,
        created_by: null,
        created_at: app.clock.now(),
        responded_at: app.clock.now(),
        provider_id: null,
      })
      .execute();
    const sessions: [string, Role[]][] = [
      ['dispatcher', ['dispatcher']],
      ['legal', ['legal']],
      ['responder', ['responder']],
      ['coordinator', ['coordinator']],
      ['admin', ['admin']],
    ];
    for (const [name, roles] of sessions) {
      const staff =
        name === 'legal' ? legal : name === 'responder' ? responder : await createStaff(app, roles);
      for (const lang of ['en', 'es'] as const) {
        for (const viewport of VIEWPORTS) {
          const label = `${name} ${lang} ${viewport.width}`;
          const context = await signedInContext(browser!, served!.baseUrl, staff, {
            viewport,
            locale: lang === 'es' ? 'es-MX' : 'en-US',
            extraHTTPHeaders: { 'Accept-Language': lang === 'es' ? 'es-MX,es' : 'en-US,en' },
          });
          try {
            const page = await context.newPage();
            const response = await page.goto(`${served!.baseUrl}/console`);
            assert.equal(response?.status(), 200, label);
            // The panels themselves never reach past the screen (the navigation bar is the shell's part).
            const widest = await page.evaluate(() =>
              Math.max(
                ...Array.from(document.querySelectorAll('#home-panels *')).map(
                  (el) => el.getBoundingClientRect().right,
                ),
              ),
            );
            assert.ok(widest <= viewport.width, `${label}: panels fit (${widest})`);
            const serious = (await axeViolations(page)).filter((v) => /\((serious|critical)\)/.test(v));
            assert.deepEqual(serious, [], label);
            await page.screenshot({
              path: `${SCREENSHOTS}/home-${name}-${lang}-${viewport.width}.png`,
              fullPage: true,
            });
          } finally {
            await context.close();
          }
        }
      }
    }
  });
});
