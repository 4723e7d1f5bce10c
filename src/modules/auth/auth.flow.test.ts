// The whole staff sign-in journey over HTTP against a real database: first-run setup link, first admin,
// password, mandatory TOTP enrolment, session regeneration, replay refusal, timeouts, sign-out everywhere
// and admin revoke.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../../crypto/secrets.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { authModule } from './auth.module.ts';
import { hashPassword } from './passwords.ts';
import { purgeExpiredSessions } from './sessions.service.ts';
import {
  auditActions,
  Browser,
  codeFor,
  csrfFrom,
  insertEnrolledUser,
  passwordStep,
  secretFrom,
  signIn,
  submitCode,
  type TestUser,
} from './auth.testing.ts';

const ADMIN_EMAIL = 'First.Admin@Example.org';
const ADMIN_PASSWORD = 'correct horse battery staple';
const STEP_MS = 30_000;

async function announcedLink(t: TestApp): Promise<string | undefined> {
  const messages: string[] = [];
  await authModule.afterStart!(t.context, (message) => messages.push(message));
  if (messages.length === 0) return undefined;
  const match = /(http:\/\/\S+\/setup\/[A-Za-z0-9_-]+)/.exec(messages.join('\n'));
  assert.ok(match, 'the announcement should contain the setup link');
  return match[1];
}

