// Sign-in failures are counted per account and client, not per account: an attacker who knows a staff email
// could otherwise keep that person locked out (users.locked_until) from every device. A client that keeps
// failing for an account is asked for a proof of work instead; nobody else is slowed down.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table sign_in_failures (
      account_index text not null,
      client_bucket integer not null,
      failures integer not null,
      last_failed_at timestamptz not null,
      primary key (account_index, client_bucket)
    )`.execute(db);
  await sql`create index sign_in_failures_last_failed_idx on sign_in_failures (last_failed_at)`.execute(db);
  // Locks set before this release would otherwise hold for up to 15 minutes more: nothing reads them now.
  await sql`update users set locked_until = null, failed_login_count = 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table sign_in_failures`.execute(db);
}
