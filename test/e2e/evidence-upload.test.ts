// Journey at 375 × 812: a responder sent to an incident opens its media page on the phone and sends a photo and
// a 20 MB video. The video's upload loses its connection half-way (the PATCH carrying the middle is cut off) and
// goes on from where the server stopped; each item's page shows the SHA-256 of the bytes sent. Without
// JavaScript, the plain form takes a small file. English and Spanish; axe finds nothing serious; nothing is
// wider than the screen; screenshots into test-results/.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { taggedVideo } from '../support/video-fixture.ts';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import {
  createStaff,
  dispatchThroughPanel,
  insertIncident,
  type TestStaff,
} from '../../src/modules/dispatch/dispatch.test-helpers.ts';
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
  process.env.AMPARO_SCREENSHOTS_DIR ?? path.join(import.meta.dirname, '..', '..', 'test-results');
const PHONE = { width: 375, height: 812 };
const MiB = 1024 * 1024;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('a responder sends a photo and a 20 MB video from an incident, the upload cut off half-way', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let tmp: string;
  let responder: TestStaff;
  let incidentId: string;
  let photoPath: string;
  let videoPath: string;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'amparo-e2e-evidence-'));
    photoPath = path.join(tmp, 'IMG_0001.jpg');
    videoPath = path.join(tmp, 'VID_0001.mp4');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: 'green' } })
      .jpeg()
      .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '41/1 50/1 5284/100' } })
      .toFile(photoPath);
    await writeFile(videoPath, await taggedVideo(20 * MiB));
    served = await serveApp({ env: { AMPARO_DATA_DIR: path.join(tmp, 'data') } });
    browser = await launchBrowser();
    const dispatcher = await createStaffSession(served.context, ['dispatcher']);
    responder = await createStaff(served.context, ['responder']);
    incidentId = (await insertIncident(served.context)).id;
    assert.equal(
      (await dispatchThroughPanel(served.app, dispatcher, incidentId, responder.userId)).statusCode,
      303,
    );
  });
  after(async () => {
    await closeAll(browser, served);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function look(page: Page, name: string): Promise<void> {
    assert.deepEqual(await axeViolations(page), [], `${name}: no serious accessibility violations`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, `${name}: nothing wider than the screen`);
    await page.screenshot({ path: path.join(SCREENSHOTS, `evidence-${name}.png`), fullPage: true });
  }

  async function send(page: Page, file: string, doneText: RegExp): Promise<string> {
    await page.goto(`${served!.baseUrl}/console/incidents/${incidentId}/evidence`);
    await page.locator('#evidence-file').setInputFiles(file);
    await page.getByRole('button', { name: /Send|Enviar/ }).click();
    await page.locator('#evidence-status').filter({ hasText: doneText }).waitFor({ timeout: 120_000 });
    const status = await page.locator('#evidence-status').textContent();
    return /([0-9a-f]{64})/.exec(status ?? '')?.[1] ?? '';
  }

  test('with JavaScript, in English: the photo, then the video resumed after a cut', async () => {
    const context = await signedInContext(browser!, served!.baseUrl, responder, { viewport: PHONE });
    const page = await context.newPage();
    try {
      await page.goto(`${served!.baseUrl}/console/incidents/${incidentId}/evidence`);
      await look(page, 'page-en-375');

      const photo = await readFile(photoPath);
      assert.equal(await send(page, photoPath, /SHA-256\): [0-9a-f]{64}/), sha256(photo));

      // The PATCH that carries the middle of the video is cut off once; the script asks where the server
      // stopped (HEAD) and goes on from there.
      const video = await readFile(videoPath);
      const seen: string[] = [];
      let cut = false;
      await page.route('**/evidence/uploads/**', async (route) => {
        const request = route.request();
        const offset = Number(request.headers()['upload-offset'] ?? 0);
        seen.push(`${request.method()} ${offset}`);
        if (!cut && request.method() === 'PATCH' && offset >= video.length / 2 - 4 * MiB) {
          cut = true;
          await route.abort('internetdisconnected');
          return;
        }
        await route.continue();
      });
      const videoSha = await send(page, videoPath, /SHA-256\): [0-9a-f]{64}/);
      assert.ok(cut, `the upload was cut: ${seen.join(', ')}`);
      const afterCut = seen.slice(
        seen.findIndex(
          (entry) => entry.startsWith('PATCH') && Number(entry.split(' ')[1]) >= video.length / 2 - 4 * MiB,
        ) + 1,
      );
      assert.ok(
        afterCut.some((entry) => entry.startsWith('HEAD')),
        `it asked the offset: ${seen.join(', ')}`,
      );
      assert.equal(videoSha, sha256(video));

      // The list, then the video's page with its hash and the custody record.
      await page.goto(`${served!.baseUrl}/console/incidents/${incidentId}/evidence`);
      await page.getByRole('link', { name: 'VID_0001.mp4' }).click();
      assert.equal((await page.locator('#evidence-sha256').textContent())?.trim(), sha256(video));
      await look(page, 'item-en-375');
    } finally {
      await context.close();
    }
  });

  test('without JavaScript, in Spanish: a small file by the plain form', async () => {
    const context = await signedInContext(browser!, served!.baseUrl, responder, {
      viewport: PHONE,
      javaScriptEnabled: false,
      locale: 'es-MX',
      extraHTTPHeaders: { 'Accept-Language': 'es-MX,es' },
    });
    const page = await context.newPage();
    try {
      await page.goto(`${served!.baseUrl}/console/incidents/${incidentId}/evidence`);
      assert.match((await page.locator('h1').textContent()) ?? '', /Fotos y video/);
      await page.locator('#evidence-file').setInputFiles(photoPath);
      await page.getByRole('button', { name: 'Enviar' }).click();
      await page.waitForURL(/\/console\/evidence\/[0-9a-f-]{36}$/);
      assert.equal(
        (await page.locator('#evidence-sha256').textContent())?.trim(),
        sha256(await readFile(photoPath)),
      );
      await page.screenshot({
        path: path.join(SCREENSHOTS, 'evidence-item-es-375-nojs.png'),
        fullPage: true,
      });
    } finally {
      await context.close();
    }
    const withJs = await signedInContext(browser!, served!.baseUrl, responder, {
      viewport: PHONE,
      locale: 'es-MX',
      extraHTTPHeaders: { 'Accept-Language': 'es-MX,es' },
    });
    const jsPage = await withJs.newPage();
    try {
      await jsPage.goto(`${served!.baseUrl}/console/incidents/${incidentId}/evidence`);
      await look(jsPage, 'page-es-375');
      // And on a desktop: the same pages, nothing wider than the window.
      await jsPage.setViewportSize({ width: 1440, height: 900 });
      await look(jsPage, 'page-es-1440');
      await jsPage.locator('#evidence-items a').first().click();
      await look(jsPage, 'item-es-1440');
    } finally {
      await withJs.close();
    }
  });
});
