// Numbers Twilio itself refuses to text (its opt-out list, error 21610), kept apart from Amparo's own
// opt-outs: a Spanish speaker's INICIO lifts Amparo's opt-out but not Twilio's block, and staff are told
// about subscribers in that state. The blind index only, like sms_opt_outs.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table sms_provider_blocks (
      phone_index text primary key,
      blocked_at timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table sms_provider_blocks`.execute(db);
}
