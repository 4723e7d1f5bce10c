// Delivery errors: a status callback's ErrorCode is kept with an alert text's status even when the
// callback overtakes the record of its SID, and numbers the carrier says are dead (unknown, inactive,
// landline) are noted by blind index so that no text goes to them until they write in or sign up again.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table alert_delivery_early_statuses add column error_code integer`.execute(db);
  // The blind index only (as sms_opt_outs): the list cannot be read back as numbers.
  await sql`
    create table sms_unreachable_numbers (
      phone_index text primary key,
      error_code integer not null,
      recorded_at timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table sms_unreachable_numbers`.execute(db);
  await sql`alter table alert_delivery_early_statuses drop column error_code`.execute(db);
}
