// Community alert subscribers. A number is kept only encrypted plus the shared phone blind index; there is
// no name. Sign-up attempts are counted (per number prefix, as a keyed hash, and in total) so SMS pumping
// cannot use the confirmation text; they are kept only as long as the hourly caps need them.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table subscribers (
      id uuid primary key,
      phone_ciphertext text not null,
      phone_index text not null,
      language text not null,
      zips text[] not null default '{}',
      status text not null check (status in ('pending', 'active', 'opted_out')),
      created_at timestamptz not null,
      confirmed_at timestamptz,
      opted_out_at timestamptz,
      confirmation_code_hash text,
      confirmation_expires_at timestamptz,
      confirmation_attempts integer not null default 0,
      pending_zips text[],
      pending_language text
    )`.execute(db);
  await sql`create unique index subscribers_phone_idx on subscribers (phone_index)`.execute(db);
  await sql`create index subscribers_opted_out_idx on subscribers (opted_out_at)
    where status = 'opted_out'`.execute(db);

  await sql`
    create table subscription_signups (
      id uuid primary key,
      prefix_index text not null,
      channel text not null check (channel in ('sms', 'web')),
      outcome text not null check (outcome in ('accepted', 'refused')),
      at timestamptz not null
    )`.execute(db);
  await sql`create index subscription_signups_at_idx on subscription_signups (at)`.execute(db);
  await sql`create index subscription_signups_prefix_idx on subscription_signups (prefix_index, at)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table subscription_signups`.execute(db);
  await sql`drop table subscribers`.execute(db);
}
