// The only SQL for alert subscribers and the sign-up counts behind the anti-pumping caps.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Subscriber, SubscribersTable } from '../../db/schema.ts';
import type { Insertable, Updateable } from 'kysely';

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

export async function countAcceptedSignups(db: Db, since: Date, prefixIndex?: string): Promise<number> {
  let query = db
    .selectFrom('subscription_signups')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('outcome', '=', 'accepted')
    .where('at', '>', since);
  if (prefixIndex !== undefined) query = query.where('prefix_index', '=', prefixIndex);
  const row = await query.executeTakeFirst();
  return Number(row?.count ?? 0);
}

export async function recordSignup(
  db: Db,
  row: {
    id: string;
    prefix_index: string;
    channel: 'sms' | 'web';
    outcome: 'accepted' | 'refused';
    at: Date;
  },
): Promise<void> {
  await db.insertInto('subscription_signups').values(row).execute();
}

export async function countRefusedSignups(db: Db, since: Date): Promise<number> {
  const row = await db
    .selectFrom('subscription_signups')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('outcome', '=', 'refused')
    .where('at', '>', since)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/**
 * Deletes opted-out subscribers (their numbers) past the purge delay, web sign-ups never confirmed, and
 * sign-up counts the hourly caps no longer need; forgets web changes an existing subscriber never confirmed.
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
  return {
    optedOut: Number(optedOut.numDeletedRows),
    unconfirmed: Number(unconfirmed.numDeletedRows),
    unconfirmedChanges: Number(unconfirmedChanges.numUpdatedRows),
  };
}
