// The dispatch page a responder opens from the text, end to end over a real database: who may see and use
// it, answering on the page, and the field verification (the only way an incident becomes `confirmed`),
// with its photo stored encrypted and stripped, and a form that comes back whole, in Spanish, when wrong.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import sharp from 'sharp';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { Browser, insertEnrolledUser, signIn } from '../auth/auth.testing.ts';
import { hashPassword } from '../auth/passwords.ts';
import { photoDecoder } from '../reports/photo.ts';
import { reportsDeps } from '../reports/reports.module.ts';
import { sweepOrphanPhotos } from '../reports/reports.service.ts';
import { EXIF_CANARY, jpegWithExif } from '../reports/reports.test-helpers.ts';
import { verificationNotesField, verificationPhotoField } from './dispatch.service.ts';
import {
  auditActionsFor,
  createStaff,
  dispatchIdFor,
  dispatchThroughPanel,
  insertIncident,
  setProfile,
  timelineKinds,
  type TestIncident,
  type TestStaff,
} from './dispatch.test-helpers.ts';

const LOCATION = 'canary-place 2650 S Kedzie Ave, by the bakery';
const NOTES = 'canary-notes Vests read ICE ERO; grey van plate partly seen';

type Fields = Record<string, string | string[]>;

const CONFIRMING: Fields = {
  anyone_present: 'yes',
  agency: 'ice',
  identified_by: ['vests', 'vehicles'],
  activity: 'detaining',
  agents_count: '5',
  vehicles_count: '2',
  notes: NOTES,
  outcome: 'confirmed',
};

/** A multipart body as a browser sends the verification form: repeated checkboxes, the photo last. */
async function multipart(fields: Fields, photo?: Buffer): Promise<{ payload: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    for (const one of Array.isArray(value) ? value : [value]) form.append(name, one);
  }
  if (photo) form.append('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'scene.jpg');
  const response = new Response(form);
  return {
    payload: Buffer.from(await response.arrayBuffer()),
    contentType: response.headers.get('content-type')!,
  };
}

