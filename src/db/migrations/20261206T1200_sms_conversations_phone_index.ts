// The reply window reads, for each incoming text, when the sender's number last got an automatic reply over
// its open and recently closed conversations. Only open conversations were indexed by number, so that read
// scanned every conversation of the last hour: under a flood of texts, each one cost more than the one before.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index sms_conversations_phone_idx on sms_conversations (phone_index)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index sms_conversations_phone_idx`.execute(db);
}
