// The delivery ledger: one row per (alert, recipient). It carries no number and no text: the sender reads
// the subscriber's encrypted number when it sends, and the body from the alert. States move
// pending → sending → sent (→ delivered), failed or undeliverable. A claimed row keeps which fan-out run
// claimed it and when, so a restart knows exactly which were in flight and which run may record them.
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
      next_attempt_at timestamptz,
      claimed_by uuid,
      claimed_at timestamptz,
      updated_at timestamptz not null,
      provider_copy_deleted_at timestamptz,
      primary key (alert_id, subscriber_id)
    )`.execute(db);
  // Every index costs each row's two updates (claimed, recorded) an insert, so there are few, and partial:
  // the fan-out walks pending rows in key order with a cursor (rows it took are never scanned again), and
  // finds claims to take back among the few rows sending. Counts by status scan one alert's key range.
  await sql`create index alert_deliveries_pending_idx on alert_deliveries (alert_id, subscriber_id)
    where status = 'pending'`.execute(db);
  await sql`create index alert_deliveries_sending_idx on alert_deliveries (alert_id, claimed_at)
    where status = 'sending'`.execute(db);
  // Status callbacks find their row by SID; the retention job walks it to delete copies at Twilio.
  await sql`create unique index alert_deliveries_sid_idx on alert_deliveries (provider_sid)
    where provider_sid is not null`.execute(db);
  // A final status callback that overtook the fan-out's own record of the message SID (Twilio can call
  // back before the batch holding the SID commits); applied as soon as the SID is recorded.
  await sql`
    create table alert_delivery_early_statuses (
      provider_sid text primary key,
      status text not null check (status in ('delivered', 'failed', 'undeliverable')),
      received_at timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table alert_delivery_early_statuses`.execute(db);
  await sql`drop table alert_deliveries`.execute(db);
}
