// The home page per role, over a real database: each role sees its own panels and no other role's, the counts
// are right, empty panels say so in words, a legal volunteer sees only their team's cases, and the triage queue
// lives at /console/reports.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Role } from '../../db/schema.ts';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { composeConfirmedActivity, incidentWith } from '../alerts/alerts.test-helpers.ts';
import { createTestTeam, openTestCase } from '../cases/cases.test-helpers.ts';
import {
  assignTestAttorney,
  formPoster,
  pageGetter,
  refreshSession,
} from '../case-tracking/case-tracking.test-helpers.ts';
import { createStaff, insertIncident } from '../dispatch/dispatch.test-helpers.ts';
import { storeReport } from '../incidents/incidents.test-helpers.ts';

const HOUR_MS = 3600_000;
// Monday 7 December 2026, 10:00 in Chicago: the tests never read the machine's clock or zone.
const START = Date.parse('2026-12-07T16:00:00Z');

/** A panel's section of the page (empty when the panel is not there). */
function panelOf(body: string, id: string): string {
  return new RegExp(`<section class="panel" id="panel-${id}"[\\s\\S]*?</section>`).exec(body)?.[0] ?? '';
}

function countOf(body: string, id: string): number {
  const panel = panelOf(body, id);
  assert.ok(panel, `panel ${id} is shown`);
  return Number(/data-count="(\d+)"/.exec(panel)?.[1]);
}

const DISPATCH_PANELS = ['triage', 'incidents', 'on-the-way', 'alerts'];
const LEGAL_PANELS = ['followups', 'checks-due', 'hearings', 'tasks', 'without-attorney'];
const RESPONDER_PANELS = ['my-dispatches', 'shift'];
const ADMIN_PANELS = ['staff', 'invites', 'attention'];

function assertPanels(body: string, shown: string[], label: string): void {
  for (const id of [...DISPATCH_PANELS, ...LEGAL_PANELS, ...RESPONDER_PANELS, ...ADMIN_PANELS, 'coverage']) {
    assert.equal(panelOf(body, id) !== '', shown.includes(id), `${label}: panel ${id}`);
  }
}

