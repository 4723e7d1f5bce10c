// The only place the console outbox is read or written with SQL.
import type { Kysely } from 'kysely';
import type { Database, NewSmsOutboxRow, SmsOutboxRow } from '../../db/schema.ts';

type Db = Kysely<Database>;

export async function insertOutboxMessage(db: Db, row: NewSmsOutboxRow): Promise<void> {
  await db.insertInto('sms_outbox').values(row).execute();
}

export async function listRecentOutboxMessages(db: Db, limit: number): Promise<SmsOutboxRow[]> {
  return db
    .selectFrom('sms_outbox')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Deletes the texts written before this time; returns how many. */
export async function deleteOutboxMessagesBefore(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('sms_outbox').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
