// Login throttling is per account: failures lock that account (1 minute, doubling, at most 15), and
// nobody else. A per-client rate limit sits on top.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { lockoutDuration } from './auth.service.ts';
import {
  Browser,
  codeFor,
  insertEnrolledUser,
  passwordStep,
  signIn,
  submitCode,
  type TestUser,
} from './auth.testing.ts';
import { hashPassword } from './passwords.ts';

const PASSWORD = 'the right long passphrase';
const GENERIC =
  'Email or password is wrong, or the account is temporarily locked. Try again in a few minutes.';

test('lockout lasts 1 minute after 5 failures, doubling to at most 15 minutes', () => {
  assert.equal(lockoutDuration(4), null);
  assert.deepEqual(
    [5, 6, 7, 8, 9, 10, 50].map((n) => lockoutDuration(n)! / 60_000),
    [1, 2, 4, 8, 15, 15, 15],
  );
});

describe(`per-account login throttling`, () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let ip = 0;
  /** A new client address per attempt, so the per-client rate limit stays out of these tests. */
  const browser = () => new Browser(t.app, `10.9.0.${++ip}`);

  before(async () => {
    t = await createTestApp();
    const passwordHash = await hashPassword(PASSWORD);
    alice = await insertEnrolledUser(t.context, {
      roles: ['dispatcher'],
      password: PASSWORD,
      passwordHash,
    });
    bob = await insertEnrolledUser(t.context, { roles: ['dispatcher'], password: PASSWORD, passwordHash });
    carol = await insertEnrolledUser(t.context, { roles: ['legal'], password: PASSWORD, passwordHash });
  });
  after(async () => t.close());

  async function lockedUntil(user: TestUser): Promise<Date | null> {
    const row = await t.context.db
      .selectFrom('users')
      .select('locked_until')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    return row.locked_until;
  }

  test('five wrong passwords lock that account, and only that one', async () => {
    for (let i = 0; i < 5; i++) {
      const page = await passwordStep(browser(), alice.email, 'a wrong password!');
      assert.equal(page.status, 401);
      assert.ok(page.body.includes(GENERIC));
    }
    const until = await lockedUntil(alice);
    assert.ok(until);
    assert.equal(until.getTime() - t.clock.now().getTime(), 60_000);

    const refused = await passwordStep(browser(), alice.email, PASSWORD);
    assert.equal(refused.status, 401, 'even the right password is refused while locked');
    assert.ok(refused.body.includes(GENERIC));
    const unknown = await passwordStep(browser(), 'nobody@example.org', PASSWORD);
    assert.equal(unknown.status, 401);
    assert.ok(unknown.body.includes(GENERIC), 'an unknown email gets the very same answer');

    t.clock.advance(30_000);
    assert.equal((await signIn(browser(), t.context, bob)).status, 303, 'another account is unaffected');

    const actions = await t.context.db
      .selectFrom('audit_log')
      .select(['action', 'subject_id', 'details'])
      .where('action', '=', 'auth.locked_out')
      .execute();
    assert.equal(actions.length, 1);
    assert.equal(actions[0]!.subject_id, alice.id);
  });

  test('further failures after a lock double it; a successful sign-in resets', async () => {
    t.clock.advance(31_000);
    assert.equal((await passwordStep(browser(), alice.email, 'still wrong, sadly')).status, 401);
    const until = await lockedUntil(alice);
    assert.equal(until!.getTime() - t.clock.now().getTime(), 120_000);
    t.clock.advance(61_000);
    assert.equal((await passwordStep(browser(), alice.email, PASSWORD)).status, 401, 'locked for 2 minutes');
    t.clock.advance(60_000);
    assert.equal((await signIn(browser(), t.context, alice)).status, 303);
    const row = await t.context.db
      .selectFrom('users')
      .select(['failed_login_count', 'locked_until'])
      .where('id', '=', alice.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { failed_login_count: 0, locked_until: null });
  });

  test('wrong second-factor codes count too', async () => {
    const b = browser();
    let page = await passwordStep(b, carol.email, PASSWORD);
    for (let i = 0; i < 4; i++) {
      page = await submitCode(b, page, codeFor(t.context, carol.totpSecret, 10 * 30_000));
      assert.equal(page.status, 401);
      assert.match(page.body, /code is not right/);
    }
    const locked = await submitCode(b, page, codeFor(t.context, carol.totpSecret, 10 * 30_000));
    assert.equal(locked.status, 401);
    assert.ok(locked.body.includes(GENERIC), 'the fifth failure locks and sends back to the sign-in form');
    assert.ok(await lockedUntil(carol));
    // The pending session ended with the lock: the right code no longer helps.
    const late = await b.post('/login/second-factor', {
      _csrf: 'whatever',
      code: codeFor(t.context, carol.totpSecret),
    });
    assert.equal(late.status, 303);
    assert.equal(late.location, '/login');
    assert.equal((await passwordStep(browser(), carol.email, PASSWORD)).status, 401);
  });

  test('one client is rate limited on POST /login', async () => {
    const client = new Browser(t.app, '10.8.0.1');
    const form = await client.get('/login');
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push(
        (await client.post('/login', { _csrf: token, email: 'x@example.org', password: 'nope' })).status,
      );
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.equal(statuses[10], 429);
    // Another client is not affected.
    assert.equal((await passwordStep(browser(), 'x@example.org', 'nope')).status, 401);
  });
});
