// SQL for the audit chain. Appends lock the single audit_head row, so concurrent appends form one chain.
import type { Kysely } from 'kysely';
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

export async function lockHead(db: Kysely<Database>): Promise<{ seq: string; hash: string }> {
  const head = await db
    .selectFrom('audit_head')
    .select(['seq', 'hash'])
    .where('id', '=', 1)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return head;
}

export async function insertRow(
  db: Kysely<Database>,
  row: Omit<AuditRow, 'details'> & { details: string },
): Promise<void> {
  await db.insertInto('audit_log').values(row).execute();
  await db.updateTable('audit_head').set({ seq: row.seq, hash: row.hash }).where('id', '=', 1).execute();
}

export async function readHead(db: Kysely<Database>): Promise<{ seq: string; hash: string }> {
  return db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
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
