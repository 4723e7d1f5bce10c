// Bond and bond funds over a real database: the bond form (minimum, eligibility, habeas when not eligible),
// funds and deposits, paying a bond (ledger, timeline, audit, balance), refusing to overdraw a fund, receipts
// encrypted at rest, case references in the ledger only for those who may open the case, and what a key
// destruction leaves of a payment.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import { closeCase } from '../cases/cases.service.ts';
import { openCaseForStaff } from '../cases/cases.access.ts';
import { destroyDueCaseKeys } from '../cases/cases.retention.ts';
import { createTestTeam, openTestCase } from '../cases/cases.test-helpers.ts';
import { receiptField } from './case-support.bond.ts';
import {
  addAttorney,
  addFund,
  auditActions,
  getPage,
  postForm,
  rawRows,
  textOf,
  timelineKinds,
} from './case-support.test-helpers.ts';

const RECEIPT_CANARY = 'RCPT-CANARY-7731';

async function balanceOf(t: TestApp, fundId: string): Promise<number> {
  const rows = await t.context.db
    .selectFrom('bond_fund_entries')
    .select(['kind', 'amount_cents'])
    .where('fund_id', '=', fundId)
    .execute();
  return rows.reduce((sum, row) => sum + (row.kind === 'deposit' ? 1 : -1) * Number(row.amount_cents), 0);
}

