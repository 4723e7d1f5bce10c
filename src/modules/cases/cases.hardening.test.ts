// Every route of the case modules (cases, case tracking, case support: cases, teams, facilities, attorneys,
// bond funds, tasks), walked from the app's own route list so a new route is covered without editing this
// file: a form posted without its CSRF token is refused, and an id in the URL that is not a UUID (or names
// nothing) is answered as bad input, never with a 500 or a stack trace.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { routesOf, type DeclaredRoute } from '../../http/app.ts';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { createTestTeam, openTestCase } from './cases.test-helpers.ts';

const CASE_MODULE_PREFIXES = [
  '/console/cases',
  '/console/teams',
  '/console/facilities',
  '/console/attorneys',
  '/console/bond-funds',
  '/console/support-tasks',
  '/console/my-tasks',
];

const BAD_IDS = [
  'not-a-uuid',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  "1'or'1",
  '00000000-0000-4000-8000-000000000000',
];

function caseModuleRoutes(t: TestApp): DeclaredRoute[] {
  return routesOf(t.app).filter((route) =>
    CASE_MODULE_PREFIXES.some((prefix) => route.url.startsWith(prefix)),
  );
}

/** The route's URL with every parameter filled in. */
function fill(url: string, id: string, sub: string): string {
  return url.replace(/:id/g, encodeURIComponent(id)).replace(/:(sub|hearingId)/g, encodeURIComponent(sub));
}

describe(`case modules: CSRF and malformed ids on every route`, () => {
  let t: TestApp;
  let legal: StaffSession;
  let caseId: string;
  before(async () => {
    t = await createTestApp();
    // Every role that reaches some of these routes, so no route is refused by role before it is tried.
    legal = await createStaffSession(t.context, ['legal', 'admin', 'coordinator']);
    const teamId = await createTestTeam(t.context, 'Hardening', [legal.userId]);
    caseId = (await openTestCase(t.context, legal.userId, { teamId })).id;
  });
  after(async () => t.close());

  test('there are case module routes to walk', () => {
    const routes = caseModuleRoutes(t);
    assert.ok(routes.filter((r) => r.method === 'POST').length >= 30, `${routes.length} routes`);
  });

  test('every POST without its CSRF token is refused with a 403', async () => {
    const accepted: string[] = [];
    for (const route of caseModuleRoutes(t).filter((r) => r.method === 'POST')) {
      const url = fill(route.url, caseId, caseId);
      // The CSV imports read their multipart body themselves: they get a multipart form with a file and no token.
      const multipart = route.url === '/console/facilities/import' || route.url === '/console/cases/roster';
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: {
          cookie: legal.cookie,
          accept: 'text/html',
          'content-type': multipart ? 'multipart/form-data; boundary=b' : 'application/x-www-form-urlencoded',
        },
        payload: multipart
          ? '--b\r\ncontent-disposition: form-data; name="file"; filename="f.csv"\r\n' +
            'content-type: text/csv\r\n\r\nname\r\nForged Facility\r\n--b--\r\n'
          : 'name=x&status=done&outcome=removed&user_id=' + legal.userId,
      });
      if (res.statusCode !== 403) accepted.push(`${route.url} -> ${res.statusCode}`);
    }
    assert.deepEqual(accepted, []);
    const forged = await t.context.db
      .selectFrom('facilities')
      .select('id')
      .where('name', '=', 'Forged Facility')
      .execute();
    assert.deepEqual(forged, []);
  });

  test('an id that is not a UUID, or names nothing, is never a 500 or a stack trace', async () => {
    const failures: string[] = [];
    for (const route of caseModuleRoutes(t)) {
      if (!route.url.includes(':')) continue;
      for (const bad of BAD_IDS) {
        for (const url of new Set([fill(route.url, bad, bad), fill(route.url, caseId, bad)])) {
          const res =
            route.method === 'POST'
              ? await t.app.inject({
                  method: 'POST',
                  url,
                  headers: {
                    cookie: legal.cookie,
                    accept: 'text/html',
                    'content-type': 'application/x-www-form-urlencoded',
                  },
                  payload: new URLSearchParams({
                    _csrf: legal.csrfToken,
                    status: 'done',
                    attorney_id: bad,
                    fund_id: bad,
                    user_id: bad,
                    team_id: bad,
                    other: bad,
                    keep: 'this',
                    amount: '100',
                    occurred_on: '2026-12-01',
                  }).toString(),
                })
              : await t.app.inject({ url, headers: { cookie: legal.cookie, accept: 'text/html' } });
          if (res.statusCode >= 500 || /\.ts:\d+/.test(res.body))
            failures.push(`${route.method} ${url} -> ${res.statusCode}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });
});
