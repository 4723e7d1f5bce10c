// The case console: teams (admins), opening cases from the console, a hotline follow-up and a
// confirmed incident, A-number validation in both languages, duplicates (named only when visible) and
// merging, need-to-know per case, assigning, audit of viewing and exporting, and the exports themselves.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { postForm, storeReport } from '../incidents/incidents.test-helpers.ts';
import { insertFollowup } from '../voice/voice.repository.ts';
import { makeLegalIntakeTeam } from './legal-intake.test-helpers.ts';
import { createTestTeam } from './cases.test-helpers.ts';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import { readCaseTimeline } from './cases.timeline.ts';
import { translate } from '../../i18n/i18n.ts';

const PERSON = {
  name: 'Esperanza Tzul Chávez',
  other_names: 'Lupita',
  date_of_birth: '1990-05-02',
  country_of_birth: 'Guatemala',
  a_number: 'A 012-345-678',
  person_languages: "K'iche', Spanish",
  family_languages: 'Spanish',
  interpreter_needed: 'yes',
  interpreter_language: "K'iche'",
  last_seen_place: 'Bus stop at 26th and Pulaski',
  last_seen_at: '2026-11-20T07:30',
  dependents_count: '2',
  dependents_description: 'Two children, 3 and 7',
  caregiver_plan: 'yes',
  caregiver_notes: 'Their aunt',
  contact_name: 'Marta Tzul',
  contact_relationship: 'sister',
  contact_phone: '773 555 0171',
  contact_language: 'es',
  contact_consent: 'yes',
};

function get(app: FastifyInstance, session: StaffSession, url: string, lang = 'en') {
  return app.inject({
    url,
    headers: { cookie: session.cookie, accept: 'text/html', 'accept-language': lang },
  });
}

function caseIdFrom(location: unknown): string {
  const id = /^\/console\/cases\/([0-9a-f-]{36})/.exec(String(location))?.[1];
  assert.ok(id, `redirected to a case, not ${String(location)}`);
  return id;
}

async function auditActions(t: TestApp, subjectId: string): Promise<string[]> {
  const rows = await t.context.db
    .selectFrom('audit_log')
    .select('action')
    .where('subject_id', '=', subjectId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => row.action);
}

