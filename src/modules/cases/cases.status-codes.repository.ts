// SQL for family status codes (case_status_codes): only the code's blind index is ever written or read.
import type { Kysely, Selectable } from 'kysely';
import type { CaseContactsTable, Database } from '../../db/schema.ts';

type Db = Kysely<Database>;

export interface StatusCodeRow {
  id: string;
  case_id: string;
  contact_id: string;
  revoked_at: Date | null;
}

/** The contact's row if it belongs to the case, locked so two issues for one contact go one after the other. */
export async function lockContactOfCase(
  db: Db,
  caseId: string,
  contactId: string,
): Promise<Selectable<CaseContactsTable> | undefined> {
  return db
    .selectFrom('case_contacts')
    .selectAll()
    .where('id', '=', contactId)
    .where('case_id', '=', caseId)
    .forUpdate()
    .executeTakeFirst();
}

/** Revokes the contact's live code, if any; true when there was one. */
export async function revokeLiveCode(db: Db, contactId: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('case_status_codes')
    .set({ revoked_at: now })
    .where('contact_id', '=', contactId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Inserts a code's index; false when the index is taken (a code issued before: the caller draws another). */
export async function insertStatusCode(
  db: Db,
  row: { id: string; case_id: string; contact_id: string; code_index: string; created_at: Date },
): Promise<boolean> {
  const inserted = await db
    .insertInto('case_status_codes')
    .values(row)
    .onConflict((oc) => oc.column('code_index').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function findStatusCodeByIndex(db: Db, codeIndex: string): Promise<StatusCodeRow | undefined> {
  return db
    .selectFrom('case_status_codes')
    .select(['id', 'case_id', 'contact_id', 'revoked_at'])
    .where('code_index', '=', codeIndex)
    .executeTakeFirst();
}

/** The contacts of a case that hold a live code. */
export async function listContactsWithLiveCode(db: Db, caseId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('case_status_codes')
    .innerJoin('case_contacts', 'case_contacts.id', 'case_status_codes.contact_id')
    .select('case_status_codes.contact_id')
    .where('case_contacts.case_id', '=', caseId)
    .where('case_status_codes.revoked_at', 'is', null)
    .execute();
  return rows.map((row) => row.contact_id);
}
