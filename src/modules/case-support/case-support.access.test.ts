// Need to know on every support route of a case: the case's own legal staff get in; another team's legal
// user gets the same 404 as for a case that does not exist, and changes nothing; staff without the legal
// role (an admin in the case's team included) are refused by role.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { createTestTeam, openTestCase } from '../cases/cases.test-helpers.ts';
import { addAttorney, addFund, getPage, postForm, rawRows } from './case-support.test-helpers.ts';

const CASE_PAGES = ['attorneys', 'bond', 'support-tasks', 'outcome'];

describe(`case support: need to know`, () => {
  let t: TestApp;
  let insider: StaffSession;
  let outsider: StaffSession;
  let teamAdmin: StaffSession;
  let coordinator: StaffSession;
  let caseId: string;
  let forms: Record<string, Record<string, string>>;
  before(async () => {
    t = await createTestApp();
    insider = await createStaffSession(t.context, ['legal']);
    outsider = await createStaffSession(t.context, ['legal']);
    teamAdmin = await createStaffSession(t.context, ['admin']);
    coordinator = await createStaffSession(t.context, ['coordinator']);
    const teamId = await createTestTeam(t.context, 'Inside', [insider.userId, teamAdmin.userId]);
    await createTestTeam(t.context, 'Outside', [outsider.userId]);
    caseId = (await openTestCase(t.context, insider.userId, { teamId })).id;
    const attorneyId = await addAttorney(t.context, insider.userId, {
      name: 'Access Attorney',
      languages: ['es'],
      capacity: 5,
    });
    const fundId = await addFund(t.context, insider.userId, 'Access fund', 1_000_000);
    forms = {
      attorney: { attorney_id: attorneyId },
      'attorney/end': {},
      bond: { eligibility: 'eligible', amount: '5000', set_by: 'ice' },
      'bond/payments': { fund_id: fundId, amount: '5000', occurred_on: '2026-12-01', receipt: 'R-1' },
      'support-tasks': { kind: 'food', assignee_id: outsider.userId, due_on: '2026-12-05' },
      outcome: { outcome: 'removed', outcome_on: '2026-12-09' },
    };
  });
  after(async () => t.close());

  test('another team’s legal user: 404 on every page and form of the case, and nothing changes', async () => {
    const before = await Promise.all(
      ['cases', 'case_events', 'case_attorney_assignments', 'bond_fund_entries', 'case_support_tasks'].map(
        (table) => rawRows(t.context, table),
      ),
    );
    for (const page of CASE_PAGES) {
      const res = await getPage(t.app, outsider, `/console/cases/${caseId}/${page}`);
      assert.equal(res.statusCode, 404, page);
      assert.ok(!res.body.includes('García'), `${page} shows nothing of the case`);
    }
    for (const [path, fields] of Object.entries(forms)) {
      const res = await postForm(t.app, outsider, `/console/cases/${caseId}/${path}`, fields);
      assert.equal(res.statusCode, 404, path);
    }
    const afterwards = await Promise.all(
      ['cases', 'case_events', 'case_attorney_assignments', 'bond_fund_entries', 'case_support_tasks'].map(
        (table) => rawRows(t.context, table),
      ),
    );
    assert.deepEqual(afterwards, before);
    const unknown = await getPage(t.app, insider, '/console/cases/00000000-0000-4000-8000-000000000000/bond');
    assert.equal(unknown.statusCode, 404, 'the same answer as a case that does not exist');
  });

  test('staff without the legal role are refused by role, even in the case’s team', async () => {
    for (const session of [teamAdmin, coordinator]) {
      for (const page of CASE_PAGES) {
        const res = await getPage(t.app, session, `/console/cases/${caseId}/${page}`);
        assert.equal(res.statusCode, 403, page);
      }
      const res = await postForm(t.app, session, `/console/cases/${caseId}/outcome`, forms.outcome!);
      assert.equal(res.statusCode, 403);
      assert.equal((await getPage(t.app, session, '/console/my-tasks')).statusCode, 403);
    }
  });

  test('an id that is not a UUID is a 404 on every directory, fund and task route, never a 500', async () => {
    for (const bad of ['not-a-uuid', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', "1'or'1"]) {
      const id = encodeURIComponent(bad);
      for (const path of [`/console/attorneys/${id}`, `/console/bond-funds/${id}`]) {
        assert.equal((await getPage(t.app, insider, path)).statusCode, 404, path);
      }
      for (const [path, fields] of [
        [`/console/attorneys/${id}`, { name: 'A', languages: 'es', capacity: '3' }],
        [`/console/attorneys/${id}/archive`, {}],
        [`/console/attorneys/${id}/restore`, {}],
        [`/console/bond-funds/${id}/deposits`, { amount: '100', occurred_on: '2026-12-01' }],
        [`/console/bond-funds/${id}/deposits`, {}],
        [`/console/support-tasks/${id}/status`, { status: 'done' }],
      ] as const) {
        const res = await postForm(t.app, insider, path, fields);
        assert.equal(res.statusCode, 404, `${path} ${JSON.stringify(fields)}`);
      }
    }
  });

  test('the case’s own legal staff open every page; a form without its token is refused', async () => {
    for (const page of CASE_PAGES) {
      const res = await getPage(t.app, insider, `/console/cases/${caseId}/${page}`, 'es');
      assert.equal(res.statusCode, 200, page);
      // Every page of a case leads back to the case.
      assert.match(res.body, new RegExp(`href="/console/cases/${caseId}"`));
    }
    const forged = await t.app.inject({
      method: 'POST',
      url: `/console/cases/${caseId}/outcome`,
      headers: {
        cookie: insider.cookie,
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams(forms.outcome).toString(),
    });
    assert.equal(forged.statusCode, 403);
    const row = await t.context.db
      .selectFrom('cases')
      .select('outcome_ciphertext')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    assert.equal(row.outcome_ciphertext, null);
  });
});
