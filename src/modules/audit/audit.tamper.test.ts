// Issue 12: an audit log that cannot be cut. Each way of cutting or silencing the log is detected.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { createTestContext, type TestContext } from '../../../test/support/test-context.ts';
import { runAuditVerify } from '../../cli/commands.ts';
import { AUDIT_OWNER_ROLE } from '../../db/audit-owner.ts';
import { up as auditOwnerMigration } from '../../db/migrations/20261209T1110_audit_owner_role.ts';
import { parseAnchors, readAnchorFile, writeAuditAnchor } from './audit.anchors.ts';
import { recordAudit, sealLegacyAuditHead, verifyAuditChain } from './audit.service.ts';

async function append(t: TestContext, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await recordAudit(t.context.db, t.context, { actorId: null, action: 'auth.sign_in', subjectId: `u${i}` });
  }
}

/** What someone with the database's rights (but not the audit key) does first. */
async function asIntruder(t: TestContext, statements: string[]): Promise<void> {
  await sql`alter table audit_log disable trigger user`.execute(t.context.db);
  for (const statement of statements) await sql.raw(statement).execute(t.context.db);
  await sql`alter table audit_log enable trigger user`.execute(t.context.db);
}

async function withContext(body: (t: TestContext) => Promise<void>): Promise<void> {
  const t = await createTestContext();
  try {
    await body(t);
  } finally {
    await t.close();
  }
}

function captured(): {
  out: string[];
  err: string[];
  output: { out(s: string): void; err(s: string): void };
} {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (s) => out.push(s), err: (s) => err.push(s) } };
}

