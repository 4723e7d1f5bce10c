// Journey: legal staff on a case linked to an incident open the evidence packet page on a phone and on a
// desktop (English and Spanish), set a legal hold, tick one item and download the packet, which
// `amparo evidence verify` accepts. Each view passes axe-core's checks and fits its width.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { runEvidenceVerify } from '../../src/cli/evidence-commands.ts';
import {
  insertIncident,
  item,
  linkCase,
  sourcesDouble,
} from '../../src/modules/packets/packets.test-helpers.ts';
import { createStaffSession } from '../support/staff.ts';
import {
  axeViolations,
  closeAll,
  launchBrowser,
  serveApp,
  signedInContext,
  type ServedApp,
} from './browser.ts';

const SCREENSHOTS =
  process.env.AMPARO_SCREENSHOT_DIR ?? path.join(import.meta.dirname, '..', '..', 'test-results');

describe('the evidence packet page, for legal staff', () => {
  let browser: Browser | undefined;
  let served: ServedApp | undefined;
  let dir: string;

  before(async () => {
    served = await serveApp({ env: { AMPARO_PUBLIC_URL: 'http://127.0.0.1' } });
    browser = await launchBrowser();
    dir = await mkdtemp(path.join(tmpdir(), 'amparo-packet-e2e-'));
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await closeAll(browser, served);
    await rm(dir, { recursive: true, force: true });
  });

  test('choose an item, hold the incident, download a packet that verifies; on a phone and a desktop', async () => {
    const { context } = served!;
    const legal = await createStaffSession(context, ['legal']);
    const incident = await insertIncident(context, 'confirmed');
    await linkCase(context, legal.userId, incident.id);
    const videoId = randomUUID();
    const { custody, restore } = sourcesDouble(
      new Map([
        [
          incident.id,
          [
            item(videoId, 'VID_20261217_100512_long_name_from_the_phone.mp4', Buffer.alloc(300_000, 5)),
            item(randomUUID(), 'IMG_0042.jpg', Buffer.from('jpeg bytes')),
          ],
        ],
      ]),
    );
    try {
      const views = [
        { locale: 'en-US', viewport: { width: 375, height: 812 }, title: 'Evidence packet' },
        { locale: 'es-US', viewport: { width: 1440, height: 900 }, title: 'Paquete de pruebas' },
      ];
      for (const [index, view] of views.entries()) {
        const browserContext = await signedInContext(browser!, served!.baseUrl, legal, {
          locale: view.locale,
          viewport: view.viewport,
          acceptDownloads: true,
        });
        try {
          const page = await browserContext.newPage();
          await page.goto(`${served!.baseUrl}/console/incidents/${incident.id}/packet`);
          assert.match((await page.locator('h1').textContent()) ?? '', new RegExp(view.title));
          if (index === 0) {
            await page.locator('#hold-reason').fill('Motion pending in the client’s case');
            await page.locator('#hold-form button[type=submit]').click();
            await page.waitForURL(/notice=held/);
            assert.equal(await page.locator('ul.holds li').count(), 1);
          }
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          assert.ok(
            overflow <= 0,
            `no horizontal scrolling at ${view.viewport.width} px (${overflow} px over)`,
          );
          assert.deepEqual(await axeViolations(page), []);
          await page.screenshot({
            path: path.join(SCREENSHOTS, `evidence-packet-${view.viewport.width}-${view.locale}.png`),
            fullPage: true,
          });
          if (index === 0) {
            await page.locator(`#item-${videoId}`).check();
            const [download] = await Promise.all([
              page.waitForEvent('download'),
              page.locator('#packet-form button[type=submit]').click(),
            ]);
            const file = path.join(dir, download.suggestedFilename());
            await download.saveAs(file);
            const out: string[] = [];
            const exit = await runEvidenceVerify([file], {
              out: (s) => out.push(s),
              err: (s) => out.push(s),
            });
            assert.equal(exit, 0, out.join(''));
            assert.match(out.join(''), /all 2 files match/);
            assert.deepEqual(
              custody.map((c) => c.itemId),
              [videoId],
            );
          }
        } finally {
          await browserContext.close();
        }
      }
    } finally {
      restore();
    }
  });

  test("an admin reads the network key's fingerprint on a phone", async () => {
    const admin = await createStaffSession(served!.context, ['admin']);
    const browserContext = await signedInContext(browser!, served!.baseUrl, admin, {
      viewport: { width: 375, height: 812 },
    });
    try {
      const page = await browserContext.newPage();
      await page.goto(`${served!.baseUrl}/console/signing-key`);
      const fingerprint = (await page.locator('#signing-key code.fingerprint').textContent()) ?? '';
      assert.match(fingerprint, /^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(overflow <= 0, `no horizontal scrolling (${overflow} px over)`);
      assert.deepEqual(await axeViolations(page), []);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'signing-key-375-en-US.png'), fullPage: true });
    } finally {
      await browserContext.close();
    }
  });
});
