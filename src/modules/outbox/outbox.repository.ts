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