describe('an audit log that cannot be cut', () => {
  test('a changed row is detected', () =>
    withContext(async (t) => {
      await append(t, 5);
      await asIntruder(t, [`update audit_log set subject_id = 'someone-else' where seq = 3`]);
      const result = await verifyAuditChain(t.context.db, t.context);
      assert.equal(result.problem, 'row_changed');
      assert.equal(result.brokenAt, '3');
    }));

  test('a deleted row is detected', () =>
    withContext(async (t) => {
      await append(t, 5);
      await asIntruder(t, ['delete from audit_log where seq = 4']);
      const result = await verifyAuditChain(t.context.db, t.context);
      assert.equal(result.problem, 'row_missing');
      assert.equal(result.brokenAt, '4');
    }));

  test('the newest rows cut and the head rewritten to the new last row is detected', () =>
    withContext(async (t) => {
      await append(t, 40);
      assert.equal((await verifyAuditChain(t.context.db, t.context)).ok, true);
      // Exactly the review's attack: the head now agrees with row 30, and the chain up to it is intact.
      await asIntruder(t, [
        'delete from audit_log where seq > 30',
        `update audit_head set seq = 30, hash = (select hash from audit_log where seq = 30)`,
      ]);
      const result = await verifyAuditChain(t.context.db, t.context);
      assert.equal(result.ok, false);
      assert.equal(result.problem, 'head_not_authentic');
      // Without a MAC at all, too.
      await sql`update audit_head set mac = null`.execute(t.context.db);
      assert.equal((await verifyAuditChain(t.context.db, t.context)).problem, 'head_not_authentic');
      // Appending does not launder the rewritten head: the next head is not authentic either.
      await append(t, 1);
      assert.equal((await verifyAuditChain(t.context.db, t.context)).problem, 'head_not_authentic');
      assert.match(t.logs.text, /audit head is not authentic/);
    }));

  test('an older head replayed from a copy of the database is detected against a later anchor', () =>
    withContext(async (t) => {
      await append(t, 30);
      const old = await t.context.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
      await append(t, 10);
      const anchor = await writeAuditAnchor(t.context);
      assert.deepEqual(anchor?.seq, '40');
      await asIntruder(t, [
        'delete from audit_log where seq > 30',
        `update audit_head set seq = ${old.seq}, hash = '${old.hash}', mac = '${old.mac}'`,
      ]);
      // The database alone cannot tell: that head was genuine once.
      assert.equal((await verifyAuditChain(t.context.db, t.context)).ok, true);
      const anchors = await readAnchorFile(t.context.config.audit.anchorFile);
      const result = await verifyAuditChain(t.context.db, t.context, { anchors });
      assert.equal(result.problem, 'cut_since_anchor');
      assert.equal(result.brokenAt, '31');
    }));

  test('truncate and reset is detected against an earlier anchor, by `amparo audit verify`', () =>
    withContext(async (t) => {
      await append(t, 5);
      await writeAuditAnchor(t.context);
      await asIntruder(t, ['truncate audit_log', `update audit_head set seq = 0, hash = '', mac = null`]);
      // The reset log then carries on as if new (later, so its entries differ from the ones cut).
      t.clock.advance(60_000);
      await append(t, 7);
      const fromDefault = captured();
      assert.equal(await runAuditVerify(t.context, [], fromDefault.output), 1);
      assert.match(
        fromDefault.err.join(''),
        /AUDIT LOG TAMPERED: entry 5 is not the entry that was anchored/,
      );
      // The same with the anchor file named, and with the log lines as the anchors.
      const named = captured();
      assert.equal(
        await runAuditVerify(t.context, ['--anchor', t.context.config.audit.anchorFile], named.output),
        1,
      );
      const fromLog = parseAnchors(t.logs.text);
      assert.equal(fromLog.length, 1);
      assert.equal(
        (await verifyAuditChain(t.context.db, t.context, { anchors: fromLog })).problem,
        'anchor_mismatch',
      );
    }));

  test('truncate and reset to an empty log is detected against an earlier anchor', () =>
    withContext(async (t) => {
      await append(t, 3);
      await writeAuditAnchor(t.context);
      await asIntruder(t, ['truncate audit_log', `update audit_head set seq = 0, hash = '', mac = null`]);
      const result = captured();
      assert.equal(await runAuditVerify(t.context, [], result.output), 1);
      assert.match(result.err.join(''), /entry 1 and later ones were removed/);
    }));

  test('a disabled trigger, or a trigger function that no longer refuses, is detected', () =>
    withContext(async (t) => {
      await append(t, 2);
      await sql`alter table audit_log disable trigger audit_log_append_only`.execute(t.context.db);
      assert.equal((await verifyAuditChain(t.context.db, t.context)).problem, 'trigger_disabled');
      await sql`alter table audit_log enable trigger audit_log_append_only`.execute(t.context.db);
      assert.equal((await verifyAuditChain(t.context.db, t.context)).ok, true);
      await sql`alter table audit_log disable trigger audit_log_no_truncate`.execute(t.context.db);
      assert.equal((await verifyAuditChain(t.context.db, t.context)).problem, 'trigger_disabled');
      await sql`alter table audit_log enable trigger audit_log_no_truncate`.execute(t.context.db);
      await sql`alter table audit_log enable replica trigger audit_log_append_only`.execute(t.context.db);
      assert.equal((await verifyAuditChain(t.context.db, t.context)).problem, 'trigger_disabled');
      await sql`alter table audit_log enable trigger audit_log_append_only`.execute(t.context.db);
      await sql
        .raw(
          `create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
        begin return old; end $$`,
        )
        .execute(t.context.db);
      assert.equal((await verifyAuditChain(t.context.db, t.context)).problem, 'trigger_disabled');
      const out = captured();
      assert.equal(await runAuditVerify(t.context, [], out.output), 1);
      assert.match(out.err.join(''), /append-only trigger/);
    }));

  test('the anchor job writes the head to the file and to the log, with nothing else in them', () =>
    withContext(async (t) => {
      await append(t, 3);
      const first = await writeAuditAnchor(t.context);
      await writeAuditAnchor(t.context); // unchanged head: logged again, not written twice
      await append(t, 1);
      await writeAuditAnchor(t.context);
      const text = await readFile(t.context.config.audit.anchorFile, 'utf8');
      const lines = text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(
        lines.map((line) => Object.keys(line).sort()),
        [
          ['at', 'mac', 'seq'],
          ['at', 'mac', 'seq'],
        ],
      );
      assert.deepEqual(
        lines.map((line) => line.seq),
        ['3', '4'],
      );
      assert.equal(lines[0]!.mac, first?.mac);
      const logged = t.logs.lines.filter((line) => line.includes('"auditAnchor"'));
      assert.equal(logged.length, 3);
      assert.deepEqual(Object.keys((JSON.parse(logged[0]!) as { auditAnchor: object }).auditAnchor).sort(), [
        'mac',
        'seq',
      ]);
      assert.equal(
        (await verifyAuditChain(t.context.db, t.context, { anchors: parseAnchors(text) })).ok,
        true,
      );
    }));

  test('a head that is not authentic is never anchored', () =>
    withContext(async (t) => {
      await append(t, 3);
      await sql`update audit_head set mac = null`.execute(t.context.db);
      assert.equal(await writeAuditAnchor(t.context), undefined);
      assert.deepEqual(await readAnchorFile(t.context.config.audit.anchorFile), []);
    }));

  test('a head from before this release is authenticated once at start, never after an anchor left', () =>
    withContext(async (t) => {
      await append(t, 3);
      await sql`update audit_head set mac = null`.execute(t.context.db);
      assert.equal(await sealLegacyAuditHead(t.context.db, t.context, []), 'sealed');
      assert.equal((await verifyAuditChain(t.context.db, t.context)).ok, true);
      const anchors = [(await writeAuditAnchor(t.context))!];
      await sql`update audit_head set mac = null`.execute(t.context.db);
      assert.equal(await sealLegacyAuditHead(t.context.db, t.context, anchors), 'refused');
      assert.equal((await verifyAuditChain(t.context.db, t.context)).problem, 'head_not_authentic');
    }));

  test('--anchor with a file without anchors is a usage error', () =>
    withContext(async (t) => {
      const out = captured();
      assert.equal(await runAuditVerify(t.context, ['--anchor', '/nonexistent/anchors'], out.output), 2);
    }));
});