describe(`staff sign-in journey`, () => {
  let t: TestApp;
  let admin: TestUser;
  let adminBrowser: Browser;

  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  /** Moves to the next TOTP step, so a new sign-in does not reuse (replay) the previous code. */
  function nextStep(): void {
    t.clock.advance(STEP_MS);
  }

  test('the first run prints a setup link that creates the first admin, once', async () => {
    const first = await announcedLink(t);
    const second = await announcedLink(t);
    assert.ok(first && second && first !== second);
    const browser = new Browser(t.app, '10.0.0.1');
    // Only the newest setup link works.
    assert.equal((await browser.get(new URL(first).pathname)).status, 410);
    const path = new URL(second).pathname;
    const form = await browser.get(path);
    assert.equal(form.status, 200);
    assert.match(form.body, /name="password_repeat"/);

    const tooShort = await browser.post(path, {
      _csrf: csrfFrom(form),
      email: ADMIN_EMAIL,
      password: 'short',
      password_repeat: 'short',
    });
    assert.equal(tooShort.status, 400);
    assert.match(tooShort.body, /too short/);
    assert.match(tooShort.body, /value="First\.Admin@Example\.org"/);
    assert.doesNotMatch(tooShort.body, /value="short"/);

    const created = await browser.post(path, {
      _csrf: csrfFrom(tooShort),
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
      password_repeat: ADMIN_PASSWORD,
    });
    // The first admin is signed in as far as a correct password goes, and enrols the second factor next.
    assert.equal(created.status, 303);
    assert.equal(created.location, '/login/second-factor');
    const cookie = created.setCookies.find((c) => c.name === 'amparo_session');
    assert.ok(cookie?.value, 'a session cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    const enrolment = await browser.get('/login/second-factor');
    assert.equal(enrolment.status, 200);
    assert.match(enrolment.body, /<svg[^>]*viewBox/, 'the enrolment page with its QR code');
    assert.ok(secretFrom(enrolment));
    const notYet = await browser.get('/console/account');
    assert.equal(notYet.status, 303, 'not signed in until the second factor is enrolled');
    assert.equal((await browser.get(path)).status, 410);
    const again = await browser.post(path, {
      _csrf: csrfFrom(form),
      email: 'someone.else@example.org',
      password: ADMIN_PASSWORD,
      password_repeat: ADMIN_PASSWORD,
    });
    assert.equal(again.status, 410);
    assert.equal(await announcedLink(t), undefined, 'no setup link once an account exists');

    const user = await t.context.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    assert.deepEqual(user.roles, ['admin']);
    assert.match(user.password_hash, /^\$argon2id\$v=19\$m=65536,t=3,p=1\$/);
    assert.doesNotMatch(JSON.stringify(user), /example\.org/i, 'the email is stored encrypted');
    const actions = await auditActions(t.context);
    assert.deepEqual(
      actions.filter((a) => a.startsWith('user.')),
      ['user.setup_link_created', 'user.setup_link_created', 'user.created'],
    );
    admin = { id: user.id, email: ADMIN_EMAIL, password: ADMIN_PASSWORD, totpSecret: '' };
  });

  test('the first sign-in enrols TOTP, and only then is there a (new) session', async () => {
    adminBrowser = new Browser(t.app, '10.0.0.2');
    // Email lookups ignore case and surrounding spaces.
    const enrol = await passwordStep(adminBrowser, ` ${ADMIN_EMAIL.toLowerCase()} `, ADMIN_PASSWORD);
    assert.equal(enrol.status, 200);
    assert.match(enrol.body, /<svg[^>]*viewBox/);
    const secret = secretFrom(enrol);
    admin.totpSecret = secret;
    const pendingToken = adminBrowser.cookies.get('amparo_session');
    assert.ok(pendingToken, 'the password step sets a pending session cookie');

    // A pending session is not signed in.
    const console = await adminBrowser.get('/console/account');
    assert.equal(console.status, 303);
    assert.match(console.location ?? '', /^\/login\?next=/);

    const wrong = await submitCode(adminBrowser, enrol, codeFor(t.context, secret, 5 * STEP_MS));
    assert.equal(wrong.status, 401);
    assert.match(wrong.body, /code is not right/);
    assert.equal(secretFrom(wrong), secret, 'the same secret is offered until enrolment succeeds');

    const done = await submitCode(adminBrowser, wrong, codeFor(t.context, secret));
    assert.equal(done.status, 303);
    assert.equal(done.location, '/console');
    const cookie = done.setCookies.find((c) => c.name === 'amparo_session');
    assert.ok(cookie);
    assert.notEqual(cookie.value, pendingToken, 'the session is regenerated at sign-in');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.notEqual(cookie.secure, true, 'plain http://localhost cannot use Secure cookies');
    const pendingRow = await t.context.db
      .selectFrom('sessions')
      .select('id')
      .where('id', '=', hashToken(pendingToken))
      .executeTakeFirst();
    assert.equal(pendingRow, undefined, 'the pending session is deleted');

    const account = await adminBrowser.get('/console/account');
    assert.equal(account.status, 200);
    assert.match(account.body, /Administrator/);
    const user = await t.context.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    assert.ok(user.totp_enrolled_at);
    assert.ok(!user.totp_secret_ciphertext?.includes(secret), 'the TOTP secret is stored encrypted');
    const actions = await auditActions(t.context);
    assert.ok(actions.includes('auth.second_factor_failed'));
    assert.deepEqual(actions.slice(-2), ['auth.totp_enrolled', 'auth.sign_in']);
  });

  test('a code already used is refused on a later sign-in', async () => {
    const browser = new Browser(t.app, '10.0.0.3');
    const page = await passwordStep(browser, ADMIN_EMAIL, ADMIN_PASSWORD);
    assert.doesNotMatch(page.body, /data-secret/, 'an enrolled user is asked for a code, not shown a secret');
    const replay = await submitCode(browser, page, codeFor(t.context, admin.totpSecret));
    assert.equal(replay.status, 401);
    // The previous step's code is inside the drift window but also spent.
    const older = await submitCode(browser, replay, codeFor(t.context, admin.totpSecret, -STEP_MS));
    assert.equal(older.status, 401);
    nextStep();
    const fresh = await submitCode(browser, older, codeFor(t.context, admin.totpSecret));
    assert.equal(fresh.status, 303);
  });

  test('only same-site paths are followed after sign-in', async () => {
    for (const [next, expected] of [
      ['/console/users?x=1', '/console/users?x=1'],
      ['//evil.example/x', '/console'],
      ['/\\evil.example', '/console'],
      ['https://evil.example/', '/console'],
    ] as const) {
      nextStep();
      const done = await signIn(new Browser(t.app, '10.0.0.4'), t.context, admin, next);
      assert.equal(done.status, 303);
      assert.equal(done.location, expected, next);
    }
  });

  test('a session ends after 30 idle minutes', async () => {
    nextStep();
    const browser = new Browser(t.app, '10.0.0.5');
    assert.equal((await signIn(browser, t.context, admin)).status, 303);
    const token = browser.cookies.get('amparo_session')!;
    t.clock.advance(29 * 60_000);
    assert.equal((await browser.get('/console/account')).status, 200);
    t.clock.advance(29 * 60_000);
    assert.equal((await browser.get('/console/account')).status, 200, 'activity keeps the session alive');
    t.clock.advance(31 * 60_000);
    const expired = await browser.get('/console/account');
    assert.equal(expired.status, 303);
    assert.match(expired.location ?? '', /^\/login/);
    const row = await t.context.db
      .selectFrom('sessions')
      .select('id')
      .where('id', '=', hashToken(token))
      .executeTakeFirst();
    assert.equal(row, undefined, 'an expired session is deleted');
  });

  test('a session ends after 12 hours even with activity', async () => {
    nextStep();
    const browser = new Browser(t.app, '10.0.0.6');
    assert.equal((await signIn(browser, t.context, admin)).status, 303);
    // 28 × 25 minutes = 11 h 40 min of steady use.
    for (let i = 0; i < 28; i++) {
      t.clock.advance(25 * 60_000);
      assert.equal((await browser.get('/console/account')).status, 200, `after ${(i + 1) * 25} minutes`);
    }
    t.clock.advance(21 * 60_000);
    assert.equal((await browser.get('/console/account')).status, 303);
  });

  test('expired sessions are purged by the scheduled job', async () => {
    nextStep();
    const browser = new Browser(t.app, '10.0.0.7');
    assert.equal((await signIn(browser, t.context, admin)).status, 303);
    // Earlier tests' sessions are long expired; the one just made is not.
    await purgeExpiredSessions(t.context);
    const token = hashToken(browser.cookies.get('amparo_session')!);
    const live = await t.context.db.selectFrom('sessions').select('id').execute();
    assert.deepEqual(
      live.map((row) => row.id),
      [token],
    );
    t.clock.advance(31 * 60_000);
    assert.equal(await purgeExpiredSessions(t.context), 1);
    const left = await t.context.db.selectFrom('sessions').select('id').execute();
    assert.equal(left.length, 0);
  });

  test('sign out ends this session; sign out everywhere ends all of them', async () => {
    const browsers = [
      new Browser(t.app, '10.0.1.1'),
      new Browser(t.app, '10.0.1.2'),
      new Browser(t.app, '10.0.1.3'),
    ];
    for (const browser of browsers) {
      nextStep();
      assert.equal((await signIn(browser, t.context, admin)).status, 303);
    }
    const [first, second, third] = browsers as [Browser, Browser, Browser];

    const account = await first.get('/console/account');
    const out = await first.post('/logout', { _csrf: csrfFrom(account) });
    assert.equal(out.status, 303);
    assert.equal(out.location, '/login?signed_out=1');
    assert.equal(first.cookies.has('amparo_session'), false);
    assert.equal((await first.get('/console/account')).status, 303);
    assert.equal((await second.get('/console/account')).status, 200);

    const page = await second.get('/console/account');
    const everywhere = await second.post('/console/account/sign-out-everywhere', { _csrf: csrfFrom(page) });
    assert.equal(everywhere.status, 303);
    assert.equal((await second.get('/console/account')).status, 303);
    assert.equal((await third.get('/console/account')).status, 303, 'the other device is signed out too');
    const actions = await auditActions(t.context);
    assert.ok(actions.includes('auth.sign_out'));
    assert.equal(actions.at(-1), 'auth.sign_out_everywhere');
  });

  test('an admin can end another account’s sessions', async () => {
    const passwordHash = (
      await t.context.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow()
    ).password_hash;
    const dispatcher = await insertEnrolledUser(t.context, {
      roles: ['dispatcher'],
      password: ADMIN_PASSWORD,
      passwordHash,
    });
    const theirs = new Browser(t.app, '10.0.2.1');
    nextStep();
    assert.equal((await signIn(theirs, t.context, dispatcher)).status, 303);
    assert.equal((await theirs.get('/console/account')).status, 200);

    adminBrowser = new Browser(t.app, '10.0.2.2');
    nextStep();
    assert.equal((await signIn(adminBrowser, t.context, admin)).status, 303);
    const users = await adminBrowser.get('/console/users');
    assert.equal(users.status, 200);
    assert.ok(users.body.includes(dispatcher.email), 'emails are shown decrypted to admins');
    const revoked = await adminBrowser.post(`/console/users/${dispatcher.id}/revoke-sessions`, {
      _csrf: csrfFrom(users),
    });
    assert.equal(revoked.status, 303);
    assert.equal(revoked.location, '/console/users?done=revoked');
    assert.equal((await theirs.get('/console/account')).status, 303);
    assert.equal((await adminBrowser.get('/console/account')).status, 200, 'the admin stays signed in');
    const last = await t.context.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'subject_id'])
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    assert.deepEqual(last, {
      action: 'auth.sessions_revoked',
      actor_id: admin.id,
      subject_id: dispatcher.id,
    });
  });
});

describe(`session cookie on an https installation`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { AMPARO_PUBLIC_URL: 'https://hotline.example.org' } });
  });
  after(async () => t.close());

  test('is __Host- prefixed, Secure, HttpOnly, SameSite=Strict, Path=/', async () => {
    const password = 'a long enough passphrase';
    const user = await insertEnrolledUser(t.context, {
      roles: ['responder'],
      password,
      passwordHash: await hashPassword(password),
    });
    const browser = new Browser(t.app, '10.0.3.1');
    const done = await signIn(browser, t.context, user);
    assert.equal(done.status, 303);
    const cookie = done.setCookies.find((c) => c.name.endsWith('amparo_session'));
    assert.ok(cookie);
    assert.equal(cookie.name, '__Host-amparo_session');
    assert.equal(cookie.secure, true);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.equal(cookie.domain, undefined, '__Host- cookies must not name a domain');
    assert.equal((await browser.get('/console/account')).status, 200);
  });
});
