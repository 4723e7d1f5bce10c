// Numbers no text can reach: Twilio or the carrier said so for good (an unknown or inactive number, a
// landline: see src/integrations/twilio/error-codes.ts). Every sender skips them (the Twilio sender and the
// alert fan-out) until the number writes in again or asks to subscribe. Blind indexes only.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

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
