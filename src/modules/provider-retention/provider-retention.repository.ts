// The only SQL over provider_copies: the ledger of what Twilio still holds, by SID.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, ProviderCopyKind, ProviderCopyState } from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewCopy {
  sid: string;
  kind: ProviderCopyKind;
  parentSid?: string | undefined;
  state: 'waiting' | 'ready';
  dueAt: Date;
}

export interface ClaimedCopy {
  sid: string;
  kind: ProviderCopyKind;
  parent_sid: string | null;
  attempts: number;
  created_at: Date;
  redacted_at: Date | null;
}

/** Notes copies; one already noted keeps its row (a webhook retried, a callback after the send). */
export async function insertCopies(db: Db, now: Date, copies: readonly NewCopy[]): Promise<void> {
  if (copies.length === 0) return;
  await db
    .insertInto('provider_copies')
    .values(
      copies.map((copy) => ({
        sid: copy.sid,
        kind: copy.kind,
        parent_sid: copy.parentSid ?? null,
        state: copy.state,
        created_at: now,
        due_at: copy.dueAt,
      })),
    )
    .onConflict((conflict) => conflict.column('sid').doNothing())
    .execute();
}

/**
 * The copy is final at Twilio and no longer needed: due now. Noted if it was not (a TwiML reply is known
 * only from its status callback); a row already being retried or failed keeps its state.
 */
export async function markReady(db: Db, sid: string, kind: ProviderCopyKind, now: Date): Promise<void> {
  await db
    .insertInto('provider_copies')
    .values({ sid, kind, parent_sid: null, state: 'ready', created_at: now, due_at: now })
    .onConflict((conflict) =>
      conflict
        .column('sid')
        .doUpdateSet({ state: 'ready', due_at: now })
        .where('provider_copies.state', '=', 'waiting'),
    )
    .execute();
}

export async function deleteCopy(db: Db, sid: string): Promise<void> {
  await db.deleteFrom('provider_copies').where('sid', '=', sid).execute();
}

/**
 * Claims up to `limit` copies due by `now` (oldest due first) whose attachments and recordings are all
 * gone, by moving their due time to `leaseUntil`: a sweep that dies mid-way leaves them to be claimed
 * again then, and two sweeps never take the same row.
 */
export async function claimDueCopies(
  db: Db,
  input: { now: Date; leaseUntil: Date; limit: number },
): Promise<ClaimedCopy[]> {
  const result = await sql<ClaimedCopy>`
    with due as (
      select c.sid from provider_copies c
      where c.state <> 'failed' and c.due_at <= ${input.now}
        and not exists (select 1 from provider_copies child where child.parent_sid = c.sid)
      order by c.due_at
      limit ${input.limit}
      for update of c skip locked
    )
    update provider_copies p set due_at = ${input.leaseUntil}
    from due where p.sid = due.sid
    returning p.sid, p.kind, p.parent_sid, p.attempts, p.created_at, p.redacted_at`.execute(db);
  return result.rows;
}

/** Whether anything is due now (a parent may have become due when its last attachment went). */
export async function hasDueCopies(db: Db, now: Date): Promise<boolean> {
  const probe = await db
    .selectFrom('provider_copies as c')
    .select('c.sid')
    .where('c.state', '<>', 'failed')
    .where('c.due_at', '<=', now)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('provider_copies as child')
            .select('child.sid')
            .whereRef('child.parent_sid', '=', 'c.sid'),
        ),
      ),
    )
    .limit(1)
    .executeTakeFirst();
  return probe !== undefined;
}

/** Another attempt later: Twilio could not delete it yet, or could not be reached. */
export async function retryCopyLater(
  db: Db,
  sid: string,
  change: { dueAt: Date; lastError: string; redactedAt?: Date | undefined },
): Promise<void> {
  await db
    .updateTable('provider_copies')
    .set((eb) => ({
      state: 'ready',
      due_at: change.dueAt,
      attempts: eb('attempts', '+', 1),
      last_error: change.lastError,
      ...(change.redactedAt ? { redacted_at: change.redactedAt } : {}),
    }))
    .where('sid', '=', sid)
    .execute();
}

/** Twilio refused the deletion for good: kept for admins to see and try again. */
export async function markCopyFailed(
  db: Db,
  sid: string,
  change: { lastError: string; redactedAt?: Date | undefined },
): Promise<void> {
  await db
    .updateTable('provider_copies')
    .set((eb) => ({
      state: 'failed',
      attempts: eb('attempts', '+', 1),
      last_error: change.lastError,
      ...(change.redactedAt ? { redacted_at: change.redactedAt } : {}),
    }))
    .where('sid', '=', sid)
    .execute();
}

/** Failed copies are tried again from now, from a fresh count. */
export async function retryFailedCopies(db: Db, now: Date): Promise<number> {
  const result = await db
    .updateTable('provider_copies')
    .set({ state: 'ready', due_at: now, attempts: 0 })
    .where('state', '=', 'failed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface CopyCount {
  kind: ProviderCopyKind;
  state: ProviderCopyState;
  /** Ready rows already tried at least once (20009 or Twilio unreachable). */
  retrying: boolean;
  last_error: string | null;
  count: number;
}

/** Counts by kind, state and (for retried and failed rows) Twilio's last answer. */
export async function countCopies(db: Db): Promise<CopyCount[]> {
  const result = await sql<CopyCount>`
    select kind, state, attempts > 0 as retrying,
           case when attempts > 0 or state = 'failed' then last_error end as last_error,
           count(*)::int as count
    from provider_copies
    group by 1, 2, 3, 4
    order by 1, 2, 3, 4`.execute(db);
  return result.rows;
}
