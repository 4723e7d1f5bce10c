// Photos by MMS, against the local Twilio stand-in: recorded with the text (URL encrypted), fetched once the
// conversation is a report, checked and stripped like a web form photo, stored encrypted as one of the
// report's photos (so the console shows it), and deleted at Twilio. What is not a photo is not kept, but
// still deleted at Twilio and named in the transcript; a URL that is not this account's is never requested.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import sharp from 'sharp';
import { createStaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { randomSid, startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { reportsDeps } from '../reports/reports.module.ts';
import { photoDecoder } from '../reports/photo.ts';
import { sweepOrphanPhotos } from '../reports/reports.service.ts';
import { fetchSmsMedia } from './sms.media.ts';
import { freshNumber, reportsFrom, text } from './sms.test-helpers.ts';

const EXIF_CANARY = 'GPS-CANARY-41.8448N-87.7044W';
const ALL_IN_ONE = 'ICE detaining 2 people at 26th and Kedzie now, 3 agents, vests say POLICE ICE, I saw it';

async function photoWithExif(): Promise<Buffer> {
  return sharp({ create: { width: 16, height: 12, channels: 3, background: 'orange' } })
    .jpeg()
    .withMetadata({ exif: { IFD0: { ImageDescription: EXIF_CANARY } } })
    .toBuffer();
}

function mmsFields(files: { url: string; contentType: string }[]): Record<string, string> {
  const fields: Record<string, string> = { NumMedia: String(files.length) };
  files.forEach((file, i) => {
    fields[`MediaUrl${i}`] = file.url;
    fields[`MediaContentType${i}`] = file.contentType;
  });
  return fields;
}

describe(`MMS photos`, () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let dataDir: string;
  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-sms-'));
    t = await createTestApp({
      env: { ...TWILIO_TEST_ENV, AMPARO_TWILIO_API_BASE: standIn.baseUrl, AMPARO_DATA_DIR: dataDir },
    });
  });
  after(async () => {
    await t.close();
    await standIn.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function mediaOf(conversationOrReport: { reportId?: string; phone?: string }) {
    let query = t.context.db.selectFrom('sms_media').selectAll();
    if (conversationOrReport.reportId) query = query.where('report_id', '=', conversationOrReport.reportId);
    return query.orderBy('received_at').execute();
  }

  test('a photo sent mid-conversation waits for the report, then is kept stripped and deleted at Twilio', async () => {
    const from = freshNumber();
    const original = await photoWithExif();
    const messageSid = randomSid('MM');
    const held = standIn.addMedia(original, 'image/jpeg', messageSid);
    await text(t, from, 'hi');
    t.clock.advance(30_000);
    const withPhoto = await text(t, from, '', {
      MessageSid: messageSid,
      ...mmsFields([{ url: held.url, contentType: 'image/jpeg' }]),
    });
    assert.equal(withPhoto.status, 200);
    assert.match(withPhoto.reply ?? '', /What is happening/, 'a photo alone answers nothing');

    const [pending] = await t.context.db
      .selectFrom('sms_media')
      .selectAll()
      .where('twilio_url_ciphertext', 'is not', null)
      .where('report_id', 'is', null)
      .execute();
    assert.ok(pending, 'the attachment is recorded with the conversation');
    assert.ok(!pending.twilio_url_ciphertext!.includes('api.twilio.com'), 'its URL is encrypted');
    const store = reportsDeps(t.context).store;
    assert.equal(await fetchSmsMedia(t.context, store, pending.id), 'waiting');
    assert.ok(standIn.held.has(held.path), 'not fetched before there is a report');

    t.clock.advance(30_000);
    await text(t, from, ALL_IN_ONE);
    const [report] = await reportsFrom(t, from);
    assert.ok(report);
    assert.match(report.details!, /\[MMS: image\/jpeg\]/);
    const queued = await sql<{ n: number }>`select count(*)::int as n from pgboss.job
      where name = 'sms.fetch-media' and data->>'mediaId' = ${pending.id}`.execute(t.context.db);
    assert.equal(queued.rows[0]!.n, 1, 'the fetch is enqueued with the report');

    assert.equal(await fetchSmsMedia(t.context, store, pending.id), 'stored');
    assert.ok(!standIn.held.has(held.path), 'deleted at Twilio');
    const requests = standIn.requests.filter((r) => r.path.startsWith(held.path));
    assert.deepEqual(
      requests.map((r) => r.method),
      ['GET', 'DELETE'],
    );
    assert.ok(requests.every((r) => r.authorization?.startsWith('Basic ')));

    const [media] = await mediaOf({ reportId: report.id });
    assert.ok(media);
    assert.equal(media.twilio_url_ciphertext, null, 'nothing left pointing at Twilio');
    assert.ok(media.deleted_at_twilio_at);
    const photo = await t.context.db
      .selectFrom('report_photos')
      .selectAll()
      .where('report_id', '=', report.id)
      .executeTakeFirstOrThrow();
    assert.equal(photo.id, media.id);
    assert.equal(photo.storage_key, media.storage_key);
    assert.equal(photo.original_sha256, createHash('sha256').update(original).digest('hex'));
    const file = await store.get(photo.storage_key);
    assert.ok(file);
    assert.ok(!file.includes(Buffer.from([0xff, 0xd8, 0xff])), 'the file on disk is ciphertext');
    const stripped = t.context.secrets.fields.decryptBytes(
      { table: 'report_photos', column: 'content', rowId: photo.id },
      file.toString('utf8'),
    );
    assert.ok(!stripped.includes(Buffer.from(EXIF_CANARY)), 'EXIF is gone');
    assert.equal((await sharp(stripped).metadata()).exif, undefined);

    // A dispatcher sees it on the existing report page.
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const page = await t.app.inject({
      url: `/console/reports/${report.id}/photo`,
      headers: { cookie: dispatcher.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['content-type'], 'image/jpeg');
    assert.deepEqual(page.rawPayload, stripped);

    assert.equal(await fetchSmsMedia(t.context, store, pending.id), 'done', 'a retry does nothing more');
    assert.equal(
      (
        await t.context.db
          .selectFrom('report_photos')
          .select('id')
          .where('report_id', '=', report.id)
          .execute()
      ).length,
      1,
    );
  });

  test('a replayed MMS webhook records its attachment once', async () => {
    const from = freshNumber();
    const held = standIn.addMedia(await photoWithExif(), 'image/jpeg');
    const params = {
      MessageSid: held.messageSid!,
      ...mmsFields([{ url: held.url, contentType: 'image/jpeg' }]),
    };
    await text(t, from, ALL_IN_ONE, params);
    await text(t, from, ALL_IN_ONE, params);
    const [report, ...others] = await reportsFrom(t, from);
    assert.ok(report);
    assert.equal(others.length, 0);
    assert.equal((await mediaOf({ reportId: report.id })).length, 1);
  });

  test('a video is not kept, but Twilio’s copy is deleted and the transcript names it', async () => {
    const from = freshNumber();
    const held = standIn.addMedia(Buffer.from('not really a video'), 'video/mp4');
    await text(t, from, ALL_IN_ONE, {
      MessageSid: held.messageSid!,
      ...mmsFields([{ url: held.url, contentType: 'video/mp4' }]),
    });
    const [report] = await reportsFrom(t, from);
    assert.ok(report);
    assert.match(report.details!, /\[MMS: video\/mp4\]/);
    const [media] = await mediaOf({ reportId: report.id });
    assert.ok(media);
    assert.equal(await fetchSmsMedia(t.context, reportsDeps(t.context).store, media.id), 'not_kept');
    assert.ok(!standIn.held.has(held.path));
    assert.ok(
      !standIn.requests.some((r) => r.method === 'GET' && r.path.startsWith(held.path)),
      'not even downloaded',
    );
    const photos = await t.context.db
      .selectFrom('report_photos')
      .select('id')
      .where('report_id', '=', report.id)
      .execute();
    assert.equal(photos.length, 0);
  });

  test('a file that claims to be a JPEG but is not is not kept', async () => {
    const from = freshNumber();
    const held = standIn.addMedia(Buffer.from('<html>not an image</html>'), 'image/jpeg');
    await text(t, from, ALL_IN_ONE, {
      MessageSid: held.messageSid!,
      ...mmsFields([{ url: held.url, contentType: 'image/jpeg' }]),
    });
    const [report] = await reportsFrom(t, from);
    const [media] = await mediaOf({ reportId: report!.id });
    assert.equal(await fetchSmsMedia(t.context, reportsDeps(t.context).store, media!.id), 'not_kept');
    assert.ok(!standIn.held.has(held.path));
  });

  test('a 10,000 × 10,000 photo is not kept, refused from its headers without a decode', async () => {
    const from = freshNumber();
    const bomb = await sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: 'white' } })
      .jpeg()
      .toBuffer();
    const held = standIn.addMedia(bomb, 'image/jpeg');
    await text(t, from, ALL_IN_ONE, {
      MessageSid: held.messageSid!,
      ...mmsFields([{ url: held.url, contentType: 'image/jpeg' }]),
    });
    const [report] = await reportsFrom(t, from);
    const [media] = await mediaOf({ reportId: report!.id });
    const gate = photoDecoder(t.context).gate;
    let decodesSeen = 0;
    const watch = setInterval(() => (decodesSeen = Math.max(decodesSeen, gate.state.running)), 1);
    const outcome = await fetchSmsMedia(t.context, reportsDeps(t.context).store, media!.id);
    clearInterval(watch);
    assert.equal(outcome, 'not_kept');
    assert.equal(decodesSeen, 0, 'nothing was decoded');
    assert.ok(!standIn.held.has(held.path), 'Twilio’s copy is deleted all the same');
  });

  test('with every decode place taken and the line full, the photo is fetched again later', async () => {
    const from = freshNumber();
    const held = standIn.addMedia(await photoWithExif(), 'image/jpeg');
    await text(t, from, ALL_IN_ONE, {
      MessageSid: held.messageSid!,
      ...mmsFields([{ url: held.url, contentType: 'image/jpeg' }]),
    });
    const [report] = await reportsFrom(t, from);
    const [media] = await mediaOf({ reportId: report!.id });
    const gate = photoDecoder(t.context).gate;
    const { concurrency, queueLimit } = t.context.config.imageDecoding;
    let release!: () => void;
    const blocker = new Promise<void>((resolve) => (release = resolve));
    const holders = Array.from({ length: concurrency + queueLimit }, () => gate.run(() => blocker));
    await assert.rejects(fetchSmsMedia(t.context, reportsDeps(t.context).store, media!.id), {
      name: 'InvalidImageError',
      reason: 'busy',
    });
    assert.ok(standIn.held.has(held.path), 'Twilio’s copy stays until the photo is kept');
    release();
    await Promise.all(holders);
    assert.equal(await fetchSmsMedia(t.context, reportsDeps(t.context).store, media!.id), 'stored');
  });

  test('a media URL of another account or host is never requested with our credentials', async () => {
    const from = freshNumber();
    const foreign = `https://api.twilio.com/2010-04-01/Accounts/${randomSid('AC')}/Messages/${randomSid('MM')}/Media/${randomSid('ME')}`;
    const elsewhere = 'https://attacker.example.net/steal';
    await text(t, from, ALL_IN_ONE, {
      MessageSid: randomSid('MM'),
      ...mmsFields([
        { url: foreign, contentType: 'image/jpeg' },
        { url: elsewhere, contentType: 'image/png' },
      ]),
    });
    const [report] = await reportsFrom(t, from);
    const media = await mediaOf({ reportId: report!.id });
    assert.equal(media.length, 2);
    const requestsBefore = standIn.requests.length;
    for (const item of media) {
      assert.equal(await fetchSmsMedia(t.context, reportsDeps(t.context).store, item.id), 'refused');
    }
    assert.equal(standIn.requests.length, requestsBefore, 'nothing requested');
  });

  test('a photo from an opted-out number joins the report its text makes at once', async () => {
    const from = freshNumber();
    await text(t, from, 'STOP');
    const held = standIn.addMedia(await photoWithExif(), 'image/jpeg');
    t.clock.advance(30_000);
    const answer = await text(t, from, 'look', {
      MessageSid: held.messageSid!,
      ...mmsFields([{ url: held.url, contentType: 'image/jpeg' }]),
    });
    assert.equal(answer.reply, undefined);
    const [report] = await reportsFrom(t, from);
    assert.ok(report);
    const [media] = await mediaOf({ reportId: report.id });
    assert.equal(await fetchSmsMedia(t.context, reportsDeps(t.context).store, media!.id), 'stored');
    assert.ok(!standIn.held.has(held.path));
  });

  test('a file only a texted photo names is no orphan to the report store’s sweep', async () => {
    const deps = reportsDeps(t.context);
    const key = 'ef'.repeat(16);
    await deps.store.put(key, Buffer.from('a texted photo'));
    await t.context.db
      .insertInto('sms_media')
      .values({
        id: randomUUID(),
        conversation_id: null,
        report_id: null,
        twilio_url_ciphertext: null,
        content_type: 'image/jpeg',
        storage_key: key,
        received_at: new Date(),
      })
      .execute();
    const hourAgo = new Date(Date.now() - 3600_000);
    await utimes(path.join(dataDir, 'uploads', key), hourAgo, hourAgo);
    await sweepOrphanPhotos(deps, new Date());
    assert.ok((await deps.store.get(key)) !== undefined, 'the sms module’s file stays');
  });
});
