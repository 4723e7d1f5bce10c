// Webhook delivery keys are kept as keyed hashes, for weeks, while the answers they repeat go after 48
// hours (see answerOnce in src/integrations/twilio/webhook.ts). The receipts written so far hold Twilio's
// SIDs in the clear, and no hash of them can be made here (the key is outside the database): they are
// deleted. A retry Twilio makes across the upgrade, within minutes of it, is answered afresh.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`delete from twilio_webhook_receipts`.execute(db);
  await sql`alter table twilio_webhook_receipts rename column key to key_hash`.execute(db);
  // The hourly purge forgets answers older than 48 hours: only rows still holding one are looked at.
  await sql`create index twilio_webhook_receipts_answered_idx on twilio_webhook_receipts (received_at)
    where response is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index twilio_webhook_receipts_answered_idx`.execute(db);
  // A hash cannot be turned back into the key the old code looks up.
  await sql`delete from twilio_webhook_receipts`.execute(db);
  await sql`alter table twilio_webhook_receipts rename column key_hash to key`.execute(db);
}
