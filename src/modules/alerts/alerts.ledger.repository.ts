// The only SQL of alert delivery: the ledger (one row per alert and recipient, no number and no text), the
// alert's sending state, and the cluster-wide fan-out lock. Rows move in bulk: one statement claims a batch
// (skipping anyone who opted out or was deleted since approval), one records a batch of outcomes.
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { AmparoDatabase } from '../../db/database.ts';
import type { AlertDeliveryCounts, Database } from '../../db/schema.ts';
import { alertRecipientsQuery, subscriberReachQuery } from '../subscriptions/subscriptions.queries.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The channel the console listens on for delivery progress; the payload is the alert id only. */
export const ALERT_PROGRESS_CHANNEL = 'amparo_alerts';

/** How far along a row is: a status only ever moves to a higher rank (a late 'sent' never undoes 'delivered'). */
function rank(column: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`(case ${column} when 'pending' then 0 when 'sending' then 1 when 'sent' then 2 else 3 end)`;
}
const FINAL_RANK = 3;

export async function markAlertSending(
  trx: Transaction<Database>,
  alertId: string,
  recipients: number,
  now: Date,
): Promise<void> {
  await trx
    .updateTable('alerts')
    .set({
      recipients,
      status: recipients > 0 ? 'sending' : 'sent',
      sending_started_at: now,
      sending_finished_at: recipients > 0 ? null : now,
    })
    .where('id', '=', alertId)
    .execute();
}

export async function notifyAlertProgress(db: Db, alertId: string): Promise<void> {
  await sql`select pg_notify(${ALERT_PROGRESS_CHANNEL}, ${alertId})`.execute(db);
}

export interface SendingAlert {
  id: string;
  bodies: Record<string, string>;
}

/** Alerts being sent, oldest first. */
export async function sendingAlerts(db: Db): Promise<SendingAlert[]> {
  return db
    .selectFrom('alerts')
    .select(['id', 'bodies'])
    .where('status', '=', 'sending')
    .orderBy('sending_started_at')
    .execute();
}

/**
 * Fills the delivery ledger for an approved alert: one pending row per recipient (the subscriptions module's
 * `alertRecipientsQuery`, the same the console counted), in one statement so 100,000 rows never pass through
 * the application. Returns how many rows it created. Only approval calls it, once, with the alert locked and
 * still a draft, so no row can exist yet: a plain insert, as `on conflict`'s speculative insertion made the
 * fill about a fifth slower. In recipient order, the ledger's indexes (keyed by alert and recipient) are
 * filled at their right-hand edge rather than at random pages.
 */
