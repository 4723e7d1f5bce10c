// The approval rules, over HTTP and on both databases: nothing unverified reaches the community (each kind's
// incident rule, at compose and again at approval), the composer cannot approve and a second person can, an
// approver approves exactly what they saw, cancelling, and a network of one with the rule turned off.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import type { AlertKind, IncidentStatus } from '../../db/schema.ts';
import { auditActionsFor, timelineKinds } from '../dispatch/dispatch.test-helpers.ts';
import {
  addSubscriber,
  alertCount,
  alertIdOf,
  alertRow,
  approveByForm,
  composeByForm,
  composeConfirmedActivity,
  fingerprintOf,
  incidentWith,
  ledgerSize,
  postForm,
  stopNumber,
} from './alerts.test-helpers.ts';

/** A valid wording for each kind, as the compose form posts it. */
const WORDING: Record<AlertKind, Record<string, string>> = {
  confirmed_activity: { what: 'at_workplace', advice: 'avoid_area', area_label: 'ZIP 60623' },
  update: { what: 'still_present', advice: 'keep_avoiding', area_label: 'ZIP 60623' },
  area_clear: { what: 'agents_left', advice: 'stay_alert', area_label: 'ZIP 60623' },
  rumour_control: { what: 'nothing_found', advice: 'share_verified', area_label: 'ZIP 60623' },
  know_your_rights: { advice: 'red_card' },
};

/** Which incident statuses allow which kinds: written out here, independently of the service's table. */
const ALLOWED: Record<IncidentStatus, readonly AlertKind[]> = {
  reported: [],
  verifying: [],
  unable_to_verify: [],
  confirmed: ['confirmed_activity', 'update', 'area_clear'],
  active: ['confirmed_activity', 'update', 'area_clear'],
  concluded: ['area_clear'],
  false_alarm: ['rumour_control'],
  not_immigration: ['rumour_control'],
};

const page = (t: TestApp, session: StaffSession, url: string, lang = 'en') =>
  t.app.inject({ url, headers: { accept: 'text/html', cookie: session.cookie, 'accept-language': lang } });

