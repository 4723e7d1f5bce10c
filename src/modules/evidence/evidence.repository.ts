// The only SQL on evidence items and their chain of custody.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, EvidenceCustodyEventsTable, EvidenceItemsTable } from '../../db/schema.ts';

type Db = Kysely<Database>;

export type EvidenceItemRow = Selectable<EvidenceItemsTable>;
export type CustodyEventRow = Selectable<EvidenceCustodyEventsTable>;

export async function insertItem(db: Db, item: Insertable<EvidenceItemsTable>): Promise<void> {
  await db.insertInto('evidence_items').values(item).execute();
}

export async function findItem(db: Db, id: string): Promise<EvidenceItemRow | undefined> {
  return db.selectFrom('evidence_items').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listItems(db: Db, incidentId: string): Promise<EvidenceItemRow[]> {
  return db
    .selectFrom('evidence_items')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('received_at')
    .orderBy('id')
    .execute();
}

export async function setWorkingCopy(
  db: Db,
  id: string,
  change: { working_copy: 'ready' | 'none'; working_content_type: string | null },
): Promise<void> {
  await db.updateTable('evidence_items').set(change).where('id', '=', id).execute();
}

export async function insertCustodyEvent(
  db: Db,
  event: Insertable<EvidenceCustodyEventsTable>,
): Promise<void> {
  await db.insertInto('evidence_custody_events').values(event).execute();
}

export async function listCustodyEvents(db: Db, itemId: string): Promise<CustodyEventRow[]> {
  return db
    .selectFrom('evidence_custody_events')
    .selectAll()
    .where('item_id', '=', itemId)
    .orderBy('seq')
    .execute();
}

/** The ids of these incidents' items (for retention: their files go before their rows). */
export async function listItemIdsOfIncidents(db: Db, incidentIds: readonly string[]): Promise<string[]> {
  if (incidentIds.length === 0) return [];
  const rows = await db
    .selectFrom('evidence_items')
    .select('id')
    .where('incident_id', 'in', [...incidentIds])
    .execute();
  return rows.map((row) => row.id);
}

/** Deletes these items; their chain of custody goes with them (on delete cascade). */
export async function deleteItems(db: Db, itemIds: readonly string[]): Promise<void> {
  if (itemIds.length === 0) return;
  await db
    .deleteFrom('evidence_items')
    .where('id', 'in', [...itemIds])
    .execute();
}

/** An incident merged into another: its items now belong to the target. */
export async function moveItemsToIncident(db: Db, fromId: string, toId: string): Promise<void> {
  await db
    .updateTable('evidence_items')
    .set({ incident_id: toId })
    .where('incident_id', '=', fromId)
    .execute();
}
