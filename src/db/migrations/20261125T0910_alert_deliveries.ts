// The delivery ledger: one row per (alert, recipient). It carries no number and no text: the sender reads
// the subscriber's encrypted number when it sends, and the body from the alert. States move
// pending → sending → sent (→ delivered), failed or undeliverable; a crashed worker's rows stay 'sending'
// with the time they were claimed, so a restart knows exactly which were in flight.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table alert_deliveries (
      alert_id uuid not null references alerts (id) on delete cascade,
      subscriber_id uuid not null,
      language text not null,
      status text not null check (status in
        ('pending', 'sending', 'sent', 'delivered', 'failed', 'undeliverable')),
      sender text,
      provider_sid text,
      error_code integer,
      attempts integer not null default 0,
      claimed_at timestamptz,
      updated_at timestamptz not null,
      provider_copy_deleted_at timestamptz,
      primary key (alert_id, subscriber_id)
    )`.execute(db);
  await sql`create index alert_deliveries_status_idx on alert_deliveries (alert_id, status)`.execute(db);
  await sql`create unique index alert_deliveries_sid_idx on alert_deliveries (provider_sid)
    where provider_sid is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table alert_deliveries`.execute(db);
}
