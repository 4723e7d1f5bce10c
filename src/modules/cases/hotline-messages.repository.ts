// The only SQL about a case's hotline messages: the family's number and recording, moved from a follow-up
// task when the case was opened from it, sealed with the case's key.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Db = Kysely<Database>;

export interface HotlineMessageRow {
  id: string;
  case_id: string;
  storage_key: string | null;
  details_ciphertext: string;
  created_at: Date;
}

export async function insertHotlineMessage(db: Db, row: HotlineMessageRow): Promise<void> {
  await db.insertInto('case_hotline_messages').values(row).execute();
}

export async function listHotlineMessages(db: Db, caseId: string): Promise<HotlineMessageRow[]> {
  return db
    .selectFrom('case_hotline_messages')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function moveHotlineMessage(
  db: Db,
  id: string,
  change: { case_id: string; storage_key: string | null; details_ciphertext: string },
): Promise<void> {
  await db.updateTable('case_hotline_messages').set(change).where('id', '=', id).execute();
}

/** Deletes a case's messages; returns their files' keys, to delete once the transaction has committed. */
export async function deleteHotlineMessages(db: Db, caseId: string): Promise<string[]> {
  const rows = await db
    .deleteFrom('case_hotline_messages')
    .where('case_id', '=', caseId)
    .returning('storage_key')
    .execute();
  return rows.flatMap((row) => (row.storage_key === null ? [] : [row.storage_key]));
}
