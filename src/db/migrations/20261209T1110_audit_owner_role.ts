// On PostgreSQL the audit log belongs to its own role, amparo_audit_owner (no login), and the app's role may only
// insert and read it: it can no longer delete, truncate, disable the append-only triggers or replace their
// function. Creating a role and giving a table away need a superuser (the embedded server's user is one). When the
// migrating user is not a superuser this migration changes nothing and does not fail: Amparo then warns at start,
// and `amparo audit verify` says, which statements a superuser must run (also in the README).
import { sql, type Kysely } from 'kysely';
import { AUDIT_OWNER_ROLE, auditOwnerStatements } from '../audit-owner.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ superuser: boolean; user: string }>`
    select rolsuper as superuser, current_user as "user" from pg_roles where rolname = current_user`.execute(
    db,
  );
  const me = rows[0];
  if (!me?.superuser) return;
  for (const statement of auditOwnerStatements(me.user)) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ owner: string }>`
    select tableowner as owner from pg_tables where schemaname = current_schema() and tablename = 'audit_log'`.execute(
    db,
  );
  if (rows[0]?.owner !== AUDIT_OWNER_ROLE) return;
  // The role stays: other databases on the same server may use it.
  await sql`alter table audit_log owner to current_user`.execute(db);
  await sql`alter function audit_log_refuse_change() owner to current_user`.execute(db);
}
