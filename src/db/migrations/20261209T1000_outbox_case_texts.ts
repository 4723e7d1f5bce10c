// Texts about a case in the console outbox: the case they are about, so the outbox shows them only to staff
// who may open that case. No foreign key: a case row outlives its texts (the outbox is purged after
// AMPARO_OUTBOX_RETENTION_DAYS), and the outbox never holds anything of the case but its id.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sms_outbox add column case_id uuid`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sms_outbox drop column case_id`.execute(db);
}