describe(`case console`, () => {
  let t: TestApp;
  let admin: StaffSession;
  let attorney: StaffSession;
  let teammate: StaffSession;
  let outsider: StaffSession;
  let northTeam: string;
  before(async () => {
    t = await createTestApp({ env: { AMPARO_CASE_RETENTION_DAYS: '30' } });
    admin = await createStaffSession(t.context, ['admin']);
    attorney = await createStaffSession(t.context, ['legal']);
    teammate = await createStaffSession(t.context, ['legal']);
    outsider = await createStaffSession(t.context, ['legal']);
    northTeam = await createTestTeam(t.context, 'North legal', [attorney.userId, teammate.userId]);
    await createTestTeam(t.context, 'South legal', [outsider.userId]);
  });
  after(async () => t.close());

  async function openCase(session: StaffSession, fields: Record<string, string>, lang = 'en') {
    return postForm(t.app, session, '/console/cases', fields, { lang });
  }

  test('admins build teams of legal staff and see no case', async () => {
    const created = await postForm(t.app, admin, '/console/teams', { name: 'Court accompaniment' });
    assert.equal(created.statusCode, 303);
    const teamUrl = String(created.headers.location);
    const teamId = teamUrl.split('/').pop()!;
    assert.equal(
      (await postForm(t.app, admin, '/console/teams', { name: 'court ACCOMPANIMENT' })).statusCode,
      422,
    );
    const empty = await postForm(t.app, admin, '/console/teams', { name: '  ' }, { lang: 'es' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /Escriba un nombre para el equipo/);

    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const refused = await postForm(t.app, admin, `${teamUrl}/members`, { user_id: dispatcher.userId });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /Only staff with the legal role can join a team/);
    const added = await postForm(t.app, admin, `${teamUrl}/members`, { user_id: outsider.userId });
    assert.equal(added.statusCode, 303);
    // A second admin approves the addition (teams.approval.test.ts covers the rule).
    const secondAdmin = await createStaffSession(t.context, ['admin']);
    const request = await t.context.db
      .selectFrom('access_requests')
      .select('id')
      .where('team_id', '=', teamId)
      .executeTakeFirstOrThrow();
    assert.equal(
      (await postForm(t.app, secondAdmin, `${teamUrl}/requests/${request.id}/approve`, {})).statusCode,
      303,
    );
    const members = await t.context.db
      .selectFrom('team_members')
      .select('user_id')
      .where('team_id', '=', teamId)
      .execute();
    assert.deepEqual(
      members.map((m) => m.user_id),
      [outsider.userId],
    );
    const page = await get(t.app, admin, teamUrl);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Court accompaniment/);
    await postForm(t.app, admin, `${teamUrl}/members/${outsider.userId}/remove`, {});
    assert.equal(
      (
        await t.context.db
          .selectFrom('team_members')
          .select('user_id')
          .where('team_id', '=', teamId)
          .execute()
      ).length,
      0,
    );
    assert.deepEqual(await auditActions(t, teamId), [
      'team.created',
      'team.member_added',
      'team.member_removed',
    ]);

    // An admin opening the case pages gets a 403, even for a real case.
    const opened = await openCase(attorney, {
      ...PERSON,
      a_number: '',
      name: 'Admin Cannot See',
      team_id: northTeam,
    });
    const caseId = caseIdFrom(opened.headers.location);
    assert.equal((await get(t.app, admin, `/console/cases/${caseId}`)).statusCode, 403);
    assert.equal((await get(t.app, admin, '/console/cases')).statusCode, 403);
  });

  test('a case opened from the console: sealed at rest, audited when viewed, seen by its team only', async () => {
    const res = await openCase(attorney, { ...PERSON, team_id: northTeam });
    assert.equal(res.statusCode, 303, res.body);
    const caseId = caseIdFrom(res.headers.location);
    const row = await t.context.db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    assert.equal(row.source, 'console');
    assert.equal(row.status, 'open');
    assert.match(row.reference, /^C-[2-9A-Z]{6}$/);
    assert.equal(row.a_number_index, t.context.secrets.blindIndex.index('cases.a_number', '012345678'));
    const { rows } = await sql<{
      row: string;
    }>`select c::text as row from cases c where id = ${caseId}`.execute(t.context.db);
    for (const secret of ['Esperanza', 'Tzul', '012345678', '12345678', 'Pulaski', 'Guatemala']) {
      assert.ok(!rows[0]!.row.includes(secret), `the case row holds "${secret}" in the clear`);
    }

    const page = await get(t.app, attorney, `/console/cases/${caseId}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Esperanza Tzul Chávez/);
    assert.match(page.body, /A-012-345-678/);
    assert.match(page.body, /Marta Tzul/);
    assert.match(page.body, /K&#39;iche&#39;/);
    assert.equal((await get(t.app, teammate, `/console/cases/${caseId}`)).statusCode, 200, 'team member');
    const other = await get(t.app, outsider, `/console/cases/${caseId}`);
    assert.equal(other.statusCode, 404, 'a legal user of another team');
    assert.ok(!other.body.includes('Esperanza'));
    for (const path of ['/edit', '/export.pdf', '/export.json', '/contacts/new']) {
      assert.equal((await get(t.app, outsider, `/console/cases/${caseId}${path}`)).statusCode, 404, path);
    }
    assert.equal((await postForm(t.app, outsider, `/console/cases/${caseId}/close`, {})).statusCode, 404);

    const list = await get(t.app, teammate, '/console/cases');
    assert.match(list.body, new RegExp(row.reference));
    assert.ok(!(await get(t.app, outsider, '/console/cases')).body.includes(row.reference));

    const actions = await auditActions(t, caseId);
    assert.equal(actions[0], 'case.created');
    assert.equal(actions.filter((a) => a === 'case.viewed').length, 2, 'each opening is audited');
    // The edit form shows the whole person too (name, A-number, date of birth): opening it is a view.
    const edit = await get(t.app, teammate, `/console/cases/${caseId}/edit`);
    assert.equal(edit.statusCode, 200);
    assert.match(edit.body, /Esperanza Tzul Chávez/);
    assert.equal(
      (await auditActions(t, caseId)).filter((a) => a === 'case.viewed').length,
      3,
      'opening the edit form is audited',
    );

    // Assigning the outsider lets them in.
    const assigned = await postForm(t.app, attorney, `/console/cases/${caseId}/assignees`, {
      user_id: outsider.userId,
    });
    assert.equal(assigned.statusCode, 303);
    assert.equal((await get(t.app, outsider, `/console/cases/${caseId}`)).statusCode, 200);
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const notLegal = await postForm(t.app, attorney, `/console/cases/${caseId}/assignees`, {
      user_id: dispatcher.userId,
    });
    assert.match(String(notLegal.headers.location), /notice=not_legal/);
    assert.ok((await auditActions(t, caseId)).includes('case.assigned'));
  });

  test("A-numbers: written forms accepted and normalized; 7 or 10 digits refused in the user's language", async () => {
    for (const [written, stored] of [
      ['A-12345678', '012345678'],
      ['12345678', '012345678'],
      ['a 212 345 678', '212345678'],
    ] as const) {
      const res = await openCase(attorney, {
        name: `Person ${written}`,
        a_number: written,
        confirm_not_duplicate: 'yes',
      });
      assert.equal(res.statusCode, 303, written);
      const row = await t.context.db
        .selectFrom('cases')
        .select('a_number_index')
        .where('id', '=', caseIdFrom(res.headers.location))
        .executeTakeFirstOrThrow();
      assert.equal(row.a_number_index, t.context.secrets.blindIndex.index('cases.a_number', stored), written);
    }
    const before = await t.context.db
      .selectFrom('cases')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    const seven = await openCase(attorney, { ...PERSON, a_number: 'A-1234567' });
    assert.equal(seven.statusCode, 422);
    assert.match(seven.body, /An A-number has 8 or 9 digits/);
    assert.match(seven.body, /value="A-1234567"/, 'what was typed is kept');
    assert.match(seven.body, /value="Esperanza Tzul Chávez"/);
    const ten = await openCase(attorney, { ...PERSON, a_number: '1234567890' }, 'es');
    assert.equal(ten.statusCode, 422);
    assert.match(ten.body, /Un número A tiene 8 o 9 dígitos/);
    const letters = await openCase(attorney, { ...PERSON, a_number: 'B12345678' });
    assert.match(letters.body, /the letter A and digits only/);
    const badDate = await openCase(attorney, { ...PERSON, date_of_birth: '1990-02-30' }, 'es');
    assert.match(badDate.body, /Escriba una fecha real/);
    const after = await t.context.db
      .selectFrom('cases')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(after.n, before.n, 'nothing was stored');
  });

  test('duplicates: named when visible, a hint otherwise; add to the case, or merge two cases', async () => {
    const person = {
      ...PERSON,
      name: 'Rigoberto Ajpop',
      a_number: '098765432',
      date_of_birth: '1979-01-09',
    };
    const first = await openCase(attorney, { ...person, team_id: northTeam });
    const firstId = caseIdFrom(first.headers.location);
    const firstRef = (
      await t.context.db
        .selectFrom('cases')
        .select('reference')
        .where('id', '=', firstId)
        .executeTakeFirstOrThrow()
    ).reference;

    // Same A-number written differently, by a teammate: the reference is named, adding is offered.
    const again = await openCase(teammate, {
      ...person,
      a_number: 'A-098-765-432',
      contact_name: 'Juan Ajpop',
    });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, new RegExp(`Possible duplicate: ${firstRef}`));
    assert.match(again.body, new RegExp(`name="add_to_case" value="${firstId}"`));

    // "Add to that case": the family contact goes there, no new case.
    const added = await openCase(teammate, { ...person, contact_name: 'Juan Ajpop', add_to_case: firstId });
    assert.equal(added.statusCode, 303);
    assert.equal(caseIdFrom(added.headers.location), firstId);
    const page = await get(t.app, attorney, `/console/cases/${firstId}`);
    assert.match(page.body, /Juan Ajpop/);

    // Confirmed as someone else: a second case, which then offers merging.
    const second = await openCase(teammate, {
      ...person,
      contact_name: 'Ana Ajpop',
      team_id: northTeam,
      confirm_not_duplicate: 'yes',
    });
    assert.equal(second.statusCode, 303);
    const secondId = caseIdFrom(second.headers.location);
    const secondPage = await get(t.app, attorney, `/console/cases/${secondId}`);
    assert.match(secondPage.body, new RegExp(`Merge this case into ${firstRef}`));

    const merged = await postForm(t.app, attorney, `/console/cases/${secondId}/merge`, {
      other: firstId,
      keep: 'other',
    });
    assert.equal(merged.statusCode, 303);
    assert.equal(caseIdFrom(merged.headers.location), firstId);
    const gone = await t.context.db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', secondId)
      .executeTakeFirstOrThrow();
    assert.equal(gone.merged_into, firstId);
    assert.equal(gone.status, 'closed');
    assert.ok(gone.key_destroy_after, 'the merged-away case starts its retention clock');
    const kept = await get(t.app, attorney, `/console/cases/${firstId}`);
    assert.match(kept.body, /Ana Ajpop/, 'contacts moved');
    assert.match(kept.body, /Marta Tzul/);
    assert.equal(
      (await t.context.db.selectFrom('case_events').select('id').where('case_id', '=', secondId).execute())
        .length,
      0,
      'the timeline moved',
    );
    const old = await get(t.app, attorney, `/console/cases/${secondId}`);
    assert.equal(old.statusCode, 303);
    assert.equal(caseIdFrom(old.headers.location), firstId);
    // Cases that are not the same person are not merged.
    const stranger = await openCase(attorney, { name: 'Someone Else', team_id: northTeam });
    const refused = await postForm(t.app, attorney, `/console/cases/${firstId}/merge`, {
      other: caseIdFrom(stranger.headers.location),
      keep: 'this',
    });
    assert.match(String(refused.headers.location), /notice=not_duplicates/);
  });

  test('admins choose the legal intake team and its coordinator among its members (audited)', async () => {
    const created = await postForm(t.app, admin, '/console/teams', { name: 'Intake desk' });
    const teamUrl = String(created.headers.location);
    const teamId = teamUrl.split('/').pop()!;
    const member = await createStaffSession(t.context, ['legal']);
    await postForm(t.app, admin, `${teamUrl}/members`, { user_id: member.userId });
    // The addition waits for a second admin; until then the member cannot coordinate.
    const waiting = await postForm(t.app, admin, `${teamUrl}/intake`, { coordinator_id: member.userId });
    assert.equal(waiting.statusCode, 422, 'a member still waiting for approval is not a member');
    const secondAdmin = await createStaffSession(t.context, ['admin']);
    const request = await t.context.db
      .selectFrom('access_requests')
      .select('id')
      .where('team_id', '=', teamId)
      .where('user_id', '=', member.userId)
      .executeTakeFirstOrThrow();
    await postForm(t.app, secondAdmin, `${teamUrl}/requests/${request.id}/approve`, {});
    const notMember = await postForm(
      t.app,
      admin,
      `${teamUrl}/intake`,
      { coordinator_id: outsider.userId },
      { lang: 'es' },
    );
    assert.equal(notMember.statusCode, 422);
    assert.ok(notMember.body.includes(translate('es', 'cases.intake_error_not_member')));
    assert.equal(
      (await postForm(t.app, attorney, `${teamUrl}/intake`, { coordinator_id: '' })).statusCode,
      403,
      'legal staff do not choose it',
    );
    const saved = await postForm(t.app, admin, `${teamUrl}/intake`, { coordinator_id: member.userId });
    assert.equal(saved.statusCode, 303);
    const row = await t.context.db.selectFrom('legal_intake').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.team_id, teamId);
    assert.equal(row.coordinator_id, member.userId);
    const page = await get(t.app, admin, teamUrl);
    assert.ok(page.body.includes('This is the legal intake team'));
    assert.match(page.body, new RegExp(`<option value="${member.userId}"\\s+selected`));
    assert.ok((await auditActions(t, teamId)).includes('team.intake_set'));
  });

  test('hidden cases: the duplicate check says only that the intake coordinator can check, tells the coordinator, and is audited', async () => {
    const coordinator = await createStaffSession(t.context, ['legal']);
    await makeLegalIntakeTeam(t.context, [coordinator.userId], coordinator.userId);
    const person = { ...PERSON, name: 'Hidden Person', a_number: '076543210', date_of_birth: '1981-02-03' };
    const first = await openCase(attorney, { ...person, team_id: northTeam });
    const firstId = caseIdFrom(first.headers.location);
    const firstRef = (
      await t.context.db
        .selectFrom('cases')
        .select('reference')
        .where('id', '=', firstId)
        .executeTakeFirstOrThrow()
    ).reference;

    // A legal user of another team types the same A-number (and, separately, the same name and birth
    // date): the answer is the one a new person gets, so it tells them nothing.
    const probe = await openCase(outsider, { ...person, a_number: 'A-076-543-210' }, 'es');
    const otherOutsider = await createStaffSession(t.context, ['legal']);
    const byName = await openCase(otherOutsider, { ...person, a_number: '', name: 'PERSON, Hidden' });
    const fresh = await openCase(outsider, { ...person, name: 'Nobody Else', a_number: '011223344' });
    for (const res of [probe, byName, fresh]) {
      assert.equal(res.statusCode, 303, 'not stopped: stopping would say a case exists');
      assert.match(String(res.headers.location), /\?notice=created_checked$/);
    }
    const probeId = caseIdFrom(probe.headers.location);
    const probePage = await get(t.app, outsider, `/console/cases/${probeId}?notice=created_checked`, 'es');
    assert.equal(probePage.statusCode, 200);
    assert.ok(probePage.body.includes(translate('es', 'cases.notice_created_checked')));
    assert.ok(!probePage.body.includes(firstRef), "another team's reference is not revealed");
    assert.ok(!probePage.body.includes(firstId));
    assert.ok(!probePage.body.includes('id="duplicate-warning"'), 'no hint that one exists');
    assert.ok(!(await get(t.app, outsider, '/console/cases')).body.includes('id="duplicate-checks"'));

    // The coordinator of legal intake is told which cases to compare, by reference.
    const list = await get(t.app, coordinator, '/console/cases');
    assert.equal(list.statusCode, 200);
    const checks = list.body.slice(list.body.indexOf('id="duplicate-checks"'));
    assert.ok(checks.length < list.body.length, 'the coordinator sees the checks');
    const probeRef = (
      await t.context.db
        .selectFrom('cases')
        .select('reference')
        .where('id', '=', probeId)
        .executeTakeFirstOrThrow()
    ).reference;
    assert.ok(checks.includes(probeRef) && checks.includes(firstRef));
    const rows = await t.context.db
      .selectFrom('case_duplicate_checks')
      .selectAll()
      .where('case_id', '=', firstId)
      .execute();
    assert.equal(rows.length, 2, 'the A-number and the name with birth date each referred once');
    assert.ok(rows.every((row) => row.coordinator_id === coordinator.userId));
    assert.deepEqual(
      rows.map((row) => row.requested_by).sort(),
      [outsider.userId, otherOutsider.userId].sort(),
    );

    // Every lookup is audited, with what was referred.
    const lookups = await t.context.db
      .selectFrom('audit_log')
      .select(['actor_id', 'subject_id', 'details'])
      .where('action', '=', 'case.duplicate_lookup')
      .where('subject_id', '=', probeId)
      .execute();
    assert.equal(lookups.length, 1);
    assert.equal(lookups[0]!.actor_id, outsider.userId);
    assert.deepEqual((lookups[0]!.details as { referredCaseIds: string[] }).referredCaseIds, [firstId]);

    // Only the coordinator marks a check done.
    const checkId = rows[0]!.id;
    assert.equal(
      (await postForm(t.app, outsider, `/console/cases/duplicate-checks/${checkId}/done`, {})).statusCode,
      404,
    );
    const done = await postForm(t.app, coordinator, `/console/cases/duplicate-checks/${checkId}/done`, {});
    assert.equal(done.statusCode, 303);
    assert.ok(!(await get(t.app, coordinator, '/console/cases')).body.includes(`data-id="${checkId}"`));
  });

  test("from a hotline follow-up: the family's number and language fill the form; the task closes", async () => {
    const report = await storeReport(t.context, {
      channel: 'voice',
      language: 'es',
      callbackPhone: '+17735550190',
    });
    const taskId = randomUUID();
    await insertFollowup(t.context.db, {
      id: taskId,
      report_id: report.id,
      language: 'es',
      created_at: t.clock.now(),
    });

    // Only the legal intake team sees a follow-up, and only it opens a case from one.
    const outsider = await createStaffSession(t.context, ['legal']);
    assert.equal((await get(t.app, outsider, `/console/cases/new?task=${taskId}`)).statusCode, 404);
    await makeLegalIntakeTeam(t.context, [attorney.userId]);
    const followups = await get(t.app, attorney, '/console/followups');
    assert.match(followups.body, new RegExp(`href="/console/cases/new\\?task=${taskId}"`));
    const coordinator = await createStaffSession(t.context, ['coordinator']);
    assert.equal((await get(t.app, coordinator, '/console/followups')).statusCode, 403);

    const form = await get(t.app, attorney, `/console/cases/new?task=${taskId}`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /value="\+17735550190"/);
    assert.match(form.body, /<option value="es"\s+selected/);
    assert.match(form.body, new RegExp(report.reference));

    const res = await openCase(attorney, {
      name: 'Hotline Person',
      task_id: taskId,
      contact_phone: '+17735550190',
      contact_language: 'es',
      contact_consent: 'yes',
    });
    assert.equal(res.statusCode, 303, res.body);
    const caseId = caseIdFrom(res.headers.location);
    const row = await t.context.db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    assert.equal(row.source, 'hotline');
    assert.equal(row.followup_task_id, taskId);
    const task = await t.context.db
      .selectFrom('followup_tasks')
      .selectAll()
      .where('id', '=', taskId)
      .executeTakeFirstOrThrow();
    assert.equal(task.status, 'done');
    assert.ok(
      !(await get(t.app, attorney, '/console/followups')).body.includes(taskId),
      'gone from the list',
    );
    const twice = await get(t.app, attorney, `/console/cases/new?task=${taskId}`);
    assert.equal(twice.statusCode, 409);
    assert.match(twice.body, /already closed/);
  });

  test('from a confirmed incident: the incident page links to the form; the case remembers it', async () => {
    const incidentId = randomUUID();
    const now = t.clock.now();
    await t.context.db
      .insertInto('incidents')
      .values({
        id: incidentId,
        reference: `INC-${incidentId.slice(0, 6).toUpperCase()}`,
        type: 'street',
        agency: 'ice',
        status: 'confirmed',
        point_ciphertext: null,
        zip: '60623',
        h3_cell: null,
        summary_ciphertext: null,
        merged_into: null,
        created_by: null,
        created_at: now,
        updated_at: now,
        status_changed_by: null,
        status_changed_at: now,
      })
      .execute();
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const both = await createStaffSession(t.context, ['dispatcher', 'legal']);
    const asDispatcher = await get(t.app, dispatcher, `/console/incidents/${incidentId}`);
    assert.equal(asDispatcher.statusCode, 200);
    assert.match(asDispatcher.body, /Only the legal team opens cases/);
    assert.ok(!asDispatcher.body.includes('/console/cases/new'));
    const asBoth = await get(t.app, both, `/console/incidents/${incidentId}`);
    assert.match(asBoth.body, new RegExp(`href="/console/cases/new\\?incident=${incidentId}"`));

    const form = await get(t.app, attorney, `/console/cases/new?incident=${incidentId}`);
    assert.match(form.body, new RegExp(`<option value="${incidentId}"\\s+selected`));
    const res = await openCase(attorney, { name: 'Detained At Incident', incident_id: incidentId });
    assert.equal(res.statusCode, 303, res.body);
    const row = await t.context.db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', caseIdFrom(res.headers.location))
      .executeTakeFirstOrThrow();
    assert.equal(row.source, 'incident');
    assert.equal(row.incident_id, incidentId);
    // An unverified incident cannot be chosen.
    await t.context.db
      .updateTable('incidents')
      .set({ status: 'reported' })
      .where('id', '=', incidentId)
      .execute();
    assert.equal((await get(t.app, attorney, `/console/cases/new?incident=${incidentId}`)).statusCode, 404);
    const refused = await openCase(attorney, { name: 'Not Confirmed', incident_id: incidentId });
    assert.equal(refused.statusCode, 422);
  });

  test('exports: PDF and JSON carry the case, are never cached, and are audited', async () => {
    const res = await openCase(attorney, {
      ...PERSON,
      name: 'Exportable Person',
      a_number: '333444555',
      team_id: northTeam,
    });
    const caseId = caseIdFrom(res.headers.location);
    const json = await get(t.app, attorney, `/console/cases/${caseId}/export.json`);
    assert.equal(json.statusCode, 200);
    assert.equal(json.headers['cache-control'], 'no-store');
    assert.match(String(json.headers['content-disposition']), /^attachment; filename="C-[2-9A-Z]{6}\.json"$/);
    const data = JSON.parse(json.body) as {
      format: string;
      person: { name: string; aNumber: string };
      familyContacts: { name: string }[];
      timeline: { kind: string }[];
    };
    assert.equal(data.format, 'amparo-case-export/1');
    assert.equal(data.person.name, 'Exportable Person');
    assert.equal(data.person.aNumber, '333444555');
    assert.equal(data.familyContacts[0]?.name, 'Marta Tzul');
    assert.equal(data.timeline[0]?.kind, 'opened');

    const pdf = await get(t.app, attorney, `/console/cases/${caseId}/export.pdf`, 'es');
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.headers['cache-control'], 'no-store');
    const bytes = pdf.rawPayload;
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
    const text = pdfText(bytes);
    assert.match(text, /Exportable Person/);
    assert.match(text, /A-333-444-555/);
    assert.match(text, /Cronolog/, "in the reader's language");

    const actions = await auditActions(t, caseId);
    assert.equal(actions.filter((a) => a === 'case.exported').length, 2);
    const details = await t.context.db
      .selectFrom('audit_log')
      .select('details')
      .where('subject_id', '=', caseId)
      .where('action', '=', 'case.exported')
      .execute();
    assert.deepEqual(
      details.map((d) => d.details).sort((a, b) => String(a.format).localeCompare(String(b.format))),
      [{ format: 'json' }, { format: 'pdf' }],
    );
  });

  test('editing, contacts and closing: timeline entries, and the retention clock starts at closing', async () => {
    const res = await openCase(attorney, {
      ...PERSON,
      name: 'Closable Person',
      a_number: '',
      team_id: northTeam,
    });
    const caseId = caseIdFrom(res.headers.location);
    const edit = await get(t.app, attorney, `/console/cases/${caseId}/edit`);
    assert.match(edit.body, /value="Closable Person"/);
    const badEdit = await postForm(
      t.app,
      attorney,
      `/console/cases/${caseId}/edit`,
      { name: '' },
      { lang: 'es' },
    );
    assert.equal(badEdit.statusCode, 422);
    assert.match(badEdit.body, /Este dato es obligatorio/);
    const saved = await postForm(t.app, attorney, `/console/cases/${caseId}/edit`, {
      name: 'Closable Person',
      a_number: '44455566',
    });
    assert.equal(saved.statusCode, 303);
    const noPhone = await postForm(t.app, attorney, `/console/cases/${caseId}/contacts`, {
      contact_name: 'Nephew',
      contact_consent: 'yes',
    });
    assert.equal(noPhone.statusCode, 422);
    assert.match(noPhone.body, /Texts need a phone number/);
    assert.equal(
      (
        await postForm(t.app, attorney, `/console/cases/${caseId}/contacts`, {
          contact_name: 'Nephew Pablo',
        })
      ).statusCode,
      303,
    );
    const closed = await postForm(t.app, attorney, `/console/cases/${caseId}/close`, {});
    assert.equal(closed.statusCode, 303);
    const row = await t.context.db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'closed');
    assert.equal(row.key_destroy_after!.getTime() - row.closed_at!.getTime(), 30 * 24 * 3600 * 1000);
    const page = await get(t.app, attorney, `/console/cases/${caseId}`);
    assert.match(page.body, /Its key will be destroyed on/);
    const kinds = (
      await readCaseTimeline(t.context.db, await caseKeyStoreFor(t.context).cipherFor(caseId), caseId)
    ).map((e) => e.kind);
    // The test clock does not move between these steps, so entries share a time: compare as a set.
    assert.deepEqual(kinds.sort(), ['closed', 'contact_added', 'details_updated', 'opened']);
    assert.equal((await postForm(t.app, attorney, `/console/cases/${caseId}/reopen`, {})).statusCode, 303);
    const reopened = await t.context.db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    assert.equal(reopened.key_destroy_after, null, 'reopening stops the clock');
  });

  test('a field over 20,000 characters: a field error in the reader language, the form kept with everything typed', async () => {
    const countCases = async () =>
      Number(
        (
          await t.context.db
            .selectFrom('cases')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await countCases();
    const place = `${'Esquina de la 26 y Lawndale, frente a la tienda '.repeat(450)}fin`;
    assert.ok(place.length > 20_000);
    const created = await openCase(
      attorney,
      { ...PERSON, name: 'Long Field Person', a_number: '', team_id: northTeam, last_seen_place: place },
      'es',
    );
    assert.equal(created.statusCode, 422);
    assert.match(created.body, /Como máximo 2000 caracteres\./);
    assert.ok(created.body.includes(place), 'the long text comes back as typed');
    assert.match(created.body, /value="Long Field Person"/);
    assert.match(created.body, /Two children, 3 and 7/);
    assert.equal(await countCases(), before, 'no case was opened');

    const res = await openCase(attorney, {
      ...PERSON,
      name: 'Short Person',
      a_number: '',
      team_id: northTeam,
    });
    const caseId = caseIdFrom(res.headers.location);
    const name = 'N'.repeat(20_001);
    const edit = await postForm(t.app, attorney, `/console/cases/${caseId}/edit`, { name }, { lang: 'es' });
    assert.equal(edit.statusCode, 422);
    assert.match(edit.body, /Como máximo 200 caracteres\./);
    assert.ok(edit.body.includes(`value="${name}"`));
    const contact = await postForm(t.app, attorney, `/console/cases/${caseId}/contacts`, {
      contact_name: name,
      contact_relationship: 'cousin',
    });
    assert.equal(contact.statusCode, 422);
    assert.match(contact.body, /At most 200 characters\./);
    assert.match(contact.body, /value="cousin"/);
  });

  test('a closed case takes no core edit: refused in the reader language, the form kept, nothing changed', async () => {
    const res = await openCase(attorney, {
      ...PERSON,
      name: 'Closed Person',
      a_number: '',
      team_id: northTeam,
    });
    const caseId = caseIdFrom(res.headers.location);
    assert.equal((await postForm(t.app, attorney, `/console/cases/${caseId}/close`, {})).statusCode, 303);
    const snapshot = async () => ({
      row: await t.context.db
        .selectFrom('cases')
        .selectAll()
        .where('id', '=', caseId)
        .executeTakeFirstOrThrow(),
      contacts: await t.context.db
        .selectFrom('case_contacts')
        .selectAll()
        .where('case_id', '=', caseId)
        .orderBy('id')
        .execute(),
      assignees: await t.context.db
        .selectFrom('case_assignees')
        .selectAll()
        .where('case_id', '=', caseId)
        .orderBy('user_id')
        .execute(),
      events: (
        await readCaseTimeline(t.context.db, await caseKeyStoreFor(t.context).cipherFor(caseId), caseId)
      ).length,
    });
    const before = await snapshot();
    const closedEs = /Este caso está cerrado, así que no se cambió nada\./;

    const edit = await postForm(
      t.app,
      attorney,
      `/console/cases/${caseId}/edit`,
      { name: 'Otro Nombre', a_number: '44455577' },
      { lang: 'es' },
    );
    assert.equal(edit.statusCode, 409);
    assert.match(edit.body, closedEs);
    assert.match(edit.body, /value="Otro Nombre"/, 'the form comes back with what was typed');
    const contact = await postForm(
      t.app,
      attorney,
      `/console/cases/${caseId}/contacts`,
      { contact_name: 'Rosa Tzul', contact_phone: '773 555 0199' },
      { lang: 'es' },
    );
    assert.equal(contact.statusCode, 409);
    assert.match(contact.body, closedEs);
    assert.match(contact.body, /value="Rosa Tzul"/);
    assert.match(
      (await postForm(t.app, attorney, `/console/cases/${caseId}/edit`, { name: 'X' })).body,
      /This case is closed, so nothing was changed\./,
    );

    const refused = async (url: string, fields: Record<string, string> = {}) => {
      const reply = await postForm(t.app, attorney, url, fields);
      assert.equal(reply.statusCode, 303, url);
      assert.match(String(reply.headers.location), /\?notice=case_closed#/, url);
    };
    await refused(`/console/cases/${caseId}/contacts/${before.contacts[0]!.id}/remove`);
    await refused(`/console/cases/${caseId}/assignees`, { user_id: teammate.userId });
    await refused(`/console/cases/${caseId}/assignees/${attorney.userId}/remove`);
    await refused(`/console/cases/${caseId}/team`, { team_id: '' });
    for (const form of ['edit', 'contacts/new']) {
      const page = await get(t.app, attorney, `/console/cases/${caseId}/${form}`);
      assert.equal(page.statusCode, 303, form);
      assert.match(String(page.headers.location), /\?notice=case_closed#/, form);
    }
    assert.deepEqual(await snapshot(), before, 'nothing changed');

    const page = await get(t.app, attorney, `/console/cases/${caseId}?notice=case_closed`, 'es');
    assert.match(page.body, closedEs);
    assert.doesNotMatch(page.body, /action="\/console\/cases\/[^"]+\/(assignees|team|edit|contacts)/);
  });
});

/** The text of a PDF's content streams (pdf-lib deflates them), for checking what it says. */
function pdfText(bytes: Buffer): string {
  const raw = bytes.toString('latin1');
  let text = '';
  const stream = /stream\r?\n/g;
  let match: RegExpExecArray | null;
  while ((match = stream.exec(raw)) !== null) {
    const start = match.index + match[0].length;
    const end = raw.indexOf('endstream', start);
    const body = bytes.subarray(start, end);
    let content: string;
    try {
      content = inflateSync(body).toString('latin1');
    } catch {
      content = body.toString('latin1');
    }
    // Hex strings <...> in Tj operators: standard fonts are drawn as hex-encoded WinAnsi.
    for (const hex of content.matchAll(/<([0-9A-Fa-f]+)>\s*Tj/g))
      text += Buffer.from(hex[1]!, 'hex').toString('latin1') + '\n';
    for (const lit of content.matchAll(/\(((?:\\.|[^\\)])*)\)\s*Tj/g)) text += lit[1] + '\n';
  }
  return text;
}
