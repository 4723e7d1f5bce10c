// Media as evidence, end to end over HTTP and a real database: a dispatched responder uploads by tus (the upload
// cut off half-way and resumed), the original's SHA-256 is the SHA-256 of the bytes sent, nothing of the file
// lies on disk in plaintext (partial or finished), the working copies carry no GPS, device or other tags (read
// back with exifr and music-metadata), and every view, download and export is in the chain of custody and the
// audit log.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import exifr from 'exifr';
import { BufferTarget, EncodedAudioPacketSource, EncodedPacket, Mp4OutputFormat, Output } from 'mediabunny';
import { parseBuffer } from 'music-metadata';
import sharp from 'sharp';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import {
  auditActionsFor,
  createStaff,
  dispatchIdFor,
  dispatchThroughPanel,
  insertIncident,
  type TestStaff,
} from '../dispatch/dispatch.test-helpers.ts';
import { legalWithCaseOn } from '../observations/observations.test-helpers.ts';
import { FRAME_BYTES } from './evidence.sealed-file.ts';
import { workingCopyJob } from './evidence.jobs.ts';
import { listEvidenceItems, openEvidenceOriginal, prepareWorkingCopy } from './evidence.service.ts';

const CANARY = 'canary-evidence-bytes-7Qx';

/** A file whose plaintext would show the canary many times over, were any of it written unsealed. */
function canaryFile(bytes: number): Buffer {
  const unit = Buffer.from(`${CANARY}|`);
  const file = Buffer.alloc(bytes);
  for (let at = 0; at < bytes; at += unit.length) unit.copy(file, at);
  return file;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

async function plaintextOnDisk(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of await filesUnder(dir)) {
    if ((await readFile(file)).includes(CANARY)) found.push(file);
  }
  return found;
}

async function gpsJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 16, height: 16, channels: 3, background: 'blue' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'canary-make', Model: 'canary-model' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '41/1 50/1 5284/100',
        GPSLongitudeRef: 'W',
        GPSLongitude: '87/1 42/1 1483/100',
      },
    })
    .toBuffer();
}

