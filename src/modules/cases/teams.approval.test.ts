// Two admins for access to cases: joining a legal team waits for a second admin, who is never the one who
// asked nor the one joining; with a single admin, or with the rule off, every console page says so.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { openTestCase } from './cases.test-helpers.ts';

function post(t: TestApp, session: StaffSession, url: string, form: Record<string, string | string[]> = {}) {
  const body = new URLSearchParams();
  body.append('_csrf', session.csrfToken);
  for (const [name, value] of Object.entries(form)) {
    for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
  }
  return t.app.inject({
    method: 'POST',
    url,
    headers: {
      cookie: session.cookie,
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: body.toString(),
  });
}

const get = (t: TestApp, session: StaffSession, url: string, lang = 'en') =>
  t.app.inject({ url, headers: { cookie: session.cookie, accept: 'text/html', 'accept-language': lang } });

async function newTeam(t: TestApp, admin: StaffSession, name: string): Promise<string> {
  const created = await post(t, admin, '/console/teams', { name });
  assert.equal(created.statusCode, 303);
  return /\/console\/teams\/([0-9a-f-]{36})/.exec(created.headers.location as string)![1]!;
}

describe(`joining a legal team needs a second admin`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  test('an admin who holds legal cannot join a team alone and so cannot open its cases', async () => {
    const admin = await createStaffSession(t.context, ['admin', 'legal']);
    const second = await createStaffSession(t.context, ['admin']);
    const colleague = await createStaffSession(t.context, ['legal']);
    const teamId = await newTeam(t, admin, 'Intake');
    const { id: caseId } = await openTestCase(t.context, colleague.userId, { teamId });
    const members = async () =>
      (
        await t.context.db
          .selectFrom('team_members')
          .select('user_id')
          .where('team_id', '=', teamId)
          .execute()
      ).map((row) => row.user_id);

    const asked = await post(t, admin, `/console/teams/${teamId}/members`, { user_id: admin.userId });
    assert.equal(asked.statusCode, 303);
    assert.equal(asked.headers.location, `/console/teams/${teamId}?done=requested`);
    assert.deepEqual(await members(), [], 'not a member yet');
    assert.equal((await get(t, admin, `/console/cases/${caseId}`)).statusCode, 404, 'the case stays closed');

    const request = await t.context.db
      .selectFrom('access_requests')
      .select('id')
      .where('team_id', '=', teamId)
      .executeTakeFirstOrThrow();
    const page = await get(t, admin, `/console/teams/${teamId}`);
    assert.match(page.body, /id="team-requests"/);
    assert.ok(
      !page.body.includes(`/requests/${request.id}/approve`),
      'no approve button for the one who asked',
    );
    const own = await post(t, admin, `/console/teams/${teamId}/requests/${request.id}/approve`);
    assert.equal(own.statusCode, 409);
    assert.deepEqual(await members(), []);

    const approved = await post(t, second, `/console/teams/${teamId}/requests/${request.id}/approve`);
    assert.equal(approved.statusCode, 303);
    assert.deepEqual(await members(), [admin.userId]);
    assert.equal((await get(t, admin, `/console/cases/${caseId}`)).statusCode, 200);
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('action', 'in', ['access.requested', 'access.approved', 'team.member_added'])
      .orderBy('seq')
      .execute();
    assert.deepEqual(audit, [
      { action: 'access.requested', actor_id: admin.userId },
      { action: 'access.approved', actor_id: second.userId },
      { action: 'team.member_added', actor_id: second.userId },
    ]);

    // Another admin adding someone is asked the same way; the person added cannot approve it either.
    const third = await createStaffSession(t.context, ['admin', 'legal']);
    await post(t, second, `/console/teams/${teamId}/members`, { user_id: third.userId });
    const next = await t.context.db
      .selectFrom('access_requests')
      .select('id')
      .where('user_id', '=', third.userId)
      .executeTakeFirstOrThrow();
    assert.equal(
      (await post(t, third, `/console/teams/${teamId}/requests/${next.id}/approve`)).statusCode,
      409,
    );
    assert.equal(
      (await post(t, admin, `/console/teams/${teamId}/requests/${next.id}/refuse`)).statusCode,
      303,
    );
    assert.ok(!(await members()).includes(third.userId));
  });
});

describe(`a network of one admin`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  test('every console page says there is a single admin, until there are two', async () => {
    const admin = await createStaffSession(t.context, ['admin']);
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    for (const [session, url] of [
      [admin, '/console/users'],
      [admin, '/console/teams'],
      [admin, '/console/account'],
      [dispatcher, '/console'],
      [dispatcher, '/console/profile'],
    ] as const) {
      const res = await get(t, session, url);
      assert.equal(res.statusCode, 200, url);
      assert.match(res.body, /id="access-approval-warning"[^>]*>This network has one admin/, url);
    }
    const es = await get(t, admin, '/console/users', 'es');
    assert.match(es.body, /Esta red tiene una sola persona administradora/);
    await createStaffSession(t.context, ['admin']);
    assert.doesNotMatch((await get(t, admin, '/console/users')).body, /id="access-approval-warning"/);
  });
});

describe(`two-admin approval off`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { AMPARO_ADMIN_TWO_PERSON_APPROVAL: 'false' } });
  });
  after(async () => t.close());

  test('the log and every console page warn, and grants apply at once', async () => {
    assert.match(t.logs.text, /AMPARO_ADMIN_TWO_PERSON_APPROVAL is off/);
    const admin = await createStaffSession(t.context, ['admin']);
    await createStaffSession(t.context, ['admin']);
    const res = await get(t, admin, '/console/account');
    assert.match(res.body, /id="access-approval-warning"[^>]*>Two-admin approval is off/);
    const granted = await post(t, admin, `/console/users/${admin.userId}/roles`, {
      roles: ['admin', 'legal'],
    });
    assert.equal(granted.headers.location, '/console/users?done=roles');
    const row = await t.context.db
      .selectFrom('users')
      .select('roles')
      .where('id', '=', admin.userId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row.roles, ['admin', 'legal']);
  });
});