describe('the home page per role', () => {
  let t: TestApp;
  let get: (session: StaffSession, url: string, lang?: string) => ReturnType<ReturnType<typeof pageGetter>>;
  let post: ReturnType<typeof formPoster>;
  const clock = new TestClock(START);

  before(async () => {
    t = await createTestApp({ clock, env: { AMPARO_TIMEZONE: 'America/Chicago' } });
    get = pageGetter(t.app, t.context);
    post = formPoster(t.app, t.context);
  });
  after(async () => t.close());

  test('an admin sees staff, invitations not yet accepted and settings that need attention, and nothing else', async () => {
    const admin = await createStaffSession(t.context, ['admin']);
    const disabled = await createStaffSession(t.context, ['dispatcher']);
    await t.context.db
      .updateTable('users')
      .set({ disabled_at: clock.now() })
      .where('id', '=', disabled.userId)
      .execute();
    const invite = (expiresAt: Date, usedAt: Date | null) =>
      t.context.db
        .insertInto('invites')
        .values({
          id: randomUUID(),
          token_hash: randomUUID(),
          kind: 'invite',
          email_ciphertext: null,
          email_index: null,
          role: 'legal',
          created_by: admin.userId,
          created_at: clock.now(),
          expires_at: expiresAt,
          used_at: usedAt,
        })
        .execute();
    await invite(new Date(START + 48 * HOUR_MS), null);
    await invite(new Date(START + 48 * HOUR_MS), clock.now()); // accepted
    await invite(new Date(START - HOUR_MS), null); // expired

    const res = await get(admin, '/console');
    assert.equal(res.statusCode, 200);
    assertPanels(res.body, ADMIN_PANELS, 'admin');
    assert.equal(countOf(res.body, 'staff'), 1, 'the disabled account is not counted');
    assert.equal(countOf(res.body, 'invites'), 1, 'only the invitation still open');
    assert.match(panelOf(res.body, 'invites'), /href="\/console\/users"/);
    const attention = panelOf(res.body, 'attention');
    assert.match(attention, /No SMS provider is set up/);
    assert.match(attention, /There is only one admin/);
    assert.doesNotMatch(attention, /without a second person/, 'two-person approval is on');
    assert.equal(countOf(res.body, 'attention'), 2);
    assert.doesNotMatch(res.body, /href="\/console\/reports\//, 'no report on an admin’s home');
  });

  test('a dispatcher with nothing waiting sees each panel say so in words', async () => {
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const res = await get(dispatcher, '/console');
    assert.equal(res.statusCode, 200);
    assertPanels(res.body, DISPATCH_PANELS, 'dispatcher');
    for (const id of DISPATCH_PANELS) assert.equal(countOf(res.body, id), 0, id);
    assert.match(panelOf(res.body, 'triage'), /<p class="empty">Nothing waiting<\/p>/);
    assert.match(panelOf(res.body, 'incidents'), /<p class="empty">No open incidents<\/p>/);
    assert.match(panelOf(res.body, 'on-the-way'), /<p class="empty">Nobody is on the way right now<\/p>/);
    assert.match(panelOf(res.body, 'alerts'), /<p class="empty">Nothing waiting<\/p>/);
    assert.match(res.body, /<a href="\/console" id="home-refresh">Refresh<\/a>/);
    assert.match(res.body, /data-events="\/console\/incidents\/events\?since=\d+"/);
    assert.match(res.body, /src="\/assets\/home-live.js"/);
    assert.match(res.body, /href="\/assets\/home.css"/);
  });

  test('a dispatcher sees the newest untriaged reports, open incidents, responders on their way and alerts for them to approve', async () => {
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const colleague = await createStaffSession(t.context, ['dispatcher']);
    const older = await storeReport(t.context);
    clock.advance(60_000);
    const newer = await storeReport(t.context, { zip: '60608' });
    const spam = await storeReport(t.context);
    await t.context.db.updateTable('reports').set({ status: 'spam' }).where('id', '=', spam.id).execute();
    const open = await insertIncident(t.context, { status: 'verifying' });
    const settled = await insertIncident(t.context, { status: 'false_alarm' });
    const confirmed = await incidentWith(t.context, { status: 'confirmed' });
    const responder = await createStaff(t.context, ['responder'], { displayName: 'Rosa Rápida' });
    const dispatch = (status: 'sent' | 'on_way', eta: number | null) =>
      t.context.db
        .insertInto('dispatches')
        .values({
          id: randomUUID(),
          incident_id: open.id,
          responder_id: responder.userId,
          status,
          eta_minutes: eta,
          created_by: dispatcher.userId,
          created_at: clock.now(),
          responded_at: status === 'on_way' ? clock.now() : null,
          provider_id: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    const onWay = await dispatch('on_way', 12);
    await dispatch('sent', null);
    const theirs = await composeConfirmedActivity(
      t.app,
      await refreshSession(t.context, colleague),
      confirmed.id,
    );
    const mine = await composeConfirmedActivity(
      t.app,
      await refreshSession(t.context, dispatcher),
      confirmed.id,
    );

    const res = await get(dispatcher, '/console');
    const triage = panelOf(res.body, 'triage');
    assert.equal(countOf(res.body, 'triage'), 2, 'the set-aside report is not waiting');
    assert.ok(triage.indexOf(newer.reference) < triage.indexOf(older.reference), 'newest first');
    assert.ok(!triage.includes(spam.reference));
    assert.match(triage, new RegExp(`href="/console/reports/${newer.id}"`));
    assert.match(triage, /href="\/console\/reports">Open the report queue</);

    const incidents = panelOf(res.body, 'incidents');
    assert.equal(countOf(res.body, 'incidents'), 2, 'the checked and the confirmed one, not the false alarm');
    assert.ok(incidents.includes(open.reference) && !incidents.includes(settled.reference));
    assert.match(incidents, /href="\/console\/incidents">/);

    const onTheWay = panelOf(res.body, 'on-the-way');
    assert.equal(countOf(res.body, 'on-the-way'), 1, 'a dispatch not yet answered is not on the way');
    assert.match(
      onTheWay,
      new RegExp(`Rosa Rápida → <a href="/console/dispatches/${onWay.id}">${open.reference}</a>`),
    );
    assert.match(onTheWay, /about 12 min/);

    const alerts = panelOf(res.body, 'alerts');
    assert.equal(countOf(res.body, 'alerts'), 1, 'their own draft waits for someone else');
    assert.ok(alerts.includes(`/console/alerts/${theirs}`) && !alerts.includes(`/console/alerts/${mine}`));
    const colleagueHome = await get(colleague, '/console');
    assert.ok(panelOf(colleagueHome.body, 'alerts').includes(`/console/alerts/${mine}`));
    assertPanels(res.body, DISPATCH_PANELS, 'dispatcher');
  });

  test('a legal volunteer sees follow-ups, checks due, the week’s hearings, their tasks and cases without an attorney, on their team’s cases only', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const teammate = await createStaffSession(t.context, ['legal']);
    const outsider = await createStaffSession(t.context, ['legal']);
    const team = await createTestTeam(t.context, 'Pilsen', [legal.userId, teammate.userId]);
    const otherTeam = await createTestTeam(t.context, 'Elsewhere', [outsider.userId]);

    const empty = await get(legal, '/console');
    assertPanels(empty.body, LEGAL_PANELS, 'legal');
    for (const id of LEGAL_PANELS) assert.equal(countOf(empty.body, id), 0, id);
    assert.match(panelOf(empty.body, 'hearings'), /No hearings in the next 7 days/);

    const ours = await openTestCase(t.context, teammate.userId, { teamId: team });
    const represented = await openTestCase(t.context, teammate.userId, { teamId: team });
    await assignTestAttorney(t.context, represented.id, { phone: null });
    const theirs = await openTestCase(t.context, outsider.userId, { teamId: otherTeam });
    for (const id of [ours.id, theirs.id]) {
      await t.context.db
        .updateTable('cases')
        .set({ next_locator_check_at: new Date(START - HOUR_MS) })
        .where('id', '=', id)
        .execute();
    }
    await t.context.db
      .updateTable('cases')
      .set({ next_locator_check_at: new Date(START + 48 * HOUR_MS) })
      .where('id', '=', represented.id)
      .execute();
    const hearing = async (session: StaffSession, caseId: string, daysAhead: number) => {
      const date = new Date(START + daysAhead * 24 * HOUR_MS).toISOString().slice(0, 10);
      const res = await post(session, `/console/cases/${caseId}/hearings`, {
        date,
        time: '09:00',
        court: 'Chicago Immigration Court',
        judge: 'Judge',
        kind: 'master_calendar',
      });
      assert.equal(res.statusCode, 303, res.body);
    };
    await hearing(legal, ours.id, 3);
    await hearing(legal, represented.id, 10); // beyond the week
    await hearing(outsider, theirs.id, 2);
    const task = async (session: StaffSession, caseId: string, assignee: string) => {
      const res = await post(session, `/console/cases/${caseId}/support-tasks`, {
        kind: 'childcare',
        assignee_id: assignee,
        due_on: '2026-12-09',
        notes: '',
      });
      assert.equal(res.statusCode, 303, res.body);
    };
    await task(legal, ours.id, legal.userId);
    await task(legal, represented.id, teammate.userId);
    await task(outsider, theirs.id, outsider.userId);
    const followup = (assignedTo: string) =>
      t.context.db
        .insertInto('followup_tasks')
        .values({
          id: randomUUID(),
          kind: 'family_detained',
          report_id: null,
          assigned_to: assignedTo,
          created_at: clock.now(),
          closed_at: null,
        })
        .execute();
    await followup(legal.userId);
    await followup(outsider.userId);

    const res = await get(legal, '/console');
    assert.equal(res.statusCode, 200);
    assertPanels(res.body, LEGAL_PANELS, 'legal');
    assert.ok(!res.body.includes(theirs.reference), 'another team’s case is nowhere on the page');
    assert.equal(countOf(res.body, 'followups'), 1);
    assert.equal(countOf(res.body, 'checks-due'), 1);
    assert.match(
      panelOf(res.body, 'checks-due'),
      new RegExp(`href="/console/cases/${ours.id}">${ours.reference}<`),
    );
    assert.equal(countOf(res.body, 'hearings'), 1, 'the hearing in 10 days is not this week’s');
    // 9:00 in Chicago, three days ahead: shown in the network's zone, not the server's.
    assert.match(
      panelOf(res.body, 'hearings'),
      new RegExp(`${ours.reference}</a> · Dec 10, 2026, 9:00\\sAM`),
    );
    assert.equal(countOf(res.body, 'tasks'), 1, 'the teammate’s task is theirs');
    assert.match(panelOf(res.body, 'tasks'), /Childcare · due 2026-12-09/);
    assert.equal(countOf(res.body, 'without-attorney'), 1);
    assert.ok(!panelOf(res.body, 'without-attorney').includes(represented.reference));
    assert.doesNotMatch(res.body, /href="\/console\/reports/, 'no triage queue for legal');

    const outsiderHome = await get(outsider, '/console');
    assert.ok(!outsiderHome.body.includes(ours.reference), 'and the other way round');
    assert.equal(countOf(outsiderHome.body, 'hearings'), 1);
  });

  test('a responder sees their dispatches, waiting ones first, and goes off shift from the home page', async () => {
    const responder = await createStaff(t.context, ['responder'], { onShift: true });
    const incident = await insertIncident(t.context, { status: 'verifying' });
    const later = await insertIncident(t.context, { status: 'verifying' });
    const dispatch = (incidentId: string, status: 'sent' | 'on_way') =>
      t.context.db
        .insertInto('dispatches')
        .values({
          id: randomUUID(),
          incident_id: incidentId,
          responder_id: responder.userId,
          status,
          eta_minutes: null,
          created_by: null,
          created_at: clock.now(),
          responded_at: null,
          provider_id: null,
        })
        .execute();
    await dispatch(later.id, 'on_way');
    clock.advance(1000);
    await dispatch(incident.id, 'sent');
    clock.advance(1000);
    await dispatch(later.id, 'on_way');

    const res = await get(responder, '/console');
    assertPanels(res.body, RESPONDER_PANELS, 'responder');
    assert.doesNotMatch(res.body, /href="\/console\/(reports|cases)/, 'no queue, no cases');
    const mine = panelOf(res.body, 'my-dispatches');
    assert.equal(countOf(res.body, 'my-dispatches'), 3);
    const waiting = mine.indexOf('Sent, no answer yet');
    assert.ok(waiting > -1 && waiting < mine.indexOf('On the way'), 'waiting for an answer first');
    const shift = panelOf(res.body, 'shift');
    assert.match(shift, /On shift since Dec 7, 2026, 10:0\d\sAM/);
    assert.match(shift, /<button type="submit">Go off shift<\/button>/);

    const off = await post(responder, '/console/profile', {
      display_name: /name="display_name" value="([^"]*)"/.exec(shift)![1]!,
      phone: responder.phone!,
      languages: 'en',
      home_zips: '60623',
      on_shift: '',
      from: 'home',
    });
    assert.equal(off.statusCode, 303);
    assert.equal(off.headers.location, '/console');
    const after = await get(responder, '/console');
    assert.match(panelOf(after.body, 'shift'), /You are off shift/);
    assert.match(panelOf(after.body, 'shift'), /Go on shift/);
  });

  test('a coordinator sees the dispatch panels and shift coverage by language, and no case', async () => {
    const coordinator = await createStaffSession(t.context, ['coordinator']);
    const before = await get(coordinator, '/console');
    const onShiftBefore = countOf(before.body, 'coverage');
    await createStaff(t.context, ['responder'], { onShift: true, languages: ['es', 'en'] });
    await createStaff(t.context, ['responder'], { onShift: true, languages: ['es'] });
    await createStaff(t.context, ['responder'], { onShift: false, languages: ['ht'] });
    await createStaff(t.context, ['dispatcher'], { onShift: true, languages: ['ht'] });
    const res = await get(coordinator, '/console');
    assertPanels(res.body, [...DISPATCH_PANELS, 'coverage'], 'coordinator');
    assert.equal(countOf(res.body, 'coverage'), onShiftBefore + 2);
    const coverage = panelOf(res.body, 'coverage');
    assert.match(coverage, /<li>Spanish: \d+<\/li>/);
    assert.doesNotMatch(coverage, /Haitian/, 'off shift, or not a responder');
    assert.doesNotMatch(coverage, /<li>es:/, 'a language by its name, never its code');
  });

  test('a person with two roles sees both roles’ panels', async () => {
    const both = await createStaffSession(t.context, ['dispatcher', 'legal']);
    const res = await get(both, '/console');
    assertPanels(res.body, [...DISPATCH_PANELS, ...LEGAL_PANELS], 'dispatcher and legal');
    assert.ok(res.body.indexOf('id="home-dispatch"') < res.body.indexOf('id="home-legal"'));
  });

  test('in Spanish every role’s panels have their words', async () => {
    const everyRole: Role[] = ['admin', 'coordinator', 'dispatcher', 'responder', 'legal'];
    const everyone = await createStaff(t.context, everyRole);
    const res = await get(everyone, '/console', 'es');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1>Lo que le necesita ahora<\/h1>/);
    assert.match(res.body, /Reportes nuevos por revisar/);
    assert.match(res.body, /Audiencias en los próximos 7 días/);
    assert.match(res.body, /Terminar mi turno/);
    assert.doesNotMatch(res.body, />[^<]*\bhome\.[a-z_]+/, 'no key shown in place of words');
  });

  test('the triage queue lives at /console/reports, and the navigation says so', async () => {
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const queue = await get(dispatcher, '/console/reports');
    assert.equal(queue.statusCode, 200);
    assert.match(queue.body, /id="report-rows"/);
    assert.match(queue.body, /<a href="\/console\/reports"[^>]*>Reports\b/);
    const home = await get(dispatcher, '/console');
    assert.doesNotMatch(home.body, /id="report-rows"/, 'the home is not the queue');
    assert.match(home.body, /<a href="\/console" aria-current="page">Home</);
    for (const role of ['responder', 'legal'] as const) {
      const session = await createStaffSession(t.context, [role]);
      assert.equal((await get(session, '/console/reports')).statusCode, 403, role);
    }
  });
});