/** A small MP4 (PCM sound) with a title, a comment naming the phone, and a location (©xyz) and make tags. */
async function taggedMp4(): Promise<Buffer> {
  const output = new Output({ format: new Mp4OutputFormat(), target: new BufferTarget() });
  const source = new EncodedAudioPacketSource('pcm-s16');
  output.addAudioTrack(source);
  output.setMetadataTags({
    title: 'canary-title',
    comment: 'canary-device Pixel 7',
    raw: { '©xyz': '+41.8479-087.7041/', '©mak': 'Google', '©mod': 'Pixel 7' },
  });
  await output.start();
  for (let i = 0; i < 10; i += 1) {
    await source.add(
      new EncodedPacket(new Uint8Array(1600).fill(i), 'key', i * 0.1, 0.1),
      i === 0 ? { decoderConfig: { codec: 'pcm-s16', numberOfChannels: 1, sampleRate: 8000 } } : undefined,
    );
  }
  await output.finalize();
  return Buffer.from(output.target.buffer!);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('evidence: resumable upload, sealed original, stripped working copy, chain of custody', () => {
  let t: TestApp;
  let dataDir: string;
  let base: string;
  let dispatcher: StaffSession;
  let responder: TestStaff;
  let incidentId: string;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-evidence-'));
    t = await createTestApp({ env: { AMPARO_DATA_DIR: dataDir } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
    responder = await createStaff(t.context, ['responder']);
    incidentId = (await insertIncident(t.context)).id;
    assert.equal(
      (await dispatchThroughPanel(t.app, dispatcher, incidentId, responder.userId)).statusCode,
      303,
    );
  });
  after(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The working-copy jobs queued for this item (the app here does not work its queue: the test runs them). */
  async function queuedWorkingCopies(itemId: string): Promise<unknown[]> {
    const { rows } = await sql<{ data: { itemId: string } }>`
      select data from pgboss.job where name = ${workingCopyJob.name}`.execute(t.context.db);
    return rows.map((row) => row.data).filter((data) => data.itemId === itemId);
  }

  async function runWorkingCopyJob(itemId: string): Promise<void> {
    assert.deepEqual(await queuedWorkingCopies(itemId), [{ itemId }], 'one job, its payload the id alone');
    await prepareWorkingCopy(t.context, workingCopyJob.parse({ itemId }).itemId);
  }

  const tusHeaders = (session: StaffSession, extra: Record<string, string> = {}) => ({
    'tus-resumable': '1.0.0',
    cookie: session.cookie,
    'x-csrf-token': session.csrfToken,
    ...extra,
  });

  async function create(
    session: StaffSession,
    size: number,
    fileName: string,
    headers = {},
  ): Promise<Response> {
    return fetch(`${base}/console/incidents/${incidentId}/evidence/uploads`, {
      method: 'POST',
      headers: tusHeaders(session, {
        'upload-length': String(size),
        'upload-metadata': `filename ${Buffer.from(fileName).toString('base64')}`,
        ...headers,
      }),
    });
  }

  async function patch(session: StaffSession, url: string, offset: number, bytes: Buffer): Promise<Response> {
    return fetch(`${base}${url}`, {
      method: 'PATCH',
      headers: tusHeaders(session, {
        'upload-offset': String(offset),
        'content-type': 'application/offset+octet-stream',
      }),
      body: new Uint8Array(bytes),
    });
  }

  async function offsetOf(session: StaffSession, url: string): Promise<number> {
    const response = await fetch(`${base}${url}`, { method: 'HEAD', headers: tusHeaders(session) });
    assert.equal(response.status, 200);
    return Number(response.headers.get('upload-offset'));
  }

  /** A PATCH whose connection drops after `sent` of the bytes: what the phone loses on a bad signal. */
  async function patchCutOff(
    session: StaffSession,
    url: string,
    offset: number,
    bytes: Buffer,
    sent: number,
  ) {
    await new Promise<void>((resolve) => {
      const request = http.request(`${base}${url}`, {
        method: 'PATCH',
        headers: {
          ...tusHeaders(session),
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
          'content-length': String(bytes.length),
        },
      });
      request.on('error', () => resolve());
      request.on('response', (response) => {
        response.resume();
        resolve();
      });
      request.write(bytes.subarray(0, sent), () => setTimeout(() => request.destroy(), 200));
    });
  }

  async function uploadWhole(bytes: Buffer, fileName: string): Promise<{ itemId: string; sha: string }> {
    const created = await create(responder, bytes.length, fileName);
    assert.equal(created.status, 201);
    const url = created.headers.get('location')!;
    const done = await patch(responder, url, 0, bytes);
    assert.equal(done.status, 204);
    return { itemId: done.headers.get('evidence-item')!, sha: done.headers.get('evidence-sha256')! };
  }

  test('an upload cut off half-way resumes from the server offset; the SHA-256 is that of the bytes sent', async () => {
    const file = canaryFile(3 * FRAME_BYTES + 12_345);
    const created = await create(responder, file.length, 'street.mp4');
    assert.equal(created.status, 201, await created.clone().text());
    const url = created.headers.get('location')!;
    assert.match(url, new RegExp(`^/console/incidents/${incidentId}/evidence/uploads/[0-9a-f-]{36}$`));

    assert.equal((await patch(responder, url, 0, file.subarray(0, 1000))).status, 204);
    assert.equal(await offsetOf(responder, url), 1000);
    // The signal drops in the middle of the next piece: the server keeps what arrived.
    await patchCutOff(responder, url, 1000, file.subarray(1000), FRAME_BYTES + 5000);
    const resumed = await offsetOf(responder, url);
    assert.ok(resumed > 1000 && resumed < file.length, `resumed at ${resumed}`);
    // While it is partial, none of it is on disk in plaintext.
    assert.deepEqual(await plaintextOnDisk(dataDir), []);
    // A wrong offset is refused, the right one finishes.
    assert.equal((await patch(responder, url, resumed - 1, file.subarray(resumed - 1))).status, 409);
    const finished = await patch(responder, url, resumed, file.subarray(resumed));
    assert.equal(finished.status, 204);
    assert.equal(finished.headers.get('evidence-sha256'), sha256(file));

    const items = await listEvidenceItems(t.context, incidentId);
    const item = items.find((one) => one.id === finished.headers.get('evidence-item'));
    assert.ok(item);
    assert.equal(item.sha256, sha256(file));
    assert.equal(item.size, file.length);
    assert.equal(item.fileName, 'street.mp4');
    assert.equal(item.kind, 'other');
    assert.deepEqual(await plaintextOnDisk(dataDir), [], 'the finished original is sealed too');
    // The upload's own files are gone once the item is received.
    assert.deepEqual(await filesUnder(path.join(dataDir, 'evidence', 'uploads')), []);

    // Reading it back gives the same bytes, and records the export.
    const opened = await openEvidenceOriginal(t.context, item.id, {
      actorId: dispatcher.userId,
      reason: 'packet',
    });
    const chunks: Buffer[] = [];
    for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
    assert.equal(sha256(Buffer.concat(chunks)), sha256(file));
    assert.deepEqual(await auditActionsFor(t.context, item.id), ['evidence.received', 'evidence.exported']);
  });

  test('a sealed frame changed on disk does not open', async () => {
    const { itemId } = await uploadWhole(canaryFile(FRAME_BYTES + 10), 'x.bin');
    const file = path.join(dataDir, 'evidence', 'originals', `${itemId}.sealed`);
    const bytes = await readFile(file);
    bytes[100] = bytes[100]! ^ 1;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, bytes);
    const opened = await openEvidenceOriginal(t.context, itemId, {
      actorId: dispatcher.userId,
      reason: 'check',
    });
    await assert.rejects(async () => {
      for await (const chunk of opened.stream) void chunk;
    }, /does not open/);
  });

  test('tus requests need the session, its form token, and a dispatch to the incident', async () => {
    const noToken = await fetch(`${base}/console/incidents/${incidentId}/evidence/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', cookie: responder.cookie, 'upload-length': '10' },
    });
    assert.equal(noToken.status, 403);
    const noSession = await fetch(`${base}/console/incidents/${incidentId}/evidence/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' },
    });
    assert.equal(noSession.status, 401);
    const stranger = await createStaff(t.context, ['responder']);
    assert.equal((await create(stranger, 10, 'a.jpg')).status, 404);

    // Another responder cannot write into someone else's upload, even when sent to the incident.
    const colleague = await createStaff(t.context, ['responder']);
    assert.equal(
      (await dispatchThroughPanel(t.app, dispatcher, incidentId, colleague.userId)).statusCode,
      303,
    );
    const created = await create(responder, 10, 'a.bin');
    const url = created.headers.get('location')!;
    assert.equal((await patch(colleague, url, 0, Buffer.alloc(10))).status, 404);
  });

  test('a file over AMPARO_EVIDENCE_MAX_BYTES is refused at creation', async () => {
    const response = await create(responder, t.context.config.evidence.maxBytes + 1, 'big.mp4');
    assert.equal(response.status, 413);
  });

  test('a photo with GPS and camera EXIF gets a working copy with none; the original keeps its hash', async () => {
    const photo = await gpsJpeg();
    const before = await exifr.parse(photo, { gps: true, tiff: true });
    assert.ok(before?.latitude, 'the fixture carries GPS');
    assert.equal(before?.Make, 'canary-make');
    const { itemId, sha } = await uploadWhole(photo, 'IMG_0001.jpg');
    assert.equal(sha, sha256(photo));
    const page = await t.app.inject({
      url: `/console/evidence/${itemId}`,
      headers: { cookie: responder.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(sha));
    // The upload was answered before the working copy was made: the page says it is being prepared.
    assert.match(page.body, /id="evidence-working-pending"/);
    const early = await t.app.inject({
      url: `/console/evidence/${itemId}/view`,
      headers: { cookie: responder.cookie },
    });
    assert.equal(early.statusCode, 404, 'no working copy yet');
    await runWorkingCopyJob(itemId);
    const later = await t.app.inject({
      url: `/console/evidence/${itemId}`,
      headers: { cookie: responder.cookie },
    });
    assert.doesNotMatch(later.body, /id="evidence-working-pending"/);
    assert.equal(await prepareWorkingCopy(t.context, itemId), 'already_done', 'a retried job does nothing');
    const view = await t.app.inject({
      url: `/console/evidence/${itemId}/view`,
      headers: { cookie: responder.cookie },
    });
    assert.equal(view.statusCode, 200);
    assert.equal(view.headers['content-type'], 'image/jpeg');
    const after = await exifr
      .parse(view.rawPayload, { gps: true, tiff: true, exif: true })
      .catch(() => undefined);
    assert.equal(after?.latitude, undefined);
    assert.equal(after?.Make, undefined);
    assert.equal(after?.Model, undefined);
  });

  test('an MP4 with location and device tags is remuxed without any tag', async () => {
    const mp4 = await taggedMp4();
    const tagged = await parseBuffer(mp4, { mimeType: 'video/mp4' });
    assert.ok(JSON.stringify(tagged.native).includes('©xyz'), 'the fixture carries a location tag');
    const { itemId, sha } = await uploadWhole(mp4, 'VID_0001.mp4');
    assert.equal(sha, sha256(mp4));
    const [item] = (await listEvidenceItems(t.context, incidentId)).filter((one) => one.id === itemId);
    assert.equal(item?.kind, 'audio', 'judged at receipt');
    assert.equal(item?.workingCopy, 'pending');
    await runWorkingCopyJob(itemId);
    const view = await t.app.inject({
      url: `/console/evidence/${itemId}/view`,
      headers: { cookie: responder.cookie },
    });
    assert.equal(view.statusCode, 200);
    const stripped = await parseBuffer(view.rawPayload, { mimeType: 'audio/mp4' });
    assert.deepEqual(stripped.native, {}, JSON.stringify(stripped.native));
    assert.equal(stripped.common.title, undefined);
    assert.equal(stripped.common.comment, undefined);
    assert.ok(!view.rawPayload.includes(Buffer.from('Pixel')));
    assert.ok((stripped.format.duration ?? 0) > 0.9, 'the sound is still there');
  });

  test('the item page lists every view and download with who, why and which hash', async () => {
    const bytes = canaryFile(5000);
    const { itemId, sha } = await uploadWhole(bytes, 'note.bin');
    const look = await t.app.inject({
      url: `/console/evidence/${itemId}`,
      headers: { cookie: responder.cookie },
    });
    assert.equal(look.statusCode, 200);
    const form = (reason: string) =>
      t.app.inject({
        method: 'POST',
        url: `/console/evidence/${itemId}/download`,
        headers: { cookie: responder.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: responder.csrfToken, reason }).toString(),
      });
    assert.equal((await form('  ')).statusCode, 422, 'a reason is required');
    const download = await form('for the family attorney');
    assert.equal(download.statusCode, 200);
    assert.equal(sha256(download.rawPayload), sha);
    assert.equal(download.headers['evidence-sha256'], sha);

    const page = await t.app.inject({
      url: `/console/evidence/${itemId}`,
      headers: { cookie: responder.cookie, 'accept-language': 'es' },
    });
    const actions = [...page.body.matchAll(/data-action="([a-z]+)"/g)].map((match) => match[1]);
    assert.deepEqual(actions, ['received', 'viewed', 'downloaded', 'viewed']);
    assert.match(page.body, /for the family attorney/);
    assert.match(page.body, /Quién manejó este archivo/);
    assert.deepEqual(await auditActionsFor(t.context, itemId), [
      'evidence.received',
      'evidence.viewed',
      'evidence.downloaded',
      'evidence.viewed',
    ]);
    // The reason is user text: sealed in the database, never in the audit log.
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select('details')
      .where('subject_id', '=', itemId)
      .execute();
    assert.ok(!JSON.stringify(audit).includes('family attorney'));
  });

  test('without JavaScript: a small file through the plain form', async () => {
    const bytes = canaryFile(2000);
    const body = new FormData();
    body.append('_csrf', responder.csrfToken);
    body.append('file', new Blob([new Uint8Array(bytes)]), 'small.bin');
    const response = new Response(body);
    const sent = await t.app.inject({
      method: 'POST',
      url: `/console/incidents/${incidentId}/evidence`,
      headers: { cookie: responder.cookie, 'content-type': response.headers.get('content-type')! },
      payload: Buffer.from(await response.arrayBuffer()),
    });
    assert.equal(sent.statusCode, 303);
    const itemId = sent.headers.location!.split('/').pop()!;
    const [item] = (await listEvidenceItems(t.context, incidentId)).filter((one) => one.id === itemId);
    assert.equal(item?.sha256, sha256(bytes));
    assert.equal(item?.fileName, 'small.bin');
    const list = await t.app.inject({
      url: `/console/incidents/${incidentId}/evidence`,
      headers: { cookie: responder.cookie },
    });
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /small\.bin/);
    assert.ok(
      (await stat(path.join(dataDir, 'evidence', 'originals', `${itemId}.sealed`))).size > bytes.length,
    );
  });

  test("the responder's dispatch page links to the incident's media page", async () => {
    const dispatchId = await dispatchIdFor(t.context, incidentId, responder.userId);
    const page = await t.app.inject({
      url: `/console/dispatches/${dispatchId}`,
      headers: { cookie: responder.cookie, accept: 'text/html' },
    });
    assert.match(
      page.body,
      new RegExp(`href="/console/incidents/${incidentId}/evidence" id="dispatch-evidence"`),
    );
  });

  test('dispatchers do not see media unless the setting grants it', async () => {
    const page = await t.app.inject({
      url: `/console/incidents/${incidentId}/evidence`,
      headers: { cookie: dispatcher.cookie },
    });
    assert.equal(page.statusCode, 404);
  });

  test('legal staff see the media of an incident linked to a case they may see, not of others', async () => {
    const outsider = await createStaff(t.context, ['legal']);
    const linked = await legalWithCaseOn(t.context, incidentId);
    const open = (who: TestStaff) =>
      t.app.inject({ url: `/console/incidents/${incidentId}/evidence`, headers: { cookie: who.cookie } });
    assert.equal((await open(outsider)).statusCode, 404, 'a case elsewhere gives nothing');
    assert.equal((await open(linked)).statusCode, 200, 'a linked case they may see opens the media');
    const [item] = await listEvidenceItems(t.context, incidentId);
    const itemPage = await t.app.inject({
      url: `/console/evidence/${item!.id}`,
      headers: { cookie: linked.cookie },
    });
    assert.equal(itemPage.statusCode, 200);
    const add = await t.app.inject({
      method: 'POST',
      url: `/console/incidents/${incidentId}/evidence/uploads`,
      headers: {
        'tus-resumable': '1.0.0',
        cookie: linked.cookie,
        'x-csrf-token': linked.csrfToken,
        'upload-length': '10',
      },
    });
    assert.equal(add.statusCode, 404, 'seeing is not adding: only those sent there add');
    const caseRow = await t.context.db
      .selectFrom('cases')
      .select('id')
      .where('incident_id', '=', incidentId)
      .executeTakeFirstOrThrow();
    const casePage = await t.app.inject({
      url: `/console/cases/${caseRow.id}`,
      headers: { cookie: linked.cookie },
    });
    assert.equal(casePage.statusCode, 200);
    assert.match(
      casePage.body,
      new RegExp(`id="case-observation-log" href="/console/incidents/${incidentId}/log"`),
    );
    assert.match(
      casePage.body,
      new RegExp(`id="case-evidence-media" href="/console/incidents/${incidentId}/evidence"`),
    );
  });

  test('the incident page links to the media only for those who may see it', async () => {
    const page = await t.app.inject({
      url: `/console/incidents/${incidentId}`,
      headers: { cookie: dispatcher.cookie, accept: 'text/html' },
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /href="\/console\/incidents\/[^"]+\/log"/, 'the board reads the log');
    assert.doesNotMatch(page.body, /id="incident-evidence"/, 'but not the media without the setting');
    const granted = await createTestApp({
      env: { AMPARO_DATA_DIR: dataDir, AMPARO_EVIDENCE_MEDIA_FOR_DISPATCH: 'true' },
    });
    try {
      const coordinator = await createStaffSession(granted.context, ['coordinator']);
      const other = await insertIncident(granted.context);
      const withSetting = await granted.app.inject({
        url: `/console/incidents/${other.id}`,
        headers: { cookie: coordinator.cookie, accept: 'text/html' },
      });
      assert.match(
        withSetting.body,
        new RegExp(`id="incident-evidence" href="/console/incidents/${other.id}/evidence"`),
      );
    } finally {
      await granted.close();
    }
  });
});
