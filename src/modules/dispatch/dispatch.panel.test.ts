// The dispatch panel over a real database: whom it suggests and why, what sending does (the row, the
// timeline, the audit, the move to verifying, exactly one text), and the crowd cap. Texts go through the
// console outbox here, and through a Twilio stand-in in the last suite.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import {
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TEST_PUBLIC_URL,
  TWILIO_TEST_ENV,
} from '../../../test/support/twilio-webhooks.ts';
import { zipCentroid } from '../../geo/geo.ts';
import { sendDispatchText } from './dispatch.service.ts';
import {
  auditActionsFor,
  createStaff,
  dispatchIdFor,
  dispatchThroughPanel,
  insertIncident,
  outboxTextsTo,
  timelineKinds,
} from './dispatch.test-helpers.ts';

/** The rows of the suggestions table, as the dispatcher reads them. */
function suggestionRows(body: string): string[] {
  const table = /<table id="suggestions">([\s\S]*?)<\/table>/.exec(body)?.[1] ?? '';
  return [...table.matchAll(/<tr data-id="[^"]+">([\s\S]*?)<\/tr>/g)].map((m) =>
    m[1]!
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

async function pendingTextJobs(t: TestApp, dispatchId: string): Promise<unknown[]> {
  const jobs = await sql<{ data: unknown }>`
    select data from pgboss.job where name = 'dispatch.send-text'`.execute(t.context.db);
  return jobs.rows.map((r) => r.data).filter((data) => JSON.stringify(data).includes(dispatchId));
}

describe(`dispatch panel`, () => {
  let t: TestApp;
  let dispatcher: StaffSession;
  before(async () => {
    t = await createTestApp({
      env: { AMPARO_CROWD_CAP: '2', AMPARO_PUBLIC_URL: TEST_PUBLIC_URL },
    });
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => t.close());

  const panel = (incidentId: string, session: StaffSession = dispatcher, lang = 'en') =>
    t.app.inject({
      url: `/console/incidents/${incidentId}/dispatch`,
      headers: { accept: 'text/html', cookie: session.cookie, 'accept-language': lang },
    });

  // Every responder below lives in its own suite's ZIP codes, far from the others', so suites do not
  // see each other's responders near the top.
  test('suggests on-shift responders by distance and shared language, and says why', async () => {
    const incident = await insertIncident(t.context, { zip: '78207', reporterLanguage: 'es' });
    const near = await createStaff(t.context, ['responder'], {
      displayName: 'Near English',
      languages: ['en'],
      homeZips: ['78207'],
    });
    // 78204 is within a few km of 78207: speaking Spanish puts this responder first.
    const spanish = await createStaff(t.context, ['responder'], {
      displayName: 'Close Spanish',
      languages: ['es', 'en'],
      homeZips: ['78204'],
    });
    const far = await createStaff(t.context, ['responder'], {
      displayName: 'Far Spanish',
      languages: ['es'],
      homeZips: ['78006'],
    });
    await createStaff(t.context, ['responder'], {
      displayName: 'Off Shift',
      homeZips: ['78207'],
      onShift: false,
    });
    await createStaff(t.context, ['responder'], {
      displayName: 'No Phone',
      homeZips: ['78207'],
      phone: null,
    });
    await createStaff(t.context, ['dispatcher'], { displayName: 'Only Dispatcher', homeZips: ['78207'] });
    const disabled = await createStaff(t.context, ['responder'], {
      displayName: 'Disabled',
      homeZips: ['78207'],
    });
    await t.context.db
      .updateTable('users')
      .set({ disabled_at: new Date() })
      .where('id', '=', disabled.userId)
      .execute();

    const res = await panel(incident.id);
    assert.equal(res.statusCode, 200);
    const rows = suggestionRows(res.body).filter((row) => /Near English|Close Spanish|Far Spanish/.test(row));
    assert.equal(rows.length, 3, rows.join('\n'));
    // Miles unless the network set AMPARO_DISTANCE_UNIT=km (the callout tests run in kilometres).
    assert.match(rows[0]!, /^1 Close Spanish \d+(\.\d)? mi from home ZIP 78204 · speaks Spanish/);
    assert.match(rows[1]!, /^2 Near English 0 ft from home ZIP 78207/);
    assert.ok(!rows[1]!.includes('speaks Spanish'));
    assert.match(rows[2]!, /Far Spanish \d+(\.\d)? mi from home ZIP 78006 · speaks Spanish/);
    for (const hidden of ['Off Shift', 'No Phone', 'Only Dispatcher', 'Disabled']) {
      assert.ok(!res.body.includes(hidden), `${hidden} is not suggested`);
    }
    assert.match(res.body, /Speaking the reporter&#39;s language \(Spanish\) counts as being 1\.9 mi closer/);
    assert.match(res.body, /free on-shift responders within 15\.5 mi/, 'the callout radius, 25 km, in miles');
    assert.doesNotMatch(res.body, /\d km\b/);
    assert.ok(near.userId && spanish.userId && far.userId);
  });

  test('sending: one row, the timeline, the audit, reported → verifying, and one text after commit', async () => {
    const incident = await insertIncident(t.context, { zip: '30303', reporterLanguage: 'es' });
    const responder = await createStaff(t.context, ['responder'], {
      displayName: 'Sol',
      languages: ['es', 'en'],
      homeZips: ['30303'],
    });
    const sent = await dispatchThroughPanel(t.app, dispatcher, incident.id, responder.userId);
    assert.equal(sent.statusCode, 303, sent.body);
    assert.equal(sent.headers.location, `/console/incidents/${incident.id}/dispatch?sent=1`);

    const dispatchId = await dispatchIdFor(t.context, incident.id, responder.userId);
    const row = await t.context.db
      .selectFrom('dispatches')
      .selectAll()
      .where('id', '=', dispatchId)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'sent');
    assert.equal(row.created_by, dispatcher.userId);
    assert.equal(row.provider_id, null, 'nothing is sent inside the request');
    const status = await t.context.db
      .selectFrom('incidents')
      .select('status')
      .where('id', '=', incident.id)
      .executeTakeFirstOrThrow();
    assert.equal(status.status, 'verifying');
    assert.deepEqual((await timelineKinds(t.context, incident.id)).sort(), [
      'dispatched',
      'reported->verifying',
    ]);
    assert.deepEqual(await auditActionsFor(t.context, dispatchId), ['dispatch.sent']);
    assert.deepEqual(await auditActionsFor(t.context, incident.id), ['incident.status_changed']);
    assert.deepEqual(await pendingTextJobs(t, dispatchId), [{ dispatchId }], 'the job carries the id only');
    assert.deepEqual(await outboxTextsTo(t.context, responder.phone!), []);

    assert.equal(await sendDispatchText(t.context, dispatchId), 'sent');
    const texts = await outboxTextsTo(t.context, responder.phone!);
    assert.equal(texts.length, 1);
    const text = texts[0]!;
    assert.ok(text.startsWith(`${incident.reference}: verifique un reporte cerca de CP 30303`), text);
    assert.match(text, /Observe a distancia segura; no confronte\./);
    assert.ok(text.endsWith(`${TEST_PUBLIC_URL}/console/dispatches/${dispatchId}`), text);
    const centre = zipCentroid('30303')!;
    assert.ok(!text.includes(centre.lat.toFixed(5)), 'the exact point is not in the text');
    const provider = await t.context.db
      .selectFrom('dispatches')
      .select('provider_id')
      .where('id', '=', dispatchId)
      .executeTakeFirstOrThrow();
    assert.match(provider.provider_id ?? '', /^console:/);

    // A retried job finds the provider id and sends nothing more.
    assert.equal(await sendDispatchText(t.context, dispatchId), 'already_sent');
    assert.equal((await outboxTextsTo(t.context, responder.phone!)).length, 1);

    const after = await t.app.inject({
      url: String(sent.headers.location),
      headers: { accept: 'text/html', cookie: dispatcher.cookie },
    });
    assert.match(after.body, /Sent\. The text goes out within seconds/);
    assert.match(after.body, new RegExp(`<tr data-id="${dispatchId}" data-status="sent">[\\s\\S]*?Sol`));
    assert.ok(
      !suggestionRows(after.body).some((r) => r.includes('Sol')),
      'already dispatched: not suggested',
    );

    const again = await dispatchThroughPanel(t.app, dispatcher, incident.id, responder.userId);
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /already been sent to this incident/);
    const count = await t.context.db
      .selectFrom('dispatches')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('incident_id', '=', incident.id)
      .executeTakeFirstOrThrow();
    assert.equal(count.n, 1);
  });

  test('the crowd cap: the panel says so, and going above it needs a confirmation', async () => {
    const incident = await insertIncident(t.context, { zip: '33125' });
    const crowd = await Promise.all(
      [1, 2, 3].map((n) =>
        createStaff(t.context, ['responder'], { displayName: `Crowd ${n}`, homeZips: ['33125'] }),
      ),
    );
    for (const responder of crowd.slice(0, 2)) {
      assert.equal(
        (await dispatchThroughPanel(t.app, dispatcher, incident.id, responder.userId)).statusCode,
        303,
      );
    }
    let page = await panel(incident.id);
    assert.ok(!page.body.includes('id="crowd-cap"'), 'sent but not yet on their way: under the cap');
    assert.match(page.body, /0 of at most 2 responders on their way/);

    await t.context.db
      .updateTable('dispatches')
      .set({ status: 'on_way' })
      .where('incident_id', '=', incident.id)
      .execute();
    page = await panel(incident.id, dispatcher, 'es');
    assert.match(
      page.body,
      /id="crowd-cap"[^>]*>\s*Ya hay 2 personas verificadoras en camino o en el lugar; el límite de la red es 2/,
    );
    assert.match(page.body, /name="confirm_over_cap"/);

    const refused = await dispatchThroughPanel(t.app, dispatcher, incident.id, crowd[2]!.userId);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /Not sent: 2 responders are already on their way/);
    const noRow = await t.context.db
      .selectFrom('dispatches')
      .select('id')
      .where('responder_id', '=', crowd[2]!.userId)
      .executeTakeFirst();
    assert.equal(noRow, undefined);

    const confirmed = await dispatchThroughPanel(t.app, dispatcher, incident.id, crowd[2]!.userId, {
      confirm_over_cap: 'yes',
    });
    assert.equal(confirmed.statusCode, 303);
    const dispatchId = await dispatchIdFor(t.context, incident.id, crowd[2]!.userId);
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select('details')
      .where('subject_id', '=', dispatchId)
      .executeTakeFirstOrThrow();
    assert.equal((audit.details as { overCap?: unknown }).overCap, true);
  });

  test('nobody is sent to a settled incident, an unknown responder or an unknown incident', async () => {
    const settled = await insertIncident(t.context, { status: 'false_alarm' });
    const responder = await createStaff(t.context, ['responder']);
    const closed = await dispatchThroughPanel(t.app, dispatcher, settled.id, responder.userId);
    assert.equal(closed.statusCode, 409);
    assert.match(closed.body, /This incident is settled/);
    const open = await insertIncident(t.context);
    const dispatcherOnly = await createStaff(t.context, ['dispatcher']);
    const notResponder = await dispatchThroughPanel(t.app, dispatcher, open.id, dispatcherOnly.userId);
    assert.equal(notResponder.statusCode, 409);
    const garbage = await dispatchThroughPanel(t.app, dispatcher, open.id, 'not-a-uuid');
    assert.equal(garbage.statusCode, 422);
    const missing = await dispatchThroughPanel(t.app, dispatcher, crypto.randomUUID(), responder.userId);
    assert.equal(missing.statusCode, 404);
    assert.equal((await panel(crypto.randomUUID())).statusCode, 404);
    assert.equal((await panel('nonsense')).statusCode, 404);
  });

  test('responders and legal observers cannot open the panel', async () => {
    const incident = await insertIncident(t.context);
    for (const role of ['responder', 'legal'] as const) {
      const session = await createStaffSession(t.context, [role]);
      assert.equal((await panel(incident.id, session)).statusCode, 403, role);
    }
  });
});

describe(`dispatch text through Twilio`, () => {
  let standIn: TwilioStandIn;
  let t: TestApp;
  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    t = await createTestApp({
      env: { ...TWILIO_TEST_ENV, AMPARO_SMS_PROVIDER: 'twilio', AMPARO_TWILIO_API_BASE: standIn.baseUrl },
      work: true,
    });
  });
  after(async () => {
    await t.close();
    await standIn.close();
  });

  test('the queued job texts the responder once and keeps the message SID', async () => {
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const incident = await insertIncident(t.context, { zip: '60623' });
    const responder = await createStaff(t.context, ['responder'], {
      languages: ['en'],
      homeZips: ['60623'],
    });
    assert.equal(
      (await dispatchThroughPanel(t.app, dispatcher, incident.id, responder.userId)).statusCode,
      303,
    );
    const dispatchId = await dispatchIdFor(t.context, incident.id, responder.userId);

    // The worker picks the job up by itself.
    let providerId: string | null = null;
    for (let i = 0; i < 100 && providerId === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      providerId = (
        await t.context.db
          .selectFrom('dispatches')
          .select('provider_id')
          .where('id', '=', dispatchId)
          .executeTakeFirstOrThrow()
      ).provider_id;
    }
    assert.ok(providerId, 'the job ran and stored the SID');
    const sent = [...standIn.messages.values()].filter((m) => m.to === responder.phone);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.sid, providerId);
    assert.ok(sent[0]!.body.startsWith(`${incident.reference}: please check a report near ZIP 60623`));
    assert.match(sent[0]!.body, /Observe from a safe distance; do not confront\./);
    assert.equal(await sendDispatchText(t.context, dispatchId), 'already_sent');
    assert.equal([...standIn.messages.values()].filter((m) => m.to === responder.phone).length, 1);
    assert.ok(!t.logs.text.includes(responder.phone!.slice(-7)), 'the number is not logged');
  });
});
