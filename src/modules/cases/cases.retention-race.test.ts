// Retention against a reopening at the same moment: the daily job lists the cases due, then destroys their
// keys one by one; a case reopened in between must keep its key, and a reopening that comes after the key
// is gone must not bring a husk back to life as an open case.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { openCaseForStaff } from './cases.access.ts';
import { destroyDueCaseKeys } from './cases.retention.ts';
import { addFamilyContact, closeCase, reopenCase, updateCaseDetails } from './cases.service.ts';
import { openTestCase, testCaseDetails, testContact } from './cases.test-helpers.ts';

const DAY_MS = 24 * 3600 * 1000;

describe(`case retention and reopening at once`, () => {
  let t: TestApp;
  let legal: StaffSession;
  before(async () => {
    t = await createTestApp({ env: { AMPARO_CASE_RETENTION_DAYS: '10' } });
    legal = await createStaffSession(t.context, ['legal']);
  });
  after(async () => t.close());

  const principal = () => ({ userId: legal.userId, roles: ['legal' as const] });

  async function closedAndDue(): Promise<string> {
    const { id } = await openTestCase(t.context, legal.userId);
    const { caseRow, cipher } = await openCaseForStaff(t.context, principal(), id);
    await closeCase(t.context, legal.userId, caseRow, cipher);
    t.clock.advance(10 * DAY_MS + 1000);
    // The session would have expired; a fresh one for the next case.
    legal = await createStaffSession(t.context, ['legal']);
    await t.context.db
      .insertInto('case_assignees')
      .values({ case_id: id, user_id: legal.userId, assigned_at: t.clock.now() })
      .execute();
    return id;
  }

  test('a reopening that reaches the case after its key was destroyed leaves a husk, not an open case', async () => {
    const id = await closedAndDue();
    // Someone had the closed case open (its row and key in hand) while the daily job ran.
    const stale = await openCaseForStaff(t.context, principal(), id);
    assert.equal(await destroyDueCaseKeys(t.context), 1);
    assert.equal(await reopenCase(t.context, legal.userId, stale.caseRow, stale.cipher), 'gone');
    const row = await t.context.db
      .selectFrom('cases')
      .select(['status', 'key_destroyed_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'closed');
    assert.ok(row.key_destroyed_at);
  });

  test('an edit that reaches the case after its key was destroyed puts nothing back in the husk', async () => {
    const id = await closedAndDue();
    const stale = await openCaseForStaff(t.context, principal(), id);
    assert.equal(await destroyDueCaseKeys(t.context), 1);
    const details = testCaseDetails({ aNumber: '099887766', name: 'Someone Else Entirely' });
    assert.equal(
      await updateCaseDetails(t.context, legal.userId, stale.caseRow, stale.cipher, details),
      'gone',
    );
    assert.equal(
      await addFamilyContact(t.context, legal.userId, stale.caseRow, stale.cipher, testContact()),
      'gone',
    );
    const husk = await t.context.db
      .selectFrom('cases')
      .select(['a_number_index', 'name_dob_index', 'person_ciphertext'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(husk, { a_number_index: null, name_dob_index: null, person_ciphertext: null });
    const contacts = await t.context.db
      .selectFrom('case_contacts')
      .select('id')
      .where('case_id', '=', id)
      .execute();
    assert.deepEqual(contacts, []);
  });

  test('a case reopened while the daily job waits for it keeps its key', async () => {
    const id = await closedAndDue();
    const { caseRow, cipher } = await openCaseForStaff(t.context, principal(), id);
    let job: Promise<number> | undefined;
    await t.context.db.transaction().execute(async (trx) => {
      // The reopening holds the row; the job, started now, lists the case as due and reaches it.
      await sql`select id from cases where id = ${id} for update`.execute(trx);
      job = destroyDueCaseKeys(t.context);
      for (let waited = 0; waited < 5000; waited += 20) {
        const { rows } = await sql<{ n: string }>`select count(*) as n from pg_stat_activity
          where wait_event_type = 'Lock' and datname = current_database()`.execute(t.context.db);
        if (Number(rows[0]!.n) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await sql`update cases set status = 'open', closed_at = null, closed_by = null,
        key_destroy_after = null where id = ${id}`.execute(trx);
    });
    assert.equal(await job, 0, 'nothing was due any more');
    assert.equal(await caseKeyStoreFor(t.context).exists(id), true, 'the reopened case keeps its key');
    const reopened = await t.context.db
      .selectFrom('cases')
      .select(['status', 'key_destroyed_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.deepEqual([reopened.status, reopened.key_destroyed_at], ['open', null]);
    assert.equal(await reopenCase(t.context, legal.userId, caseRow, cipher), 'already_open');
  });
});
