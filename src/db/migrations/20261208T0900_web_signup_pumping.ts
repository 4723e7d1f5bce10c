// Against SMS pumping through the web alert sign-up. Web sign-ups are counted per number (a keyed hash of
// its own purpose, not the phone blind index, so the counts cannot be joined to subscribers or opt-outs) and
// per client (a 20-bit bucket of a keyed hash of the address, like the rate limiter's), kept a day. The code
// is texted by a job, from a request row holding only the number (encrypted) and what was asked for, so the
// web answer does the same work whatever the number's history. Spent proof-of-work challenges are kept
// until they expire, so each is used once.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table subscription_signups
    add column number_index text,
    add column client_bucket integer`.execute(db);
  await sql`create index subscription_signups_number_idx on subscription_signups (number_index, at)
    where number_index is not null`.execute(db);
  await sql`create index subscription_signups_client_idx on subscription_signups (client_bucket, at)
    where client_bucket is not null`.execute(db);

  await sql`
    create table subscription_code_requests (
      id uuid primary key,
      phone_ciphertext text not null,
      zips text[] not null,
      language text not null,
      created_at timestamptz not null
    )`.execute(db);
  await sql`create index subscription_code_requests_created_idx on subscription_code_requests (created_at)`.execute(
    db,
  );

  await sql`
    create table proof_of_work_spent (
      challenge_id text primary key,
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index proof_of_work_spent_expires_idx on proof_of_work_spent (expires_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table proof_of_work_spent`.execute(db);
  await sql`drop table subscription_code_requests`.execute(db);
  await sql`drop index subscription_signups_client_idx`.execute(db);
  await sql`drop index subscription_signups_number_idx`.execute(db);
  await sql`alter table subscription_signups drop column client_bucket, drop column number_index`.execute(db);
}
