// Rate-limit counters shared by every web process, so a limit holds however many processes serve the public
// pages. Rows hold a coarse bucket of a keyed hash of the client address (about a million buckets: each
// covers thousands of IPv4 addresses), never the address, and live only as long as their window. Unlogged:
// a counter is not worth a disk write per request, and a crash that forgets one only forgives a few requests.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create unlogged table rate_limit_counts (
      scope text not null,
      bucket integer not null,
      window_start timestamptz not null,
      expires_at timestamptz not null,
      hits integer not null,
      primary key (scope, bucket)
    )`.execute(db);
  await sql`create index rate_limit_counts_expires_at_idx on rate_limit_counts (expires_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table rate_limit_counts`.execute(db);
}