describe(`alert approval rules`, () => {
  let t: TestApp;
  let composer: StaffSession;
  let second: StaffSession;
  before(async () => {
    t = await createTestApp();
    composer = await createStaffSession(t.context, ['dispatcher']);
    second = await createStaffSession(t.context, ['dispatcher']);
    await addSubscriber(t.context, { language: 'en', zips: ['60623'] });
    await addSubscriber(t.context, { language: 'es', zips: ['60623', '60608'] });
  });
  after(async () => t.close());

  test('an unverified incident cannot alert: no kind is offered and every kind is refused, in words', async () => {
    for (const status of ['reported', 'verifying', 'unable_to_verify'] as const) {
      const incident = await incidentWith(t.context, { status });
      const compose = await page(t, composer, `/console/incidents/${incident.id}/alerts/new`);
      assert.equal(compose.statusCode, 200);
      assert.match(compose.body, /id="no-alert-kinds"/, status);
      assert.ok(!compose.body.includes('id="compose-form"'), `${status}: no form`);
      const before = await alertCount(t.context);
      for (const kind of ['confirmed_activity', 'update', 'area_clear', 'rumour_control'] as const) {
        const res = await composeByForm(t.app, composer, incident.id, { kind, ...WORDING[kind] });
        assert.equal(res.statusCode, 409, `${status}/${kind}`);
        assert.match(res.body, /id="alert-problem"/);
      }
      assert.equal(await alertCount(t.context), before, `${status}: nothing was stored`);
    }
    const verifying = await incidentWith(t.context, { status: 'verifying' });
    const english = await composeByForm(t.app, composer, verifying.id, {
      kind: 'confirmed_activity',
      ...WORDING.confirmed_activity,
    });
    assert.match(english.body, /needs an incident a responder has confirmed\. This incident is: Verifying\./);
    const spanish = await composeByForm(
      t.app,
      composer,
      verifying.id,
      { kind: 'confirmed_activity', ...WORDING.confirmed_activity },
      { lang: 'es' },
    );
    assert.equal(spanish.statusCode, 409);
    assert.match(spanish.body, /necesita un incidente que una persona voluntaria confirm/);
  });

  test('each kind needs its incident status; know-your-rights needs no incident', async () => {
    for (const [status, allowed] of Object.entries(ALLOWED) as [IncidentStatus, readonly AlertKind[]][]) {
      const incident = await incidentWith(t.context, { status });
      for (const kind of [
        'confirmed_activity',
        'update',
        'area_clear',
        'rumour_control',
        'know_your_rights',
      ] as const) {
        const res = await composeByForm(t.app, composer, incident.id, { kind, ...WORDING[kind] });
        assert.equal(res.statusCode, allowed.includes(kind) ? 303 : 409, `${status} → ${kind}`);
      }
      const compose = await page(t, composer, `/console/incidents/${incident.id}/alerts/new`);
      for (const kind of allowed)
        assert.match(compose.body, new RegExp(`kind=${kind}|value="${kind}"`), `${status} offers ${kind}`);
    }
    const kyr = await composeByForm(t.app, composer, null, {
      kind: 'know_your_rights',
      ...WORDING.know_your_rights,
    });
    assert.equal(kyr.statusCode, 303);
    const standaloneActivity = await composeByForm(t.app, composer, null, {
      kind: 'confirmed_activity',
      ...WORDING.confirmed_activity,
    });
    assert.equal(standaloneActivity.statusCode, 409, 'activity needs an incident');
  });

  test('the composer cannot approve; a second dispatcher can, and the alert is queued for delivery', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const opted = await addSubscriber(t.context, { language: 'es', zips: ['60623'] });
    await stopNumber(t.context, opted.phone);
    const alertId = await composeConfirmedActivity(t.app, composer, incident.id);

    const own = await page(t, composer, `/console/alerts/${alertId}`);
    assert.equal(own.statusCode, 200);
    assert.match(own.body, /id="own-alert"/);
    assert.ok(!own.body.includes('id="approve-form"'), 'the composer is offered no approve button');

    const refused = await approveByForm(t.app, t.context, composer, alertId);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /You wrote this alert, so you cannot approve it/);
    const refusedEs = await approveByForm(t.app, t.context, composer, alertId, { lang: 'es' });
    assert.match(refusedEs.body, /Usted escribió esta alerta, así que no puede aprobarla/);
    assert.equal((await alertRow(t.context, alertId)).status, 'draft');
    assert.equal(await ledgerSize(t.context, alertId), 0, 'nothing queued');
    assert.ok((await auditActionsFor(t.context, alertId)).includes('alert.approval_refused'));

    const theirs = await page(t, second, `/console/alerts/${alertId}`);
    assert.match(theirs.body, /id="approve-form"/);
    const approved = await approveByForm(t.app, t.context, second, alertId);
    assert.equal(approved.statusCode, 303, approved.body);
    assert.equal(approved.headers.location, `/console/alerts/${alertId}?saved=approved`);
    const row = await alertRow(t.context, alertId);
    assert.notEqual(row.status, 'draft');
    assert.equal(row.approved_by, second.userId);
    assert.deepEqual(row.target_zips, ['60623']);
    // Two subscribers in 60623 (one English, one Spanish); the one who texted STOP is left out.
    assert.equal(row.recipients, 2);
    assert.equal(await ledgerSize(t.context, alertId), 2);
    assert.ok((await timelineKinds(t.context, incident.id)).includes('alert_approved'));
    const actions = await auditActionsFor(t.context, alertId);
    assert.deepEqual(
      actions.filter((action) => action !== 'alert.approval_refused'),
      ['alert.composed', 'alert.approved'],
    );

    const again = await approveByForm(t.app, t.context, second, alertId);
    assert.equal(again.statusCode, 409, 'approved once only');
    assert.match(again.body, /no longer a draft/);
    assert.equal(await ledgerSize(t.context, alertId), 2);
  });

  test('a coordinator may approve a dispatcher’s alert; the incident page shows it on the timeline', async () => {
    const incident = await incidentWith(t.context, { status: 'active' });
    const coordinator = await createStaffSession(t.context, ['coordinator']);
    const alertId = await composeConfirmedActivity(t.app, composer, incident.id);
    const res = await approveByForm(t.app, t.context, coordinator, alertId);
    assert.equal(res.statusCode, 303, res.body);
    const incidentPage = await page(t, second, `/console/incidents/${incident.id}`);
    assert.match(incidentPage.body, /Community alert approved/);
    assert.match(incidentPage.body, new RegExp(`href="/console/incidents/${incident.id}/alerts/new"`));
  });

  test('approval checks the incident again: a draft whose incident moved on or was merged is refused', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const alertId = await composeConfirmedActivity(t.app, composer, incident.id);
    await t.context.db
      .updateTable('incidents')
      .set({ status: 'verifying' })
      .where('id', '=', incident.id)
      .execute();
    const draftPage = await page(t, second, `/console/alerts/${alertId}`);
    assert.match(draftPage.body, /This incident is: Verifying\./, 'the draft page warns before anyone tries');
    const refused = await approveByForm(t.app, t.context, second, alertId);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /needs an incident a responder has confirmed/);
    assert.equal(await ledgerSize(t.context, alertId), 0);
    assert.equal((await alertRow(t.context, alertId)).status, 'draft');

    const other = await incidentWith(t.context, { status: 'confirmed' });
    const merged = await incidentWith(t.context, { status: 'confirmed' });
    const mergedAlert = await composeConfirmedActivity(t.app, composer, merged.id);
    await t.context.db
      .updateTable('incidents')
      .set({ merged_into: other.id })
      .where('id', '=', merged.id)
      .execute();
    const refusedMerged = await approveByForm(t.app, t.context, second, mergedAlert);
    assert.equal(refusedMerged.statusCode, 409);
    assert.match(refusedMerged.body, /merged into another one/);
  });

  test('an approver approves exactly what they saw: a change since then is refused', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const alertId = await composeConfirmedActivity(t.app, composer, incident.id);
    const seenPage = await page(t, second, `/console/alerts/${alertId}`);
    const seen = /name="seen" value="([^"]+)"/.exec(seenPage.body)?.[1];
    assert.ok(seen, 'the approve form carries what was shown');
    const edited = await postForm(t.app, composer, `/console/alerts/${alertId}/edit`, {
      kind: 'confirmed_activity',
      what: 'detaining',
      advice: 'stay_inside',
      area_label: 'Little Village',
    });
    assert.equal(edited.statusCode, 303, edited.body);
    const stale = await approveByForm(t.app, t.context, second, alertId, { seen });
    assert.equal(stale.statusCode, 409);
    assert.match(stale.body, /changed since you opened it/);
    assert.match(stale.body, /ICE agents detaining people near Little Village/, 'the new text is shown');
    const fresh = await approveByForm(t.app, t.context, second, alertId);
    assert.equal(fresh.statusCode, 303);
  });

  // Each field that decides who gets the alert, changed on its own after the approver opened the draft.
  // One coordinator composes and aims it both times, so the composer does not change: only the field itself
  // can void the approval. The baseline has one of each, so a change of a single point or ZIP code is a change.
  const AIMED = {
    radius: '0.6',
    add_zips: '60608',
    remove_zips: '',
    areas: '41.82,-87.72; 41.82,-87.70; 41.80,-87.70',
  };
  const REAIMED: Record<keyof typeof AIMED, string> = {
    radius: '0.9',
    add_zips: '60608 60629',
    remove_zips: '60623',
    areas: '41.82,-87.72; 41.82,-87.70; 41.79,-87.70',
  };
  for (const field of Object.keys(AIMED) as (keyof typeof AIMED)[]) {
    test(`an approver approves exactly the area they saw: a change of ${field} since then is refused`, async () => {
      const incident = await incidentWith(t.context, { status: 'confirmed' });
      const aimer = await createStaffSession(t.context, ['coordinator']);
      const alertId = await composeConfirmedActivity(t.app, aimer, incident.id);
      const aimed = await postForm(t.app, aimer, `/console/alerts/${alertId}/targeting`, AIMED);
      assert.equal(aimed.statusCode, 303, aimed.body);
      const seenPage = await page(t, second, `/console/alerts/${alertId}`);
      const seen = /name="seen" value="([^"]+)"/.exec(seenPage.body)?.[1];
      assert.ok(seen, 'the approve form carries what was shown');
      const seenRow = await alertRow(t.context, alertId);

      const reaimed = await postForm(t.app, aimer, `/console/alerts/${alertId}/targeting`, {
        ...AIMED,
        [field]: REAIMED[field],
      });
      assert.equal(reaimed.statusCode, 303, reaimed.body);
      const changedRow = await alertRow(t.context, alertId);
      assert.equal(
        changedRow.composed_by,
        seenRow.composed_by,
        'the composer is the same: only the field changed',
      );
      assert.notDeepEqual(
        [changedRow.radius_meters, changedRow.added_zips, changedRow.removed_zips, changedRow.drawn_areas],
        [seenRow.radius_meters, seenRow.added_zips, seenRow.removed_zips, seenRow.drawn_areas],
        `${field} was stored`,
      );
      assert.notEqual(await fingerprintOf(t.context, alertId), seen, 'the fingerprint changed');

      const stale = await approveByForm(t.app, t.context, second, alertId, { seen });
      assert.equal(stale.statusCode, 409, stale.body);
      assert.match(stale.body, /changed since you opened it/);
      assert.equal((await alertRow(t.context, alertId)).status, 'draft');
      assert.equal(await ledgerSize(t.context, alertId), 0);
      assert.ok(
        (await auditActionsFor(t.context, alertId)).includes('alert.approval_refused'),
        'the refusal is recorded',
      );

      const fresh = await approveByForm(t.app, t.context, second, alertId);
      assert.equal(fresh.statusCode, 303, fresh.body);
      assert.equal((await alertRow(t.context, alertId)).approved_by, second.userId);
    });
  }

  test('whoever rewrites the words becomes the composer: they cannot approve, the first author can', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const alertId = await composeConfirmedActivity(t.app, composer, incident.id);
    const edited = await postForm(t.app, second, `/console/alerts/${alertId}/edit`, {
      kind: 'confirmed_activity',
      what: 'at_workplace',
      advice: 'right_silent',
      area_label: 'ZIP 60623',
    });
    assert.equal(edited.statusCode, 303);
    assert.equal((await alertRow(t.context, alertId)).composed_by, second.userId);
    assert.equal((await approveByForm(t.app, t.context, second, alertId)).statusCode, 409);
    assert.equal((await approveByForm(t.app, t.context, composer, alertId)).statusCode, 303);
    assert.deepEqual(
      (await auditActionsFor(t.context, alertId)).filter((action) => action !== 'alert.approval_refused'),
      ['alert.composed', 'alert.edited', 'alert.approved'],
    );
  });

  test('whoever changes the area becomes the composer: a coordinator who aims a draft cannot approve it alone', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const coordinator = await createStaffSession(t.context, ['coordinator']);
    const alertId = await composeConfirmedActivity(t.app, composer, incident.id);
    // The coordinator sends the dispatcher's words somewhere else entirely: nobody else has seen that area.
    const aimed = await postForm(t.app, coordinator, `/console/alerts/${alertId}/targeting`, {
      radius: '0.6',
      add_zips: '60608',
      remove_zips: '60623',
      areas: '',
    });
    assert.equal(aimed.statusCode, 303, aimed.body);
    assert.equal((await alertRow(t.context, alertId)).composed_by, coordinator.userId);
    // This network counts in miles (the default): 0.6 mi is kept as 966 m and shown back in miles.
    assert.equal((await alertRow(t.context, alertId)).radius_meters, 966);
    const aimedView = await page(t, coordinator, `/console/alerts/${alertId}`);
    assert.match(aimedView.body, /id="alert-radius">0\.6 mi</);
    assert.match(aimedView.body, /Radius in miles/);
    assert.match(aimedView.body, /name="radius"[^>]*value="0\.6"/);
    assert.match(aimedView.body, /From 330 ft to 31\.1 mi\./);

    const own = await page(t, coordinator, `/console/alerts/${alertId}`);
    assert.match(own.body, /id="own-alert"/);
    assert.ok(!own.body.includes('id="approve-form"'), 'the coordinator is offered no approve button');
    const refused = await approveByForm(t.app, t.context, coordinator, alertId);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /You wrote this alert, so you cannot approve it/);
    assert.equal((await alertRow(t.context, alertId)).status, 'draft');
    assert.equal(await ledgerSize(t.context, alertId), 0);

    // Someone other than whoever last changed it approves the area as aimed.
    const approved = await approveByForm(t.app, t.context, composer, alertId);
    assert.equal(approved.statusCode, 303, approved.body);
    assert.deepEqual((await alertRow(t.context, alertId)).target_zips, ['60608']);
    assert.deepEqual(
      (await auditActionsFor(t.context, alertId)).filter((action) => action !== 'alert.approval_refused'),
      ['alert.composed', 'alert.targeted', 'alert.approved'],
    );
  });

  test('approval recomputes the targets: a know-your-rights alert reaches who subscribed since the draft', async () => {
    const alertId = alertIdOf(
      await composeByForm(t.app, composer, null, { kind: 'know_your_rights', ...WORDING.know_your_rights }),
    );
    const draft = await alertRow(t.context, alertId);
    assert.ok(!draft.target_zips.includes('60629'));
    await addSubscriber(t.context, { language: 'es', zips: ['60629'] });
    const res = await approveByForm(t.app, t.context, second, alertId);
    assert.equal(res.statusCode, 303);
    const row = await alertRow(t.context, alertId);
    assert.ok(row.target_zips.includes('60629'), 'the new ZIP code joined at approval');
    assert.equal(row.incident_id, null);
  });

  test('a draft can be cancelled, and then cannot be approved', async () => {
    const incident = await incidentWith(t.context, { status: 'false_alarm' });
    const alertId = alertIdOf(
      await composeByForm(t.app, composer, incident.id, {
        kind: 'rumour_control',
        ...WORDING.rumour_control,
      }),
    );
    const cancelled = await postForm(t.app, second, `/console/alerts/${alertId}/cancel`, {});
    assert.equal(cancelled.statusCode, 303);
    const row = await alertRow(t.context, alertId);
    assert.equal(row.status, 'cancelled');
    assert.equal(row.cancelled_by, second.userId);
    const approve = await approveByForm(t.app, t.context, second, alertId);
    assert.equal(approve.statusCode, 409);
    assert.equal(await ledgerSize(t.context, alertId), 0);
    assert.deepEqual(await auditActionsFor(t.context, alertId), [
      'alert.composed',
      'alert.cancelled',
      // The refused approval of a cancelled alert is not a rule being dodged: not recorded as one.
    ]);
  });

  test('an alert nobody would receive is not approved', async () => {
    const incident = await incidentWith(t.context, {
      status: 'confirmed',
      zip: '99501',
      point: { lat: 61.2, lon: -149.9 },
    });
    const alertId = await composeConfirmedActivity(t.app, composer, incident.id, {
      area_label: 'ZIP 99501',
    });
    const res = await approveByForm(t.app, t.context, second, alertId);
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /Nobody would receive this alert/);
  });

  test('forms without the session’s anti-forgery token are refused', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const alertId = await composeConfirmedActivity(t.app, composer, incident.id);
    const res = await postForm(
      t.app,
      second,
      `/console/alerts/${alertId}/approve`,
      { seen: 'x' },
      { csrf: false },
    );
    assert.equal(res.statusCode, 403);
    assert.equal((await alertRow(t.context, alertId)).status, 'draft');
  });
});

describe(`a network of one, with two-person approval off`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { AMPARO_ALERT_TWO_PERSON_APPROVAL: 'false' } });
    await addSubscriber(t.context, { language: 'en', zips: ['60623'] });
  });
  after(async () => t.close());

  test('the log and every alert page warn, and the composer may approve their own alert', async () => {
    assert.match(t.logs.text, /AMPARO_ALERT_TWO_PERSON_APPROVAL is off/);
    const alone = await createStaffSession(t.context, ['coordinator']);
    for (const url of ['/console/alerts', '/console/alerts/new']) {
      const res = await page(t, alone, url);
      assert.match(res.body, /id="two-person-off"/, url);
    }
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const alertId = await composeConfirmedActivity(t.app, alone, incident.id);
    const own = await page(t, alone, `/console/alerts/${alertId}`);
    assert.match(own.body, /id="two-person-off"/);
    assert.match(own.body, /id="approve-form"/);
    const res = await approveByForm(t.app, t.context, alone, alertId);
    assert.equal(res.statusCode, 303, res.body);
    assert.equal((await alertRow(t.context, alertId)).approved_by, alone.userId);
  });
});
