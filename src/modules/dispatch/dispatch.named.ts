// Dispatches with their responder's name: the dispatch rows (this module's) and the names from the staff
// module's profiles, in two set-based reads.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { displayNamesOf } from '../staff/staff.service.ts';
import { findDispatchRecord, listDispatchRecords, type DispatchRecord } from './dispatch.repository.ts';

export interface DispatchRow extends DispatchRecord {
  /** The responder's profile name (null without a profile). */
  responder_name: string | null;
}

async function withNames(db: Kysely<Database>, rows: DispatchRecord[]): Promise<DispatchRow[]> {
  if (rows.length === 0) return [];
  const names = await displayNamesOf(
    db,
    rows.map((row) => row.responder_id),
  );
  return rows.map((row) => ({ ...row, responder_name: names.get(row.responder_id) ?? null }));
}

/** An incident's dispatches, newest first. */
export async function listDispatches(db: Kysely<Database>, incidentId: string): Promise<DispatchRow[]> {
  return withNames(db, await listDispatchRecords(db, incidentId));
}

export async function findDispatch(db: Kysely<Database>, id: string): Promise<DispatchRow | undefined> {
  const row = await findDispatchRecord(db, id);
  return row && (await withNames(db, [row]))[0];
}
