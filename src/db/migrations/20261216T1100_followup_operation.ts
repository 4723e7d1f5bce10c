// A family's follow-up may come during an operation (a workplace raid): which operation and which of its sites
// the family named (its name kept, so the list still says it once the operation is closed), and what the short family intake (by text or by phone) answered. The detained person's
// name and the relationship are encrypted, bound to the follow-up's row; the rest is counts and yes/no.
// No foreign key to the operations tables: they belong to another module and may be merged later.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table followup_tasks
    add column operation_id uuid,
    add column operation_site_id uuid,
    add column operation_site_name text,
    add column detained_name_ciphertext text,
    add column relationship_ciphertext text,
    add column dependents_without_care integer check (dependents_without_care between 0 and 99),
    add column consent_to_text boolean,
    add column channel text not null default 'voice' check (channel in ('voice', 'sms'))`.execute(db);
  // A call answers "was it at <site>?" before its message is recorded; the follow-up takes it from the call.
  await sql`alter table voice_calls
    add column operation_id uuid,
    add column operation_site_id uuid,
    add column operation_site_name text`.execute(db);
  await sql`create index followup_tasks_operation_idx on followup_tasks (operation_id)
    where operation_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index followup_tasks_operation_idx`.execute(db);
  await sql`alter table voice_calls
    drop column operation_id,
    drop column operation_site_id,
    drop column operation_site_name`.execute(db);
  await sql`alter table followup_tasks
    drop column operation_id,
    drop column operation_site_id,
    drop column operation_site_name,
    drop column detained_name_ciphertext,
    drop column relationship_ciphertext,
    drop column dependents_without_care,
    drop column consent_to_text,
    drop column channel`.execute(db);
}
