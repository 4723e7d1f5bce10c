// Sign-in throttling is per account AND client: an attacker who knows a staff email and fails over and over
// from their own connection never locks that person out of theirs. After a few failures, the failing client
// must send a proof of work with each try; the right password with a proof still gets in. A per-client rate
// limit sits on top.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { challengeIn, solveProofOfWork } from '../subscriptions/subscriptions.test-helpers.ts';
import { FAILURE_MEMORY_MS, PROOF_AFTER_FAILURES } from './auth.service.ts';
import {
  Browser,
  codeFor,
  csrfFrom,
  insertEnrolledUser,
  passwordStep,
  signIn,
  submitCode,
  type Page,
  type TestUser,
} from './auth.testing.ts';
import { hashPassword } from './passwords.ts';

const PASSWORD = 'the right long passphrase';
const GENERIC = 'Email or password is wrong. Check both and try again.';
const PROOF_NEEDED = 'The password was not tried';

function asksForProof(page: Page): boolean {
  return page.body.includes('data-challenge=') && page.body.includes('/assets/proof-of-work.js');
}

describe('sign-in throttling per account and client', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;

  before(async () => {
    t = await createTestApp({ env: { AMPARO_SUBSCRIBE_PROOF_OF_WORK: '50' } });
    const passwordHash = await hashPassword(PASSWORD);
    const user = (roles: ['dispatcher'] | ['legal']) =>
      insertEnrolledUser(t.context, { roles, password: PASSWORD, passwordHash });
    [alice, bob, carol, dave] = [
      await user(['dispatcher']),
      await user(['dispatcher']),
      await user(['legal']),
      await user(['dispatcher']),
    ];
  });
  after(async () => t.close());

  /** Posts the sign-in form `page` shows, with the proof of work solved when the page asks for one. */
  async function postLogin(browser: Browser, page: Page, email: string, password: string, solve = true) {
    const altcha = solve && asksForProof(page) ? await solveProofOfWork(challengeIn(page.body)) : undefined;
    return browser.post('/login', { _csrf: csrfFrom(page), email, password, ...(altcha ? { altcha } : {}) });
  }

  test("an attacker's failures never lock the right person out of their own connection", async () => {
    const attacker = new Browser(t.app, '198.51.100.66');
    for (let i = 0; i < 8; i++) {
      const page = await passwordStep(attacker, alice.email, `wrong guess number ${i}`);
      assert.equal(page.status, 401);
    }
    // Alice, on her own phone, mid-raid: straight in, asked for nothing.
    const form = await new Browser(t.app, '203.0.113.10').get('/login');
    assert.ok(!asksForProof(form));
    assert.equal((await signIn(new Browser(t.app, '203.0.113.10'), t.context, alice)).status, 303);
    const row = await t.context.db
      .selectFrom('users')
      .select('locked_until')
      .where('id', '=', alice.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.locked_until, null, 'the account itself is never locked');
  });

  test('after a few failures, that client must prove work, and the right password with a proof gets in', async () => {
    const browser = new Browser(t.app, '198.51.100.70');
    let page = await browser.get('/login');
    for (let i = 1; i <= PROOF_AFTER_FAILURES; i++) {
      page = await postLogin(browser, page, bob.email, 'not the password');
      assert.equal(page.status, 401);
      assert.ok(page.body.includes(GENERIC));
      assert.equal(asksForProof(page), i === PROOF_AFTER_FAILURES, `proof asked after failure ${i}`);
    }
    // Without the proof (no JavaScript), even the right password is not tried, and the page says why
    // and what to do instead.
    const refused = await postLogin(browser, page, bob.email, PASSWORD, false);
    assert.equal(refused.status, 401);
    assert.ok(refused.body.includes(PROOF_NEEDED));
    assert.match(refused.body, /<noscript><p class="notice">That check needs JavaScript/);
    assert.ok(asksForProof(refused));
    // A forged or reused answer is no proof either.
    const forged = await browser.post('/login', {
      _csrf: csrfFrom(refused),
      email: bob.email,
      password: PASSWORD,
      altcha: Buffer.from('{"challenge":{},"solution":{}}').toString('base64'),
    });
    assert.ok(forged.body.includes(PROOF_NEEDED));
    // With the proof the browser's script would send, the right password goes on to the code.
    const altcha = await solveProofOfWork(challengeIn(forged.body));
    const accepted = await browser.post('/login', {
      _csrf: csrfFrom(forged),
      email: bob.email,
      password: PASSWORD,
      altcha,
    });
    assert.equal(accepted.status, 303);
    const replayed = await browser.post('/login', {
      _csrf: csrfFrom(forged),
      email: bob.email,
      password: PASSWORD,
      altcha,
    });
    assert.ok(replayed.body.includes(PROOF_NEEDED), 'a proof is spent once');
    // Signing in completely clears that client's count for the account.
    const codePage = await browser.get(accepted.location!);
    assert.equal((await submitCode(browser, codePage, codeFor(t.context, bob.totpSecret))).status, 303);
    assert.ok(
      !asksForProof(await passwordStep(new Browser(t.app, '198.51.100.70'), bob.email, 'wrong again')),
    );
  });

  test("work done for the alert sign-up's form is no proof at sign-in", async () => {
    const browser = new Browser(t.app, '198.51.100.74');
    let page = await browser.get('/login');
    for (let i = 1; i <= PROOF_AFTER_FAILURES; i++) page = await postLogin(browser, page, dave.email, 'no');
    const signup = await browser.get('/alerts');
    const altcha = await solveProofOfWork(challengeIn(signup.body));
    const refused = await browser.post('/login', {
      _csrf: csrfFrom(page),
      email: dave.email,
      password: PASSWORD,
      altcha,
    });
    assert.equal(refused.status, 401);
    assert.ok(refused.body.includes(PROOF_NEEDED));
  });

  test('an unknown email is answered exactly as a known one, proof of work included', async () => {
    const browser = new Browser(t.app, '198.51.100.71');
    let page = await browser.get('/login');
    for (let i = 1; i <= PROOF_AFTER_FAILURES; i++) {
      page = await postLogin(browser, page, 'nobody-here@example.org', PASSWORD);
      assert.equal(page.status, 401);
      assert.ok(page.body.includes(GENERIC));
      assert.equal(asksForProof(page), i === PROOF_AFTER_FAILURES);
    }
  });

  test('wrong second-factor codes count for that client too, and end only that sign-in', async () => {
    const attacker = new Browser(t.app, '198.51.100.72');
    let page = await passwordStep(attacker, carol.email, PASSWORD);
    // Carol herself is mid-sign-in on her phone at the same time.
    const carolPhone = new Browser(t.app, '203.0.113.12');
    const carolCodePage = await passwordStep(carolPhone, carol.email, PASSWORD);
    for (let i = 1; i < PROOF_AFTER_FAILURES; i++) {
      page = await submitCode(attacker, page, codeFor(t.context, carol.totpSecret, 10 * 30_000));
      assert.equal(page.status, 401);
      assert.match(page.body, /code is not right/);
    }
    const sentBack = await submitCode(attacker, page, codeFor(t.context, carol.totpSecret, 10 * 30_000));
    assert.equal(sentBack.status, 401);
    assert.match(sentBack.body, /The code was wrong too many times/);
    assert.ok(asksForProof(sentBack));
    const late = await attacker.post('/login/second-factor', {
      _csrf: 'whatever',
      code: codeFor(t.context, carol.totpSecret),
    });
    assert.equal(late.status, 303, "the attacker's pending sign-in has ended");
    assert.equal(late.location, '/login');
    const carolIn = await submitCode(carolPhone, carolCodePage, codeFor(t.context, carol.totpSecret));
    assert.equal(carolIn.status, 303, 'Carol on her phone is unaffected');
    assert.equal(carolIn.location, '/console');
  });

  test('failures are forgotten a while after the last one', async () => {
    const browser = new Browser(t.app, '198.51.100.73');
    let page = await browser.get('/login');
    for (let i = 1; i <= PROOF_AFTER_FAILURES; i++) page = await postLogin(browser, page, dave.email, 'nope');
    assert.ok(asksForProof(page));
    t.clock.advance(FAILURE_MEMORY_MS + 1000);
    assert.equal((await signIn(new Browser(t.app, '198.51.100.73'), t.context, dave)).status, 303);
  });

  test('one client is rate limited on POST /login', async () => {
    const client = new Browser(t.app, '10.8.0.1');
    const form = await client.get('/login');
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push(
        (await client.post('/login', { _csrf: token, email: `x${i}@example.org`, password: 'nope' })).status,
      );
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.equal(statuses[10], 429);
    // Another client is not affected.
    assert.equal((await passwordStep(new Browser(t.app, '10.8.0.2'), 'x@example.org', 'nope')).status, 401);
  });
});
