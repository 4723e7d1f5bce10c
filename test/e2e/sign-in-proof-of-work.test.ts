// Journey: a connection that failed to sign in to an account three times is asked for a proof of work. The
// page's own script solves it while the person types, and the right password then gets in; at a phone's width
// and a desktop's, in English and Spanish, with no axe-core violations. Without JavaScript the page says what
// to do instead, and the password is not tried.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { insertEnrolledUser, type TestUser } from '../../src/modules/auth/auth.testing.ts';
import { hashPassword } from '../../src/modules/auth/passwords.ts';
import { axeViolations, closeAll, launchBrowser, serveApp, WAIT_MS, type ServedApp } from './browser.ts';

const PASSWORD = 'correct horse battery staple lantern';
const SHOTS = process.env.AMPARO_SCREENSHOTS_DIR;

const WORDS = {
  en: {
    signIn: 'Sign in',
    intro: 'Several sign-ins to this account have failed',
    noJs: 'That check needs JavaScript',
  },
  es: {
    signIn: 'Entrar',
    intro: 'Varios intentos de entrar en esta cuenta fallaron',
    noJs: 'Esa comprobación necesita JavaScript',
  },
} as const;

describe('sign-in asks a failing connection for a proof of work', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let passwordHash: string;

  before(async () => {
    browser = await launchBrowser();
    served = await serveApp();
    passwordHash = await hashPassword(PASSWORD);
    if (SHOTS) await mkdir(SHOTS, { recursive: true });
  });
  after(async () => closeAll(browser, served));

  async function newUser(): Promise<TestUser> {
    // Each journey starts a fresh minute, so the per-client rate limit on POST /login stays out of it.
    served!.clock.advance(61_000);
    return insertEnrolledUser(served!.context, { roles: ['dispatcher'], password: PASSWORD, passwordHash });
  }

  async function failThreeTimes(page: Page, user: TestUser, lang: 'en' | 'es'): Promise<void> {
    await page.goto(`${served!.baseUrl}/login`);
    for (let i = 0; i < 3; i++) {
      await page.locator('#email').fill(user.email);
      await page.locator('#password').fill(`wrong password ${i}`);
      await page.getByRole('button', { name: WORDS[lang].signIn }).click();
      await page.waitForLoadState('load');
    }
  }

  for (const lang of ['en', 'es'] as const) {
    for (const viewport of [
      { width: 375, height: 812 },
      { width: 1440, height: 900 },
    ]) {
      test(`${lang} at ${viewport.width}px: the script solves the proof and the right password gets in`, async () => {
        const user = await newUser();
        const context = await browser!.newContext({ locale: lang === 'en' ? 'en-US' : 'es-US', viewport });
        context.setDefaultTimeout(WAIT_MS);
        const page = await context.newPage();
        await failThreeTimes(page, user, lang);
        await page.getByText(WORDS[lang].intro).waitFor();
        assert.equal(await page.locator('form[data-challenge]').count(), 1);
        assert.equal(await page.locator('#email').inputValue(), user.email, 'the email typed comes back');
        if (SHOTS)
          await page.screenshot({
            path: `${SHOTS}/sign-in-proof-${lang}-${viewport.width}.png`,
            fullPage: true,
          });
        assert.deepEqual(await axeViolations(page), []);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(scrollWidth <= viewport.width, `no sideways scrolling (${scrollWidth}px)`);

        await page.locator('#password').fill(PASSWORD);
        await page.getByRole('button', { name: WORDS[lang].signIn }).click();
        await page.waitForURL(`${served!.baseUrl}/login/second-factor`);
        await context.close();
      });
    }

    test(`${lang} without JavaScript: the page says what to do, and the password is not tried`, async () => {
      const user = await newUser();
      const context = await browser!.newContext({
        locale: lang === 'en' ? 'en-US' : 'es-US',
        viewport: { width: 375, height: 812 },
        javaScriptEnabled: false,
      });
      context.setDefaultTimeout(WAIT_MS);
      const page = await context.newPage();
      await failThreeTimes(page, user, lang);
      await page.locator('#password').fill(PASSWORD);
      await page.getByRole('button', { name: WORDS[lang].signIn }).click();
      await page.waitForLoadState('load');
      assert.equal(new URL(page.url()).pathname, '/login', 'still on the sign-in page');
      await page.locator('p.notice:visible', { hasText: WORDS[lang].noJs }).waitFor();
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/sign-in-proof-${lang}-nojs.png`, fullPage: true });
      await context.close();
    });
  }
});
