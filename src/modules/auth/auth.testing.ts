// Test helpers for the auth module: a cookie-keeping browser over app.inject(), and ways to make accounts
// without going through the (slow, argon2) pages when a test is about something else.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { Role } from '../../db/schema.ts';
import { base32Decode, generateTotpSecret, totpAt } from './totp.ts';
import { auditActionsInOrder } from '../audit/audit.queries.ts';
import { userEmailField, userEmailIndex } from './users.queries.ts';

export interface Page {
  status: number;
  body: string;
  location: string | undefined;
  setCookies: { name: string; value: string; [attribute: string]: unknown }[];
}

/** Keeps cookies between requests like a browser does, and sends forms the way a browser sends them. */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly #app: FastifyInstance;
  readonly #remoteAddress: string;

  constructor(app: FastifyInstance, remoteAddress = '127.0.0.1') {
    this.#app = app;
    this.#remoteAddress = remoteAddress;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(url: string): Promise<Page> {
    return this.#send('GET', url);
  }

  async post(url: string, form: Record<string, string | string[]>): Promise<Page> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form)) {
      for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
    }
    return this.#send('POST', url, body.toString());
  }

  async #send(method: 'GET' | 'POST', url: string, payload?: string): Promise<Page> {
    const response = await this.#app.inject({
      method,
      url,
      remoteAddress: this.#remoteAddress,
      headers: {
        accept: 'text/html',
        cookie: this.cookieHeader(),
        ...(payload !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(payload !== undefined ? { payload } : {}),
    });
    const setCookies = response.cookies as Page['setCookies'];
    for (const cookie of setCookies) {
      const expires = cookie.expires instanceof Date ? cookie.expires.getTime() : undefined;
      if (cookie.value === '' || cookie.maxAge === 0 || (expires !== undefined && expires <= Date.now())) {
        this.cookies.delete(cookie.name);
      } else {
        this.cookies.set(cookie.name, cookie.value);
      }
    }
    const location = response.headers.location;
    return {
      status: response.statusCode,
      body: response.body,
      location: typeof location === 'string' ? location : undefined,
      setCookies,
    };
  }
}

export function csrfFrom(page: Page): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page.body);
  assert.ok(match, `no CSRF token on the page (status ${page.status})`);
  return match[1]!;
}

export function secretFrom(page: Page): string {
  const match = /data-secret="([A-Z2-7]+)"/.exec(page.body);
  assert.ok(match, 'no TOTP secret on the page');
  return match[1]!;
}

export function codeFor(context: AppContext, secret: string, offsetMs = 0): string {
  return totpAt(base32Decode(secret), context.clock.now().getTime() + offsetMs);
}

/** Email and password through /login; returns the page /login/second-factor shows. */
export async function passwordStep(
  browser: Browser,
  email: string,
  password: string,
  next?: string,
): Promise<Page> {
  const form = await browser.get(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  assert.equal(form.status, 200);
  const posted = await browser.post('/login', {
    _csrf: csrfFrom(form),
    email,
    password,
    ...(next ? { next } : {}),
  });
  if (posted.status !== 303) return posted;
  assert.match(posted.location ?? '', /^\/login\/second-factor/);
  return browser.get(posted.location!);
}

export async function submitCode(browser: Browser, page: Page, code: string, next?: string): Promise<Page> {
  return browser.post('/login/second-factor', { _csrf: csrfFrom(page), code, ...(next ? { next } : {}) });
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  totpSecret: string;
}

/**
 * Inserts an enrolled user directly. Pass the same passwordHash for several users to hash only once
 * (argon2 at 64 MiB is deliberately slow).
 */
export async function insertEnrolledUser(
  context: AppContext,
  options: { roles: Role[]; password: string; passwordHash: string; email?: string },
): Promise<TestUser> {
  const id = randomUUID();
  const email = options.email ?? `staff-${id.slice(0, 8)}@example.org`;
  const totpSecret = generateTotpSecret();
  const { fields } = context.secrets;
  await context.db
    .insertInto('users')
    .values({
      id,
      email_ciphertext: fields.encrypt(userEmailField(id), email),
      email_index: userEmailIndex(context, email),
      roles: options.roles,
      password_hash: options.passwordHash,
      totp_secret_ciphertext: fields.encrypt(
        { table: 'users', column: 'totp_secret', rowId: id },
        totpSecret,
      ),
      totp_enrolled_at: context.clock.now(),
      totp_last_step: null,
      locked_until: null,
      disabled_at: null,
    })
    .execute();
  return { id, email, password: options.password, totpSecret };
}

/** Signs a user in through the pages (password, then code) and returns the final redirect. */
export async function signIn(
  browser: Browser,
  context: AppContext,
  user: TestUser,
  next?: string,
): Promise<Page> {
  const page = await passwordStep(browser, user.email, user.password, next);
  assert.equal(page.status, 200, 'the password step should lead to the code page');
  return submitCode(browser, page, codeFor(context, user.totpSecret), next);
}

export async function auditActions(context: AppContext): Promise<string[]> {
  return auditActionsInOrder(context.db);
}