describe(`dispatch page and verification`, () => {
  let t: TestApp;
  let dataDir: string;
  let dispatcher: StaffSession;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-dispatch-'));
    t = await createTestApp({ env: { AMPARO_DATA_DIR: dataDir } });
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  interface Sent {
    incident: TestIncident;
    responder: TestStaff;
    dispatchId: string;
  }

  async function sendOne(options: { languages?: string[] } = {}): Promise<Sent> {
    // A point a little off the ZIP centre: a precise place the responder is shown.
    const incident = await insertIncident(t.context, {
      zip: '60623',
      point: { lat: 41.84791, lon: -87.70412 },
      location: LOCATION,
    });
    const responder = await createStaff(t.context, ['responder'], {
      languages: options.languages ?? ['en'],
    });
    assert.equal(
      (await dispatchThroughPanel(t.app, dispatcher, incident.id, responder.userId)).statusCode,
      303,
    );
    return {
      incident,
      responder,
      dispatchId: await dispatchIdFor(t.context, incident.id, responder.userId),
    };
  }

  const get = (session: StaffSession, url: string, lang = 'en') =>
    t.app.inject({
      url,
      headers: { accept: 'text/html', cookie: session.cookie, 'accept-language': lang },
    });

  async function verify(
    session: StaffSession,
    dispatchId: string,
    fields: Fields,
    options: { photo?: Buffer; lang?: string; csrf?: string } = {},
  ) {
    const { payload, contentType } = await multipart(
      { _csrf: options.csrf ?? session.csrfToken, ...fields },
      options.photo,
    );
    return t.app.inject({
      method: 'POST',
      url: `/console/dispatches/${dispatchId}`,
      payload,
      headers: {
        'content-type': contentType,
        cookie: session.cookie,
        accept: 'text/html',
        'accept-language': options.lang ?? 'en',
      },
    });
  }

  const answer = (session: StaffSession, dispatchId: string, form: Record<string, string>, lang = 'en') =>
    t.app.inject({
      method: 'POST',
      url: `/console/dispatches/${dispatchId}/answer`,
      headers: {
        accept: 'text/html',
        cookie: session.cookie,
        'accept-language': lang,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: session.csrfToken, ...form }).toString(),
    });

  const incidentStatus = async (id: string) =>
    (
      await t.context.db
        .selectFrom('incidents')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).status;

  test('the responder sent sees where to go and the forms; no tables, no scripts', async () => {
    const { incident, responder, dispatchId } = await sendOne();
    const page = await get(responder, `/console/dispatches/${dispatchId}`);
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(LOCATION), "the place in the reporter's words");
    assert.match(page.body, /href="geo:41\.84791,-87\.70412/);
    assert.match(page.body, /Observe from a safe distance\. Do not confront/);
    assert.match(page.body, /<form method="post" action="\/console\/dispatches\/[^"]+\/answer"/);
    assert.match(page.body, /<button type="submit" name="answer" value="on_way">/);
    assert.match(page.body, /enctype="multipart\/form-data"/);
    for (const name of [
      'anyone_present',
      'agency',
      'identified_by',
      'activity',
      'agents_count',
      'vehicles_count',
      'notes',
      'outcome',
      'photo',
    ]) {
      assert.match(page.body, new RegExp(`name="${name}"`), name);
    }
    assert.ok(!/<table|<script/.test(page.body), 'a phone page: no tables, no scripts');
    assert.deepEqual(await auditActionsFor(t.context, dispatchId), ['dispatch.sent', 'dispatch.viewed']);
    assert.ok(incident.reference && page.body.includes(incident.reference));
  });

  test('another responder finds nothing; a dispatcher may look but gets no forms; legal is refused', async () => {
    const { dispatchId } = await sendOne();
    const other = await createStaff(t.context, ['responder']);
    const denied = await get(other, `/console/dispatches/${dispatchId}`);
    assert.equal(denied.statusCode, 404);
    assert.ok(!denied.body.includes(LOCATION));
    const looking = await get(dispatcher, `/console/dispatches/${dispatchId}`);
    assert.equal(looking.statusCode, 200);
    assert.ok(looking.body.includes(LOCATION));
    assert.ok(!looking.body.includes('id="verification-form"') && !looking.body.includes('/answer"'));
    const legal = await createStaffSession(t.context, ['legal']);
    assert.equal((await get(legal, `/console/dispatches/${dispatchId}`)).statusCode, 403);
  });

  test('answering on the page: on my way with an ETA, then arrived; a bad ETA comes back in Spanish', async () => {
    const { incident, responder, dispatchId } = await sendOne();
    const bad = await answer(responder, dispatchId, { answer: 'on_way', eta: 'pronto' }, 'es');
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Use un número entero de minutos, de 0 a 600/);
    assert.match(bad.body, /name="eta"[^>]*value="pronto"/);

    const onWay = await answer(responder, dispatchId, { answer: 'on_way', eta: '12' });
    assert.equal(onWay.statusCode, 303);
    assert.equal(onWay.headers.location, `/console/dispatches/${dispatchId}?answered=on_way`);
    let row = await t.context.db
      .selectFrom('dispatches')
      .selectAll()
      .where('id', '=', dispatchId)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'on_way');
    assert.equal(row.eta_minutes, 12);
    const shown = await get(responder, String(onWay.headers.location));
    assert.match(shown.body, /the dispatcher knows you are on your way/);
    assert.match(shown.body, /in 12 min/);

    assert.equal((await answer(responder, dispatchId, { answer: 'arrived' })).statusCode, 303);
    row = await t.context.db
      .selectFrom('dispatches')
      .selectAll()
      .where('id', '=', dispatchId)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'arrived');
    const kinds = await timelineKinds(t.context, incident.id);
    assert.ok(kinds.includes('dispatch_on_way') && kinds.includes('dispatch_arrived'), kinds.join());
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select('details')
      .where('subject_id', '=', dispatchId)
      .where('action', '=', 'dispatch.answered')
      .execute();
    assert.equal(audit.length, 2);
    assert.ok(audit.every((a) => (a.details as { via?: string }).via === 'page'));

    // Arrived cannot go back to "can't go".
    const late = await answer(responder, dispatchId, { answer: 'declined' });
    assert.equal(late.statusCode, 409);
    const other = await createStaff(t.context, ['responder']);
    assert.equal((await answer(other, dispatchId, { answer: 'on_way' })).statusCode, 404);
  });

  test('an answer notice that is not one of ours is ignored, even one every object inherits', async () => {
    const { responder, dispatchId } = await sendOne();
    for (const answered of ['constructor', 'toString', '__proto__', 'valueOf', 'nonsense']) {
      const res = await get(responder, `/console/dispatches/${dispatchId}?answered=${answered}`);
      assert.equal(res.statusCode, 200, answered);
      assert.ok(!res.body.includes('the dispatcher knows'), `${answered}: no notice`);
    }
  });

  test('the responder confirms: verification stored, photo encrypted and stripped, incident confirmed', async () => {
    const { incident, responder, dispatchId } = await sendOne();
    assert.equal(await incidentStatus(incident.id), 'verifying');
    const original = await jpegWithExif();
    const res = await verify(responder, dispatchId, CONFIRMING, { photo: original });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `/console/dispatches/${dispatchId}?saved=1`);

    assert.equal(await incidentStatus(incident.id), 'confirmed');
    const dispatch = await t.context.db
      .selectFrom('dispatches')
      .select('status')
      .where('id', '=', dispatchId)
      .executeTakeFirstOrThrow();
    assert.equal(dispatch.status, 'done');
    const verification = await t.context.db
      .selectFrom('verifications')
      .selectAll()
      .where('dispatch_id', '=', dispatchId)
      .executeTakeFirstOrThrow();
    assert.equal(verification.incident_id, incident.id);
    assert.equal(verification.responder_id, responder.userId);
    assert.equal(verification.anyone_present, true);
    assert.equal(verification.agency, 'ice');
    assert.deepEqual(verification.identified_by, ['vests', 'vehicles']);
    assert.equal(verification.agents_count, 5);
    assert.equal(verification.outcome, 'confirmed');
    const { rows } = await sql<{ row: string }>`
      select t::text as row from verifications t where t.id = ${verification.id}`.execute(t.context.db);
    assert.ok(!rows[0]!.row.includes('canary-notes'), 'the notes are not stored in the clear');
    const { fields } = t.context.secrets;
    assert.equal(
      fields.decryptOptional(verificationNotesField(verification.id), verification.notes_ciphertext),
      NOTES,
    );

    assert.equal(verification.photo_sha256, createHash('sha256').update(original).digest('hex'));
    assert.equal(verification.photo_content_type, 'image/jpeg');
    const file = await reportsDeps(t.context).store.get(verification.photo_storage_key!);
    assert.ok(file, 'the photo file exists');
    assert.ok(!file.includes(Buffer.from([0xff, 0xd8, 0xff])), 'the file on disk is ciphertext');
    const stripped = fields.decryptBytes(verificationPhotoField(verification.id), file.toString('utf8'));
    assert.deepEqual([...stripped.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    assert.ok(!stripped.includes(EXIF_CANARY), 'EXIF is gone');
    assert.equal((await sharp(stripped).metadata()).exif, undefined);

    const kinds = await timelineKinds(t.context, incident.id);
    assert.ok(kinds.includes('verified') && kinds.includes('verifying->confirmed'), kinds.join());
    assert.deepEqual(await auditActionsFor(t.context, verification.id), ['verification.recorded']);
    const statusAudit = await t.context.db
      .selectFrom('audit_log')
      .select('details')
      .where('subject_id', '=', incident.id)
      .where('action', '=', 'incident.status_changed')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    assert.deepEqual(statusAudit.details, { from: 'verifying', to: 'confirmed', source: 'verification' });

    const page = await get(responder, String(res.headers.location));
    assert.match(page.body, /Your verification is saved/);
    assert.match(page.body, /id="verification"[\s\S]*Confirmed: immigration enforcement is happening/);
    assert.ok(!page.body.includes('id="verification-form"'), 'no second verification form');
    const photo = await get(dispatcher, `/console/dispatches/${dispatchId}/photo`);
    assert.equal(photo.statusCode, 200);
    assert.equal(photo.headers['content-type'], 'image/jpeg');
    assert.deepEqual(photo.rawPayload, stripped);
    const other = await createStaff(t.context, ['responder']);
    assert.equal((await get(other, `/console/dispatches/${dispatchId}/photo`)).statusCode, 404);
    assert.ok(!t.logs.text.includes('canary-'), 'nothing typed reaches the logs');

    // A second tap on Save records nothing more.
    const twice = await verify(responder, dispatchId, CONFIRMING);
    assert.equal(twice.statusCode, 409);
    const count = await t.context.db
      .selectFrom('verifications')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('dispatch_id', '=', dispatchId)
      .executeTakeFirstOrThrow();
    assert.equal(count.n, 1);
  });

  test('only the responder sent can verify: another responder and a dispatcher are refused', async () => {
    const { incident, dispatchId } = await sendOne();
    const other = await createStaff(t.context, ['responder']);
    const byOther = await verify(other, dispatchId, CONFIRMING);
    assert.equal(byOther.statusCode, 404);
    assert.ok(!byOther.body.includes(LOCATION));
    const byDispatcher = await verify(dispatcher, dispatchId, CONFIRMING);
    assert.equal(byDispatcher.statusCode, 403);
    // A coordinator who is also a responder, but not the one sent, is refused too.
    const coordinator = await createStaff(t.context, ['coordinator', 'responder']);
    assert.equal((await verify(coordinator, dispatchId, CONFIRMING)).statusCode, 404);
    assert.equal(await incidentStatus(incident.id), 'verifying');
    const stored = await t.context.db
      .selectFrom('verifications')
      .select('id')
      .where('dispatch_id', '=', dispatchId)
      .execute();
    assert.equal(stored.length, 0);
  });

  test('an incident still `reported` goes through `verifying` to what the responder found', async () => {
    const { incident, responder, dispatchId } = await sendOne();
    await t.context.db
      .updateTable('incidents')
      .set({ status: 'reported' })
      .where('id', '=', incident.id)
      .execute();
    const res = await verify(responder, dispatchId, { anyone_present: 'no', outcome: 'false_alarm' });
    assert.equal(res.statusCode, 303);
    assert.equal(await incidentStatus(incident.id), 'false_alarm');
    const kinds = await timelineKinds(t.context, incident.id);
    assert.ok(
      kinds.includes('reported->verifying') && kinds.includes('verifying->false_alarm'),
      kinds.join(),
    );
  });

  test('without JavaScript, in Spanish: a wrong form comes back whole with the problems, then saves', async () => {
    const { incident, responder, dispatchId } = await sendOne({ languages: ['es'] });
    const typed: Fields = {
      anyone_present: 'no',
      agency: 'cbp',
      identified_by: ['vests'],
      agents_count: 'muchos',
      vehicles_count: '3',
      notes: 'Chalecos <b>ICE</b> cerca de la panadería',
      outcome: 'confirmed',
    };
    const wrong = await verify(responder, dispatchId, typed, { lang: 'es', photo: await jpegWithExif() });
    assert.equal(wrong.statusCode, 422);
    assert.match(wrong.body, /<html lang="es"/);
    assert.match(wrong.body, /Algunas respuestas necesitan atención/);
    assert.match(wrong.body, /Si no había nadie, elija falsa alarma o no se pudo verificar/);
    assert.match(wrong.body, /Use un número entero de 0 a 1000/);
    assert.match(wrong.body, /name="anyone_present" value="no" checked/);
    assert.match(wrong.body, /name="identified_by" value="vests" checked/);
    assert.ok(!/name="identified_by" value="badges" checked/.test(wrong.body));
    assert.match(wrong.body, /<option value="cbp" selected>/);
    assert.match(wrong.body, /name="agents_count"[^>]*value="muchos"/);
    assert.ok(
      wrong.body.includes('Chalecos &lt;b&gt;ICE&lt;/b&gt; cerca de la panadería'),
      'notes kept, escaped',
    );
    assert.match(wrong.body, /Elija la foto otra vez/);
    assert.equal(await incidentStatus(incident.id), 'verifying');
    assert.equal(
      (
        await t.context.db
          .selectFrom('verifications')
          .select('id')
          .where('dispatch_id', '=', dispatchId)
          .execute()
      ).length,
      0,
    );

    const fixed = await verify(
      responder,
      dispatchId,
      { ...typed, anyone_present: 'yes', agents_count: '7' },
      { lang: 'es' },
    );
    assert.equal(fixed.statusCode, 303);
    const saved = await get(responder, String(fixed.headers.location), 'es');
    assert.match(saved.body, /Su verificación está guardada/);
    assert.equal(await incidentStatus(incident.id), 'confirmed');
  });

  test('an expired form token brings the form back filled in; a file that is not an image is refused', async () => {
    const { responder, dispatchId } = await sendOne();
    const expired = await verify(responder, dispatchId, CONFIRMING, {
      csrf: 'forged.token.value',
      lang: 'es',
    });
    assert.equal(expired.statusCode, 403);
    assert.match(expired.body, /Este formulario venció por su seguridad/);
    assert.ok(expired.body.includes(NOTES));
    const notImage = await verify(responder, dispatchId, CONFIRMING, {
      photo: Buffer.from('GIF89a not really'),
    });
    assert.equal(notImage.statusCode, 422);
    assert.match(notImage.body, /The photo must be a JPEG or PNG image/);
    assert.ok(notImage.body.includes(NOTES));
    const stored = await t.context.db
      .selectFrom('verifications')
      .select('id')
      .where('dispatch_id', '=', dispatchId)
      .execute();
    assert.equal(stored.length, 0);
  });

  test('a 10,000 × 10,000 photo is refused from its headers, in Spanish, with the form kept', async () => {
    const { responder, dispatchId } = await sendOne();
    const bomb = await sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: 'white' } })
      .jpeg()
      .toBuffer();
    const gate = photoDecoder(t.context).gate;
    let decodesSeen = 0;
    const watch = setInterval(() => (decodesSeen = Math.max(decodesSeen, gate.state.running)), 1);
    const refused = await verify(responder, dispatchId, CONFIRMING, { photo: bomb, lang: 'es' });
    clearInterval(watch);
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /La foto tiene más de 40 megapíxeles/);
    assert.ok(refused.body.includes(NOTES), 'the form comes back filled in');
    assert.equal(decodesSeen, 0, 'nothing was decoded');
    const stored = await t.context.db
      .selectFrom('verifications')
      .select('id')
      .where('dispatch_id', '=', dispatchId)
      .execute();
    assert.equal(stored.length, 0);
  });

  test('with every decode place taken and the line full, the form comes back to save again in a moment', async () => {
    const { responder, dispatchId } = await sendOne();
    const gate = photoDecoder(t.context).gate;
    const { concurrency, queueLimit } = t.context.config.imageDecoding;
    let release!: () => void;
    const blocker = new Promise<void>((resolve) => (release = resolve));
    const holders = Array.from({ length: concurrency + queueLimit }, () => gate.run(() => blocker));
    const busy = await verify(responder, dispatchId, CONFIRMING, { photo: await jpegWithExif(), lang: 'es' });
    release();
    await Promise.all(holders);
    assert.equal(busy.statusCode, 503);
    assert.match(busy.body, /Amparo está procesando muchas fotos en este momento/);
    assert.ok(busy.body.includes(NOTES), 'the form comes back filled in');
    const saved = await verify(responder, dispatchId, CONFIRMING, { photo: await jpegWithExif() });
    assert.equal(saved.statusCode, 303, 'and saves once a place is free');
  });

  test('the hourly sweep of orphaned upload files keeps verification photos', async () => {
    const { responder, dispatchId } = await sendOne();
    assert.equal(
      (await verify(responder, dispatchId, CONFIRMING, { photo: await jpegWithExif() })).statusCode,
      303,
    );
    const row = await t.context.db
      .selectFrom('verifications')
      .select('photo_storage_key')
      .where('dispatch_id', '=', dispatchId)
      .executeTakeFirstOrThrow();
    const deps = reportsDeps(t.context);
    const orphan = 'f'.repeat(32);
    await deps.store.put(orphan, Buffer.from('left by a crash before commit'));
    // The sweep judges files by their age on disk: look far enough ahead for both to count as old.
    await sweepOrphanPhotos(deps, new Date(Date.now() + 2 * 60 * 60 * 1000));
    assert.equal(await deps.store.get(orphan), undefined, 'the sweep ran');
    assert.ok(await deps.store.get(row.photo_storage_key!), 'the verification photo is still there');
  });

  test('a responder who is not signed in signs in and lands back on the dispatch page', async () => {
    const password = 'correct horse battery staple';
    const user = await insertEnrolledUser(t.context, {
      roles: ['responder'],
      password,
      passwordHash: await hashPassword(password),
    });
    await setProfile(t.context, user.id, { languages: ['en'] });
    const incident = await insertIncident(t.context);
    assert.equal((await dispatchThroughPanel(t.app, dispatcher, incident.id, user.id)).statusCode, 303);
    const dispatchId = await dispatchIdFor(t.context, incident.id, user.id);
    const target = `/console/dispatches/${dispatchId}`;

    const browser = new Browser(t.app, '10.1.2.3');
    const first = await browser.get(target);
    assert.equal(first.status, 303);
    assert.equal(first.location, `/login?next=${encodeURIComponent(target)}`);
    const done = await signIn(browser, t.context, user, target);
    assert.equal(done.status, 303);
    assert.equal(done.location, target);
    const page = await browser.get(target);
    assert.equal(page.status, 200);
    assert.match(page.body, /id="verification-form"/);
  });
});