describe(`case support: bond and bond funds`, () => {
  let t: TestApp;
  let legal: StaffSession;
  before(async () => {
    t = await createTestApp();
    legal = await createStaffSession(t.context, ['legal']);
  });
  after(async () => t.close());

  test('the bond form: a refused amount comes back in Spanish with the form kept; a set bond shows and lands on the timeline', async () => {
    const { id } = await openTestCase(t.context, legal.userId);
    const low = await postForm(
      t.app,
      legal,
      `/console/cases/${id}/bond`,
      { eligibility: 'eligible', amount: '1,200', set_by: 'judge', hearing_date: '2026-12-10' },
      'es',
    );
    assert.equal(low.statusCode, 422);
    assert.match(low.body, /La fianza mínima es de \$1,500/);
    assert.match(low.body, /id="bond-amount"[^>]*value="1,200"|value="1,200"[^>]*id="bond-amount"/);
    assert.match(low.body, /<option value="judge" selected>/);
    assert.match(low.body, /value="2026-12-10"/);
    const unchanged = await t.context.db
      .selectFrom('cases')
      .select('bond_ciphertext')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(unchanged.bond_ciphertext, null);

    const saved = await postForm(t.app, legal, `/console/cases/${id}/bond`, {
      eligibility: 'eligible',
      amount: '7500',
      set_by: 'judge',
      hearing_date: '2026-12-10',
    });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, `/console/cases/${id}/bond#case-bond`);
    const sealed = await t.context.db
      .selectFrom('cases')
      .select('bond_ciphertext')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.ok(sealed.bond_ciphertext?.startsWith('c1.'), 'sealed with the case key');
    assert.ok(!sealed.bond_ciphertext?.includes('7500'));
    const page = await getPage(t.app, legal, `/console/cases/${id}/bond`);
    assert.match(
      textOf(page.body, 'bond-summary'),
      /Eligible for bond Bond amount \(USD\) \$7,500\.00 · An immigration judge Bond hearing date Dec 10, 2026/,
    );
    const timeline = await getPage(t.app, legal, `/console/cases/${id}/timeline`);
    assert.match(timeline.body, /Bond set at \$7,500\.00/);
    assert.deepEqual(
      (await timelineKinds(t.context, id)).filter((kind) => kind.startsWith('bond')),
      ['bond_set'],
    );
  });

  test('not eligible: the page says habeas is the path, and no payment can be recorded', async () => {
    const { id } = await openTestCase(t.context, legal.userId);
    const fundId = await addFund(t.context, legal.userId, 'Habeas test fund', 1_000_000);
    assert.equal(
      (await postForm(t.app, legal, `/console/cases/${id}/bond`, { eligibility: 'not_eligible' })).statusCode,
      303,
    );
    const page = await getPage(t.app, legal, `/console/cases/${id}/bond`, 'es');
    assert.equal(page.statusCode, 200);
    assert.match(textOf(page.body, 'habeas-notice'), /hábeas corpus/);
    assert.ok(!page.body.includes('id="payment-form"'), 'no payment form');
    const refused = await postForm(t.app, legal, `/console/cases/${id}/bond/payments`, {
      fund_id: fundId,
      amount: '5000',
      occurred_on: '2026-12-01',
      receipt: 'R-1',
    });
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /not eligible for bond: there is nothing to pay/);
    assert.equal(await balanceOf(t, fundId), 1_000_000);
  });

  test('funds: created by a coordinator, a taken name refused in Spanish, deposits add to the balance', async () => {
    const coordinator = await createStaffSession(t.context, ['coordinator']);
    const created = await postForm(t.app, coordinator, '/console/bond-funds', {
      name: 'Chicago Bond Fund',
    });
    assert.equal(created.statusCode, 303);
    const fund = await t.context.db
      .selectFrom('bond_funds')
      .selectAll()
      .where('name', '=', 'Chicago Bond Fund')
      .executeTakeFirstOrThrow();
    assert.equal(created.headers.location, `/console/bond-funds/${fund.id}?saved=fund`);
    const taken = await postForm(t.app, legal, '/console/bond-funds', { name: 'chicago bond fund' }, 'es');
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /Ya hay un fondo con este nombre/);
    assert.match(taken.body, /value="chicago bond fund"/);

    for (const amount of ['10,000', '2500.50']) {
      const deposit = await postForm(t.app, coordinator, `/console/bond-funds/${fund.id}/deposits`, {
        amount,
        occurred_on: '2026-11-20',
        receipt: '',
      });
      assert.equal(deposit.statusCode, 303);
    }
    const bad = await postForm(t.app, coordinator, `/console/bond-funds/${fund.id}/deposits`, {
      amount: '-5',
      occurred_on: '2026-11-31',
    });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Enter an amount in dollars/);
    assert.match(bad.body, /Enter a real date/);
    const page = await getPage(t.app, coordinator, `/console/bond-funds/${fund.id}`);
    assert.match(textOf(page.body, 'fund-balance'), /Balance: \$12,500\.50/);
    const list = await getPage(t.app, legal, '/console/bond-funds');
    assert.match(list.body, /Chicago Bond Fund<\/a><\/td>\s*<td>\$12,500\.50/);
    assert.deepEqual(await auditActions(t.context, fund.id), [
      'bond_fund.created',
      'bond_fund.deposit_recorded',
      'bond_fund.deposit_recorded',
    ]);
  });

  test('paying a bond: the ledger, the timeline, the audit and the balance; overdrawing is refused and nothing is recorded', async () => {
    const { id, reference } = await openTestCase(t.context, legal.userId);
    const fundId = await addFund(t.context, legal.userId, 'Payment test fund', 600_000);
    await postForm(t.app, legal, `/console/cases/${id}/bond`, {
      eligibility: 'eligible',
      amount: '5000',
      set_by: 'ice',
    });

    // The case's bond part offers the payment with the bond's amount and the fund's balance.
    const casePage = await getPage(t.app, legal, `/console/cases/${id}/bond`);
    assert.match(casePage.body, /id="payment-amount"[^>]*value="5000"|value="5000"[^>]*id="payment-amount"/);
    assert.match(casePage.body, /Payment test fund \(balance \$6,000\.00\)/);

    const noReceipt = await postForm(t.app, legal, `/console/cases/${id}/bond/payments`, {
      fund_id: fundId,
      amount: '5000',
      occurred_on: '2026-12-01',
      receipt: '',
    });
    assert.equal(noReceipt.statusCode, 422);
    assert.match(noReceipt.body, /Enter the bond receipt number/);

    const paid = await postForm(t.app, legal, `/console/cases/${id}/bond/payments`, {
      fund_id: fundId,
      amount: '5,000',
      occurred_on: '2026-12-01',
      receipt: RECEIPT_CANARY,
    });
    assert.equal(paid.statusCode, 303, paid.body);
    assert.equal(paid.headers.location, `/console/cases/${id}/bond#case-bond`);
    assert.equal(await balanceOf(t, fundId), 100_000);
    const entry = await t.context.db
      .selectFrom('bond_fund_entries')
      .selectAll()
      .where('fund_id', '=', fundId)
      .where('kind', '=', 'payment')
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [Number(entry.amount_cents), entry.occurred_on, entry.case_id, entry.recorded_by],
      [500_000, '2026-12-01', id, legal.userId],
    );
    assert.ok((await timelineKinds(t.context, id)).includes('bond_paid'));
    assert.ok((await auditActions(t.context, id)).includes('case.bond_paid'));
    const after = await getPage(t.app, legal, `/console/cases/${id}/bond`);
    assert.match(
      textOf(after.body, 'bond-payments'),
      new RegExp(`\\$5,000\\.00 from Payment test fund on Dec 1, 2026 · Receipt ${RECEIPT_CANARY}`),
    );
    const timeline = await getPage(t.app, legal, `/console/cases/${id}/timeline`);
    assert.match(timeline.body, /Bond of \$5,000\.00 paid from Payment test fund/);

    // $1,000 left: another $5,000 is refused, with the form kept and nothing recorded.
    const overdraw = await postForm(
      t.app,
      legal,
      `/console/cases/${id}/bond/payments`,
      {
        fund_id: fundId,
        amount: '5000',
        occurred_on: '2026-12-02',
        receipt: 'R-2',
      },
      'es',
    );
    assert.equal(overdraw.statusCode, 409);
    assert.match(overdraw.body, /Payment test fund solo tiene \$1,000\.00: no puede pagar este monto/);
    assert.match(overdraw.body, /value="R-2"/);
    assert.equal(await balanceOf(t, fundId), 100_000);
    const payments = await t.context.db
      .selectFrom('bond_fund_entries')
      .select('id')
      .where('case_id', '=', id)
      .execute();
    assert.equal(payments.length, 1);
    assert.equal((await timelineKinds(t.context, id)).filter((kind) => kind === 'bond_paid').length, 1);

    // The receipt is case data (ICE's receipt names the person): sealed with the case's key, which the
    // master key's field cipher cannot open.
    assert.ok(entry.receipt_ciphertext);
    assert.throws(() => t.context.secrets.fields.decrypt(receiptField(entry.id), entry.receipt_ciphertext!));
    const caseCipher = await caseKeyStoreFor(t.context).cipherFor(id);
    assert.equal(caseCipher.decrypt(receiptField(entry.id), entry.receipt_ciphertext), RECEIPT_CANARY);

    // The receipt is never stored in the clear: not in the ledger, the timeline or the audit log.
    for (const table of ['bond_fund_entries', 'case_events', 'audit_log', 'cases']) {
      assert.ok(!(await rawRows(t.context, table)).includes(RECEIPT_CANARY), table);
    }
    assert.ok(!t.logs.text.includes(RECEIPT_CANARY), 'nor in the logs');

    // The fund's ledger: the case's own legal staff see the reference; others see only "a case".
    const mine = await getPage(t.app, legal, `/console/bond-funds/${fundId}`);
    assert.match(mine.body, new RegExp(`<a href="/console/cases/${id}">${reference}</a>`));
    assert.match(mine.body, new RegExp(RECEIPT_CANARY));
    const otherLegal = await createStaffSession(t.context, ['legal']);
    const coordinator = await createStaffSession(t.context, ['coordinator']);
    const admin = await createStaffSession(t.context, ['admin']);
    for (const viewer of [otherLegal, coordinator, admin]) {
      const page = await getPage(t.app, viewer, `/console/bond-funds/${fundId}`);
      assert.equal(page.statusCode, 200);
      assert.ok(!page.body.includes(reference), 'no reference for someone who may not open the case');
      assert.ok(!page.body.includes(RECEIPT_CANARY), 'nor the receipt of the bond paid for it');
      assert.match(page.body, /Bond payment<\/td>\s*<td>−\$5,000\.00/);
    }
  });

  test('when a case’s key is destroyed, its payment keeps its amount but loses the case; its tasks and attorney go', async () => {
    const teamId = await createTestTeam(t.context, `Key team ${Date.now()}`, [legal.userId]);
    const { id } = await openTestCase(t.context, legal.userId, { teamId });
    const fundId = await addFund(t.context, legal.userId, 'Destruction test fund', 500_000);
    const attorneyId = await addAttorney(t.context, legal.userId, {
      name: 'Eva Soto',
      languages: ['Spanish'],
      capacity: 3,
    });
    await postForm(t.app, legal, `/console/cases/${id}/attorney`, { attorney_id: attorneyId });
    await postForm(t.app, legal, `/console/cases/${id}/support-tasks`, {
      kind: 'rent',
      assignee_id: legal.userId,
      due_on: '2026-12-15',
      notes: 'December rent',
    });
    const paid = await postForm(t.app, legal, `/console/cases/${id}/bond/payments`, {
      fund_id: fundId,
      amount: '2000',
      occurred_on: '2026-12-01',
      receipt: 'R-9',
    });
    assert.equal(paid.statusCode, 303, paid.body);

    // What the core's destruction job does to the row (the key file is its business).
    await t.context.db
      .updateTable('cases')
      .set({ key_destroyed_at: t.context.clock.now(), status: 'closed' })
      .where('id', '=', id)
      .execute();
    const entries = await t.context.db
      .selectFrom('bond_fund_entries')
      .selectAll()
      .where('fund_id', '=', fundId)
      .execute();
    assert.equal(entries.length, 2);
    assert.ok(entries.every((entry) => entry.case_id === null));
    assert.equal(await balanceOf(t, fundId), 300_000, 'the balance is unchanged');
    const tasks = await t.context.db
      .selectFrom('case_support_tasks')
      .select('id')
      .where('case_id', '=', id)
      .execute();
    const assignments = await t.context.db
      .selectFrom('case_attorney_assignments')
      .select('id')
      .where('case_id', '=', id)
      .execute();
    assert.deepEqual([tasks.length, assignments.length], [0, 0]);
    // The amount stays for the balance; the receipt, which would name the person at ICE, is read by nobody.
    const fundPage = await getPage(t.app, legal, `/console/bond-funds/${fundId}`);
    assert.match(
      fundPage.body,
      /Bond payment<\/td>\s*<td>−\$2,000\.00<\/td>\s*<td><\/td>\s*<td>a case<\/td>/,
    );
    assert.ok(!fundPage.body.includes('R-9'));
  });

  // Last: it moves the clock past the retention, which ends every session of this suite.
  test('a copy of a payment’s receipt taken before the case’s key is destroyed cannot be read after', async () => {
    const { id } = await openTestCase(t.context, legal.userId);
    const fundId = await addFund(t.context, legal.userId, 'Backup test fund', 500_000);
    const paid = await postForm(t.app, legal, `/console/cases/${id}/bond/payments`, {
      fund_id: fundId,
      amount: '2000',
      occurred_on: '2026-12-01',
      receipt: RECEIPT_CANARY,
    });
    assert.equal(paid.statusCode, 303, paid.body);
    const backup = await t.context.db
      .selectFrom('bond_fund_entries')
      .select(['id', 'receipt_ciphertext'])
      .where('case_id', '=', id)
      .executeTakeFirstOrThrow();
    const { caseRow, cipher } = await openCaseForStaff(
      t.context,
      { userId: legal.userId, roles: ['legal'] },
      id,
    );
    await closeCase(t.context, legal.userId, caseRow, cipher);
    t.clock.advance((t.context.config.cases.retentionDays + 1) * 24 * 3600 * 1000);
    assert.ok((await destroyDueCaseKeys(t.context)) >= 1);
    assert.equal(await caseKeyStoreFor(t.context).exists(id), false);
    // Nothing the server still holds opens the copy: not the master key's field cipher, not the old key.
    assert.throws(() =>
      t.context.secrets.fields.decrypt(receiptField(backup.id), backup.receipt_ciphertext!),
    );
    await assert.rejects(caseKeyStoreFor(t.context).cipherFor(id));
  });
});
