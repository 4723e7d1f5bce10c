// The incident pages over HTTP: the board (filters, triage queue, map), an incident's page (decrypted,
// escaped, audited), the forms (create, add, status, merge, split) with their errors in English and Spanish,
// and the rule that a dispatcher's POST can never confirm an incident.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { CONTENT_SECURITY_POLICY } from '../../http/security-headers.ts';
import { recordIncidentEvent } from './incidents.lifecycle.ts';
import {
  BASE_ZIP,
  coordinates,
  createIncidentByForm,
  northOf,
  postForm,
  storeReport,
} from './incidents.test-helpers.ts';

const XSS = '<script>alert("x")</script>';

describe(`incident pages`, () => {
  let t: TestApp;
  let dispatcher: StaffSession;
  before(async () => {
    t = await createTestApp();
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => t.close());

  const get = (url: string, session: StaffSession | null = dispatcher, lang = 'en') =>
    t.app.inject({
      url,
      headers: {
        accept: 'text/html',
        'accept-language': lang,
        ...(session ? { cookie: session.cookie } : {}),
      },
    });
  const status = async (id: string) =>
    (
      await t.context.db
        .selectFrom('incidents')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).status;
  /** Moves the clock (past earlier tests' incidents) and signs in again: sessions end after 30 idle minutes. */
  const jump = async (ms: number) => {
    t.clock.advance(ms);
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  };
  const auditActions = async (subjectId: string) =>
    (
      await t.context.db
        .selectFrom('audit_log')
        .select('action')
        .where('subject_id', '=', subjectId)
        .orderBy('seq')
        .execute()
    ).map((row) => row.action);

  test('a dispatcher creates an incident from a report; the report page then links to it', async () => {
    const report = await storeReport(t.context, { details: 'canary-details' });
    const page = await get(`/console/incidents/new?report=${report.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /name="point" value="41\.85000,-87\.71700"/, 'the point comes from the report');
    assert.match(page.body, new RegExp(`name="zip"[^>]*value="${BASE_ZIP}"`));
    assert.ok(!page.body.includes('canary-details'));
    assert.ok((await auditActions(report.id)).includes('report.viewed'), 'showing its place is a view');

    const id = await createIncidentByForm(t.app, dispatcher, report.id, { summary: XSS });
    const detail = await get(`/console/incidents/${id}`);
    assert.equal(detail.statusCode, 200);
    assert.ok(!detail.body.includes(XSS), 'the summary is escaped');
    assert.ok(detail.body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
    assert.match(detail.body, /41\.85000,-87\.71700/, 'the point is decrypted for the page');
    assert.match(detail.body, new RegExp(`href="/console/incidents/${id}/dispatch"`));
    assert.match(detail.body, new RegExp(`href="/console/reports/${report.id}"`));
    assert.equal((await auditActions(id)).at(-1), 'incident.viewed');

    const reportPage = await get(`/console/reports/${report.id}`);
    assert.equal(reportPage.statusCode, 200);
    assert.match(reportPage.body, new RegExp(`href="/console/incidents/${id}"`));
  });

  test('the create form comes back with what was typed and a message, in the reader language', async () => {
    const report = await storeReport(t.context);
    const fields = {
      report_id: report.id,
      type: '',
      agency: 'ice',
      point: 'by the church',
      summary: 'vans',
    };
    const en = await postForm(t.app, dispatcher, '/console/incidents', fields);
    assert.equal(en.statusCode, 422);
    assert.match(en.body, /Please choose or fill this in\./);
    assert.match(en.body, /Write the point as latitude, longitude/);
    assert.match(en.body, /name="point" value="by the church"/, 'typed values come back');
    assert.match(en.body, />\s*vans<\/textarea/);
    const es = await postForm(t.app, dispatcher, '/console/incidents', fields, { lang: 'es' });
    assert.equal(es.statusCode, 422);
    assert.match(es.body, /Escriba el punto como latitud, longitud/);
    assert.match(es.body, /<html lang="es">/);
    const tooLong = await postForm(t.app, dispatcher, '/console/incidents', {
      ...fields,
      type: 'home',
      point: '',
      summary: 'x'.repeat(281),
    });
    assert.equal(tooLong.statusCode, 422);
    assert.match(tooLong.body, /under 280 characters/);
    const missing = await postForm(t.app, dispatcher, '/console/incidents', {
      ...fields,
      type: 'home',
      point: '',
      report_id: randomUUID(),
    });
    assert.equal(missing.statusCode, 404);
    const noToken = await postForm(
      t.app,
      dispatcher,
      '/console/incidents',
      { ...fields, type: 'home' },
      { csrf: false },
    );
    assert.equal(noToken.statusCode, 403);
    const row = await t.context.db
      .selectFrom('reports')
      .select('incident_id')
      .where('id', '=', report.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.incident_id, null, 'nothing was created by the refused forms');
  });

  test('a dispatcher POST cannot confirm an incident, and the form does not offer it', async () => {
    const id = await createIncidentByForm(t.app, dispatcher, (await storeReport(t.context)).id);
    const reported = await get(`/console/incidents/${id}`);
    assert.doesNotMatch(reported.body, /<option value="confirmed"/);
    const early = await postForm(t.app, dispatcher, `/console/incidents/${id}/status`, {
      to: 'confirmed',
      reason: 'I believe the caller',
    });
    assert.equal(early.statusCode, 409);
    assert.equal(await status(id), 'reported');

    const noReason = await postForm(t.app, dispatcher, `/console/incidents/${id}/status`, {
      to: 'verifying',
    });
    assert.equal(noReason.statusCode, 422);
    assert.match(noReason.body, /Please say why/);
    assert.equal(await status(id), 'reported');

    const moved = await postForm(t.app, dispatcher, `/console/incidents/${id}/status`, {
      to: 'verifying',
      reason: 'responder on the way',
    });
    assert.equal(moved.statusCode, 303);
    assert.equal(await status(id), 'verifying');

    const verifying = await get(`/console/incidents/${id}`);
    assert.doesNotMatch(verifying.body, /<option value="confirmed"/, 'never offered to a dispatcher');
    assert.match(verifying.body, /<option value="false_alarm"/);
    assert.match(verifying.body, /Only a responder&#39;s field verification can confirm an incident\./);
    assert.match(verifying.body, /responder on the way/, 'the reason is on the timeline');

    for (const role of ['dispatcher', 'coordinator', 'admin'] as const) {
      const session = role === 'dispatcher' ? dispatcher : await createStaffSession(t.context, [role]);
      const res = await postForm(t.app, session, `/console/incidents/${id}/status`, {
        to: 'confirmed',
        reason: 'three callers agree',
      });
      assert.equal(res.statusCode, 409, role);
      assert.match(res.body, /Only a responder&#39;s field verification can confirm/);
      assert.equal(await status(id), 'verifying', `${role} cannot confirm`);
    }
    const es = await postForm(
      t.app,
      dispatcher,
      `/console/incidents/${id}/status`,
      { to: 'confirmed', reason: 'x' },
      { lang: 'es' },
    );
    assert.match(es.body, /Solo la verificación en el lugar de una persona verificadora puede confirmar/);
    const responder = await createStaffSession(t.context, ['responder']);
    assert.equal(
      (
        await postForm(t.app, responder, `/console/incidents/${id}/status`, {
          to: 'confirmed',
          reason: 'seen',
        })
      ).statusCode,
      403,
    );
    assert.equal(await status(id), 'verifying');
    const audits = await t.context.db
      .selectFrom('audit_log')
      .select('details')
      .where('subject_id', '=', id)
      .where('action', '=', 'incident.status_changed')
      .execute();
    assert.deepEqual(
      audits.map((row) => row.details),
      [{ from: 'reported', to: 'verifying', source: 'dispatcher' }],
    );
  });

  test('the detail page summarises dispatches from the dispatches table, read-only', async () => {
    const id = await createIncidentByForm(t.app, dispatcher, (await storeReport(t.context)).id);
    const statuses = ['on_way', 'on_way', 'sent', 'declined', 'arrived'] as const;
    const addDispatch = async (dispatchStatus: (typeof statuses)[number]) => {
      const responder = await createStaffSession(t.context, ['responder']);
      await t.context.db
        .insertInto('dispatches')
        .values({
          id: randomUUID(),
          incident_id: id,
          responder_id: responder.userId,
          status: dispatchStatus,
          eta_minutes: null,
          created_by: dispatcher.userId,
          responded_at: null,
          provider_id: null,
        })
        .execute();
    };
    for (const dispatchStatus of statuses) await addDispatch(dispatchStatus);
    await t.context.db
      .transaction()
      .execute((trx) =>
        recordIncidentEvent(t.context, trx, { incidentId: id, actorId: null, kind: 'dispatch_on_way' }),
      );
    const page = await get(`/console/incidents/${id}`);
    assert.match(page.body, /2 on the way · 1 not answered yet · 1 on scene · 1 declined/);
    assert.match(
      page.body,
      /Amparo<\/span> · Responder on the way/,
      'the dispatch module’s events have words',
    );
    assert.doesNotMatch(page.body, /the network&#39;s limit/, 'three going or there: under the cap of four');
    await addDispatch('on_way');
    assert.match(
      (await get(`/console/incidents/${id}`)).body,
      /4 responders are on the way or there: the network&#39;s limit for one scene is 4\./,
    );
    const board = await get('/console/incidents');
    const row = new RegExp(`<tr data-id="${id}"[\\s\\S]*?</tr>`).exec(board.body)?.[0] ?? '';
    assert.match(row, /<td>1<\/td>\s*<td>3<\/td>/, 'one report, three on the way');
  });

  test('merge and split through the forms', async () => {
    const a = await createIncidentByForm(t.app, dispatcher, (await storeReport(t.context)).id);
    const b = await createIncidentByForm(t.app, dispatcher, (await storeReport(t.context)).id);
    const page = await get(`/console/incidents/${a}`);
    assert.match(page.body, new RegExp(`<option value="${b}"`), 'open incidents are offered as targets');
    const self = await postForm(t.app, dispatcher, `/console/incidents/${a}/merge`, { target: a });
    assert.equal(self.statusCode, 422);
    const merged = await postForm(t.app, dispatcher, `/console/incidents/${a}/merge`, {
      target: b,
      reason: 'same scene',
    });
    assert.equal(merged.statusCode, 303);
    assert.equal(merged.headers.location, `/console/incidents/${b}`);
    const old = await get(`/console/incidents/${a}`);
    assert.equal(old.statusCode, 303, 'a merged incident sends the reader to where it went');
    assert.equal(old.headers.location, `/console/incidents/${b}`);
    const board = await get('/console/incidents');
    assert.ok(!board.body.includes(`data-id="${a}"`), 'gone from the board');

    const target = await get(`/console/incidents/${b}`);
    const reportIds = [...target.body.matchAll(/name="report_ids"\s+value="([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(reportIds.length, 2);
    const none = await postForm(t.app, dispatcher, `/console/incidents/${b}/split`, {
      type: 'home',
      agency: 'ice',
    });
    assert.equal(none.statusCode, 422);
    assert.match(none.body, /Tick at least one report/);
    const split = await postForm(t.app, dispatcher, `/console/incidents/${b}/split`, {
      report_ids: [reportIds[0]!],
      type: 'home',
      agency: 'cbp',
      reason: 'another house',
    });
    assert.equal(split.statusCode, 303);
    const newId = /([0-9a-f-]{36})$/.exec(String(split.headers.location))?.[1];
    assert.ok(newId && newId !== b);
    const moved = await t.context.db
      .selectFrom('reports')
      .select('incident_id')
      .where('id', '=', reportIds[0]!)
      .executeTakeFirstOrThrow();
    assert.equal(moved.incident_id, newId);
    const splitAgain = await postForm(t.app, dispatcher, `/console/incidents/${b}/split`, {
      report_ids: [reportIds[0]!],
      type: 'home',
      agency: 'ice',
    });
    assert.equal(splitAgain.statusCode, 409, 'that report is no longer there');
  });

  test('the board: filters, the triage queue with suggestions, and a map of this site only', async () => {
    await jump(48 * 3600_000);
    const vehicle = await createIncidentByForm(t.app, dispatcher, (await storeReport(t.context)).id, {
      type: 'vehicle_stop',
      agency: 'cbp',
    });
    const home = await createIncidentByForm(
      t.app,
      dispatcher,
      (await storeReport(t.context, { zip: '60608', location: 'no coordinates' })).id,
      { type: 'home' },
    );
    const waiting = await storeReport(t.context, { location: coordinates(northOf(150)) });
    const res = await get('/console/incidents');
    assert.equal(res.statusCode, 200);
    assert.equal(
      res.headers['content-security-policy'],
      CONTENT_SECURITY_POLICY,
      'the strict policy, unchanged',
    );
    assert.match(res.body, new RegExp(`<tr data-id="${vehicle}"`));
    assert.match(res.body, new RegExp(`<tr data-id="${home}"`));
    const queued = new RegExp(`<tr data-id="${waiting.id}">[\\s\\S]*?</tr>`).exec(res.body)?.[0] ?? '';
    assert.ok(queued, 'the new report is in the triage queue');
    assert.match(
      queued,
      new RegExp(`action="/console/incidents/${vehicle}/reports"`),
      'suggested: 150 m away',
    );
    assert.match(queued, /150 m away/);
    assert.match(res.body, /<svg[^>]*class="incident-map"/);
    // Without a street map, incidents are counted at their ZIP code's centre, labelled, each group a link to
    // the board for that ZIP code: no unlabelled dots.
    assert.match(
      res.body,
      new RegExp(
        `<a\\s+href="/console/incidents\\?[^"]*zip=${BASE_ZIP}[^"]*"\\s+class="zip-group"\\s+aria-label="Incidents in ZIP ${BASE_ZIP}: \\d+"`,
      ),
      'a labelled ZIP group',
    );
    assert.match(res.body, new RegExp(`>${BASE_ZIP} · \\d+</text`), 'its label is drawn');
    assert.match(
      res.body,
      /<svg[^>]*role="group"/,
      'a group of links, not an image (axe: nested-interactive)',
    );
    assert.match(res.body, /The map.{0,20} in the README/, 'a note on how to set up the street map');
    assert.match(res.body, /<path d="M[0-9-]/, 'outlines are drawn');
    // Nothing in the page points at another origin: no tiles, fonts or scripts from elsewhere.
    assert.doesNotMatch(res.body, /(src|href)="(https?:)?\/\//);
    assert.doesNotMatch(res.body, /<image /);
    assert.match(res.body, /src="\/assets\/incidents-live.js"/);

    const filtered = async (query: string) => (await get(`/console/incidents?${query}`)).body;
    const byType = await filtered('type=home');
    assert.ok(byType.includes(`data-id="${home}"`) && !byType.includes(`<tr data-id="${vehicle}"`));
    const byAgency = await filtered('agency=cbp');
    assert.ok(byAgency.includes(`<tr data-id="${vehicle}"`) && !byAgency.includes(`<tr data-id="${home}"`));
    const byZip = await filtered('zip=60608');
    assert.ok(byZip.includes(`<tr data-id="${home}"`) && !byZip.includes(`<tr data-id="${vehicle}"`));
    await postForm(t.app, dispatcher, `/console/incidents/${home}/status`, {
      to: 'verifying',
      reason: 'sent',
    });
    await postForm(t.app, dispatcher, `/console/incidents/${home}/status`, {
      to: 'false_alarm',
      reason: 'a party',
    });
    assert.ok(!(await filtered('')).includes(`<tr data-id="${home}"`), 'open only by default');
    assert.ok((await filtered('status=false_alarm')).includes(`<tr data-id="${home}"`));
    assert.ok((await filtered('status=all')).includes(`<tr data-id="${home}"`));
    await jump(2 * 3600_000);
    assert.ok(
      !(await filtered('time=1h')).includes(`<tr data-id="${vehicle}"`),
      'no activity in the last hour',
    );
    assert.ok((await filtered('time=6h')).includes(`<tr data-id="${vehicle}"`));

    const badZip = await get('/console/incidents?zip=12ab');
    assert.equal(badZip.statusCode, 200);
    assert.match(badZip.body, /A ZIP code is five digits\./);
    const spanish = await get('/console/incidents?zip=12ab', dispatcher, 'es');
    assert.match(spanish.body, /Un código postal tiene cinco dígitos\./);
    assert.match(spanish.body, /Tablero de incidentes/);
    assert.match(spanish.body, /Reportes por clasificar/);
  });

  test('the report page suggests incidents and offers to add the report', async () => {
    await jump(48 * 3600_000);
    const id = await createIncidentByForm(t.app, dispatcher, (await storeReport(t.context)).id);
    const report = await storeReport(t.context, { location: coordinates(northOf(300)) });
    const page = await get(`/console/reports/${report.id}`);
    assert.match(page.body, new RegExp(`action="/console/incidents/${id}/reports"`));
    assert.match(page.body, new RegExp(`href="/console/incidents/new\\?report=${report.id}"`));
    const added = await postForm(t.app, dispatcher, `/console/incidents/${id}/reports`, {
      report_id: report.id,
    });
    assert.equal(added.statusCode, 303);
    const row = await t.context.db
      .selectFrom('reports')
      .select(['incident_id', 'status'])
      .where('id', '=', report.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { incident_id: id, status: 'needs_verification' });
    const board = await get('/console/incidents');
    assert.ok(!board.body.includes(`<tr data-id="${report.id}"`), 'no longer waiting for triage');
  });

  test('unknown or malformed ids are 404; other roles are refused', async () => {
    for (const url of [
      '/console/incidents/not-a-uuid',
      `/console/incidents/${randomUUID()}`,
      '/console/incidents/new?report=x',
    ]) {
      assert.equal((await get(url)).statusCode, 404, url);
    }
    for (const url of [`/console/incidents/${randomUUID()}/status`, `/console/incidents/not-a-uuid/merge`]) {
      const res = await postForm(t.app, dispatcher, url, {
        to: 'verifying',
        reason: 'x',
        target: randomUUID(),
      });
      assert.equal(res.statusCode, 404, url);
    }
    const responder = await createStaffSession(t.context, ['responder']);
    assert.equal((await get('/console/incidents', responder)).statusCode, 403);
    assert.equal((await get('/console/incidents', null)).statusCode, 303, 'anonymous: sign in first');
  });
});

describe(`incident map with street tiles`, () => {
  let t: TestApp;
  let dispatcher: StaffSession;
  before(async () => {
    t = await createTestApp({
      env: { AMPARO_MAP_TILE_URL: 'https://tiles.example.org/{z}/{x}/{y}.png' },
    });
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => t.close());

  test('tiles come from the configured origin, which only the board page allows', async () => {
    const id = await createIncidentByForm(t.app, dispatcher, (await storeReport(t.context)).id);
    const board = await t.app.inject({
      url: '/console/incidents',
      headers: { cookie: dispatcher.cookie, accept: 'text/html' },
    });
    assert.equal(board.statusCode, 200);
    const images = [...board.body.matchAll(/<image href="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(images.length >= 4, `tiles cover the map, got ${images.length}`);
    assert.ok(
      images.every((url) => /^https:\/\/tiles\.example\.org\/14\/\d+\/\d+\.png$/.test(url)),
      images.join(' '),
    );
    assert.match(
      String(board.headers['content-security-policy']),
      /img-src 'self' data: https:\/\/tiles\.example\.org;/,
    );
    assert.match(String(board.headers['content-security-policy']), /default-src 'none'/);
    for (const url of [`/console/incidents/${id}`, '/console', '/report']) {
      const other = await t.app.inject({
        url,
        headers: { cookie: dispatcher.cookie, accept: 'text/html' },
      });
      assert.equal(other.headers['content-security-policy'], CONTENT_SECURITY_POLICY, url);
      assert.ok(!other.body.includes('tiles.example.org'), url);
    }
  });
});
