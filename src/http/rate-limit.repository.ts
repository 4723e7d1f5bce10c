// SQL for the shared rate-limit counters (rate_limit_counts).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export interface CountedHit {
  hits: number;
  expiresAt: Date;
}

/**
 * Counts one request in one statement: a new window starts with this request when there is none or the last
 * one is over, as with a per-process counter.
 */
export async function countHit(
  db: Kysely<Database>,
  hit: { scope: string; bucket: number; now: Date; windowMs: number },
): Promise<CountedHit> {
  const expiresAt = new Date(hit.now.getTime() + hit.windowMs);
  const { rows } = await sql<{ hits: number; expires_at: Date }>`
    insert into rate_limit_counts as counts (scope, bucket, window_start, expires_at, hits)
    values (${hit.scope}, ${hit.bucket}, ${hit.now}, ${expiresAt}, 1)
    on conflict (scope, bucket) do update set
      hits = case when counts.expires_at <= excluded.window_start then 1 else counts.hits + 1 end,
      window_start = case when counts.expires_at <= excluded.window_start
        then excluded.window_start else counts.window_start end,
      expires_at = case when counts.expires_at <= excluded.window_start
        then excluded.expires_at else counts.expires_at end
    returning hits, expires_at`.execute(db);
  return { hits: rows[0]!.hits, expiresAt: rows[0]!.expires_at };
}

export async function deleteExpiredCounts(db: Kysely<Database>, now: Date): Promise<void> {
  await db.deleteFrom('rate_limit_counts').where('expires_at', '<=', now).execute();
}

/** The hits counted in a bucket's window that is still running: 0 when there is none or it is over. */
export async function liveHits(
  db: Kysely<Database>,
  key: { scope: string; bucket: number; now: Date },
): Promise<number> {
  const row = await db
    .selectFrom('rate_limit_counts')
    .select('hits')
    .where('scope', '=', key.scope)
    .where('bucket', '=', key.bucket)
    .where('expires_at', '>', key.now)
    .executeTakeFirst();
  return row?.hits ?? 0;
}
