// The only SQL for alert subscribers, web sign-ups waiting for their code, and the sign-up counts behind the
// anti-pumping caps.
import { sql, type Expression, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type {
  Database,
  Subscriber,
  SubscribersTable,
  SubscriptionCodeRequestsTable,
} from '../../db/schema.ts';
import type { Insertable, Selectable, Updateable } from 'kysely';
import {
  blockedByProviderCondition,
  optedOutCondition,
  unreachableCondition,
} from '../opt-outs/opt-outs.queries.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function lockSubscriber(db: Db, phoneIndex: string): Promise<Subscriber | undefined> {
  return db
    .selectFrom('subscribers')
    .selectAll()
    .where('phone_index', '=', phoneIndex)
    .forUpdate()
    .executeTakeFirst();
}

export async function insertSubscriber(db: Db, row: Insertable<SubscribersTable>): Promise<void> {
  await db.insertInto('subscribers').values(row).execute();
}

export async function updateSubscriber(
  db: Db,
  id: string,
  change: Updateable<SubscribersTable>,
): Promise<void> {
  await db.updateTable('subscribers').set(change).where('id', '=', id).execute();
}

/** Marks the number's subscription (if any) opted out; the row itself goes after the purge delay. */
export async function markSubscriberOptedOut(db: Db, phoneIndex: string, at: Date): Promise<void> {
  await db
    .updateTable('subscribers')
    .set({
      status: 'opted_out',
      opted_out_at: at,
      confirmation_code_hash: null,
      confirmation_expires_at: null,
      pending_zips: null,
      pending_language: null,
    })
    .where('phone_index', '=', phoneIndex)
    .where('status', '!=', 'opted_out')
    .execute();
}

/**
 * Serialises sign-ups so two at once cannot both slip under a cap (a transaction-scoped advisory lock,
 * released at commit).
 */
