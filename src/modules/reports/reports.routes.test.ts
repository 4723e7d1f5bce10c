// The report form end to end over a real database: storage, encryption, photo stripping, expiry,
// and every way a submission can go wrong coming back as a clear answer with nothing typed lost.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import sharp from 'sharp';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import type { EncryptedColumn } from '../../crypto/field-encryption.ts';
import { reportField } from './reports.fields.ts';
import { reportsDeps } from './reports.module.ts';
import { expireReport, sweepOrphanPhotos } from './reports.service.ts';
import {
  EXIF_CANARY,
  jpegWithExif,
  multipartBody,
  openReportForm,
  postReport,
  VALID_FIELDS,
  referenceFromLocation,
} from './reports.test-helpers.ts';

const CANARY = {
  location: 'canary-location-4417 Elm Street',
  phone: '(773) 555-0142',
  phoneNormalized: '+17735550142',
  details: 'canary-details-three-white-vans',
  uniform: 'canary-uniform-HSI',
};

describe(`report form`, () => {
  let t: TestApp;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-reports-'));
    t = await createTestApp({
      env: { AMPARO_DATA_DIR: dataDir, AMPARO_PUBLIC_RATE_LIMIT: '1000' },
    });
  });
  after(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const uploads = async (): Promise<string[]> =>
    (await readdir(path.join(dataDir, 'uploads')).catch(() => [])).filter((f) => !f.startsWith('.'));
  const reportCount = async (): Promise<number> =>
    Number((await sql<{ n: string }>`select count(*) as n from reports`.execute(t.context.db)).rows[0]?.n);

  test('a full report with a photo is stored encrypted, stripped of metadata, and acknowledged', async () => {
    const session = await openReportForm(t.app);
    const original = await jpegWithExif();
    assert.ok(original.includes(EXIF_CANARY), 'the test photo really carries EXIF');
    const res = await postReport(
      t.app,
      session,
      {
        ...VALID_FIELDS,
        location: CANARY.location,
        uniform: CANARY.uniform,
        details: CANARY.details,
        callback_phone: CANARY.phone,
        callback_consent: 'yes',
      },
      { photo: { bytes: original } },
    );
    assert.equal(res.statusCode, 303, res.body);
    const location = String(res.headers.location);
    // A number was given for a call back, so the thank-you page may say one can come.
    const reference = /^\/report\/received\?ref=([A-Z0-9]{8})&callback=1$/.exec(location)?.[1];
    assert.ok(reference, location);
    assert.match(reference, /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/);

    const received = await t.app.inject({ url: location, headers: { accept: 'text/html' } });
    assert.equal(received.statusCode, 200);
    assert.ok(received.body.includes(reference));

    const report = await t.context.db
      .selectFrom('reports')
      .selectAll()
      .where('reference', '=', reference)
      .executeTakeFirstOrThrow();
    assert.equal(report.status, 'new');
    assert.equal(report.channel, 'web');
    assert.equal(report.activity, 'detaining');
    assert.equal(report.zip, '60623');
    assert.equal(report.agents_count, 4);
    assert.equal(report.vehicles_count, 2);
    const row = JSON.stringify(report);
    for (const canary of [
      CANARY.location,
      CANARY.details,
      CANARY.uniform,
      CANARY.phoneNormalized,
      '5550142',
    ]) {
      assert.ok(!row.includes(canary), `${canary} must not be stored in the clear`);
    }
    const { fields, blindIndex } = t.context.secrets;
    const ref = (column: EncryptedColumn<'reports'>) => reportField(report.id, column);
    assert.equal(fields.decryptOptional(ref('location'), report.location_ciphertext), CANARY.location);
    assert.equal(fields.decryptOptional(ref('details'), report.details_ciphertext), CANARY.details);
    assert.equal(
      fields.decryptOptional(ref('callback_phone'), report.callback_phone_ciphertext),
      CANARY.phoneNormalized,
    );
    assert.equal(
      report.callback_phone_index,
      blindIndex.index('reports.callback_phone', CANARY.phoneNormalized),
    );

    const photo = await t.context.db
      .selectFrom('report_photos')
      .selectAll()
      .where('report_id', '=', report.id)
      .executeTakeFirstOrThrow();
    assert.equal(photo.original_sha256, createHash('sha256').update(original).digest('hex'));
    assert.equal(photo.content_type, 'image/jpeg');
    assert.match(photo.storage_key, /^[a-f0-9]{32}$/);
    const file = await reportsDeps(t.context).store.get(photo.storage_key);
    assert.ok(file);
    assert.ok(!file.includes(Buffer.from([0xff, 0xd8, 0xff])), 'the file on disk is ciphertext');
    const stripped = fields.decryptBytes(
      { table: 'report_photos', column: 'content', rowId: photo.id },
      file.toString('utf8'),
    );
    assert.deepEqual([...stripped.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    assert.ok(!stripped.includes(EXIF_CANARY), 'EXIF is gone');
    assert.equal((await sharp(stripped).metadata()).exif, undefined);
    assert.equal(photo.size_bytes, stripped.length);
  });

  test('expiry deletes a still-new report and its photo file, and keeps one that needs verification', async () => {
    const session = await openReportForm(t.app);
    const submit = async () => {
      const res = await postReport(t.app, session, VALID_FIELDS, {
        photo: { bytes: await jpegWithExif() },
      });
      assert.equal(res.statusCode, 303);
      const reference = referenceFromLocation(res.headers.location);
      const report = await t.context.db
        .selectFrom('reports')
        .innerJoin('report_photos', 'report_photos.report_id', 'reports.id')
        .select(['reports.id', 'report_photos.storage_key'])
        .where('reference', '=', reference)
        .executeTakeFirstOrThrow();
      return report;
    };
    const unverified = await submit();
    const kept = await submit();
    await t.context.db
      .updateTable('reports')
      .set({ status: 'needs_verification' })
      .where('id', '=', kept.id)
      .execute();
    assert.ok((await uploads()).includes(unverified.storage_key));

    const deps = reportsDeps(t.context);
    assert.equal(await expireReport(deps, unverified.id), 'deleted');
    assert.equal(await expireReport(deps, kept.id), 'kept');
    assert.equal(await expireReport(deps, unverified.id), 'gone', 'running twice is harmless');

    const left = await t.context.db
      .selectFrom('reports')
      .select('id')
      .where('id', 'in', [unverified.id, kept.id])
      .execute();
    assert.deepEqual(
      left.map((r) => r.id),
      [kept.id],
    );
    const files = await uploads();
    assert.ok(!files.includes(unverified.storage_key), 'the photo file is deleted');
    assert.ok(files.includes(kept.storage_key));
    const photoRows = await t.context.db
      .selectFrom('report_photos')
      .select('id')
      .where('report_id', '=', unverified.id)
      .execute();
    assert.equal(photoRows.length, 0);
  });

  test('the sweep removes old photo files no report points to, and nothing else', async () => {
    const session = await openReportForm(t.app);
    const res = await postReport(t.app, session, VALID_FIELDS, { photo: { bytes: await jpegWithExif() } });
    assert.equal(res.statusCode, 303);
    const deps = reportsDeps(t.context);
    const kept = (await t.context.db.selectFrom('report_photos').select('storage_key').execute()).map(
      (r) => r.storage_key,
    );
    const orphan = 'ab'.repeat(16);
    const fresh = 'cd'.repeat(16);
    await deps.store.put(orphan, Buffer.from('left by a crash'));
    await deps.store.put(fresh, Buffer.from('its transaction is still running'));
    const dir = path.join(t.context.config.dataDir, 'uploads');
    // Every file's time is set here, from the same clock the sweep is given, so the test holds whatever the hour
    // and even under faketime (which moves the process's clock, not the file system's).
    const now = new Date();
    const hourAgo = new Date(now.getTime() - 3600_000);
    for (const key of [orphan, ...kept]) await utimes(path.join(dir, key), hourAgo, hourAgo);
    await utimes(path.join(dir, fresh), now, now);
    assert.equal(await sweepOrphanPhotos(deps, now), 1);
    const files = await uploads();
    assert.ok(!files.includes(orphan), 'the orphan is gone');
    assert.ok(files.includes(fresh), 'a file younger than the grace period stays');
    for (const key of kept) assert.ok(files.includes(key), 'photos of reports stay');
    await deps.store.delete(fresh);
  });

  test('missing required fields come back in Spanish with everything typed kept', async () => {
    const session = await openReportForm(t.app, 'es');
    const before = await reportCount();
    const res = await postReport(
      t.app,
      session,
      { zip: '6062', uniform: 'Chalecos <b>ICE</b>', agents_count: '2000', callback_phone: '773 555 0142' },
      { lang: 'es' },
    );
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Este campo es obligatorio/);
    assert.match(res.body, /Un código postal tiene 5 dígitos/);
    assert.match(res.body, /Escriba un número entero del 0 al 1000/);
    assert.match(res.body, /Marque la casilla para que guardemos su número/);
    assert.match(res.body, /value="6062"/);
    assert.match(res.body, /value="Chalecos &lt;b&gt;ICE&lt;\/b&gt;"/);
    assert.match(res.body, /value="773 555 0142"/);
    assert.match(res.body, /value="2000"/);
    assert.equal(await reportCount(), before);
  });

  test('over-long fields get a clear message', async () => {
    const session = await openReportForm(t.app);
    const res = await postReport(t.app, session, {
      ...VALID_FIELDS,
      location: 'x'.repeat(501),
      details: 'é'.repeat(5001),
    });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /at most 500 characters/);
    assert.match(res.body, /at most 5000 characters/);
  });

  test('a photo that is not an image is refused, the rest kept, no report stored', async () => {
    const session = await openReportForm(t.app);
    const before = await reportCount();
    const filesBefore = await uploads();
    const res = await postReport(
      t.app,
      session,
      { ...VALID_FIELDS, details: 'keep me' },
      {
        photo: {
          bytes: Buffer.from('MZ this is not a picture at all'),
          name: 'photo.jpg',
          type: 'image/jpeg',
        },
      },
    );
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /The photo must be a JPEG or PNG image/);
    assert.match(res.body, /Your photo was not kept/);
    assert.match(res.body, />keep me<\/textarea>/);
    assert.equal(await reportCount(), before);
    assert.deepEqual(await uploads(), filesBefore);

    // Right first bytes, wrong body: the decoder is the judge, not the magic number alone.
    const fake = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)]);
    const again = await postReport(t.app, session, VALID_FIELDS, { photo: { bytes: fake } });
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /The photo must be a JPEG or PNG image/);
    assert.equal(await reportCount(), before);
  });

  test('a PNG named .exe is accepted by content', async () => {
    const session = await openReportForm(t.app);
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'blue' } })
      .png()
      .toBuffer();
    const res = await postReport(t.app, session, VALID_FIELDS, {
      photo: { bytes: png, name: 'x.exe', type: 'application/octet-stream' },
    });
    assert.equal(res.statusCode, 303);
  });

  test('an expired form token brings the form back with the data kept', async () => {
    const session = await openReportForm(t.app);
    t.clock.advance(5 * 60 * 60 * 1000);
    const before = await reportCount();
    const res = await postReport(
      t.app,
      session,
      { ...VALID_FIELDS, details: 'still here' },
      {
        photo: { bytes: await jpegWithExif() },
      },
    );
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /This form expired for your safety/);
    assert.match(res.body, />still here<\/textarea>/);
    assert.match(res.body, /Your photo was not kept/);
    assert.equal(await reportCount(), before);
    const fresh = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    assert.ok(fresh && fresh !== session.csrf);
    const retry = await postReport(t.app, session, VALID_FIELDS, { csrf: fresh });
    assert.equal(retry.statusCode, 303);

    const forged = await postReport(t.app, session, VALID_FIELDS, { csrf: 'forged.token.value' });
    assert.equal(forged.statusCode, 403);
  });

  test('invalid UTF-8 is a clear error on both encodings, never stored', async () => {
    const session = await openReportForm(t.app);
    const before = await reportCount();
    const urlencoded = await t.app.inject({
      method: 'POST',
      url: '/report',
      payload: Buffer.concat([
        Buffer.from('activity=raid&location='),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('&_csrf=x'),
      ]),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: session.cookie,
        accept: 'text/html',
      },
    });
    assert.equal(urlencoded.statusCode, 400);
    assert.match(urlencoded.body, /The text sent could not be read/);

    const boundary = 'amparoBoundary42';
    const part = (name: string, value: Buffer | string) =>
      Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
        Buffer.from(value),
        Buffer.from('\r\n'),
      ]);
    const payload = Buffer.concat([
      part('_csrf', session.csrf),
      ...Object.entries({ ...VALID_FIELDS, location: '' }).map(([k, v]) =>
        k === 'location' ? Buffer.alloc(0) : part(k, v),
      ),
      part(
        'location',
        Buffer.concat([Buffer.from('Main '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' St')]),
      ),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
    const multipart = await t.app.inject({
      method: 'POST',
      url: '/report',
      payload,
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        cookie: session.cookie,
        accept: 'text/html',
      },
    });
    assert.equal(multipart.statusCode, 422);
    assert.match(multipart.body, /This text could not be read/);
    assert.ok(!multipart.body.includes('\uFFFD'), 'the garbage is not shown back');
    assert.equal(await reportCount(), before);
  });

  test('a broken multipart body (no boundary, cut off half-way) is a clear 400, not a 500', async () => {
    const session = await openReportForm(t.app);
    const before = await reportCount();
    const noBoundary = await t.app.inject({
      method: 'POST',
      url: '/report',
      payload: 'activity=raid',
      headers: {
        'content-type': 'multipart/form-data',
        cookie: session.cookie,
        accept: 'application/json',
      },
    });
    assert.equal(noBoundary.statusCode, 400);
    assert.equal(noBoundary.json().error.code, 'invalid_request');
    const { payload, contentType } = await multipartBody({ _csrf: session.csrf, ...VALID_FIELDS });
    const cut = await t.app.inject({
      method: 'POST',
      url: '/report',
      payload: payload.subarray(0, Math.floor(payload.length / 2)),
      headers: { 'content-type': contentType, cookie: session.cookie, accept: 'text/html' },
    });
    assert.equal(cut.statusCode, 400);
    assert.match(cut.body, /Some of what was sent is missing/);
    assert.equal(await reportCount(), before, 'nothing stored');
    assert.doesNotMatch(t.logs.text, /unexpected error/);
  });

  test('a body that is not a form is 415, a photo over 10 MB is 413 with the form kept', async () => {
    const session = await openReportForm(t.app);
    const plain = await t.app.inject({
      method: 'POST',
      url: '/report',
      payload: 'activity=raid',
      headers: { 'content-type': 'text/plain', cookie: session.cookie, accept: 'text/html' },
    });
    assert.equal(plain.statusCode, 415);
    assert.match(plain.body, /This kind of content is not accepted here/);

    const json = await t.app.inject({
      method: 'POST',
      url: '/report',
      payload: { activity: 'raid' },
      headers: { cookie: session.cookie },
    });
    assert.equal(json.statusCode, 415);
    assert.equal(json.json().error.code, 'unsupported_media_type');

    const before = await reportCount();
    const huge = Buffer.concat([await jpegWithExif(), Buffer.alloc(10 * 1024 * 1024 + 10)]);
    const res = await postReport(
      t.app,
      session,
      { ...VALID_FIELDS, details: 'big photo' },
      { photo: { bytes: huge } },
    );
    assert.equal(res.statusCode, 413);
    assert.match(res.body, /The photo is larger than 10 MB/);
    assert.match(res.body, />big photo<\/textarea>/);
    assert.equal(await reportCount(), before);
  });

  test('report text and phone never reach the logs', async () => {
    const session = await openReportForm(t.app);
    const res = await postReport(t.app, session, {
      ...VALID_FIELDS,
      location: CANARY.location,
      details: CANARY.details,
      uniform: CANARY.uniform,
      callback_phone: CANARY.phone,
      callback_consent: 'yes',
    });
    assert.equal(res.statusCode, 303);
    // A rejected form too: its values must not be logged either.
    await postReport(t.app, session, { location: CANARY.location, callback_phone: CANARY.phone });
    for (const canary of [
      CANARY.location,
      CANARY.details,
      CANARY.uniform,
      CANARY.phoneNormalized,
      '555-0142',
      '5550142',
    ]) {
      assert.ok(!t.logs.text.includes(canary), `${canary} leaked into the logs`);
    }
    const jobs = await sql<{ data: unknown }>`select data from pgboss.job`.execute(t.context.db);
    assert.ok(!JSON.stringify(jobs.rows).includes('canary'), 'job payloads carry ids only');
  });
});

describe(`report form rate limit`, () => {
  let t: TestApp;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-reports-'));
    t = await createTestApp({ env: { AMPARO_DATA_DIR: dataDir, AMPARO_PUBLIC_RATE_LIMIT: '2' } });
  });
  after(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('posting is limited per client per minute', async () => {
    const session = await openReportForm(t.app);
    const { payload, contentType } = await multipartBody({ _csrf: session.csrf, ...VALID_FIELDS });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/report',
        payload,
        headers: { 'content-type': contentType, cookie: session.cookie, accept: 'text/html' },
      });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses, [303, 303, 429]);
  });
});
