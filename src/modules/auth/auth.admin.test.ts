// Staff administration and the guards around it: who may open the admin pages, CSRF on staff and sign-in
// forms, invitations (console and CLI: single use, expiry) and the rules admins cannot break.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { runUserInvite } from '../../cli/commands.ts';
import type { Role } from '../../db/schema.ts';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { auditActions, Browser, csrfFrom } from './auth.testing.ts';

const PASSWORD = 'invited person passphrase';

describe(`staff administration`, () => {
  let t: TestApp;
  let admin: StaffSession;

  before(async () => {
    t = await createTestApp();
  });
  // Fresh each time: tests move the clock, and a session idle for 30 minutes is gone.
  beforeEach(async () => {
    admin = await createStaffSession(t.context, ['admin']);
  });
  after(async () => t.close());

  function as(
    session: StaffSession | null,
    method: 'GET' | 'POST',
    url: string,
    form?: Record<string, string | string[]>,
  ) {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form ?? {})) {
      for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
    }
    return t.app.inject({
      method,
      url,
      headers: {
        accept: 'text/html',
        ...(session ? { cookie: session.cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { payload: body.toString() } : {}),
    });
  }

  test('admin pages are for admins only; anonymous browsers are sent to sign in', async () => {
    for (const role of ['coordinator', 'dispatcher', 'responder', 'legal'] as Role[]) {
      const staff = await createStaffSession(t.context, [role]);
      assert.equal((await as(staff, 'GET', '/console/users')).statusCode, 403, role);
      const invite = await as(staff, 'POST', '/console/users/invite', {
        _csrf: staff.csrfToken,
        email: 'x@example.org',
        role: 'admin',
      });
      assert.equal(invite.statusCode, 403, role);
      const roles = await as(staff, 'POST', `/console/users/${staff.userId}/roles`, {
        _csrf: staff.csrfToken,
        roles: 'admin',
      });
      assert.equal(roles.statusCode, 403, `${role} cannot make themselves admin`);
      assert.equal((await as(staff, 'GET', '/console/account')).statusCode, 200, role);
    }
    const anonymous = await as(null, 'GET', '/console/users');
    assert.equal(anonymous.statusCode, 303);
    assert.equal(anonymous.headers.location, '/login?next=%2Fconsole%2Fusers');
    const anonymousPost = await as(null, 'POST', '/console/users/invite', { email: 'x@example.org' });
    assert.equal(anonymousPost.statusCode, 401);
    assert.equal((await as(admin, 'GET', '/console/users')).statusCode, 200);
  });

  test('staff forms need the session’s CSRF token', async () => {
    const other = await createStaffSession(t.context, ['admin']);
    for (const token of [undefined, 'nonsense', other.csrfToken]) {
      const response = await as(admin, 'POST', '/console/users/invite', {
        ...(token ? { _csrf: token } : {}),
        email: 'csrf@example.org',
        role: 'responder',
      });
      assert.equal(response.statusCode, 403, String(token));
    }
    const logout = await as(admin, 'POST', '/logout', {});
    assert.equal(logout.statusCode, 403);
    assert.equal((await as(admin, 'GET', '/console/account')).statusCode, 200, 'still signed in');
  });

  test('an expired sign-in form comes back with the email kept and a message', async () => {
    const browser = new Browser(t.app, '10.7.0.1');
    const form = await browser.get('/login');
    t.clock.advance(5 * 60 * 60 * 1000);
    const posted = await browser.post('/login', {
      _csrf: csrfFrom(form),
      email: 'kept@example.org',
      password: 'whatever it was',
    });
    assert.equal(posted.status, 403);
    assert.match(posted.body, /This form expired for your safety/);
    assert.match(posted.body, /value="kept@example\.org"/);
    assert.doesNotMatch(posted.body, /whatever it was/);
    const spanish = new Browser(t.app, '10.7.0.2');
    const formEs = await spanish.get('/login?lang=es');
    const wrong = await spanish.post('/login', { _csrf: 'forged', email: 'a@example.org', password: 'x' });
    assert.equal(wrong.status, 403);
    assert.match(formEs.body, /Acceso del equipo/);
    assert.match(wrong.body, /Este formulario caducó/);
  });

  test('an invitation link works once and creates the account with the invited role', async () => {
    const page = await as(admin, 'GET', '/console/users');
    const created = await as(admin, 'POST', '/console/users/invite', {
      _csrf: csrfFrom({ status: 200, body: page.body, location: undefined, setCookies: [] }),
      email: 'New.Dispatcher@example.org',
      role: 'dispatcher',
    });
    assert.equal(created.statusCode, 200);
    const link = /(http:\/\/localhost:\d+\/invite\/[A-Za-z0-9_-]+)/.exec(created.body)?.[1];
    assert.ok(link, 'the link is shown once');
    assert.equal((await as(admin, 'GET', '/console/users')).body.includes(link), false, 'and never again');

    const browser = new Browser(t.app, '10.7.1.1');
    const path = new URL(link).pathname;
    const form = await browser.get(path);
    assert.equal(form.status, 200);
    assert.match(form.body, /New\.Dispatcher@example\.org/);
    assert.match(form.body, /Dispatcher/);
    const mismatch = await browser.post(path, {
      _csrf: csrfFrom(form),
      password: PASSWORD,
      password_repeat: `${PASSWORD}!`,
    });
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.body, /not the same/);

    // Two submissions racing: exactly one creates the account.
    const before = (await t.context.db.selectFrom('users').select('id').execute()).length;
    const second = new Browser(t.app, '10.7.1.2');
    const secondForm = await second.get(path);
    const [a, b] = await Promise.all([
      browser.post(path, {
        _csrf: csrfFrom(mismatch),
        email: 'ignored@example.org',
        password: PASSWORD,
        password_repeat: PASSWORD,
      }),
      second.post(path, { _csrf: csrfFrom(secondForm), password: PASSWORD, password_repeat: PASSWORD }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [303, 410]);
    assert.equal((await browser.get(path)).status, 410);

    const users = await t.context.db.selectFrom('users').select(['id', 'roles']).execute();
    assert.equal(users.length, before + 1);
    const invited = await t.context.db
      .selectFrom('users')
      .select('roles')
      .where(
        'email_index',
        '=',
        t.context.secrets.blindIndex.index('users.email', 'new.dispatcher@example.org'),
      )
      .executeTakeFirstOrThrow();
    assert.deepEqual(invited.roles, ['dispatcher']);
    const page2 = await as(admin, 'GET', '/console/users');
    assert.match(page2.body, /New\.Dispatcher@example\.org/, 'the invited address, not one typed later');
    assert.doesNotMatch(page2.body, /ignored@example\.org/);
    const taken = await as(admin, 'POST', '/console/users/invite', {
      _csrf: admin.csrfToken,
      email: 'new.dispatcher@EXAMPLE.org',
      role: 'coordinator',
    });
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /already has an account/);
  });

  test('invitations expire after 72 hours', async () => {
    const created = await as(admin, 'POST', '/console/users/invite', {
      _csrf: admin.csrfToken,
      email: 'slow@example.org',
      role: 'responder',
    });
    const path = new URL(/(http:\/\/\S+\/invite\/[A-Za-z0-9_-]+)/.exec(created.body)![1]!).pathname;
    const browser = new Browser(t.app, '10.7.2.1');
    assert.equal((await browser.get(path)).status, 200);
    t.clock.advance(71 * 3600 * 1000);
    assert.equal((await browser.get(path)).status, 200);
    t.clock.advance(2 * 3600 * 1000);
    const expired = await browser.get(path);
    assert.equal(expired.status, 410);
    assert.match(expired.body, /used already or has expired/);
    assert.equal((await browser.get('/invite/not-a-real-token')).status, 410);
    assert.equal((await browser.get('/setup/not-a-real-token')).status, 410);
  });

  test('amparo user invite validates its input and prints a working link', async () => {
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runUserInvite(t.context, args, {
        out: (text) => out.push(text),
        err: (text) => err.push(text),
      });
      return { code, out: out.join(''), err: err.join('') };
    };
    const badEmail = await run(['--email', 'not-an-email', '--role', 'dispatcher']);
    assert.equal(badEmail.code, 2);
    assert.match(badEmail.err, /does not look like an email/);
    const badRole = await run(['--email', 'cli@example.org', '--role', 'boss']);
    assert.equal(badRole.code, 2);
    assert.match(
      badRole.err,
      /Unknown role "boss"\. Roles: admin, coordinator, dispatcher, responder, legal/,
    );
    assert.equal((await run(['--email', 'cli@example.org'])).code, 2);
    assert.equal((await run(['--email', 'cli@example.org', '--role', 'legal', '--bogus'])).code, 2);

    const ok = await run(['--email', 'cli@example.org', '--role', 'legal']);
    assert.equal(ok.code, 0);
    const link = /(http:\/\/localhost:\d+\/invite\/[A-Za-z0-9_-]{43})\n/.exec(ok.out)?.[1];
    assert.ok(link, ok.out);
    const form = await new Browser(t.app, '10.7.3.1').get(new URL(link).pathname);
    assert.equal(form.status, 200);
    assert.match(form.body, /cli@example\.org/);
    assert.match(form.body, /Legal/);
    const last = await t.context.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'details'])
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(last.action, 'user.invited');
    assert.equal(last.actor_id, null);
    assert.deepEqual(last.details, { role: 'legal' });
  });

  test('role changes are audited with old and new roles; admins cannot demote or disable themselves', async () => {
    const staff = await createStaffSession(t.context, ['dispatcher']);
    const changed = await as(admin, 'POST', `/console/users/${staff.userId}/roles`, {
      _csrf: admin.csrfToken,
      roles: ['coordinator', 'dispatcher', 'not-a-role'],
    });
    assert.equal(changed.statusCode, 303);
    assert.equal(changed.headers.location, '/console/users?done=roles');
    const row = await t.context.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'subject_id', 'details'])
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, {
      action: 'user.roles_changed',
      actor_id: admin.userId,
      subject_id: staff.userId,
      details: { from: ['dispatcher'], to: ['coordinator', 'dispatcher'] },
    });
    const single = await as(admin, 'POST', `/console/users/${staff.userId}/roles`, {
      _csrf: admin.csrfToken,
      roles: 'responder',
    });
    assert.equal(single.statusCode, 303);
    const none = await as(admin, 'POST', `/console/users/${staff.userId}/roles`, {
      _csrf: admin.csrfToken,
    });
    assert.equal(none.statusCode, 409);
    assert.match(none.body, /at least one role/);

    const demote = await as(admin, 'POST', `/console/users/${admin.userId}/roles`, {
      _csrf: admin.csrfToken,
      roles: 'coordinator',
    });
    assert.equal(demote.statusCode, 409);
    assert.match(demote.body, /cannot remove your own administrator role/);
    const disableSelf = await as(admin, 'POST', `/console/users/${admin.userId}/disable`, {
      _csrf: admin.csrfToken,
    });
    assert.equal(disableSelf.statusCode, 409);
    assert.match(disableSelf.body, /cannot disable your own account/);
    const roles = await t.context.db
      .selectFrom('users')
      .select(['roles', 'disabled_at'])
      .where('id', '=', admin.userId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(roles, { roles: ['admin'], disabled_at: null });
    const unknown = await as(admin, 'POST', '/console/users/00000000-0000-4000-8000-000000000000/disable', {
      _csrf: admin.csrfToken,
    });
    assert.equal(unknown.statusCode, 404);
    const malformed = await as(admin, 'POST', '/console/users/1%27%20or%201=1/disable', {
      _csrf: admin.csrfToken,
    });
    assert.equal(malformed.statusCode, 400);
  });

  test('disabling signs the account out everywhere; enabling lets it back', async () => {
    const staff = await createStaffSession(t.context, ['responder']);
    assert.equal((await as(staff, 'GET', '/console/account')).statusCode, 200);
    const disabled = await as(admin, 'POST', `/console/users/${staff.userId}/disable`, {
      _csrf: admin.csrfToken,
    });
    assert.equal(disabled.statusCode, 303);
    assert.equal((await as(staff, 'GET', '/console/account')).statusCode, 303);
    const list = await as(admin, 'GET', '/console/users');
    assert.match(list.body, new RegExp(`/console/users/${staff.userId}/enable`));
    const enabled = await as(admin, 'POST', `/console/users/${staff.userId}/enable`, {
      _csrf: admin.csrfToken,
    });
    assert.equal(enabled.statusCode, 303);
    const actions = await auditActions(t.context);
    assert.deepEqual(actions.slice(-2), ['user.disabled', 'user.enabled']);
  });

  test('the staff list escapes what it shows', async () => {
    await createStaffSession(t.context, ['legal'], { email: '<script>alert(1)</script>@example.org' });
    const list = await as(admin, 'GET', '/console/users');
    assert.equal(list.statusCode, 200);
    assert.doesNotMatch(list.body, /<script>alert/);
    assert.match(list.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;@example\.org/);
  });

  test('granting legal or admin waits for a second admin; nobody approves their own', async () => {
    const second = await createStaffSession(t.context, ['admin']);
    const rolesOf = async (userId: string) =>
      (
        await t.context.db
          .selectFrom('users')
          .select('roles')
          .where('id', '=', userId)
          .executeTakeFirstOrThrow()
      ).roles;

    // An admin gives themselves legal: nothing changes until another admin approves.
    const self = await as(admin, 'POST', `/console/users/${admin.userId}/roles`, {
      _csrf: admin.csrfToken,
      roles: ['admin', 'legal'],
    });
    assert.equal(self.statusCode, 303);
    assert.equal(self.headers.location, '/console/users?done=roles_pending');
    assert.deepEqual(await rolesOf(admin.userId), ['admin']);
    const request = await t.context.db
      .selectFrom('access_requests')
      .selectAll()
      .where('user_id', '=', admin.userId)
      .where('decided_at', 'is', null)
      .executeTakeFirstOrThrow();
    assert.equal(request.role, 'legal');

    // Their own page offers no approval, and approving anyway is refused.
    const ownList = await as(admin, 'GET', '/console/users');
    assert.match(ownList.body, /id="access-requests"/);
    assert.ok(!ownList.body.includes(`/console/users/access-requests/${request.id}/approve`));
    const own = await as(admin, 'POST', `/console/users/access-requests/${request.id}/approve`, {
      _csrf: admin.csrfToken,
    });
    assert.equal(own.statusCode, 409);
    assert.match(own.body, /another admin must approve it/);
    assert.deepEqual(await rolesOf(admin.userId), ['admin']);

    // An invitation is no way around it.
    const invite = await as(admin, 'POST', '/console/users/invite', {
      _csrf: admin.csrfToken,
      email: 'second.me@example.org',
      role: 'legal',
    });
    assert.equal(invite.statusCode, 400);
    assert.match(invite.body, /Invite them with another role/);

    // The second admin approves: the role is given, and both steps are audited.
    const listed = await as(second, 'GET', '/console/users');
    assert.ok(listed.body.includes(`/console/users/access-requests/${request.id}/approve`));
    const approved = await as(second, 'POST', `/console/users/access-requests/${request.id}/approve`, {
      _csrf: second.csrfToken,
    });
    assert.equal(approved.statusCode, 303);
    assert.deepEqual(await rolesOf(admin.userId), ['admin', 'legal']);
    const actions = await auditActions(t.context);
    assert.deepEqual(actions.slice(-2), ['access.approved', 'user.roles_changed']);
    assert.ok(actions.includes('access.requested'));

    // Admin for someone else, asked by one admin, refused by the other: nothing given.
    const staff = await createStaffSession(t.context, ['dispatcher']);
    await as(second, 'POST', `/console/users/${staff.userId}/roles`, {
      _csrf: second.csrfToken,
      roles: ['dispatcher', 'admin'],
    });
    const pending = await t.context.db
      .selectFrom('access_requests')
      .select('id')
      .where('user_id', '=', staff.userId)
      .executeTakeFirstOrThrow();
    const refused = await as(admin, 'POST', `/console/users/access-requests/${pending.id}/refuse`, {
      _csrf: admin.csrfToken,
    });
    assert.equal(refused.statusCode, 303);
    assert.deepEqual(await rolesOf(staff.userId), ['dispatcher']);
  });
  test('pending invitations are listed with who invited and until when, and can be revoked or resent', async () => {
    const invite = async (session: StaffSession, email: string): Promise<string> => {
      const created = await as(session, 'POST', '/console/users/invite', {
        _csrf: session.csrfToken,
        email,
        role: 'responder',
      });
      assert.equal(created.statusCode, 200);
      return new URL(/(http:\/\/\S+\/invite\/[A-Za-z0-9_-]+)/.exec(created.body)![1]!).pathname;
    };
    const invitations = (body: string): string =>
      /<section id="invitations"[\s\S]*?<\/section>/.exec(body)?.[0] ?? '';
    await invite(admin, 'expired.invitee@example.org');
    t.clock.advance(73 * 3600 * 1000);
    admin = await createStaffSession(t.context, ['admin']);
    const usedPath = await invite(admin, 'used.invitee@example.org');
    const browser = new Browser(t.app, '10.7.9.1');
    const usedForm = await browser.get(usedPath);
    const used = await browser.post(usedPath, {
      _csrf: csrfFrom(usedForm),
      password: PASSWORD,
      password_repeat: PASSWORD,
    });
    assert.equal(used.status, 303);
    const oldPath = await invite(admin, 'pending.invitee@example.org');

    const page = await as(admin, 'GET', '/console/users');
    const section = invitations(page.body);
    assert.match(section, /Invitations not yet used/);
    assert.match(section, /pending\.invitee@example\.org/);
    assert.doesNotMatch(section, /expired\.invitee|used\.invitee/, 'only links that still work');
    assert.match(section, /Responder/);
    assert.ok(section.includes(admin.email), 'who invited');
    const id = /data-invite="([0-9a-f-]{36})"/.exec(section)![1]!;
    const spanish = await as(admin, 'GET', '/console/users?lang=es');
    assert.match(invitations(spanish.body), /Invitaciones sin usar[\s\S]*Enviar de nuevo[\s\S]*Anular/);

    for (const role of ['coordinator', 'dispatcher', 'responder', 'legal'] as Role[]) {
      const staff = await createStaffSession(t.context, [role]);
      for (const verb of ['revoke', 'resend']) {
        const refused = await as(staff, 'POST', `/console/users/invites/${id}/${verb}`, {
          _csrf: staff.csrfToken,
        });
        assert.equal(refused.statusCode, 403, `${role} ${verb}`);
      }
    }
    const forged = await as(admin, 'POST', `/console/users/invites/${id}/revoke`, { _csrf: 'forged' });
    assert.equal(forged.statusCode, 403);
    assert.equal((await new Browser(t.app, '10.7.9.2').get(oldPath)).status, 200, 'nothing changed so far');

    const resent = await as(admin, 'POST', `/console/users/invites/${id}/resend`, { _csrf: admin.csrfToken });
    assert.equal(resent.statusCode, 200);
    assert.match(resent.body, /The old link no longer works/);
    const newPath = new URL(/(http:\/\/\S+\/invite\/[A-Za-z0-9_-]+)/.exec(resent.body)![1]!).pathname;
    assert.notEqual(newPath, oldPath);
    const reader = new Browser(t.app, '10.7.9.3');
    assert.equal((await reader.get(oldPath)).status, 410, 'the old link is dead');
    const newForm = await reader.get(newPath);
    assert.equal(newForm.status, 200, 'the new link works');
    assert.match(newForm.body, /pending\.invitee@example\.org/);
    assert.deepEqual((await auditActions(t.context)).slice(-1), ['user.invite_resent']);
    const again = await as(admin, 'POST', `/console/users/invites/${id}/resend`, { _csrf: admin.csrfToken });
    assert.equal(again.statusCode, 404, 'the replaced invitation is gone');

    const newId = /data-invite="([0-9a-f-]{36})"/.exec(
      invitations((await as(admin, 'GET', '/console/users')).body),
    )![1]!;
    assert.notEqual(newId, id);
    const revoked = await as(admin, 'POST', `/console/users/invites/${newId}/revoke`, {
      _csrf: admin.csrfToken,
    });
    assert.equal(revoked.statusCode, 303);
    assert.equal(revoked.headers.location, '/console/users?done=invite_revoked');
    const gone = await reader.get(newPath);
    assert.equal(gone.status, 410);
    assert.match(gone.body, /used already or has expired/);
    assert.deepEqual((await auditActions(t.context)).slice(-1), ['user.invite_revoked']);
    const after = await as(admin, 'GET', '/console/users?done=invite_revoked');
    assert.match(after.body, /Invitation revoked/);
    assert.match(invitations(after.body), /No invitation is waiting/);
    const twice = await as(admin, 'POST', `/console/users/invites/${newId}/revoke`, {
      _csrf: admin.csrfToken,
    });
    assert.equal(twice.statusCode, 404);
  });
});
