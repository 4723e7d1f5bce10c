// Issue 17's "done when", end to end at 375 × 812: a responder sent to an incident writes five log entries (two
// with the network off, sent when it comes back), sends a photo and a 20 MB video whose upload is cut off half-way
// and resumed; legal staff on a case linked to the incident (in Spanish) open the log and the media from the case,
// choose the items and download a packet; `amparo evidence verify` (the CLI, a child process) accepts it, and a
// copy with one byte of one file changed fails with exit 1, naming that file. The originals' SHA-256 are those of
// the bytes sent; the working copies (made by the job) carry no GPS or device tags (exifr, music-metadata). Each
// page walked has no serious or critical axe finding and nothing wider than the screen; screenshots in
// /tmp/i17-journey/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import exifr from 'exifr';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { taggedVideo } from '../support/video-fixture.ts';
import { parseBuffer } from 'music-metadata';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { listEvidenceItems } from '../../src/modules/evidence/evidence.service.ts';
import { readObservationTimeline } from '../../src/modules/observations/observations.service.ts';
import {
  legalWithCaseOn,
  observedIncident,
} from '../../src/modules/observations/observations.test-helpers.ts';
import {
  axeViolations,
  closeAll,
  launchBrowser,
  serveApp,
  signedInContext,
  type ServedApp,
} from './browser.ts';

