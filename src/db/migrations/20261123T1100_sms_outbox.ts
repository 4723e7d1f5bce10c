// The console outbox: texts that would have gone to a phone, kept for staff to read when no SMS provider is
// configured. Recipient and text are field-encrypted like every other phone number and message in Amparo.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table sms_outbox (
      id uuid primary key,
      created_at timestamptz not null default now(),
      to_ciphertext text not null,
      to_index text not null,
      body_ciphertext text not null,
      segments integer not null check (segments >= 1),
      provider_id text not null unique
    )`.execute(db);
  await sql`create index sms_outbox_created_at_idx on sms_outbox (created_at desc)`.execute(db);
  await sql`create index sms_outbox_to_index_idx on sms_outbox (to_index)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table sms_outbox`.execute(db);
}
