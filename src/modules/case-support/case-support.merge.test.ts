// Support follows a case through the core's merge (tasks resealed with the kept case's key, payments and the
// attorney moved, the bond and outcome carried over when the kept case has none) and into its export.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { openCaseForStaff } from '../cases/cases.access.ts';
import { mergeCases } from '../cases/cases.merge.ts';
import { openTestCase } from '../cases/cases.test-helpers.ts';
import { assignedAttorneyContact } from './case-support.attorneys.ts';
import { casePayments, readBond } from './case-support.bond.ts';
import { caseTasks } from './case-support.tasks.ts';
import { addAttorney, addFund, getPage, postForm } from './case-support.test-helpers.ts';

describe(`case support: merges and exports`, () => {
  let t: TestApp;
  let legal: StaffSession;
  before(async () => {
    t = await createTestApp();
    legal = await createStaffSession(t.context, ['legal']);
  });
  after(async () => t.close());

  test('merging a duplicate moves its tasks (resealed), payments, attorney and bond into the kept case', async () => {
    // The same person twice (same A-number from the default details): a duplicate to merge.
    const kept = await openTestCase(t.context, legal.userId);
    const merged = await openTestCase(t.context, legal.userId);
    const attorneyId = await addAttorney(t.context, legal.userId, {
      name: 'Merge Attorney',
      languages: ['Spanish'],
      capacity: 4,
    });
    const fundId = await addFund(t.context, legal.userId, 'Merge fund', 900_000);
    await postForm(t.app, legal, `/console/cases/${merged.id}/attorney`, { attorney_id: attorneyId });
    await postForm(t.app, legal, `/console/cases/${merged.id}/bond`, {
      eligibility: 'eligible',
      amount: '4000',
      set_by: 'ice',
    });
    await postForm(t.app, legal, `/console/cases/${merged.id}/bond/payments`, {
      fund_id: fundId,
      amount: '4000',
      occurred_on: '2026-12-01',
      receipt: 'R-MERGE',
    });
    await postForm(t.app, legal, `/console/cases/${merged.id}/support-tasks`, {
      kind: 'transport',
      assignee_id: legal.userId,
      due_on: '2026-12-12',
      notes: 'Ride to the detention center',
    });

    const result = await mergeCases(
      t.context,
      { userId: legal.userId, roles: ['legal'] },
      { keepId: kept.id, mergeId: merged.id },
    );
    assert.equal(result.outcome, 'merged');

    const opened = await openCaseForStaff(t.context, { userId: legal.userId, roles: ['legal'] }, kept.id);
    const tasks = await caseTasks(t.context, opened);
    assert.deepEqual(
      tasks.map((task) => [task.kind, task.notes]),
      [['transport', 'Ride to the detention center']],
      'the notes open with the kept case’s key',
    );
    assert.deepEqual(readBond(opened), {
      eligibility: 'eligible',
      amountCents: 400_000,
      setBy: 'ice',
      hearingDate: null,
    });
    assert.equal((await assignedAttorneyContact(t.context, kept.id))?.name, 'Merge Attorney');
    const payment = await t.context.db
      .selectFrom('bond_fund_entries')
      .select('case_id')
      .where('fund_id', '=', fundId)
      .where('kind', '=', 'payment')
      .executeTakeFirstOrThrow();
    assert.equal(payment.case_id, kept.id);
    assert.deepEqual(
      (await casePayments(t.context, opened)).map((p) => p.receipt),
      ['R-MERGE'],
      'the receipt opens with the kept case’s key',
    );
    const left = await t.context.db
      .selectFrom('case_support_tasks')
      .select('id')
      .where('case_id', '=', merged.id)
      .execute();
    assert.equal(left.length, 0);
  });

  test('the case export carries the attorney, the bond with its payments, the tasks and the outcome', async () => {
    const { id } = await openTestCase(t.context, legal.userId);
    const attorneyId = await addAttorney(t.context, legal.userId, {
      name: 'Export Attorney',
      languages: ['English'],
      capacity: 4,
    });
    const fundId = await addFund(t.context, legal.userId, 'Export fund', 900_000);
    await postForm(t.app, legal, `/console/cases/${id}/attorney`, { attorney_id: attorneyId });
    await postForm(t.app, legal, `/console/cases/${id}/bond`, {
      eligibility: 'eligible',
      amount: '3000',
      set_by: 'judge',
    });
    await postForm(t.app, legal, `/console/cases/${id}/bond/payments`, {
      fund_id: fundId,
      amount: '3000',
      occurred_on: '2026-12-01',
      receipt: 'R-EXPORT',
    });
    await postForm(t.app, legal, `/console/cases/${id}/support-tasks`, {
      kind: 'mental_health',
      assignee_id: legal.userId,
      due_on: '2026-12-12',
    });
    await postForm(t.app, legal, `/console/cases/${id}/outcome`, {
      outcome: 'released',
      release_kind: 'parole',
      outcome_on: '2026-12-14',
    });
    const res = await getPage(t.app, legal, `/console/cases/${id}/export.json`);
    assert.equal(res.statusCode, 200);
    const exported = JSON.parse(res.body) as { sections: Record<string, unknown> };
    const sections = exported.sections as {
      'case-attorney': { name: string };
      'case-bond': { bond: { amountCents: number }; payments: { receipt: string }[] };
      'case-support-tasks': { kind: string }[];
      'case-outcome': { outcome: string; releaseKind: string };
    };
    assert.equal(sections['case-attorney'].name, 'Export Attorney');
    assert.equal(sections['case-bond'].bond.amountCents, 300_000);
    assert.equal(sections['case-bond'].payments[0]?.receipt, 'R-EXPORT');
    assert.deepEqual(
      sections['case-support-tasks'].map((task) => task.kind),
      ['mental_health'],
    );
    assert.deepEqual(
      [sections['case-outcome'].outcome, sections['case-outcome'].releaseKind],
      ['released', 'parole'],
    );
  });
});
