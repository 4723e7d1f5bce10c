// SQL for the audit chain. Appends lock the single audit_head row, so concurrent appends form one chain.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

export interface AuditRow {
  seq: string;
  at: Date;
  actor_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export async function lockHead(db: Kysely<Database>): Promise<AuditHead> {
  const head = await db
    .selectFrom('audit_head')
    .select(['seq', 'hash', 'mac'])
    .where('id', '=', 1)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return head;
}

export interface AuditHead {
  seq: string;
  hash: string;
  mac: string | null;
}

export async function insertRow(
  db: Kysely<Database>,
  row: Omit<AuditRow, 'details'> & { details: string },
  headMac: string | null,
): Promise<void> {
  await db.insertInto('audit_log').values(row).execute();
  await db
    .updateTable('audit_head')
    .set({ seq: row.seq, hash: row.hash, mac: headMac })
    .where('id', '=', 1)
    .execute();
}

export async function readHead(db: Kysely<Database>): Promise<AuditHead> {
  return db
    .selectFrom('audit_head')
    .select(['seq', 'hash', 'mac'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
}

/** Authenticates a head that has no MAC yet, only if it is still exactly the head that was checked. */
export async function setHeadMac(db: Kysely<Database>, head: AuditHead, mac: string): Promise<boolean> {
  const result = await db
    .updateTable('audit_head')
    .set({ mac })
    .where('id', '=', 1)
    .where('seq', '=', head.seq)
    .where('hash', '=', head.hash)
    .where('mac', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** The audit log's own triggers, and whether each fires (tgenabled 'D' is disabled). */
export async function readTriggers(
  db: Kysely<Database>,
): Promise<{ name: string; enabled: string; source: string | null }[]> {
  const { rows } = await sql<{ name: string; enabled: string; source: string | null }>`
    select t.tgname as name, t.tgenabled as enabled, p.prosrc as source
    from pg_trigger t left join pg_proc p on p.oid = t.tgfoid
    where t.tgrelid = 'audit_log'::regclass and not t.tgisinternal`.execute(db);
  return rows;
}

/** Who owns the audit log, who we are, and whether we are a superuser (for whom ownership binds nothing). */
export async function readOwnership(
  db: Kysely<Database>,
): Promise<{ owner: string; user: string; superuser: boolean }> {
  const { rows } = await sql<{ owner: string; user: string; superuser: boolean }>`
    select c.relowner::regrole::text as owner, current_user as "user",
      (select rolsuper from pg_roles where rolname = current_user) as superuser
    from pg_class c where c.oid = 'audit_log'::regclass`.execute(db);
  return rows[0]!;
}

/** The hash of the row with this sequence number, if there is one. */
export async function readRowHash(db: Kysely<Database>, seq: string): Promise<string | undefined> {
  const row = await db.selectFrom('audit_log').select('hash').where('seq', '=', seq).executeTakeFirst();
  return row?.hash;
}

export async function readPage(db: Kysely<Database>, afterSeq: string, limit: number): Promise<AuditRow[]> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** Every row's action, oldest first. */
export async function readActions(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('audit_log').select('action').orderBy('seq').execute();
  return rows.map((row) => row.action);
}
