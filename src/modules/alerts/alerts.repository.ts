// The only SQL for composing, approving and listing community alerts. Who receives an alert is counted by
// the subscriptions module's recipient queries and delivered by alerts.delivery.ts.
import { sql, type Insertable, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { Alert, AlertsTable, Database } from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function insertAlert(db: Db, row: Insertable<AlertsTable>): Promise<void> {
  await db.insertInto('alerts').values(row).execute();
}

export async function alertReferenceExists(db: Db, reference: string): Promise<boolean> {
  const row = await db
    .selectFrom('alerts')
    .select('id')
    .where('reference', '=', reference)
    .executeTakeFirst();
  return row !== undefined;
}

export async function findAlert(db: Db, id: string): Promise<Alert | undefined> {
  return db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Reads an alert and locks its row until the transaction ends: two approvals at once wait for each other. */
export async function lockAlert(db: Db, id: string): Promise<Alert | undefined> {
  return db.selectFrom('alerts').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function updateAlert(db: Db, id: string, change: Updateable<AlertsTable>): Promise<void> {
  await db.updateTable('alerts').set(change).where('id', '=', id).execute();
}

/** An alert as the lists show it (the incident's reference is added by the service, from the incidents module). */
export interface AlertListRecord {
  id: string;
  reference: string;
  kind: Alert['kind'];
  status: Alert['status'];
  area_label: string;
  incident_id: string | null;
  composed_by: string;
  composed_at: Date;
  approved_by: string | null;
  approved_at: Date | null;
  recipients: number | null;
  target_zips: string[];
}

function listQuery(db: Db) {
  return db
    .selectFrom('alerts as a')
    .select([
      'a.id',
      'a.reference',
      'a.kind',
      'a.status',
      'a.area_label',
      'a.incident_id',
      'a.composed_by',
      'a.composed_at',
      'a.approved_by',
      'a.approved_at',
      'a.recipients',
      'a.target_zips',
    ]);
}

/** How many drafts wait for approval, leaving out those composed by `except` (who may not approve them). */
export async function countDraftAlerts(db: Db, except: string | null): Promise<number> {
  let query = db
    .selectFrom('alerts')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('status', '=', 'draft');
  if (except !== null) query = query.where('composed_by', '<>', except);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Newest first, drafts waiting for a second person before everything else. */
export async function listAlertRecords(db: Db, limit: number): Promise<AlertListRecord[]> {
  return listQuery(db)
    .orderBy(sql`case when a.status = 'draft' then 0 else 1 end`)
    .orderBy('a.composed_at', 'desc')
    .orderBy('a.id')
    .limit(limit)
    .execute();
}

export async function listAlertRecordsForIncident(db: Db, incidentId: string): Promise<AlertListRecord[]> {
  return listQuery(db)
    .where('a.incident_id', '=', incidentId)
    .orderBy('a.composed_at', 'desc')
    .orderBy('a.id')
    .execute();
}