describe('the audit log belongs to its own role', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(async () => t.close());

  test('audit_log and its trigger function are owned by amparo_audit_owner; the app role may insert and read', async () => {
    const { rows } = await sql<{ table_owner: string; function_owner: string }>`
      select (select relowner::regrole::text from pg_class where oid = 'audit_log'::regclass) as table_owner,
        (select proowner::regrole::text from pg_proc where proname = 'audit_log_refuse_change') as function_owner
    `.execute(t.context.db);
    assert.deepEqual(rows[0], { table_owner: AUDIT_OWNER_ROLE, function_owner: AUDIT_OWNER_ROLE });
    const grants = await sql<{ privilege_type: string }>`
      select privilege_type from information_schema.role_table_grants
      where table_name = 'audit_log' and grantee = current_user order by privilege_type`.execute(
      t.context.db,
    );
    assert.deepEqual(
      grants.rows.map((row) => row.privilege_type),
      ['INSERT', 'SELECT'],
    );
  });

  test('a role with only those rights cannot delete, truncate, or switch the triggers off', async () => {
    const role = `amparo_test_app_${randomBytes(4).toString('hex')}`;
    await sql.raw(`create role ${role} nologin`).execute(t.context.db);
    try {
      await sql.raw(`grant select, insert on audit_log to ${role}`).execute(t.context.db);
      for (const attempt of [
        'delete from audit_log',
        'truncate audit_log',
        'alter table audit_log disable trigger audit_log_append_only',
        `create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$ begin return old; end $$`,
      ]) {
        await assert.rejects(
          t.context.db.transaction().execute(async (trx) => {
            await sql.raw(`set local role ${role}`).execute(trx);
            await sql.raw(attempt).execute(trx);
          }),
          /permission denied|must be owner/,
          attempt,
        );
      }
    } finally {
      await sql.raw(`revoke all on audit_log from ${role}`).execute(t.context.db);
      await sql.raw(`drop role ${role}`).execute(t.context.db);
    }
  });

  test('the migration does not fail for a user who is not a superuser, and changes nothing', async () => {
    const role = `amparo_test_plain_${randomBytes(4).toString('hex')}`;
    await sql.raw(`create role ${role} nologin`).execute(t.context.db);
    try {
      await t.context.db.transaction().execute(async (trx) => {
        await sql.raw(`set local role ${role}`).execute(trx);
        await auditOwnerMigration(trx as unknown as Kysely<unknown>);
      });
    } finally {
      await sql.raw(`drop role ${role}`).execute(t.context.db);
    }
  });
});