const SCREENSHOTS = '/tmp/i17-journey';
const ROOT = path.join(import.meta.dirname, '..', '..');
const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true };
const SPANISH = { locale: 'es-MX', extraHTTPHeaders: { 'Accept-Language': 'es-MX,es' } };
const MiB = 1024 * 1024;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** `amparo evidence verify FILE` as an operator runs it: the project's Node, a child process. */
function verify(file: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, ['src/cli/main.ts', 'evidence', 'verify', file], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('issue 17: from the street to a packet an attorney can verify', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let tmp: string;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'amparo-e2e-journey-'));
    await mkdir(SCREENSHOTS, { recursive: true });
    served = await serveApp({ env: { AMPARO_DATA_DIR: path.join(tmp, 'data') } });
    browser = await launchBrowser();
  });
  after(async () => {
    await closeAll(browser, served);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function look(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    const serious = (await axeViolations(page)).filter((v) => /\((serious|critical)\)/.test(v));
    assert.deepEqual(serious, [], `${name}: no serious or critical axe finding`);
    const over = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().right > width + 1)
        .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`);
      return { by: document.documentElement.scrollWidth - width, wide: wide.slice(0, 5) };
    });
    assert.ok(
      over.by <= 0,
      `${name}: nothing wider than the screen (${over.by} px over: ${over.wide.join(' ')})`,
    );
  }

  async function write(page: Page, kind: string, text: string): Promise<void> {
    await page.check(`#kind-${kind}`);
    await page.fill('#text', text);
    await page.click('#observation-form button[type="submit"]');
  }

  async function send(page: Page, incidentId: string, file: string): Promise<string> {
    await page.goto(`${served!.baseUrl}/console/incidents/${incidentId}/evidence`);
    await page.locator('#evidence-file').setInputFiles(file);
    await page.getByRole('button', { name: /Send|Enviar/ }).click();
    const done = page.locator('#evidence-status').filter({ hasText: /SHA-256\): [0-9a-f]{64}/ });
    await done.waitFor({ timeout: 120_000 });
    return /([0-9a-f]{64})/.exec((await done.textContent()) ?? '')?.[1] ?? '';
  }

  test('log, media, packet, verify; one byte changed is caught and named', async () => {
    const { context } = served!;
    const { incident, observer } = await observedIncident(context, 'Rosa Observer');
    const legal = await legalWithCaseOn(context, incident.id);
    const caseRow = await context.db
      .selectFrom('cases')
      .select('id')
      .where('incident_id', '=', incident.id)
      .executeTakeFirstOrThrow();

    const photoPath = path.join(tmp, 'IMG_0001.jpg');
    const videoPath = path.join(tmp, 'VID_0001.mp4');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: 'green' } })
      .jpeg()
      .withExif({
        IFD0: { Make: 'Google', Model: 'Pixel 7' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '41/1 50/1 5284/100',
          GPSLongitudeRef: 'W',
          GPSLongitude: '87/1 42/1 1483/100',
        },
      })
      .toFile(photoPath);
    await writeFile(videoPath, await taggedVideo(20 * MiB));
    const photo = await readFile(photoPath);
    const video = await readFile(videoPath);
    assert.ok((await exifr.parse(photo, { gps: true, tiff: true }))?.latitude, 'the photo carries GPS');

    // The responder, on a phone, in English: five log entries, two of them with the network off.
    const street: BrowserContext = await signedInContext(browser!, served!.baseUrl, observer, PHONE);
    const page = await street.newPage();
    await page.goto(`${served!.baseUrl}/console/incidents/${incident.id}/log`);
    const online = ['two grey vans', 'a man in a red jacket taken', 'an agent said "get in"'];
    for (const [index, kind] of ['arrival', 'people_detained', 'words_said'].entries()) {
      await write(page, kind, online[index]!);
      await page.locator('#observation-timeline', { hasText: online[index]! }).waitFor();
    }
    await street.setOffline(true);
    const offline = ['door pushed open', 'vans left north'];
    await write(page, 'force_used', offline[0]!);
    await page.locator('#observations-pending[data-count="1"]').waitFor();
    await write(page, 'departure', offline[1]!);
    await page.locator('#observations-pending[data-count="2"]').waitFor();
    assert.equal(
      (await readObservationTimeline(context, incident.id)).length,
      3,
      'nothing sent while offline',
    );
    await page.screenshot({ path: path.join(SCREENSHOTS, 'log-offline-en-375.png'), fullPage: true });
    await street.setOffline(false);
    await page.locator('#observation-timeline', { hasText: offline[1]! }).waitFor();
    const timeline = await readObservationTimeline(context, incident.id);
    assert.deepEqual(
      timeline.map((entry) => entry.text),
      [...online, ...offline],
      'all five arrived, once each, in order',
    );
    await look(page, 'log-en-375');

    // The photo, then the video, whose upload loses its connection half-way and goes on from the server's offset.
    assert.equal(await send(page, incident.id, photoPath), sha256(photo));
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
    assert.equal(await send(page, incident.id, videoPath), sha256(video), 'the SHA-256 of the bytes sent');
    assert.ok(cut, `the upload was cut: ${seen.join(', ')}`);
    assert.ok(
      seen.some((entry) => entry.startsWith('HEAD')),
      `it asked the offset: ${seen.join(', ')}`,
    );
    await page.unroute('**/evidence/uploads/**');
    await look(page, 'media-en-375');

    // The working copies are made by the job after the upload was answered; wait for it, then read their tags.
    let items = await listEvidenceItems(context, incident.id);
    while (items.some((item) => item.workingCopy === 'pending')) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      items = await listEvidenceItems(context, incident.id);
    }
    const byName = new Map(items.map((item) => [item.fileName, item]));
    const photoItem = byName.get('IMG_0001.jpg')!;
    const videoItem = byName.get('VID_0001.mp4')!;
    assert.equal(photoItem.sha256, sha256(photo), "the photo original's SHA-256 is that of the bytes sent");
    assert.equal(videoItem.sha256, sha256(video), "the video original's SHA-256 is that of the bytes sent");
    assert.equal(photoItem.workingCopy, 'ready');
    assert.equal(videoItem.workingCopy, 'ready');
    const photoCopy = await page.request.get(`${served!.baseUrl}/console/evidence/${photoItem.id}/view`);
    assert.equal(photoCopy.status(), 200);
    const photoTags = await exifr
      .parse(await photoCopy.body(), { gps: true, tiff: true, exif: true })
      .catch(() => undefined);
    assert.equal(photoTags?.latitude, undefined, 'no GPS in the photo copy');
    assert.equal(photoTags?.Make, undefined, 'no camera make');
    assert.equal(photoTags?.Model, undefined, 'no camera model');
    const videoCopy = await page.request.get(`${served!.baseUrl}/console/evidence/${videoItem.id}/view`);
    assert.equal(videoCopy.status(), 200);
    const videoBytes = await videoCopy.body();
    const videoTags = await parseBuffer(videoBytes, { mimeType: 'video/mp4' });
    assert.deepEqual(videoTags.native, {}, `no tag in the video copy: ${JSON.stringify(videoTags.native)}`);
    assert.ok(!videoBytes.includes(Buffer.from('Pixel 7')), 'no device name anywhere in the copy');
    await page.goto(`${served!.baseUrl}/console/evidence/${videoItem.id}`);
    assert.equal((await page.locator('#evidence-sha256').textContent())?.trim(), sha256(video));
    await look(page, 'media-item-en-375');
    await street.close();

    // Legal staff on the linked case, in Spanish: the case leads to the log and the media, then to the packet.
    const office = await signedInContext(browser!, served!.baseUrl, legal, {
      ...PHONE,
      ...SPANISH,
      acceptDownloads: true,
    });
    const legalPage = await office.newPage();
    await legalPage.goto(`${served!.baseUrl}/console/cases/${caseRow.id}`);
    await legalPage.locator('#evidence-packet').scrollIntoViewIfNeeded();
    await look(legalPage, 'case-es-375');
    await legalPage.locator('#case-observation-log').click();
    await legalPage.locator('#observation-timeline', { hasText: offline[1]! }).waitFor();
    await look(legalPage, 'log-es-375');
    await legalPage.goto(`${served!.baseUrl}/console/cases/${caseRow.id}`);
    await legalPage.locator('#case-evidence-media').click();
    await legalPage.locator('#evidence-items').waitFor();
    await look(legalPage, 'media-es-375');
    await legalPage.goto(`${served!.baseUrl}/console/cases/${caseRow.id}/packet`);
    await legalPage.locator(`#item-${photoItem.id}`).check();
    await legalPage.locator(`#item-${videoItem.id}`).check();
    await look(legalPage, 'packet-es-375');
    const [download] = await Promise.all([
      legalPage.waitForEvent('download'),
      legalPage.locator('#packet-form button[type=submit]').click(),
    ]);
    const packet = path.join(tmp, download.suggestedFilename());
    await download.saveAs(packet);
    await office.close();

    const accepted = verify(packet);
    assert.equal(accepted.status, 0, accepted.output);
    const entries = unzipSync(new Uint8Array(await readFile(packet)));
    const videoEntry = Object.keys(entries).find(
      (name) => name.startsWith('files/') && name.endsWith('VID_0001.mp4'),
    );
    const photoEntry = Object.keys(entries).find(
      (name) => name.startsWith('files/') && name.endsWith('IMG_0001.jpg'),
    );
    assert.ok(videoEntry && photoEntry, Object.keys(entries).join(', '));
    assert.equal(sha256(entries[videoEntry]!), sha256(video), 'the packet holds the original as sent');
    assert.equal(sha256(entries[photoEntry]!), sha256(photo));

    // One byte of one file changed: the packet fails and names that file, and only that one.
    const next: Zippable = {};
    for (const [name, bytes] of Object.entries(entries)) {
      const copy = bytes.slice();
      if (name === videoEntry) copy[10 * MiB] = copy[10 * MiB]! ^ 0x01;
      next[name] = [copy, { level: 0 }];
    }
    const changedPacket = path.join(tmp, 'changed.zip');
    await writeFile(changedPacket, zipSync(next));
    const refused = verify(changedPacket);
    assert.equal(refused.status, 1, refused.output);
    assert.ok(refused.output.includes(`CHANGED: ${videoEntry}`), refused.output);
    assert.ok(!refused.output.includes(`CHANGED: ${photoEntry}`), refused.output);
  });
});
