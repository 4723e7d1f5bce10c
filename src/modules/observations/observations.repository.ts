// The only SQL on the observation log's tables.
import type { Kysely } from 'kysely';
import type {
  Database,
  ObservationEntry,
  ObservationEntryVersion,
  ObservationKind,
} from '../../db/schema.ts';

type Db = Kysely<Database>;

export interface NewEntryRow {
  id: string;
  incident_id: string;
  author_id: string;
  client_id: string;
  kind: ObservationKind;
  event_at: Date;
  written_at: Date;
  text_ciphertext: string;
}

/** Stores the entry unless this author already sent one with this client id; true when stored now. */
export async function insertEntryOnce(db: Db, row: NewEntryRow): Promise<boolean> {
  const inserted = await db
    .insertInto('observation_entries')
    .values(row)
    .onConflict((oc) => oc.columns(['author_id', 'client_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function findEntryByClientId(
  db: Db,
  authorId: string,
  clientId: string,
): Promise<ObservationEntry | undefined> {
  return db
    .selectFrom('observation_entries')
    .selectAll()
    .where('author_id', '=', authorId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
}

export async function lockEntry(db: Db, id: string): Promise<ObservationEntry | undefined> {
  return db.selectFrom('observation_entries').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function findEntry(db: Db, id: string): Promise<ObservationEntry | undefined> {
  return db.selectFrom('observation_entries').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One incident's entries, in the order things happened (ties: the order they were written). */
export async function listEntriesOfIncident(db: Db, incidentId: string): Promise<ObservationEntry[]> {
  return db
    .selectFrom('observation_entries')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('event_at')
    .orderBy('written_at')
    .orderBy('id')
    .execute();
}

export async function updateEntry(
  db: Db,
  id: string,
  values: { kind: ObservationKind; event_at: Date; edited_at: Date; text_ciphertext: string },
): Promise<void> {
  await db.updateTable('observation_entries').set(values).where('id', '=', id).execute();
}

export async function insertVersion(
  db: Db,
  row: {
    id: string;
    entry_id: string;
    kind: ObservationKind;
    event_at: Date;
    replaced_at: Date;
    replaced_by: string;
    text_ciphertext: string;
  },
): Promise<void> {
  await db.insertInto('observation_entry_versions').values(row).execute();
}

/** The earlier versions of these entries, oldest first. */
export async function listVersionsOf(
  db: Db,
  entryIds: readonly string[],
): Promise<ObservationEntryVersion[]> {
  if (entryIds.length === 0) return [];
  return db
    .selectFrom('observation_entry_versions')
    .selectAll()
    .where('entry_id', 'in', [...entryIds])
    .orderBy('replaced_at')
    .orderBy('id')
    .execute();
}

/** An incident merged into another: its log entries now belong to the target (their versions follow). */
export async function moveEntriesToIncident(db: Db, fromId: string, toId: string): Promise<void> {
  await db
    .updateTable('observation_entries')
    .set({ incident_id: toId })
    .where('incident_id', '=', fromId)
    .execute();
}

/** Deletes these incidents' log entries (retention); their versions go with them (on delete cascade). */
export async function deleteEntriesOfIncidents(db: Db, incidentIds: readonly string[]): Promise<void> {
  if (incidentIds.length === 0) return;
  await db
    .deleteFrom('observation_entries')
    .where('incident_id', 'in', [...incidentIds])
    .execute();
}
