// SQL for spent proof-of-work challenges (proof_of_work_spent).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * Records a challenge as used; false when it already was. Expired ones are forgotten first: a challenge
 * past its expiry is refused on its own, so remembering it any longer keeps nothing safe.
 */
export async function spendChallenge(
  db: Kysely<Database>,
  challenge: { id: string; expiresAt: Date; now: Date },
): Promise<boolean> {
  await db.deleteFrom('proof_of_work_spent').where('expires_at', '<=', challenge.now).execute();
  const inserted = await db
    .insertInto('proof_of_work_spent')
    .values({ challenge_id: challenge.id, expires_at: challenge.expiresAt })
    .onConflict((conflict) => conflict.column('challenge_id').doNothing())
    .returning('challenge_id')
    .executeTakeFirst();
  return inserted !== undefined;
}
