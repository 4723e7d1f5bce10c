// The route × role matrix: every registered route, requested as an anonymous visitor and as a staff member of
// each role, must allow exactly whom this table says. The table is written here by hand, independently of
// the policy files, and must list every route the app registers: a new route without a row fails the test.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ROLES, type Role } from '../../src/db/schema.ts';
import { routesOf } from '../../src/http/app.ts';
import { createStaffSession } from '../support/staff.ts';
import { createTestApp, type TestApp } from '../support/test-context.ts';

/** 'twilio': Twilio's webhooks, which refuse everyone (staff included) without a valid signature. */
type Allowed = 'public' | 'twilio' | readonly Role[];
const EVERY_STAFF_ROLE: readonly Role[] = ROLES;
const REPORT_TRIAGE: readonly Role[] = ['admin', 'coordinator', 'dispatcher'];
const ADMIN: readonly Role[] = ['admin'];

const EXPECTED: Record<string, Allowed> = {
  'GET /healthz': 'public',
  'GET /api/openapi.json': 'public',
  'GET /assets/:name': 'public',
  'GET /assets/map/:name': 'public',
  'GET /favicon.ico': 'public',
  'GET /': 'public',
  'GET /rights': 'public',
  'GET /report': 'public',
  'POST /report': 'public',
  'GET /report/received': 'public',
  'GET /alerts': 'public',
  'POST /alerts': 'public',
  'GET /alerts/confirm': 'public',
  'POST /alerts/confirm': 'public',
  'GET /login': 'public',
  'POST /login': 'public',
  'GET /login/second-factor': 'public',
  'POST /login/second-factor': 'public',
  'GET /setup/:token': 'public',
  'POST /setup/:token': 'public',
  'GET /invite/:token': 'public',
  'POST /invite/:token': 'public',
  'POST /logout': EVERY_STAFF_ROLE,
  'GET /console/account': EVERY_STAFF_ROLE,
  'POST /console/account/sign-out-everywhere': EVERY_STAFF_ROLE,
  'GET /console/users': ADMIN,
  'POST /console/users/invite': ADMIN,
  'POST /console/users/:id/roles': ADMIN,
  'POST /console/users/:id/revoke-sessions': ADMIN,
  'POST /console/users/:id/disable': ADMIN,
  'POST /console/users/:id/enable': ADMIN,
  'POST /console/users/access-requests/:id/approve': ADMIN,
  'POST /console/users/access-requests/:id/refuse': ADMIN,
  'POST /console/users/invites/:id/revoke': ADMIN,
  'POST /console/users/invites/:id/resend': ADMIN,
  // The home page: every staff member, each seeing the panels of the roles they hold.
  'GET /console': EVERY_STAFF_ROLE,
  'GET /console/reports': REPORT_TRIAGE,
  'GET /console/reports/events': REPORT_TRIAGE,
  'GET /console/reports/:id': REPORT_TRIAGE,
  'GET /console/reports/:id/photo': REPORT_TRIAGE,
  'POST /console/reports/:id/status': REPORT_TRIAGE,
  'GET /console/outbox': ['admin', 'coordinator', 'dispatcher', 'legal'],
  // Operations: readers see the list and pages (legal staff only their teams' operations, checked per object);
  // coordinators and admins open, close and reopen them; dependents are recorded by those who may see them.
  'GET /console/operations': ['admin', 'coordinator', 'dispatcher', 'legal'],
  'GET /console/operations/new': ['admin', 'coordinator'],
  'POST /console/operations': ['admin', 'coordinator'],
  'GET /console/operations/:id': ['admin', 'coordinator', 'dispatcher', 'legal'],
  'GET /console/operations/:id/worklist': ['admin', 'coordinator', 'dispatcher', 'legal'],
  'POST /console/operations/:id/close': ['admin', 'coordinator'],
  'POST /console/operations/:id/reopen': ['admin', 'coordinator'],
  'POST /console/operations/:id/dependents': ['admin', 'coordinator', 'legal'],
  'POST /console/operations/:id/dependents/:dependentId/caregiver': ['admin', 'coordinator', 'legal'],
  'GET /console/operations/:id/export.csv': ['admin', 'coordinator', 'dispatcher', 'legal'],
  'GET /console/operations/:id/export.json': ['admin', 'coordinator', 'dispatcher', 'legal'],
  'POST /webhooks/twilio/voice': 'twilio',
  'POST /webhooks/twilio/voice/language': 'twilio',
  'POST /webhooks/twilio/voice/menu': 'twilio',
  'POST /webhooks/twilio/voice/site': 'twilio',
  'POST /webhooks/twilio/voice/connect': 'twilio',
  'POST /webhooks/twilio/voice/dial-result': 'twilio',
  'POST /webhooks/twilio/voice/screen': 'twilio',
  'POST /webhooks/twilio/voice/screen-result': 'twilio',
  'POST /webhooks/twilio/voice/recorded': 'twilio',
  'POST /webhooks/twilio/status': 'twilio',
  'POST /webhooks/twilio/sms': 'twilio',
  'POST /webhooks/twilio/message-status': 'twilio',
  'GET /console/provider-copies': ADMIN,
  'POST /console/provider-copies/retry': ADMIN,
  // Evidence packets and legal holds: legal staff, and then only through a case linked to the incident
  // (checked per incident or case: 404 otherwise). The signing key's public half: admins and legal.
  'GET /console/incidents/:id/packet': ['legal'],
  'POST /console/incidents/:id/packet': ['legal'],
  'POST /console/incidents/:id/packet/holds': ['legal'],
  'GET /console/cases/:id/packet': ['legal'],
  'POST /console/cases/:id/packet': ['legal'],
  'POST /console/cases/:id/packet/holds': ['legal'],
  'POST /console/holds/:id/lift': ['legal'],
  'GET /console/signing-key': ['admin', 'legal'],
  'GET /console/hotline/simulator': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/hotline/simulator': ['admin', 'coordinator', 'dispatcher'],
  // Legal may reach the route; a family's message about a detained relative plays only for the legal
  // intake team or the task's assignee, any other voicemail for report readers (checked per report).
  'GET /console/reports/:id/recording': ['admin', 'coordinator', 'dispatcher', 'legal'],
  // Follow-ups belong to the legal intake team (which tasks a legal user sees is checked per task).
  'GET /console/followups': ['legal'],
  'POST /console/followups/:id/done': ['legal'],
  // Only the intake team assigns a follow-up (checked per request).
  'POST /console/followups/:id/assign': ['legal'],
  'GET /console/profile': EVERY_STAFF_ROLE,
  'POST /console/profile': EVERY_STAFF_ROLE,
  'GET /console/roster': ['admin', 'coordinator', 'dispatcher'],
  'GET /console/incidents/:id/dispatch': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/incidents/:id/dispatch': ['admin', 'coordinator', 'dispatcher'],
  // Calling out responders in the area: those who dispatch, never a responder or the legal team.
  'POST /console/incidents/:id/callout': ['admin', 'coordinator', 'dispatcher'],
  // Which dispatch a responder may open, answer or verify (only their own) is checked per dispatch.
  // The observation log: every role passes the gate; then, per incident, the people sent to it read and write,
  // the board's roles and legal staff with a linked case read, the rest get 404 (src/modules/observations tests).
  'GET /console/incidents/:id/log': EVERY_STAFF_ROLE,
  'POST /console/incidents/:id/log': EVERY_STAFF_ROLE,
  'GET /console/incidents/:id/log/:entryId/edit': EVERY_STAFF_ROLE,
  'POST /console/incidents/:id/log/:entryId': EVERY_STAFF_ROLE,
  'GET /console/dispatches/:id': ['admin', 'coordinator', 'dispatcher', 'responder'],
  'GET /console/dispatches/:id/photo': ['admin', 'coordinator', 'dispatcher', 'responder'],
  'POST /console/dispatches/:id': ['responder'],
  'POST /console/dispatches/:id/answer': ['responder'],
  // Standing a responder down: dispatchers only, never the responder themselves.
  'POST /console/dispatches/:id/cancel': ['admin', 'coordinator', 'dispatcher'],
  'GET /console/incidents': ['admin', 'coordinator', 'dispatcher'],
  'GET /console/incidents/events': ['admin', 'coordinator', 'dispatcher'],
  'GET /console/incidents/new': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/incidents': ['admin', 'coordinator', 'dispatcher'],
  'GET /console/incidents/:id': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/incidents/:id/reports': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/incidents/:id/status': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/incidents/:id/merge': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/incidents/:id/split': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/incidents/:id/place': ['admin', 'coordinator', 'dispatcher'],
  'GET /console/map/tiles.pmtiles': ['admin', 'coordinator', 'dispatcher'],
  // Community alerts: the hotline's staff compose, approve and watch; only coordinators (and admins) aim one
  // beyond its default area. That a composer cannot approve their own alert is checked per alert.
  'GET /console/alerts': ['admin', 'coordinator', 'dispatcher'],
  'GET /console/alerts/new': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/alerts': ['admin', 'coordinator', 'dispatcher'],
  'GET /console/incidents/:id/alerts/new': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/incidents/:id/alerts': ['admin', 'coordinator', 'dispatcher'],
  'GET /console/alerts/:id': ['admin', 'coordinator', 'dispatcher'],
  'GET /console/alerts/:id/events': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/alerts/:id/edit': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/alerts/:id/targeting': ['admin', 'coordinator'],
  'POST /console/alerts/:id/approve': ['admin', 'coordinator', 'dispatcher'],
  'POST /console/alerts/:id/cancel': ['admin', 'coordinator', 'dispatcher'],
  // Cases: the legal team only, and per case only its assignees and its team (404 to anyone else, tested in
  // src/modules/cases/cases.routes.test.ts). Admins manage teams but never see a case unless they hold legal.
  'GET /console/cases': ['legal'],
  'GET /console/cases/new': ['legal'],
  'POST /console/cases': ['legal'],
  'GET /console/cases/quick': ['legal'],
  'POST /console/cases/quick': ['legal'],
  'GET /console/cases/roster': ['legal'],
  'POST /console/cases/roster': ['legal'],
  'POST /console/cases/roster/import': ['legal'],
  // A family's hotline message moved into a case: whoever may open the case (checked per case).
  'GET /console/cases/:id/hotline/:sub': ['legal'],
  // Only the coordinator of legal intake marks a duplicate check done (checked per request).
  'POST /console/cases/duplicate-checks/:id/done': ['legal'],
  'GET /console/cases/:id': ['legal'],
  'GET /console/cases/:id/locating': ['legal'],
  'GET /console/cases/:id/hearings': ['legal'],
  'GET /console/cases/:id/support': ['legal'],
  'GET /console/cases/:id/timeline': ['legal'],
  'GET /console/cases/:id/edit': ['legal'],
  'POST /console/cases/:id/edit': ['legal'],
  'GET /console/cases/:id/contacts/new': ['legal'],
  'POST /console/cases/:id/contacts': ['legal'],
  'POST /console/cases/:id/contacts/:sub/remove': ['legal'],
  'POST /console/cases/:id/contacts/:sub/status-code': ['legal'],
  'POST /console/cases/:id/contacts/:sub/status-code/revoke': ['legal'],
  'POST /console/cases/:id/assignees': ['legal'],
  'POST /console/cases/:id/assignees/:sub/remove': ['legal'],
  'POST /console/cases/:id/team': ['legal'],
  'POST /console/cases/:id/close': ['legal'],
  'POST /console/cases/:id/reopen': ['legal'],
  'POST /console/cases/:id/merge': ['legal'],
  'GET /console/cases/:id/export.pdf': ['legal'],
  'GET /console/cases/:id/export.json': ['legal'],
  'GET /console/teams': ADMIN,
  'POST /console/teams': ADMIN,
  'GET /console/teams/:id': ADMIN,
  'POST /console/teams/:id/members': ADMIN,
  'POST /console/teams/:id/members/:sub/remove': ADMIN,
  'POST /console/teams/:id/requests/:sub/approve': ADMIN,
  'POST /console/teams/:id/requests/:sub/refuse': ADMIN,
  'POST /console/teams/:id/intake': ADMIN,
  // The facility directory is not case data: the legal team keeps it with coordinators and admins.
  'GET /console/facilities': ['admin', 'coordinator', 'legal'],
  'POST /console/facilities': ['admin', 'coordinator', 'legal'],
  'POST /console/facilities/import': ['admin', 'coordinator', 'legal'],
  'GET /console/facilities/:id': ['admin', 'coordinator', 'legal'],
  'POST /console/facilities/:id': ['admin', 'coordinator', 'legal'],
  'POST /console/facilities/:id/delete': ['admin', 'coordinator', 'legal'],
  // Case tracking: legal only, and per case only its assignees and team (404 to anyone else, tested in
  // src/modules/case-tracking/case-tracking.test.ts). The checks-due list shows only such cases.
  'GET /console/cases/checks-due': ['legal'],
  'POST /console/cases/:id/locator-checks': ['legal'],
  'POST /console/cases/:id/facility': ['legal'],
  'POST /console/cases/:id/hearings': ['legal'],
  'GET /console/cases/:id/hearings/:hearingId': ['legal'],
  'POST /console/cases/:id/hearings/:hearingId': ['legal'],
  // The locator worklist (issue 16): legal staff and coordinators open it, but it lists only the cases the
  // person may open (a coordinator without legal sees none); results and releases are legal only, per case.
  'GET /console/locating': ['coordinator', 'legal'],
  'POST /console/locating/:id': ['legal'],
  'GET /console/cases/:id/release': ['legal'],
  'POST /console/cases/:id/release': ['legal'],
  // Case support. The attorney directory and the bond funds are not case data: the legal team keeps them with
  // coordinators and admins (a fund's ledger names a case only to legal staff who may open it). Everything on
  // a case, and "my tasks", is the legal team's, per case only its assignees and team (404 to anyone else,
  // tested in src/modules/case-support/case-support.access.test.ts).
  'GET /console/attorneys': ['admin', 'coordinator', 'legal'],
  'GET /console/attorneys/new': ['admin', 'coordinator', 'legal'],
  'POST /console/attorneys': ['admin', 'coordinator', 'legal'],
  'GET /console/attorneys/:id': ['admin', 'coordinator', 'legal'],
  'POST /console/attorneys/:id': ['admin', 'coordinator', 'legal'],
  'POST /console/attorneys/:id/archive': ['admin', 'coordinator', 'legal'],
  'POST /console/attorneys/:id/restore': ['admin', 'coordinator', 'legal'],
  'GET /console/bond-funds': ['admin', 'coordinator', 'legal'],
  'POST /console/bond-funds': ['admin', 'coordinator', 'legal'],
  'GET /console/bond-funds/:id': ['admin', 'coordinator', 'legal'],
  'POST /console/bond-funds/:id/deposits': ['admin', 'coordinator', 'legal'],
  'GET /console/cases/:id/attorneys': ['legal'],
  'POST /console/cases/:id/attorney': ['legal'],
  'POST /console/cases/:id/attorney/end': ['legal'],
  'GET /console/cases/:id/bond': ['legal'],
  'POST /console/cases/:id/bond': ['legal'],
  'POST /console/cases/:id/bond/payments': ['legal'],
  'GET /console/cases/:id/support-tasks': ['legal'],
  'POST /console/cases/:id/support-tasks': ['legal'],
  'POST /console/support-tasks/:id/status': ['legal'],
  'GET /console/my-tasks': ['legal'],
  'GET /console/cases/:id/outcome': ['legal'],
  'POST /console/cases/:id/outcome': ['legal'],
  // Evidence (media): responders and legal observers add; seeing is open to every role at the door and decided
  // per incident (a dispatch there, a linked case, or AMPARO_EVIDENCE_MEDIA_FOR_DISPATCH): 404 to anyone else,
  // tested in src/modules/evidence/evidence.test.ts. tus's HEAD shares the PATCH's declaration.
  'GET /assets/evidence/tus.min.js': 'public',
  'GET /console/incidents/:id/evidence': EVERY_STAFF_ROLE,
  'POST /console/incidents/:id/evidence': ['responder', 'legal'],
  'POST /console/incidents/:id/evidence/uploads': ['responder', 'legal'],
  'PATCH /console/incidents/:id/evidence/uploads/:uploadId': ['responder', 'legal'],
  'DELETE /console/incidents/:id/evidence/uploads/:uploadId': ['responder', 'legal'],
  'GET /console/evidence/:id': EVERY_STAFF_ROLE,
  'GET /console/evidence/:id/view': EVERY_STAFF_ROLE,
  'POST /console/evidence/:id/download': EVERY_STAFF_ROLE,
};

