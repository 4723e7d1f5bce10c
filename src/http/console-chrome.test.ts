// What every console page carries around its content: the header (network, who is signed in, sign-out), the
// navigation's current-page mark and counts of what waits on the person, and the notice after a successful action.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadModules } from '../modules/index.ts';
import { saveProfile } from '../modules/staff/staff.service.ts';
import { composeConfirmedActivity, incidentWith } from '../modules/alerts/alerts.test-helpers.ts';
import { postForm } from '../modules/incidents/incidents.test-helpers.ts';
import { openReportForm, postReport, VALID_FIELDS } from '../modules/reports/reports.test-helpers.ts';
import { createStaffSession, type StaffSession } from '../../test/support/staff.ts';
import {
  createTestApp,
  createTestContext,
  type TestApp,
  type TestContext,
} from '../../test/support/test-context.ts';
import { Browser, passwordStep } from '../modules/auth/auth.testing.ts';
import { buildApp } from './app.ts';
import { noticeCookieName } from './console-chrome.ts';

async function page(app: FastifyInstance, session: StaffSession, url: string, extraCookie = '', lang = 'en') {
  return app.inject({
    url,
    headers: {
      accept: 'text/html',
      cookie: extraCookie ? `${session.cookie}; ${extraCookie}` : session.cookie,
      'accept-language': lang,
    },
  });
}

/** The wide bar's entries as "href text [current] [badge]". */
function barEntries(body: string): string[] {
  const bar = /<ul class="nav-bar">([\s\S]*?)<\/ul>/.exec(body);
  assert.ok(bar, 'the page has the navigation bar');
  return [...bar[1]!.matchAll(/<a href="([^"]*)"( aria-current="page")?>([\s\S]*?)<\/a>/g)].map(
    ([, href, current, inner]) => {
      const text = inner!
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim();
      return `${href} ${text}${current ? ' [current]' : ''}`;
    },
  );
}

function setCookieHeaders(res: { headers: Record<string, unknown> }): string[] {
  const value = res.headers['set-cookie'];
  return value === undefined ? [] : [value].flat().map(String);
}

const NOTICE_COOKIE = noticeCookieName(false);

describe('console chrome', () => {
  let t: TestApp;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-chrome-'));
    t = await createTestApp({ env: { AMPARO_DATA_DIR: dataDir, AMPARO_PUBLIC_RATE_LIMIT: '1000' } });
  });
  after(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function submitReport(): Promise<string> {
    const form = await openReportForm(t.app);
    const res = await postReport(t.app, form, VALID_FIELDS);
    assert.equal(res.statusCode, 303, res.body);
    const row = await t.context.db
      .selectFrom('reports')
      .select('id')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  test('the header names the network, the person (display name, else email) and their roles, and signs out', async () => {
    const session = await createStaffSession(t.context, ['dispatcher', 'legal']);
    let res = await page(t.app, session, '/console/account');
    assert.equal(res.statusCode, 200, res.body);
    const header = /<header class="site">([\s\S]*?)<\/header>/.exec(res.body)?.[1] ?? '';
    assert.match(header, new RegExp(`<span class="who-name">${session.email}</span>`));
    assert.match(header, /<span class="who-roles">Dispatcher, Legal<\/span>/);
    assert.match(header, /class="lang"/);

    await saveProfile(t.context, session.userId, {
      displayName: 'Ana Torres',
      phone: null,
      languages: ['es'],
      homeZips: [],
      onShift: false,
    });
    res = await page(t.app, session, '/console/account', '', 'es');
    const esHeader = /<header class="site">([\s\S]*?)<\/header>/.exec(res.body)?.[1] ?? '';
    assert.match(esHeader, /<span class="who-name">Ana Torres<\/span>/);
    assert.doesNotMatch(esHeader, new RegExp(session.email));
    assert.match(esHeader, /Cerrar sesión|Salir/);

    // The header's sign-out form carries a token the sign-out route accepts.
    const token =
      /<form class="sign-out" method="post" action="\/logout">\s*<input type="hidden" name="_csrf" value="([^"]+)"/.exec(
        res.body,
      )?.[1];
    assert.ok(token, 'the header has a sign-out form with a CSRF token');
    const out = await t.app.inject({
      method: 'POST',
      url: '/logout',
      payload: `_csrf=${encodeURIComponent(token)}`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: session.cookie,
        accept: 'text/html',
      },
    });
    assert.equal(out.statusCode, 303, out.body);
    assert.equal(out.headers.location, '/login?signed_out=1');
    const after = await page(t.app, session, '/console/account');
    assert.equal(after.statusCode, 303, 'the session is over');
  });

  test('the navigation marks the current page, a page under an entry, and nothing else', async () => {
    const session = await createStaffSession(t.context, ['legal']);
    const res = await page(t.app, session, '/console/cases/checks-due');
    const current = barEntries(res.body).filter((entry) => entry.endsWith('[current]'));
    assert.deepEqual(current, ['/console/cases/checks-due Locator checks due [current]']);
    // The phone menu says where one is too.
    assert.match(res.body, /<summary>Menu<span class="nav-menu-current">: Locator checks due<\/span>/);
    const account = await page(t.app, session, '/console/account?x=1');
    assert.deepEqual(
      barEntries(account.body).filter((entry) => entry.endsWith('[current]')),
      ['/console/account My account [current]'],
    );
  });

  test('counts: new reports wait on dispatchers, a draft alert on everyone but its composer', async () => {
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const composer = await createStaffSession(t.context, ['dispatcher']);
    const before = barEntries((await page(t.app, dispatcher, '/console/account')).body);
    assert.ok(before.includes('/console/reports Reports'), before.join('\n'));
    assert.ok(before.includes('/console/alerts Alerts'), before.join('\n'));

    await submitReport();
    await submitReport();
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    await composeConfirmedActivity(t.app, composer, incident.id);

    const res = await page(t.app, dispatcher, '/console/account');
    const entries = barEntries(res.body);
    assert.ok(entries.includes('/console/reports Reports 2 (2 waiting)'), entries.join('\n'));
    assert.ok(entries.includes('/console/alerts Alerts 1 (1 waiting)'), entries.join('\n'));
    const es = barEntries((await page(t.app, dispatcher, '/console/account', '', 'es')).body);
    assert.ok(es.includes('/console/alerts Alertas 1 (1 en espera)'), es.join('\n'));

    const own = barEntries((await page(t.app, composer, '/console/account')).body);
    assert.ok(own.includes('/console/alerts Alerts'), 'the composer cannot approve their own draft');
  });

  test('after a successful staff POST the next console page says so, once; a refused POST leaves nothing', async () => {
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const reportId = await submitReport();

    const refused = await postForm(t.app, dispatcher, `/console/reports/${reportId}/status`, {
      status: 'nonsense',
    });
    assert.notEqual(refused.statusCode, 303);
    assert.equal(
      setCookieHeaders(refused).some((c) => c.startsWith(`${NOTICE_COOKIE}=`)),
      false,
      'an error is not flashed as success',
    );

    const done = await postForm(t.app, dispatcher, `/console/reports/${reportId}/status`, { status: 'spam' });
    assert.equal(done.statusCode, 303, done.body);
    const flash = setCookieHeaders(done).find((c) => c.startsWith(`${NOTICE_COOKIE}=`));
    assert.ok(flash, 'the redirect leaves a notice');
    assert.match(flash, /HttpOnly/i);
    assert.match(flash, /SameSite=Strict/i);
    const cookie = flash.split(';')[0]!;

    const shown = await page(t.app, dispatcher, String(done.headers.location), cookie, 'es');
    assert.equal(shown.statusCode, 200, shown.body);
    assert.match(shown.body, /<p class="notice ok" role="status" id="action-notice">Guardado\.<\/p>/);
    const cleared = setCookieHeaders(shown).find((c) => c.startsWith(`${NOTICE_COOKIE}=`));
    assert.ok(cleared, 'the page that showed it clears it');
    assert.match(cleared, /Expires=Thu, 01 Jan 1970|Max-Age=0/i);

    const again = await page(t.app, dispatcher, String(done.headers.location));
    assert.doesNotMatch(again.body, /id="action-notice"/);
  });

  test('a notice cookie naming no message, or one with blanks to fill, shows nothing', async () => {
    const session = await createStaffSession(t.context, ['dispatcher']);
    for (const value of ['no.such_key', 'nav.waiting', '<script>']) {
      const res = await page(
        t.app,
        session,
        '/console/account',
        `${NOTICE_COOKIE}=${encodeURIComponent(value)}`,
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.doesNotMatch(res.body, /id="action-notice"/);
    }
  });
});

