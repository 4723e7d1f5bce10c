// Journey: the first run of a new installation. The operator opens the setup link, creates the first admin,
// signs in, enrols an authenticator from the secret on the page and reaches the console. Signing in again,
// a code that was already used is refused (replay), and the next one is accepted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import { hashToken } from '../../src/crypto/secrets.ts';
import { ensureSetupInvite } from '../../src/modules/auth/invites.service.ts';
import { base32Decode, TOTP_STEP_SECONDS, totpAt, totpStep } from '../../src/modules/auth/totp.ts';
import { closeAll, launchBrowser, serveApp, WAIT_MS, type ServedApp } from './browser.ts';

const EMAIL = 'primera.admin@example.org';
const PASSWORD = 'correct horse battery staple lantern';

describe('staff sign-in with a second factor', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  /** The secret as read off the enrolment page. */
  let secret: Buffer;
  let firstCode: string;
  let firstStep: number;

  before(async () => {
    // The browser first: without one the journey fails at once, before a database is set up.
    browser = await launchBrowser();
    served = await serveApp();
    context = await browser.newContext({ locale: 'en-US' });
    context.setDefaultTimeout(WAIT_MS);
    context.setDefaultNavigationTimeout(WAIT_MS);
    page = await context.newPage();
  });

  after(async () => closeAll(browser, served));

  const url = (path: string): string => `${served!.baseUrl}${path}`;

  async function sessionCookie(): Promise<Cookie | undefined> {
    const cookies = await context.cookies(served!.baseUrl);
    return cookies.find((cookie) => cookie.name === 'amparo_session');
  }

  async function sessionRow() {
    const cookie = await sessionCookie();
    assert.ok(cookie, 'the browser holds a session cookie');
    return served!.context.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', hashToken(cookie.value))
      .executeTakeFirst();
  }

  async function signInWithPassword(): Promise<void> {
    await page.goto(url('/login'));
    await page.locator('#email').fill(EMAIL);
    await page.locator('#password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url('/login/second-factor'));
  }

  async function enterCode(code: string): Promise<void> {
    await page.locator('#code').fill(code);
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  test('the setup link creates the first admin', async () => {
    const link = await ensureSetupInvite(served!.context);
    assert.ok(link, 'a fresh installation has a setup link');
    // The link is built on the configured public URL; the browser goes to the port this test listens on.
    const setupPath = new URL(link).pathname;
    assert.match(setupPath, /^\/setup\/[A-Za-z0-9_-]+$/);

    await page.goto(url(setupPath));
    await page.locator('h1', { hasText: 'Create the first administrator account' }).waitFor();
    await page.locator('#email').fill(EMAIL);
    await page.locator('#password').fill(PASSWORD);
    await page.locator('#password_repeat').fill(PASSWORD);
    // The network's zone: asked here because the test's environment does not set AMPARO_TIMEZONE.
    await page.locator('#time_zone').selectOption('America/Chicago');
    await page.getByRole('button', { name: 'Create account' }).click();
    // Signed in as far as the password goes: straight on to the second factor, nothing typed twice.
    await page.waitForURL(url('/login/second-factor'));
    await page.locator('h1', { hasText: 'Set up your second factor' }).waitFor();
    const pending = await sessionRow();
    assert.equal(pending?.mfa_complete, false, 'not signed in until the second factor is enrolled');

    const users = await served!.context.db
      .selectFrom('users')
      .select(['roles', 'totp_enrolled_at'])
      .execute();
    assert.equal(users.length, 1);
    assert.deepEqual(users[0]!.roles, ['admin']);
    assert.equal(users[0]!.totp_enrolled_at, null);
  });

  test('signing in again enrols the authenticator from the secret on the page and opens the console', async () => {
    await signInWithPassword();
    await page.locator('h1', { hasText: 'Set up your second factor' }).waitFor();
    const shown = await page.locator('code.secret').innerText();
    assert.match(shown, /^[A-Z2-7 ]{20,}$/);
    secret = base32Decode(shown);
    assert.equal(secret.length, 20);

    const pending = await sessionRow();
    assert.equal(pending?.mfa_complete, false, 'a password alone does not sign anyone in');

    // The app's clock is the test's: codes are computed for the time the server believes it is.
    const now = served!.clock.now().getTime();
    firstCode = totpAt(secret, now);
    firstStep = totpStep(now);
    await enterCode(firstCode);
    await page.waitForURL(url('/console'));
    await page.locator('h1', { hasText: 'What needs you now' }).waitFor();
    await page.locator('nav.console-nav').getByRole('link', { name: 'My account' }).waitFor();

    const session = await sessionRow();
    assert.equal(session?.mfa_complete, true);
    const user = await served!.context.db
      .selectFrom('users')
      .select(['totp_enrolled_at', 'totp_last_step'])
      .executeTakeFirstOrThrow();
    assert.ok(user.totp_enrolled_at);
    assert.equal(Number(user.totp_last_step), firstStep);
  });

  test('the session cookie is HttpOnly and SameSite=Strict', async () => {
    const cookie = await sessionCookie();
    assert.ok(cookie);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    // No Max-Age or Expires: it ends with the browser.
    assert.equal(cookie.expires, -1);
    assert.equal(await page.evaluate(() => document.cookie.includes('amparo_session')), false);
  });

  test('signing out ends the session', async () => {
    const before = await sessionCookie();
    await page.goto(url('/console/account'));
    // The header's sign-out, on every console page (the account page has its own as well).
    await page.locator('header.site').getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(url('/login?signed_out=1'));
    await page.getByText('You are signed out.').waitFor();
    assert.equal(await sessionCookie(), undefined);
    const row = await served!.context.db
      .selectFrom('sessions')
      .select('id')
      .where('id', '=', hashToken(before!.value))
      .executeTakeFirst();
    assert.equal(row, undefined, 'the signed-out session is gone from the database');

    // The console is out of reach again: a browser is sent back to sign in.
    await page.goto(url('/console'));
    await page.waitForURL(url('/login?next=%2Fconsole'));
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await page.locator('h1', { hasText: 'Reports' }).count(), 0);
  });

  test('a code already used is refused; the next one is accepted', async () => {
    await signInWithPassword();
    await page.locator('h1', { hasText: 'Enter your code' }).waitFor();
    assert.equal(await page.locator('code.secret').count(), 0, 'an enrolled secret is never shown again');

    await enterCode(firstCode);
    await page
      .getByRole('alert')
      .filter({ hasText: 'That code is not right, or it was already used.' })
      .waitFor();
    assert.equal(page.url(), url('/login/second-factor'));
    assert.equal((await sessionRow())?.mfa_complete, false, 'a replayed code does not complete sign-in');

    // The same as waiting for the authenticator to show its next code.
    served!.clock.advance(TOTP_STEP_SECONDS * 1000);
    const now = served!.clock.now().getTime();
    assert.equal(totpStep(now), firstStep + 1);
    const nextCode = totpAt(secret, now);
    await enterCode(nextCode);
    await page.waitForURL(url('/console'));
    await page.locator('h1', { hasText: 'What needs you now' }).waitFor();
    assert.equal((await sessionRow())?.mfa_complete, true);
    const user = await served!.context.db
      .selectFrom('users')
      .select('totp_last_step')
      .executeTakeFirstOrThrow();
    assert.equal(Number(user.totp_last_step), firstStep + 1);
  });
});