export async function fillDeliveryLedger(
  trx: Transaction<Database>,
  alertId: string,
  zips: readonly string[],
  now: Date,
): Promise<number> {
  if (zips.length === 0) return 0;
  const result = await sql`
    insert into alert_deliveries (alert_id, subscriber_id, language, status, updated_at)
    select ${alertId}::uuid, r.id, r.language, 'pending', ${now}
    from (${alertRecipientsQuery(zips)}) r
    order by r.id`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

export interface ClaimedDelivery {
  subscriberId: string;
  language: string;
  /** 'undeliverable': the subscriber opted out or was deleted since approval, so the row is settled unsent. */
  status: 'sending' | 'undeliverable';
  phoneCiphertext: string | null;
  phoneIndex: string | null;
  attempts: number;
}

/**
 * Claims up to `limit` due pending rows of one alert in key order after `after`, in one statement: each
 * becomes 'sending' under this run, or 'undeliverable' when its subscriber is no longer active, is gone,
 * has opted out anywhere, or has a number known to be dead (the subscriptions module's `subscriberReachQuery`).
 * Rows another claim holds are skipped, never waited for. `reach` is materialized
 * because five expressions read `reachable`: inlined, each would look up the opt-outs again.
 */
export async function claimDeliveries(
  db: Db,
  input: { alertId: string; runId: string; limit: number; after: string | null; now: Date },
): Promise<ClaimedDelivery[]> {
  const { alertId, runId, limit, after, now } = input;
  const afterKey = after === null ? sql`` : sql`and d.subscriber_id > ${after}::uuid`;
  const result = await sql<{
    subscriber_id: string;
    language: string;
    status: 'sending' | 'undeliverable';
    attempts: number;
    phone_ciphertext: string | null;
    phone_index: string | null;
  }>`
    with picked as (
      select d.alert_id, d.subscriber_id
      from alert_deliveries d
      where d.alert_id = ${alertId}::uuid and d.status = 'pending'
        and (d.next_attempt_at is null or d.next_attempt_at <= ${now})
        ${afterKey}
      order by d.subscriber_id
      limit ${limit}
      for update skip locked
    ),
    reach as materialized (
      select p.alert_id, p.subscriber_id, s.phone_ciphertext, s.phone_index,
        coalesce(s.reachable, false) as reachable
      from picked p
      left join lateral (${subscriberReachQuery(sql.ref('p.subscriber_id'))}) s on true
    )
    update alert_deliveries d set
      status = case when r.reachable then 'sending' else 'undeliverable' end,
      attempts = d.attempts + case when r.reachable then 1 else 0 end,
      claimed_by = case when r.reachable then ${runId}::uuid end,
      claimed_at = case when r.reachable then ${now}::timestamptz end,
      next_attempt_at = null,
      updated_at = ${now}
    from reach r
    where d.alert_id = r.alert_id and d.subscriber_id = r.subscriber_id
    returning d.subscriber_id, d.language, d.status, d.attempts,
      case when r.reachable then r.phone_ciphertext end as phone_ciphertext,
      case when r.reachable then r.phone_index end as phone_index`.execute(db);
  return result.rows.map((row) => ({
    subscriberId: row.subscriber_id,
    language: row.language,
    status: row.status,
    attempts: Number(row.attempts),
    phoneCiphertext: row.phone_ciphertext,
    phoneIndex: row.phone_index,
  }));
}

export interface DeliveryOutcome {
  alertId: string;
  subscriberId: string;
  status: 'sent' | 'pending' | 'failed' | 'undeliverable';
  sender: string | null;
  providerSid: string | null;
  errorCode: number | null;
  /** For a row put back to 'pending': not claimed again before this. */
  nextAttemptAt: Date | null;
  /** -1 when the text never reached the provider (held back), so the claim does not count as an attempt. */
  attemptsDelta: number;
}

/**
 * Records a batch of outcomes in one statement. Only rows still 'sending' under this run are touched: a
 * row another run took back (its claim outlived the lease) is that run's now. A final status callback that
 * overtook a text's SID (kept in alert_delivery_early_statuses) is applied in the same statement, for this
 * batch's SIDs and for `earlierSids`, the previous batch's: a callback writes its early status and then
 * looks for the SID again, so whichever of the two looks last sees the other (see recordAlertTextStatus).
 * Returns the alerts that had an early status applied.
 *
 * Rows are matched by key and claim alone (a claim is held exactly while a row is 'sending', which a check
 * constraint keeps true). Said as `status = 'sending'`, it let the planner answer from the small partial
 * index of sending rows with the alert as the only key, reading every entry the alert had left there per
 * outcome: each row passes through 'sending', and dead entries stay until vacuum, so a text cost more the
 * further the alert had got. Parts with nothing to do are left out rather than given empty arrays: a
 * condition on an empty array is false for every row, so any partial index "matches" it, and the planner
 * may read one whole.
 */
export async function recordOutcomes(
  db: Db,
  runId: string,
  now: Date,
  outcomes: readonly DeliveryOutcome[],
  earlierSids: readonly string[] = [],
): Promise<string[]> {
  if (outcomes.length === 0 && earlierSids.length === 0) return [];
  const column = <T>(pick: (outcome: DeliveryOutcome) => T) => sql.val(outcomes.map(pick));
  const sids = outcomes.flatMap((outcome) => (outcome.providerSid ? [outcome.providerSid] : []));
  const lookedFor = [...sids, ...earlierSids];
  const none = sql`select null::uuid as alert_id where false`;
  const early =
    lookedFor.length === 0
      ? sql`select null::text as provider_sid, null::text as status, null::int as error_code where false`
      : sql`
      delete from alert_delivery_early_statuses e
      where e.provider_sid = any(${sql.val(lookedFor)}::text[])
      returning e.provider_sid, e.status, e.error_code`;
  const settledEarlier =
    earlierSids.length === 0
      ? none
      : sql`
      update alert_deliveries d set status = early.status,
        error_code = coalesce(early.error_code, d.error_code), updated_at = ${now}
      from early
      where d.provider_sid = early.provider_sid
        and d.provider_sid = any(${sql.val([...earlierSids])}::text[])
        and ${rank(sql.ref('d.status'))} < ${FINAL_RANK}
      returning d.alert_id`;
  const recorded =
    outcomes.length === 0
      ? none
      : sql`
      update alert_deliveries d set
        status = coalesce(early.status, v.status),
        sender = coalesce(v.sender, d.sender),
        provider_sid = v.provider_sid,
        error_code = coalesce(early.error_code, v.error_code),
        next_attempt_at = v.next_attempt_at,
        attempts = d.attempts + v.attempts_delta,
        claimed_by = null,
        claimed_at = null,
        updated_at = ${now}
      from unnest(
        ${column((o) => o.alertId)}::uuid[],
        ${column((o) => o.subscriberId)}::uuid[],
        ${column((o) => o.status)}::text[],
        ${column((o) => o.sender)}::text[],
        ${column((o) => o.providerSid)}::text[],
        ${column((o) => o.errorCode)}::int[],
        ${column((o) => o.nextAttemptAt?.toISOString() ?? null)}::timestamptz[],
        ${column((o) => o.attemptsDelta)}::int[]
      ) as v(alert_id, subscriber_id, status, sender, provider_sid, error_code, next_attempt_at, attempts_delta)
      left join early on early.provider_sid = v.provider_sid
      where d.alert_id = v.alert_id and d.subscriber_id = v.subscriber_id and d.claimed_by = ${runId}::uuid
      returning case when early.status is not null then d.alert_id end as alert_id`;
  const result = await sql<{ alert_id: string }>`
    with early as (${early}),
    settled_earlier as (${settledEarlier}),
    recorded as (${recorded})
    select alert_id from recorded where alert_id is not null
    union
    select alert_id from settled_earlier`.execute(db);
  return result.rows.map((row) => row.alert_id);
}

/**
 * Applies every final status that arrived before the SID it names was recorded, now that the ledger knows
 * the SID (a callback and the record of its SID can pass each other in flight).
 */
export async function applyEarlyStatuses(db: Db, now: Date): Promise<string[]> {
  const result = await sql<{ alert_id: string }>`
    with early as (
      delete from alert_delivery_early_statuses e
      where exists (select 1 from alert_deliveries d where d.provider_sid = e.provider_sid)
      returning e.provider_sid, e.status, e.error_code
    )
    update alert_deliveries d set status = early.status,
      error_code = coalesce(early.error_code, d.error_code), updated_at = ${now}
    from early
    where d.provider_sid = early.provider_sid and ${rank(sql.ref('d.status'))} < ${FINAL_RANK}
    returning d.alert_id`.execute(db);
  return [...new Set(result.rows.map((row) => row.alert_id))];
}

/** Early statuses never matched (texts that were not alerts) are forgotten after a while. */
export async function forgetEarlyStatuses(db: Db, receivedBefore: Date): Promise<number> {
  const result = await db
    .deleteFrom('alert_delivery_early_statuses')
    .where('received_at', '<', receivedBefore)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export type FinalStatus = 'delivered' | 'failed' | 'undeliverable';

/**
 * A status callback's final status (with its ErrorCode), applied only forward. Returns the alert it moved,
 * 'unchanged' when the row was already final, or 'unknown' when no row carries this SID (yet).
 */
export async function recordFinalStatus(
  db: Db,
  providerSid: string,
  status: FinalStatus,
  errorCode: number | null,
  now: Date,
): Promise<{ alertId: string } | 'unchanged' | 'unknown'> {
  const result = await sql<{ alert_id: string | null; advanced: string | number }>`
    with target as (
      select alert_id, subscriber_id, status from alert_deliveries where provider_sid = ${providerSid}
    ),
    advanced as (
      update alert_deliveries d set status = ${status}, error_code = ${errorCode}, updated_at = ${now}
      from target t
      where d.alert_id = t.alert_id and d.subscriber_id = t.subscriber_id
        and ${rank(sql.ref('t.status'))} < ${FINAL_RANK}
      returning d.alert_id
    )
    select (select alert_id from target) as alert_id, (select count(*) from advanced) as advanced`.execute(
    db,
  );
  const row = result.rows[0];
  if (!row?.alert_id) return 'unknown';
  return Number(row.advanced) > 0 ? { alertId: row.alert_id } : 'unchanged';
}

export async function forgetEarlyStatus(db: Db, providerSid: string): Promise<void> {
  await db.deleteFrom('alert_delivery_early_statuses').where('provider_sid', '=', providerSid).execute();
}

export async function rememberEarlyStatus(
  db: Db,
  providerSid: string,
  status: FinalStatus,
  errorCode: number | null,
  now: Date,
): Promise<void> {
  await db
    .insertInto('alert_delivery_early_statuses')
    .values({ provider_sid: providerSid, status, error_code: errorCode, received_at: now })
    .onConflict((conflict) => conflict.column('provider_sid').doNothing())
    .execute();
}

/**
 * Puts rows back to 'pending' whose claim is older than the lease and not this run's: the run that
 * claimed them is gone (its texts may or may not have reached the provider; these are the only ones that
 * can go twice).
 */
export async function returnStaleClaims(
  db: Db,
  input: { runId: string | null; claimedBefore: Date; now: Date },
): Promise<number> {
  const result = await sql`
    update alert_deliveries d set status = 'pending', claimed_by = null, claimed_at = null, updated_at = ${input.now}
    from alerts a
    where a.id = d.alert_id and a.status = 'sending'
      and d.status = 'sending'
      and d.claimed_by is distinct from ${input.runId}::uuid
      and d.claimed_at < ${input.claimedBefore}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export interface LedgerState {
  /** Some pending row may be claimed now. */
  due: boolean;
  /** The earliest retry time among pending rows not yet due; null when none waits. */
  nextAttemptAt: Date | null;
  /** This run holds some of the alert's rows. */
  mine: boolean;
  /** The oldest claim among rows another (gone) run holds; null when there is none. */
  oldestOtherClaim: Date | null;
}

/**
 * What an alert whose pending rows gave nothing to claim waits for: its pending rows (by then only those
 * waiting for a retry, or held for a moment by another statement) in one pass, and the claims on its few
 * sending rows through their partial index. The alert's settled rows, most of a large alert by then, are
 * never counted.
 */
export async function ledgerState(db: Db, alertId: string, runId: string, now: Date): Promise<LedgerState> {
  const result = await sql<{
    due: boolean | null;
    next_attempt_at: Date | null;
    mine: boolean;
    oldest_other_claim: Date | null;
  }>`
    select p.due, p.next_attempt_at,
      exists (select 1 from alert_deliveries d where d.alert_id = ${alertId}::uuid and d.status = 'sending'
              and d.claimed_by = ${runId}::uuid) as mine,
      (select min(d.claimed_at) from alert_deliveries d where d.alert_id = ${alertId}::uuid
              and d.status = 'sending' and d.claimed_by <> ${runId}::uuid) as oldest_other_claim
    from (
      select bool_or(d.next_attempt_at is null or d.next_attempt_at <= ${now}) as due,
        min(d.next_attempt_at) filter (where d.next_attempt_at > ${now}) as next_attempt_at
      from alert_deliveries d
      where d.alert_id = ${alertId}::uuid and d.status = 'pending'
    ) p`.execute(db);
  const row = result.rows[0]!;
  return {
    due: row.due === true,
    nextAttemptAt: row.next_attempt_at === null ? null : new Date(row.next_attempt_at),
    mine: row.mine,
    oldestOtherClaim: row.oldest_other_claim === null ? null : new Date(row.oldest_other_claim),
  };
}

/** Marks the alert sent once no row is pending or sending; true when this call did it. */
export async function finishAlertIfDone(db: Db, alertId: string, now: Date): Promise<boolean> {
  // Two questions, not `status in (...)`: each is answered from its own partial index, while one
  // question about both statuses reads the alert's whole key range.
  const result = await sql`
    update alerts set status = 'sent', sending_finished_at = ${now}
    where id = ${alertId}::uuid and status = 'sending'
      and not exists (
        select 1 from alert_deliveries d where d.alert_id = ${alertId}::uuid and d.status = 'pending'
      )
      and not exists (
        select 1 from alert_deliveries d where d.alert_id = ${alertId}::uuid and d.status = 'sending'
      )`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** Alerts being sent that have something to do: rows due or waiting, claims to take back, or nothing left. */
export async function alertsNeedingFanOut(db: Db, staleBefore: Date, now: Date): Promise<string[]> {
  const result = await sql<{ id: string }>`
    select a.id from alerts a
    where a.status = 'sending'
      and (
        exists (select 1 from alert_deliveries d where d.alert_id = a.id and d.status = 'pending'
                and (d.next_attempt_at is null or d.next_attempt_at <= ${now}))
        or exists (select 1 from alert_deliveries d where d.alert_id = a.id and d.status = 'sending'
                and d.claimed_at < ${staleBefore})
        or not exists (select 1 from alert_deliveries d where d.alert_id = a.id
                and d.status in ('pending', 'sending'))
      )
    order by a.sending_started_at`.execute(db);
  return result.rows.map((row) => row.id);
}

export interface DeliveryCounts {
  pending: number;
  sending: number;
  sent: number;
  delivered: number;
  failed: number;
  undeliverable: number;
}

export async function countDeliveries(db: Db, alertId: string): Promise<DeliveryCounts> {
  const rows = await db
    .selectFrom('alert_deliveries')
    .select(['status', (eb) => eb.fn.countAll<string>().as('count')])
    .where('alert_id', '=', alertId)
    .groupBy('status')
    .execute();
  const counts: DeliveryCounts = {
    pending: 0,
    sending: 0,
    sent: 0,
    delivered: 0,
    failed: 0,
    undeliverable: 0,
  };
  for (const row of rows) counts[row.status] = Number(row.count);
  return counts;
}

export async function purgedCounts(
  db: Db,
  alertId: string,
): Promise<{ purged: false } | { purged: true; counts: AlertDeliveryCounts | null }> {
  const alert = await db
    .selectFrom('alerts')
    .select(['deliveries_purged_at', 'purged_counts'])
    .where('id', '=', alertId)
    .executeTakeFirst();
  if (!alert?.deliveries_purged_at) return { purged: false };
  return { purged: true, counts: alert.purged_counts };
}

// Retention.

/** Twilio SIDs of texts in a final state whose copy at Twilio is still to be deleted, in SID order. */
export async function twilioCopiesToDelete(
  db: Db,
  input: { after: string; limit: number; sentBefore: Date },
): Promise<string[]> {
  const result = await sql<{ provider_sid: string }>`
    select provider_sid from alert_deliveries
    where provider_copy_deleted_at is null and provider_sid like 'SM%'
      and provider_sid > ${input.after}
      and (status in ('delivered', 'failed', 'undeliverable')
           or (status = 'sent' and updated_at < ${input.sentBefore}))
    order by provider_sid
    limit ${input.limit}`.execute(db);
  return result.rows.map((row) => row.provider_sid);
}

export async function markCopiesDeleted(db: Db, sids: readonly string[], now: Date): Promise<void> {
  if (sids.length === 0) return;
  await db
    .updateTable('alert_deliveries')
    .set({ provider_copy_deleted_at: now })
    .where('provider_sid', 'in', [...sids])
    .execute();
}

/**
 * Alerts that finished (or were cancelled mid-way) before the cutoff and still have ledger rows. One whose
 * copies at Twilio are not all deleted waits (its rows hold the SIDs), but not past `giveUpBefore`.
 */
export async function alertsToReduce(
  db: Db,
  input: { finishedBefore: Date; giveUpBefore: Date },
): Promise<string[]> {
  const result = await sql<{ id: string }>`
    select a.id from alerts a
    where a.deliveries_purged_at is null and a.sending_started_at is not null
      and coalesce(a.sending_finished_at, a.cancelled_at) < ${input.finishedBefore}
      and (coalesce(a.sending_finished_at, a.cancelled_at) < ${input.giveUpBefore}
           or not exists (select 1 from alert_deliveries d where d.alert_id = a.id
                          and d.provider_copy_deleted_at is null and d.provider_sid like 'SM%'))`.execute(db);
  return result.rows.map((row) => row.id);
}

/** Deletes an alert's ledger rows, keeping only how many ended in each state. */
export async function reduceLedgerToCounts(
  trx: Transaction<Database>,
  alertId: string,
  now: Date,
): Promise<AlertDeliveryCounts> {
  const result = await sql<{ status: string; count: string | number }>`
    with gone as (delete from alert_deliveries where alert_id = ${alertId}::uuid returning status)
    select status, count(*) as count from gone group by status`.execute(trx);
  const by = Object.fromEntries(result.rows.map((row) => [row.status, Number(row.count)]));
  const unsent = (by.pending ?? 0) + (by.sending ?? 0);
  const counts: AlertDeliveryCounts = {
    sent: by.sent ?? 0,
    delivered: by.delivered ?? 0,
    failed: by.failed ?? 0,
    undeliverable: by.undeliverable ?? 0,
    ...(unsent > 0 ? { unsent } : {}),
  };
  await trx
    .updateTable('alerts')
    .set({ purged_counts: JSON.stringify(counts), deliveries_purged_at: now })
    .where('id', '=', alertId)
    .execute();
  return counts;
}

// The fan-out lock: one run at a time across every worker, so the rate caps hold for the whole network.

const FAN_OUT_LOCK = sql`hashtext('amparo.alerts.fan-out')`;

/** What a run holding the lock can ask: is the lock still held (throws when its connection is gone)? */
export type LockCheck = () => Promise<void>;

/**
 * Runs `work` holding the fan-out lock, or returns undefined at once when another run holds it. The lock is
 * a session advisory lock on a connection kept for the run: if the process dies,
 * the server drops the connection and the lock with it, so a restarted worker is never kept waiting.
 */
export async function withFanOutLock<T>(
  database: Pick<AmparoDatabase, 'db'>,
  work: (check: LockCheck) => Promise<T>,
): Promise<T | undefined> {
  return database.db.connection().execute(async (connection) => {
    const { rows } = await sql<{ locked: boolean }>`
      select pg_try_advisory_lock(${FAN_OUT_LOCK}) as locked`.execute(connection);
    if (!rows[0]?.locked) return undefined;
    try {
      return await work(async () => {
        await sql`select 1`.execute(connection);
      });
    } finally {
      await sql`select pg_advisory_unlock(${FAN_OUT_LOCK})`.execute(connection).catch(() => undefined);
    }
  });
}

/** Whether some worker is fanning out right now (looked at, not taken: a run starting is never turned away). */
export async function isFanOutRunning(database: Pick<AmparoDatabase, 'db'>): Promise<boolean> {
  // A bigint advisory key shows in pg_locks as its high half (classid) and low half (objid).
  const { rows } = await sql<{ running: boolean }>`
    select exists (
      select 1 from pg_locks
      where locktype = 'advisory' and granted and objsubid = 1
        and database = (select oid from pg_database where datname = current_database())
        and ((classid::bigint << 32) | objid::bigint) = ${FAN_OUT_LOCK}::bigint
    ) as running`.execute(database.db);
  return rows[0]?.running === true;
}