function fillParams(url: string): string {
  return url.replace(':id', randomUUID()).replace(':token', 'A'.repeat(43)).replace(':name', 'amparo.css');
}

type Verdict = 'allowed' | 'unauthenticated' | 'forbidden';

describe(`route × role matrix`, () => {
  let t: TestApp;
  let baseUrl: string;
  before(async () => {
    t = await createTestApp({ env: { AMPARO_PUBLIC_RATE_LIMIT: '1000' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => t.close());

  test('the table lists exactly the routes the app registers', () => {
    const registered = routesOf(t.app)
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    assert.deepEqual(registered, Object.keys(EXPECTED).sort());
  });

  async function request(method: string, url: string, role: Role | null): Promise<Verdict> {
    const session = role ? await createStaffSession(t.context, [role]) : undefined;
    const controller = new AbortController();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (session) headers.cookie = session.cookie;
    let body: string | undefined;
    if (method === 'POST') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams({ _csrf: session?.csrfToken ?? 'none' }).toString();
    }
    const res = await fetch(`${baseUrl}${fillParams(url)}`, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: controller.signal,
    });
    // The live event stream never ends by itself: its headers are the answer.
    const text = res.headers.get('content-type')?.startsWith('text/event-stream') ? '' : await res.text();
    controller.abort();
    assert.ok(res.status < 500, `${method} ${url} as ${role ?? 'anonymous'} answered ${res.status}`);
    const code = /"code":"(\w+)"/.exec(text)?.[1];
    if (res.status === 401 && code === 'unauthenticated') return 'unauthenticated';
    if (res.status === 403 && code === 'forbidden') return 'forbidden';
    return 'allowed';
  }

  for (const [route, allowed] of Object.entries(EXPECTED)) {
    test(route, async () => {
      const [method, url] = route.split(' ') as [string, string];
      if (allowed === 'twilio') {
        assert.equal(await request(method, url, null), 'forbidden', 'anonymous, unsigned');
        for (const role of ROLES) assert.equal(await request(method, url, role), 'forbidden', role);
        return;
      }
      assert.equal(
        await request(method, url, null),
        allowed === 'public' ? 'allowed' : 'unauthenticated',
        'anonymous',
      );
      for (const role of ROLES) {
        const expected: Verdict = allowed === 'public' || allowed.includes(role) ? 'allowed' : 'forbidden';
        assert.equal(await request(method, url, role), expected, role);
      }
    });
  }
});
