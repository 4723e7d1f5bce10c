// The only SQL for alert subscribers, web sign-ups waiting for their code, and the sign-up counts behind the
// anti-pumping caps.
import { sql, type Kysely, type Transaction } from 'kysely';
import type {
  Database,
  Subscriber,
  SubscribersTable,
  SubscriptionCodeRequestsTable,
} from '../../db/schema.ts';
import type { Insertable, Selectable, Updateable } from 'kysely';

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