export async function lockSignupCounts(db: Db): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('amparo.subscription_signups'))`.execute(db);
}

/** What an accepted web sign-up is counted under; each cap looks at one of these, or at all of them. */
export interface SignupKeys {
  prefixIndex: string;
  numberIndex: string;
  clientBucket: number;
}

/** Accepted web sign-ups since each window began: in total and per prefix (hour), number (day), client (hour). */
export async function countAcceptedWebSignups(
  db: Db,
  keys: SignupKeys,
  since: { hour: Date; day: Date },
): Promise<{ total: number; prefix: number; number: number; client: number }> {
  const { rows } = await sql<{ total: number; prefix: number; number: number; client: number }>`
    select
      count(*) filter (where at > ${since.hour})::int as total,
      count(*) filter (where at > ${since.hour} and prefix_index = ${keys.prefixIndex})::int as prefix,
      count(*) filter (where number_index = ${keys.numberIndex})::int as number,
      count(*) filter (where at > ${since.hour} and client_bucket = ${keys.clientBucket})::int as client
    from subscription_signups
    where channel = 'web' and outcome = 'accepted' and at > ${since.day}`.execute(db);
  return rows[0] ?? { total: 0, prefix: 0, number: 0, client: 0 };
}

export async function recordSignup(
  db: Db,
  row: {
    id: string;
    prefix_index: string;
    number_index: string;
    client_bucket: number;
    channel: 'web';
    outcome: 'accepted' | 'refused';
    at: Date;
  },
): Promise<void> {
  await db.insertInto('subscription_signups').values(row).execute();
}

export async function insertCodeRequest(
  db: Db,
  row: Insertable<SubscriptionCodeRequestsTable>,
): Promise<void> {
  await db.insertInto('subscription_code_requests').values(row).execute();
}

/** Removes and returns a web sign-up's request: whoever takes it is the only one to text its code. */
export async function takeCodeRequest(
  db: Db,
  id: string,
): Promise<Selectable<SubscriptionCodeRequestsTable> | undefined> {
  return db.deleteFrom('subscription_code_requests').where('id', '=', id).returningAll().executeTakeFirst();
}

/**
 * Deletes opted-out subscribers (their numbers) past the purge delay, web sign-ups never confirmed, sign-up
 * counts the caps no longer need and code requests no job took; forgets web changes an existing subscriber
 * never confirmed.
 */
export async function purgeSubscribers(
  db: Db,
  cutoffs: {
    optedOutBefore: Date;
    /** A web sign-up is stale when it began before this... */
    unconfirmedBefore: Date;
    /** ...and its latest code expired before this (asking again sends a new code that must keep working). */
    codeExpiredBefore: Date;
    signupsBefore: Date;
    /** Requests a failed job left behind. */
    codeRequestsBefore: Date;
  },
): Promise<{ optedOut: number; unconfirmed: number; unconfirmedChanges: number }> {
  const optedOut = await db
    .deleteFrom('subscribers')
    .where('status', '=', 'opted_out')
    .where('opted_out_at', '<', cutoffs.optedOutBefore)
    .executeTakeFirst();
  const unconfirmed = await db
    .deleteFrom('subscribers')
    .where('status', '=', 'pending')
    .where('created_at', '<', cutoffs.unconfirmedBefore)
    .where((eb) =>
      eb.or([
        eb('confirmation_expires_at', 'is', null),
        eb('confirmation_expires_at', '<', cutoffs.codeExpiredBefore),
      ]),
    )
    .executeTakeFirst();
  // A subscriber's own subscription stays; only what the web form asked for and nobody confirmed goes.
  const unconfirmedChanges = await db
    .updateTable('subscribers')
    .set({
      confirmation_code_hash: null,
      confirmation_expires_at: null,
      confirmation_attempts: 0,
      pending_zips: null,
      pending_language: null,
    })
    .where('status', '!=', 'pending')
    .where('confirmation_expires_at', '<', cutoffs.codeExpiredBefore)
    .executeTakeFirst();
  await db.deleteFrom('subscription_signups').where('at', '<', cutoffs.signupsBefore).execute();
  await db
    .deleteFrom('subscription_code_requests')
    .where('created_at', '<', cutoffs.codeRequestsBefore)
    .execute();
  return {
    optedOut: Number(optedOut.numDeletedRows),
    unconfirmed: Number(unconfirmed.numDeletedRows),
    unconfirmedChanges: Number(unconfirmedChanges.numUpdatedRows),
  };
}

// Who an alert reaches: active subscribers with at least one target ZIP code whose number has not opted out
// anywhere (STOP to the hotline stops alerts too). One query shape serves the console's count before
// approval and the alerts module's ledger fill at approval, so the number approved is the number queued.
// The alerts module embeds these subqueries in its own statements, so a fan-out to 100,000 subscribers is
// still one statement and no subscriber passes through the application.

/** An alert's recipients, as a subquery with columns `id`, `language` and `phone_index`; `zips` not empty. */
export function alertRecipientsQuery(
  zips: readonly string[],
): RawBuilder<{ id: string; language: string; phone_index: string }> {
  return sql`
    select s.id, s.language, s.phone_index
    from subscribers s
    where s.status = 'active'
      and s.zips && ${sql.val([...zips])}::text[]
      and not ${optedOutCondition(sql.ref('s.phone_index'))}`;
}

/**
 * The subscriber `subscriberId` names (an SQL expression: the column of the statement this is joined laterally
 * into), as a subquery with columns `phone_ciphertext`, `phone_index` and `reachable`: still active, not
 * opted out anywhere, and not a number known to be dead (for the alert fan-out's claim). No row when the
 * subscriber is gone.
 */
export function subscriberReachQuery(subscriberId: Expression<unknown>): RawBuilder<{
  id: string;
  phone_ciphertext: string;
  phone_index: string;
  reachable: boolean;
}> {
  return sql`
    select s.id, s.phone_ciphertext, s.phone_index,
      s.status = 'active'
        and not ${optedOutCondition(sql.ref('s.phone_index'))}
        and not ${unreachableCondition(sql.ref('s.phone_index'))} as reachable
    from subscribers s
    where s.id = ${subscriberId}`;
}

/** Recipients per language for these ZIP codes, as the console shows them before approval. */
export async function countAlertRecipientsByLanguage(
  db: Db,
  zips: readonly string[],
): Promise<Record<string, number>> {
  if (zips.length === 0) return {};
  const result = await sql<{ language: string; recipients: string | number }>`
    select r.language, count(*) as recipients
    from (${alertRecipientsQuery(zips)}) r
    group by r.language`.execute(db);
  return Object.fromEntries(result.rows.map((row) => [row.language, Number(row.recipients)]));
}

/**
 * Of those recipients, how many Twilio still blocks: they texted a STOP word Twilio handles, then came back
 * by a word Twilio does not know (INICIO, ALERTS), so Amparo counts them but Twilio will refuse their texts
 * (21610) until they text START. Staff see the count before approving.
 */
export async function countAlertRecipientsBlockedByProvider(
  db: Db,
  zips: readonly string[],
): Promise<number> {
  if (zips.length === 0) return 0;
  const result = await sql<{ blocked: string | number }>`
    select count(*) as blocked
    from (${alertRecipientsQuery(zips)}) r
    where ${blockedByProviderCondition(sql.ref('r.phone_index'))}`.execute(db);
  return Number(result.rows[0]?.blocked ?? 0);
}

/** Every ZIP code an active subscriber chose: where a know-your-rights alert for the whole network goes. */
export async function listSubscribedZips(db: Db): Promise<string[]> {
  const result = await sql<{ zip: string }>`
    select distinct zip
    from subscribers, unnest(zips) as zip
    where status = 'active'
    order by zip`.execute(db);
  return result.rows.map((row) => row.zip);
}
