// The staff console's report pages: who may see them, what they show (escaped), audit records, status
// changes, and the live feed over a real socket.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import {
  jpegWithExif,
  openReportForm,
  postReport,
  VALID_FIELDS,
  referenceFromLocation,
} from './reports.test-helpers.ts';

const INJECTIONS = {
  location: '<script>alert("loc")</script>',
  details: `Robert'); DROP TABLE reports;-- <img src=x onerror=alert(1)>`,
  uniform: '"><svg onload=alert(2)>',
};

describe(`report console`, () => {
  let t: TestApp;
  let dataDir: string;
  let dispatcher: StaffSession;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-console-'));
    t = await createTestApp({
      env: { AMPARO_DATA_DIR: dataDir, AMPARO_PUBLIC_RATE_LIMIT: '1000' },
    });
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function submit(fields: Record<string, string> = VALID_FIELDS, photo = false) {
    const session = await openReportForm(t.app);
    const res = await postReport(
      t.app,
      session,
      fields,
      photo ? { photo: { bytes: await jpegWithExif() } } : {},
    );
    assert.equal(res.statusCode, 303, res.body);
    const reference = referenceFromLocation(res.headers.location);
    const { id } = await t.context.db
      .selectFrom('reports')
      .select('id')
      .where('reference', '=', reference)
      .executeTakeFirstOrThrow();
    return { id, reference };
  }

  const get = (url: string, session: StaffSession | null = dispatcher) =>
    t.app.inject({ url, headers: { accept: 'text/html', ...(session ? { cookie: session.cookie } : {}) } });

  const auditActions = async (subjectId: string) =>
    (
      await t.context.db
        .selectFrom('audit_log')
        .select(['action', 'actor_id', 'details'])
        .where('subject_id', '=', subjectId)
        .orderBy('seq')
        .execute()
    ).map((row) => ({ action: row.action, actor: row.actor_id, details: row.details }));

  test('a dispatcher sees the list, newest first, without sensitive fields', async () => {
    const older = await submit({ ...VALID_FIELDS, location: 'canary-list-location' });
    t.clock.advance(1000);
    const newer = await submit({ ...VALID_FIELDS, activity: 'checkpoint', zip: '60608' }, true);
    const res = await get('/console/reports');
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.indexOf(newer.reference) < res.body.indexOf(older.reference), 'newest first');
    assert.match(res.body, /Checkpoint/);
    assert.match(res.body, /60608/);
    assert.ok(!res.body.includes('canary-list-location'), 'the list never shows the location');
    assert.match(res.body, /href="\/console\/reports\?show=all"/);
    assert.match(res.body, /src="\/assets\/console-live.js"/);
  });

  test('the default list holds open reports only; show=all holds every one', async () => {
    const spam = await submit();
    await t.context.db.updateTable('reports').set({ status: 'spam' }).where('id', '=', spam.id).execute();
    assert.ok(!(await get('/console/reports')).body.includes(spam.reference));
    assert.ok((await get('/console/reports?show=all')).body.includes(spam.reference));
  });

  test('the detail page shows decrypted fields escaped, and the view is audited', async () => {
    const report = await submit(
      { ...VALID_FIELDS, ...INJECTIONS, callback_phone: '773-555-0100', callback_consent: 'yes' },
      true,
    );
    const res = await get(`/console/reports/${report.id}`);
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes('<script>alert'), 'script tags are escaped');
    assert.ok(!res.body.includes('<img src=x'), 'img tags are escaped');
    assert.ok(!res.body.includes('<svg onload'), 'attribute breakouts are escaped');
    assert.ok(res.body.includes('&lt;script&gt;alert(&quot;loc&quot;)&lt;/script&gt;'));
    assert.ok(res.body.includes('Robert&#39;); DROP TABLE reports;-- &lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(res.body.includes('&quot;&gt;&lt;svg onload=alert(2)&gt;'));
    assert.ok(res.body.includes('+17735550100'));
    assert.match(res.body, new RegExp(`src="/console/reports/${report.id}/photo"`));
    assert.deepEqual(await auditActions(report.id), [
      { action: 'report.viewed', actor: dispatcher.userId, details: {} },
    ]);

    const photo = await get(`/console/reports/${report.id}/photo`);
    assert.equal(photo.statusCode, 200);
    assert.equal(photo.headers['content-type'], 'image/jpeg');
    assert.equal(photo.headers['cache-control'], 'no-store');
    assert.deepEqual([...photo.rawPayload.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    const actions = await auditActions(report.id);
    assert.equal(actions[1]?.action, 'report.photo_viewed');
  });

  test('a status change is recorded, audited and redirects back', async () => {
    const report = await submit();
    const detail = await get(`/console/reports/${report.id}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(detail.body)?.[1];
    assert.ok(csrf);
    const post = (body: string, session = dispatcher) =>
      t.app.inject({
        method: 'POST',
        url: `/console/reports/${report.id}/status`,
        payload: body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: session.cookie,
          accept: 'text/html',
        },
      });
    const res = await post(`_csrf=${encodeURIComponent(csrf)}&status=needs_verification`);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/console/reports/${report.id}`);
    const row = await t.context.db
      .selectFrom('reports')
      .selectAll()
      .where('id', '=', report.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'needs_verification');
    assert.equal(row.status_changed_by, dispatcher.userId);
    assert.ok(row.status_changed_at);
    const actions = await auditActions(report.id);
    assert.deepEqual(actions.at(-1), {
      action: 'report.status_changed',
      actor: dispatcher.userId,
      details: { from: 'new', to: 'needs_verification' },
    });

    assert.equal((await post(`status=spam`)).statusCode, 403, 'no token, no change');
    assert.equal((await post(`_csrf=${encodeURIComponent(csrf)}&status=confirmed`)).statusCode, 400);
    const bogus = await t.app.inject({
      method: 'POST',
      url: '/console/reports/not-a-uuid/status',
      payload: `_csrf=${encodeURIComponent(csrf)}&status=spam`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: dispatcher.cookie,
        accept: 'text/html',
      },
    });
    assert.equal(bogus.statusCode, 404);
  });

  test('unknown or malformed ids are 404, not 500', async () => {
    for (const url of [
      '/console/reports/not-a-uuid',
      '/console/reports/00000000-0000-4000-8000-000000000000',
      '/console/reports/not-a-uuid/photo',
      '/console/reports/00000000-0000-4000-8000-000000000000/photo',
    ]) {
      assert.equal((await get(url)).statusCode, 404, url);
    }
  });

  test('responders and legal may not see reports; anonymous browsers are sent to sign in', async () => {
    const report = await submit();
    const responder = await createStaffSession(t.context, ['responder']);
    const legal = await createStaffSession(t.context, ['legal']);
    for (const session of [responder, legal]) {
      // Their home page has no triage queue: no reference, no report link.
      const home = await get('/console', session);
      assert.equal(home.statusCode, 200);
      assert.ok(!home.body.includes(report.reference), 'no report on their console page');
      assert.doesNotMatch(home.body, /\/console\/reports\//);
      for (const url of [
        '/console/reports',
        `/console/reports/${report.id}`,
        `/console/reports/${report.id}/photo`,
        '/console/reports/events',
      ]) {
        assert.equal((await get(url, session)).statusCode, 403, url);
      }
    }
    const anonymous = await get('/console', null);
    assert.equal(anonymous.statusCode, 303);
    assert.match(String(anonymous.headers.location), /^\/login\?next=/);
    const api = await t.app.inject({ url: `/console/reports/${report.id}` });
    assert.equal(api.statusCode, 401);
    for (const role of ['admin', 'coordinator'] as const) {
      const session = await createStaffSession(t.context, [role]);
      assert.equal((await get(`/console/reports/${report.id}`, session)).statusCode, 200, role);
    }
  });

  test('new reports arrive on the live event stream', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const abort = new AbortController();
    try {
      const res = await fetch(`${address}/console/reports/events`, {
        headers: { cookie: dispatcher.cookie, accept: 'text/event-stream' },
        signal: abort.signal,
      });
      assert.equal(res.status, 200);
      assert.match(String(res.headers.get('content-type')), /^text\/event-stream/);
      assert.match(String(res.headers.get('content-security-policy')), /default-src 'none'/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let received = '';
      const readUntil = async (needle: string) => {
        const deadline = Date.now() + 10_000;
        while (!received.includes(needle)) {
          if (Date.now() > deadline) throw new Error(`no ${needle} on the stream; got ${received}`);
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          received += decoder.decode(value, { stream: true });
        }
      };
      await readUntil(': connected');
      const report = await submit({
        ...VALID_FIELDS,
        location: 'canary-live-location',
        details: 'canary-live-details',
      });
      await readUntil(report.reference);
      const event = received.split('\n\n').find((chunk) => chunk.includes(report.reference))!;
      assert.match(event, /^event: report\ndata: /);
      const data = JSON.parse(/^data: (.*)$/m.exec(event)![1]!) as Record<string, string>;
      assert.equal(data.id, report.id);
      assert.equal(data.activity, 'Detaining someone');
      assert.equal(data.status, 'New');
      assert.ok(!event.includes('canary-live'), 'no location or details on the stream');
    } finally {
      abort.abort();
    }
  });

  test('a reconnecting console gets what arrived while it was away (Last-Event-ID), once and in order', async () => {
    const address = t.app.server.listening
      ? `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`
      : await t.app.listen({ port: 0, host: '127.0.0.1' });
    const first = await submit();
    t.clock.advance(1000);
    const missed = await submit();
    const cursor = (
      await t.context.db
        .selectFrom('reports')
        .select('created_at')
        .where('id', '=', first.id)
        .executeTakeFirstOrThrow()
    ).created_at.getTime();
    const abort = new AbortController();
    try {
      const res = await fetch(`${address}/console/reports/events`, {
        headers: {
          cookie: dispatcher.cookie,
          accept: 'text/event-stream',
          'last-event-id': String(cursor),
        },
        signal: abort.signal,
      });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let received = '';
      const deadline = Date.now() + 10_000;
      while (!received.includes(missed.reference)) {
        if (Date.now() > deadline) throw new Error(`no replay; got ${received}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        received += decoder.decode(value, { stream: true });
      }
      const events = received.split('\n\n').filter((chunk) => chunk.startsWith('event: report'));
      const references = events.map(
        (e) => (JSON.parse(/data: (.*)/.exec(e)![1]!) as { reference: string }).reference,
      );
      assert.ok(references.indexOf(first.reference) < references.indexOf(missed.reference), 'oldest first');
      assert.equal(references.filter((r) => r === missed.reference).length, 1, 'sent once');
      const ids = events.map((e) => Number(/\nid: (\d+)/.exec(e)?.[1]));
      assert.ok(
        ids.every((id) => Number.isFinite(id) && id > 0),
        'every event carries an id to resume from',
      );
    } finally {
      abort.abort();
    }
  });
});
