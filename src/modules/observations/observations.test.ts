// The observation log over a real database: entries sealed, the same entry sent twice stored once, editing
// keeping the earlier text, several observers merged in the order things happened, and who may read and write.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { createStaff, insertIncident } from '../dispatch/dispatch.test-helpers.ts';
import { mergeIncidents } from '../incidents/incidents.service.ts';
import { readObservationTimeline } from './observations.service.ts';
import { legalWithCaseOn, observedIncident, postEntry, sendTo } from './observations.test-helpers.ts';
import { instantFromLocal } from './observations.time.ts';

const CANARY = 'canary-observation Agent said: we know where you live';
const CLIENT_A = '3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e';

describe('observation log', () => {
  let t: TestApp;
  // 2026-12-17 15:00 UTC: 09:00 in Chicago (the network's zone in these tests).
  const clock = new TestClock(Date.parse('2026-12-17T15:00:00Z'));

  before(async () => {
    t = await createTestApp({ clock, env: { AMPARO_TIMEZONE: 'America/Chicago' } });
  });
  after(async () => t.close());

  const get = (who: { cookie: string }, url: string, lang = 'en') =>
    t.app.inject({
      method: 'GET',
      url,
      headers: { cookie: who.cookie, accept: 'text/html', 'accept-language': lang },
    });

  test('a plain form post stores a sealed entry and comes back to the log with a notice', async () => {
    const { incident, observer } = await observedIncident(t.context, 'Rosa Observer');
    const response = await postEntry(t.app, observer, incident.id, {
      client_id: CLIENT_A,
      kind: 'words_said',
      text: CANARY,
      event_at: '',
    });
    assert.equal(response.statusCode, 303);
    assert.match(
      String(response.headers.location),
      new RegExp(`^/console/incidents/${incident.id}/log#entry-`),
    );
    assert.match(String(response.headers['set-cookie']), /amparo_notice=observations\.saved/);

    const row = await t.context.db
      .selectFrom('observation_entries')
      .selectAll()
      .where('incident_id', '=', incident.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.client_id, CLIENT_A);
    assert.equal(row.written_at.toISOString(), clock.now().toISOString(), 'written at the server clock');
    assert.equal(row.event_at.toISOString(), clock.now().toISOString(), 'the event time defaults to now');
    assert.ok(!JSON.stringify(row).includes('canary-observation'), 'the text is sealed in the row');
    const raw = await sql<{
      dump: string;
    }>`select row_to_json(e)::text as dump from observation_entries e`.execute(t.context.db);
    assert.ok(raw.rows.every((r) => !r.dump.includes('canary-observation')));
    assert.ok(!t.logs.lines.join('\n').includes('canary-observation'), 'nor in the logs');

    const page = await get(observer, `/console/incidents/${incident.id}/log`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /canary-observation Agent said/);
    assert.match(page.body, /by Rosa Observer/);
    assert.match(page.body, /Words said/);
    assert.match(page.body, /id="observation-form"/);
    assert.match(page.body, /name="client_id" value="[0-9a-f-]{36}"/, 'the form carries a fresh id');
    assert.match(page.body, /value="2026-12-17T09:00"/, 'the time field starts at now, in the network zone');
  });

  test("the responder's dispatch page leads to the incident's log", async () => {
    const { incident, observer } = await observedIncident(t.context);
    const dispatch = await t.context.db
      .selectFrom('dispatches')
      .select('id')
      .where('incident_id', '=', incident.id)
      .executeTakeFirstOrThrow();
    const page = await get(observer, `/console/dispatches/${dispatch.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(
      page.body,
      new RegExp(`id="observation-log-link" href="/console/incidents/${incident.id}/log"`),
    );
  });

  test('the same client id sent twice is stored once; JSON tells the script which', async () => {
    const { incident, observer } = await observedIncident(t.context);
    const fields = {
      client_id: 'A1B2C3D4-0000-4000-8000-000000000001',
      kind: 'arrival',
      text: 'Two vans arrived',
    };
    const first = await postEntry(t.app, observer, incident.id, fields, { json: true });
    assert.equal(first.statusCode, 201);
    const again = await postEntry(t.app, observer, incident.id, fields, { json: true });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().stored, false);
    assert.equal(again.json().id, first.json().id);
    const plain = await postEntry(t.app, observer, incident.id, fields);
    assert.equal(plain.statusCode, 303, 'the plain form sent twice also lands on the log');
    const rows = await t.context.db
      .selectFrom('observation_entries')
      .select('id')
      .where('incident_id', '=', incident.id)
      .execute();
    assert.equal(rows.length, 1);
  });

  test('the script sends the instant the entry was written, which the server keeps as the event time', async () => {
    const { incident, observer } = await observedIncident(t.context);
    const writtenOnPhone = new Date(clock.now().getTime() - 20 * 60_000).toISOString();
    const response = await postEntry(
      t.app,
      observer,
      incident.id,
      { client_id: crypto.randomUUID(), kind: 'departure', text: 'They left', event_at_iso: writtenOnPhone },
      { json: true },
    );
    assert.equal(response.statusCode, 201);
    const [entry] = await readObservationTimeline(t.context, incident.id);
    assert.equal(entry!.eventAt.toISOString(), writtenOnPhone);
    assert.equal(entry!.writtenAt.toISOString(), clock.now().toISOString());
  });

  test('editing keeps the earlier text, sealed, and the page says edited with the history', async () => {
    const { incident, observer } = await observedIncident(t.context);
    await postEntry(t.app, observer, incident.id, {
      client_id: crypto.randomUUID(),
      kind: 'vehicles',
      text: 'canary-first Grey van',
    });
    const [entry] = await readObservationTimeline(t.context, incident.id);
    const form = await get(observer, `/console/incidents/${incident.id}/log/${entry!.id}/edit`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /canary-first Grey van/);
    clock.advance(60_000);
    const saved = await t.app.inject({
      method: 'POST',
      url: `/console/incidents/${incident.id}/log/${entry!.id}`,
      payload: new URLSearchParams({
        _csrf: observer.csrfToken,
        kind: 'vehicles',
        text: 'Grey van and a black SUV',
        event_at: '2026-12-17T08:55',
      }).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: observer.cookie,
        accept: 'text/html',
      },
    });
    assert.equal(saved.statusCode, 303);
    const [after] = await readObservationTimeline(t.context, incident.id);
    assert.equal(after!.text, 'Grey van and a black SUV');
    assert.equal(after!.edited, true);
    assert.equal(after!.eventAt.toISOString(), '2026-12-17T14:55:00.000Z', '08:55 in Chicago');
    assert.deepEqual(
      after!.history.map((v) => v.text),
      ['canary-first Grey van'],
    );
    const versions = await sql<{
      dump: string;
    }>`select row_to_json(v)::text as dump from observation_entry_versions v`.execute(t.context.db);
    assert.ok(versions.rows.length > 0);
    assert.ok(
      versions.rows.every((r) => !r.dump.includes('canary-first')),
      'the version is sealed too',
    );
    const page = await get(observer, `/console/incidents/${incident.id}/log`);
    assert.match(page.body, /class="badge-edited">edited</);
    assert.match(page.body, /<details class="observation-history">[\s\S]*canary-first Grey van/);
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject_id', '=', entry!.id)
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['observation.recorded', 'observation.edited'],
    );
  });

  test('several observers: one timeline ordered by event time, each entry with its author', async () => {
    const { incident, observer: rosa } = await observedIncident(t.context, 'Rosa Observer');
    const luis = await createStaff(t.context, ['responder'], { displayName: 'Luis Second' });
    await sendTo(t.context, incident.id, luis.userId, 'arrived');
    const post = (who: typeof rosa, text: string, at: string) =>
      postEntry(t.app, who, incident.id, {
        client_id: crypto.randomUUID(),
        kind: 'other',
        text,
        event_at: at,
      });
    await post(rosa, 'third thing', '2026-12-17T08:30');
    await post(luis, 'first thing', '2026-12-17T08:10');
    await post(rosa, 'second thing', '2026-12-17T08:20');
    const timeline = await readObservationTimeline(t.context, incident.id);
    assert.deepEqual(
      timeline.map((e) => [e.text, e.authorName]),
      [
        ['first thing', 'Luis Second'],
        ['second thing', 'Rosa Observer'],
        ['third thing', 'Rosa Observer'],
      ],
    );
    const dispatcher = await createStaff(t.context, ['dispatcher']);
    const incidentPage = await get(dispatcher, `/console/incidents/${incident.id}`);
    assert.equal(incidentPage.statusCode, 200);
    const section = incidentPage.body.slice(incidentPage.body.indexOf('id="observations"'));
    const order = ['first thing', 'second thing', 'third thing'].map((text) => section.indexOf(text));
    assert.ok(order.every((i) => i > 0));
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      'the incident page shows them in event order',
    );
    assert.match(section, /by Luis Second/);
  });

  test('an incident merged into another takes its log with it', async () => {
    const { incident: source, observer } = await observedIncident(t.context);
    await postEntry(t.app, observer, source.id, {
      client_id: crypto.randomUUID(),
      kind: 'other',
      text: 'on the source',
    });
    const target = await insertIncident(t.context, { status: 'confirmed' });
    const dispatcher = await createStaff(t.context, ['dispatcher']);
    assert.equal(
      await mergeIncidents(t.context, dispatcher.userId, {
        sourceId: source.id,
        targetId: target.id,
        reason: null,
      }),
      'merged',
    );
    assert.deepEqual(
      (await readObservationTimeline(t.context, target.id)).map((e) => e.text),
      ['on the source'],
    );
    const page = await get(observer, `/console/incidents/${source.id}/log`);
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers.location, `/console/incidents/${target.id}/log`);
  });

  test('a form without a kind or with a time to come comes back with its problems, as typed (Spanish)', async () => {
    const { incident, observer } = await observedIncident(t.context);
    const response = await postEntry(
      t.app,
      observer,
      incident.id,
      { client_id: crypto.randomUUID(), kind: '', text: 'Texto escrito', event_at: '2026-12-18T09:00' },
      { lang: 'es' },
    );
    assert.equal(response.statusCode, 422);
    assert.match(response.body, /Elija qué pasó/);
    assert.match(response.body, /Esa hora todavía no ha llegado/);
    assert.match(response.body, /Texto escrito/);
    const rows = await t.context.db
      .selectFrom('observation_entries')
      .select('id')
      .where('incident_id', '=', incident.id)
      .execute();
    assert.equal(rows.length, 0);
  });

  describe('who may read and write', () => {
    test('board roles read the log but do not write in it; a responder not sent there gets 404', async () => {
      const { incident, observer } = await observedIncident(t.context);
      await postEntry(t.app, observer, incident.id, {
        client_id: crypto.randomUUID(),
        kind: 'other',
        text: 'seen',
      });
      for (const role of ['dispatcher', 'coordinator', 'admin'] as const) {
        const who = await createStaff(t.context, [role]);
        const page = await get(who, `/console/incidents/${incident.id}/log`);
        assert.equal(page.statusCode, 200, role);
        assert.match(page.body, /id="observations-read-only"/, role);
        assert.doesNotMatch(page.body, /id="observation-form"/, role);
        const post = await postEntry(t.app, who, incident.id, {
          client_id: crypto.randomUUID(),
          kind: 'other',
          text: 'x',
        });
        assert.equal(post.statusCode, 404, `${role} does not write`);
      }
      const stranger = await createStaff(t.context, ['responder']);
      assert.equal((await get(stranger, `/console/incidents/${incident.id}/log`)).statusCode, 404);
      const post = await postEntry(t.app, stranger, incident.id, {
        client_id: crypto.randomUUID(),
        kind: 'other',
        text: 'x',
      });
      assert.equal(post.statusCode, 404);
      const declined = await createStaff(t.context, ['responder']);
      await sendTo(t.context, incident.id, declined.userId, 'declined');
      assert.equal(
        (await get(declined, `/console/incidents/${incident.id}/log`)).statusCode,
        404,
        'declined: not sent',
      );
    });

    test('a dispatcher who is also sent there writes', async () => {
      const incident = await insertIncident(t.context, { status: 'confirmed' });
      const both = await createStaff(t.context, ['dispatcher', 'responder']);
      await sendTo(t.context, incident.id, both.userId);
      const post = await postEntry(t.app, both, incident.id, {
        client_id: crypto.randomUUID(),
        kind: 'other',
        text: 'x',
      });
      assert.equal(post.statusCode, 303);
    });

    test('legal staff read the log of an incident linked to their case, and no other', async () => {
      const { incident, observer } = await observedIncident(t.context);
      await postEntry(t.app, observer, incident.id, {
        client_id: crypto.randomUUID(),
        kind: 'other',
        text: 'seen by legal',
      });
      const legal = await legalWithCaseOn(t.context, incident.id);
      const page = await get(legal, `/console/incidents/${incident.id}/log`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /seen by legal/);
      assert.doesNotMatch(page.body, /id="observation-form"/);
      const otherLegal = await createStaff(t.context, ['legal']);
      assert.equal((await get(otherLegal, `/console/incidents/${incident.id}/log`)).statusCode, 404);
      const other = await insertIncident(t.context, { status: 'confirmed' });
      assert.equal((await get(legal, `/console/incidents/${other.id}/log`)).statusCode, 404);
    });

    test('only its author edits an entry', async () => {
      const { incident, observer } = await observedIncident(t.context);
      await postEntry(t.app, observer, incident.id, {
        client_id: crypto.randomUUID(),
        kind: 'other',
        text: 'mine',
      });
      const [entry] = await readObservationTimeline(t.context, incident.id);
      const colleague = await createStaff(t.context, ['responder']);
      await sendTo(t.context, incident.id, colleague.userId);
      const url = `/console/incidents/${incident.id}/log/${entry!.id}`;
      assert.equal((await get(colleague, `${url}/edit`)).statusCode, 404);
      const page = await get(colleague, `/console/incidents/${incident.id}/log`);
      assert.doesNotMatch(page.body, new RegExp(`${entry!.id}/edit`), "no edit link on others' entries");
      const post = await t.app.inject({
        method: 'POST',
        url,
        payload: new URLSearchParams({
          _csrf: colleague.csrfToken,
          kind: 'other',
          text: 'changed',
        }).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: colleague.cookie,
          accept: 'text/html',
        },
      });
      assert.equal(post.statusCode, 404);
      const [still] = await readObservationTimeline(t.context, incident.id);
      assert.equal(still!.text, 'mine');
    });

    test('a form without its token is refused', async () => {
      const { incident, observer } = await observedIncident(t.context);
      const response = await t.app.inject({
        method: 'POST',
        url: `/console/incidents/${incident.id}/log`,
        payload: new URLSearchParams({ kind: 'other', text: 'x' }).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: observer.cookie,
          accept: 'text/html',
        },
      });
      assert.equal(response.statusCode, 403);
    });
  });
});

describe('event times in the network zone', () => {
  test('a wall-clock time reads back as the instant, on both sides of a clock change', () => {
    assert.equal(
      instantFromLocal('2026-12-17T08:55', 'America/Chicago')?.toISOString(),
      '2026-12-17T14:55:00.000Z',
    );
    assert.equal(
      instantFromLocal('2026-07-01T08:55', 'America/Chicago')?.toISOString(),
      '2026-07-01T13:55:00.000Z',
    );
    assert.equal(
      instantFromLocal('2026-11-01T01:30', 'America/Chicago')?.toISOString(),
      '2026-11-01T06:30:00.000Z',
    );
    assert.equal(instantFromLocal('2026-02-30T10:00', 'America/Chicago'), undefined);
    assert.equal(instantFromLocal('2026-02-10T24:00', 'America/Chicago'), undefined);
    assert.equal(instantFromLocal('yesterday', 'America/Chicago'), undefined);
  });
});
