import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../../../test/support/test-context.ts';
import { recordAudit, verifyAuditChain } from './audit.service.ts';

describe(`audit chain`, () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(async () => t.close());

  async function appendFive(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await recordAudit(t.context.db, t.context, {
        actorId: null,
        action: 'auth.sign_in_failed',
        subjectType: 'user',
        subjectId: `u${i}`,
        details: { attempt: i },
      });
    }
  }

  test('an untouched chain verifies', async () => {
    await appendFive();
    const result = await verifyAuditChain(t.context.db, t.context);
    assert.deepEqual(result, { ok: true, rowsChecked: 5, anchorsChecked: 0 });
  });

  test('the database refuses updates and deletes', async () => {
    await assert.rejects(
      sql`update audit_log set action = 'x' where seq = 1`.execute(t.context.db),
      /append-only/,
    );
    await assert.rejects(sql`delete from audit_log where seq = 1`.execute(t.context.db), /append-only/);
  });

  test('a changed row is detected', async () => {
    // An attacker with database rights can switch the trigger off; the keyed chain still catches them.
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(t.context.db);
    await sql`update audit_log set subject_id = 'someone-else' where seq = 3`.execute(t.context.db);
    const result = await verifyAuditChain(t.context.db, t.context);
    assert.equal(result.ok, false);
    assert.equal(result.brokenAt, '3');
    assert.equal(result.problem, 'row_changed');
    await sql`update audit_log set subject_id = 'u2' where seq = 3`.execute(t.context.db);
    // Put back as it was, and the trigger on again (verification also reports a disabled trigger).
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(t.context.db);
    assert.equal((await verifyAuditChain(t.context.db, t.context)).ok, true);
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(t.context.db);
  });

  test('a deleted row in the middle is detected', async () => {
    await sql`delete from audit_log where seq = 2`.execute(t.context.db);
    const result = await verifyAuditChain(t.context.db, t.context);
    assert.equal(result.ok, false);
    assert.equal(result.brokenAt, '2');
    assert.equal(result.problem, 'row_missing');
  });

  test('deleting the newest rows is detected', async () => {
    const fresh = await createTestContext();
    try {
      for (let i = 0; i < 3; i++) {
        await recordAudit(fresh.context.db, fresh.context, { actorId: null, action: 'auth.sign_in' });
      }
      await sql`alter table audit_log disable trigger audit_log_append_only`.execute(fresh.context.db);
      await sql`delete from audit_log where seq = 3`.execute(fresh.context.db);
      const result = await verifyAuditChain(fresh.context.db, fresh.context);
      assert.equal(result.ok, false);
      assert.equal(result.problem, 'tail_missing');
    } finally {
      await fresh.close();
    }
  });
});