describe('a navigation count that fails', () => {
  let t: TestContext;
  let app: FastifyInstance;
  before(async () => {
    t = await createTestContext();
    const modules = await loadModules();
    app = await buildApp(t.context, {
      modules: modules.http,
      principals: modules.principalsFor(t.context),
      navigation: [
        ...modules.navigation,
        {
          href: '/console/broken',
          label: 'cases.nav',
          roles: 'any',
          position: 999,
          count: () => Promise.reject(new Error('count exploded')),
        },
        { href: '/console/three', label: 'alerts.nav', roles: 'any', position: 998, count: async () => 3 },
      ],
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  test('is logged and left out; the page and the other counts still show', async () => {
    const session = await createStaffSession(t.context, ['responder']);
    const res = await page(app, session, '/console/account');
    assert.equal(res.statusCode, 200, res.body);
    const entries = barEntries(res.body);
    assert.ok(entries.includes('/console/broken Cases'), entries.join('\n'));
    assert.ok(entries.includes('/console/three Alerts 3 (3 waiting)'), entries.join('\n'));
    assert.match(t.logs.text, /navigation count failed/);
  });
});

describe('the error summary on real forms', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  test('sign-in: a failed attempt shows the summary, linking to the email field', async () => {
    const browser = new Browser(t.app);
    const res = await passwordStep(browser, 'nobody@example.org', 'not the password at all');
    assert.equal(res.status, 401, res.body);
    const summary = /<div class="error-summary" role="alert"[\s\S]*?<\/div>/.exec(res.body)?.[0] ?? '';
    assert.match(summary, /There is a problem/);
    assert.match(summary, /<a href="#email">/);
    assert.match(res.body, /id="email"/);
  });

  test('profile: each problem links to its field, in the form order', async () => {
    const session = await createStaffSession(t.context, ['responder']);
    const res = await postForm(t.app, session, '/console/profile', {
      display_name: '',
      phone: 'not a phone',
      languages: '',
      home_zips: '',
      on_shift: 'yes',
    });
    assert.equal(res.statusCode, 422, res.body);
    // The form sent back is a console page like any other: the header says who is signed in.
    assert.match(res.body, /<form class="sign-out" method="post" action="\/logout">/);
    const summary = /<div class="error-summary" role="alert"[\s\S]*?<\/div>/.exec(res.body)?.[0] ?? '';
    const targets = [...summary.matchAll(/<a href="#([^"]+)">/g)].map(([, id]) => id!);
    assert.ok(targets.length >= 2, summary);
    assert.deepEqual(
      targets,
      [...targets].sort((a, b) => res.body.indexOf(`id="${a}"`) - res.body.indexOf(`id="${b}"`)),
    );
    for (const id of targets) assert.match(res.body, new RegExp(`id="${id}"`), `#${id} is on the page`);
  });
});
