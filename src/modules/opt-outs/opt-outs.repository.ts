// The only place opt-outs, Twilio's blocks and dead numbers are read or written with SQL: sms_opt_outs (STOP,
// whoever learnt of it), sms_provider_blocks (Twilio blocks the number too) and sms_unreachable_numbers
// (Twilio or the carrier said no text can reach it: see src/integrations/twilio/error-codes.ts). Every
// sender skips a dead number (the Twilio sender and the alert fan-out) until the number writes in again or
// asks to subscribe. Blind indexes only.
import { sql, type Expression, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function isOptedOut(db: Db, phoneIndex: string): Promise<boolean> {
  const row = await db
    .selectFrom('sms_opt_outs')
    .select('phone_index')
    .where('phone_index', '=', phoneIndex)
    .executeTakeFirst();
  return row !== undefined;
}

/** Which of these numbers have opted out (one query for a list, such as every staff member's phone). */
export async function optedOutAmong(db: Db, phoneIndexes: readonly string[]): Promise<Set<string>> {
  if (phoneIndexes.length === 0) return new Set();
  const rows = await db
    .selectFrom('sms_opt_outs')
    .select('phone_index')
    .where('phone_index', 'in', [...phoneIndexes])
    .execute();
  return new Set(rows.map((row) => row.phone_index));
}

export async function recordOptOut(db: Db, phoneIndex: string, at: Date): Promise<void> {
  await db
    .insertInto('sms_opt_outs')
    .values({ phone_index: phoneIndex, opted_out_at: at })
    .onConflict((conflict) => conflict.column('phone_index').doUpdateSet({ opted_out_at: at }))
    .execute();
}

export async function removeOptOut(db: Db, phoneIndex: string): Promise<void> {
  await db.deleteFrom('sms_opt_outs').where('phone_index', '=', phoneIndex).execute();
}

/** Twilio blocks the number (it handled its STOP, or answered a text with 21610); a later block keeps the first. */
export async function recordProviderBlock(db: Db, phoneIndex: string, at: Date): Promise<void> {
  await db
    .insertInto('sms_provider_blocks')
    .values({ phone_index: phoneIndex, blocked_at: at })
    .onConflict((conflict) => conflict.column('phone_index').doNothing())
    .execute();
}

export async function removeProviderBlock(db: Db, phoneIndex: string): Promise<void> {
  await db.deleteFrom('sms_provider_blocks').where('phone_index', '=', phoneIndex).execute();
}

export async function isBlockedByProvider(db: Db, phoneIndex: string): Promise<boolean> {
  const row = await db
    .selectFrom('sms_provider_blocks')
    .select('phone_index')
    .where('phone_index', '=', phoneIndex)
    .executeTakeFirst();
  return row !== undefined;
}

export async function isUnreachable(db: Db, phoneIndex: string): Promise<boolean> {
  const row = await db
    .selectFrom('sms_unreachable_numbers')
    .select('phone_index')
    .where('phone_index', '=', phoneIndex)
    .executeTakeFirst();
  return row !== undefined;
}

export async function recordUnreachable(
  db: Db,
  phoneIndex: string,
  errorCode: number,
  at: Date,
): Promise<void> {
  await db
    .insertInto('sms_unreachable_numbers')
    .values({ phone_index: phoneIndex, error_code: errorCode, recorded_at: at })
    .onConflict((conflict) =>
      conflict.column('phone_index').doUpdateSet({ error_code: errorCode, recorded_at: at }),
    )
    .execute();
}

/** The number wrote in, or asked to subscribe: it is reachable again. */
export async function clearUnreachable(db: Db, phoneIndex: string): Promise<void> {
  await db.deleteFrom('sms_unreachable_numbers').where('phone_index', '=', phoneIndex).execute();
}

// Conditions for other modules' set-based statements (an alert's recipients, a conversation opened unless the
// number opted out), so a fan-out to 100,000 subscribers stays one statement and the tables stay this
// module's. `phoneIndex` is the blind index as an SQL expression: a column (`sql.ref('s.phone_index')`) or a
// value (`sql.val(index)`).

/** True when the number has opted out. */
export function optedOutCondition(phoneIndex: Expression<unknown>): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from sms_opt_outs o where o.phone_index = ${phoneIndex})`;
}

/** True when Twilio blocks the number. */
export function blockedByProviderCondition(phoneIndex: Expression<unknown>): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from sms_provider_blocks b where b.phone_index = ${phoneIndex})`;
}

/** True when the number is known to be dead. */
export function unreachableCondition(phoneIndex: Expression<unknown>): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from sms_unreachable_numbers u where u.phone_index = ${phoneIndex})`;
}
