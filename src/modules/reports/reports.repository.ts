// The only place reports and their photos are read or written with SQL.
import { sql, type Kysely } from 'kysely';
import type { Database, NewReport, Report, ReportPhoto, ReportStatus } from '../../db/schema.ts';

export const REPORTS_CHANNEL = 'amparo_reports';

type Db = Kysely<Database>;

/** What the console list shows: never the location, phone, uniform or details. */
export interface ReportListRow {
  id: string;
  reference: string;
  created_at: Date;
  activity: Report['activity'];
  zip: string | null;
  agency: Report['agency'];
  source: Report['source'];
  status: ReportStatus;
  has_photo: boolean;
  /** Made with the console's text simulator. */
  simulated: boolean;
  /** The incident holding the report, if any (its status is the incidents module's to tell). */
  incident_id: string | null;
}

export type NewReportPhoto = Omit<ReportPhoto, 'created_at'> & { created_at: Date };

/**
 * Stores a report (and its photo) and tells listeners (the live console), in one statement: atomic on its
 * own, so the web form needs no transaction and a single round trip, and inside a caller's transaction it
 * adds one statement. PostgreSQL delivers the notification only once the statement's transaction commits.
 * Returns false, storing nothing, when the reference is already taken: a clash does not abort the caller's
 * transaction, and another draw settles it.
 */
export async function insertReportAndNotify(
  db: Db,
  report: NewReport & { id: string },
  photo?: NewReportPhoto,
): Promise<boolean> {
  const inserted = db
    .insertInto('reports')
    .values(report)
    .onConflict((conflict) => conflict.column('reference').doNothing())
    .returning('id');
  const rows = photo
    ? await db
        .with('report', () => inserted)
        .with('photo', (qb) =>
          qb
            .insertInto('report_photos')
            .columns([
              'id',
              'report_id',
              'storage_key',
              'original_sha256',
              'content_type',
              'size_bytes',
              'created_at',
            ])
            // Parameters in a select list have no type of their own, hence the casts.
            .expression((eb) =>
              eb
                .selectFrom('report')
                .select([
                  sql<string>`${photo.id}::uuid`.as('id'),
                  'report.id as report_id',
                  sql<string>`${photo.storage_key}::text`.as('storage_key'),
                  sql<string>`${photo.original_sha256}::text`.as('original_sha256'),
                  sql<string>`${photo.content_type}::text`.as('content_type'),
                  sql<number>`${photo.size_bytes}::integer`.as('size_bytes'),
                  sql<Date>`${photo.created_at}::timestamptz`.as('created_at'),
                ]),
            ),
        )
        .selectFrom('report')
        .select(sql<string>`pg_notify(${REPORTS_CHANNEL}, report.id::text)`.as('notified'))
        .execute()
    : await db
        .with('report', () => inserted)
        .selectFrom('report')
        .select(sql<string>`pg_notify(${REPORTS_CHANNEL}, report.id::text)`.as('notified'))
        .execute();
  return rows.length === 1;
}

function listQuery(db: Db) {
  return db
    .selectFrom('reports')
    .select([
      'reports.id',
      'reports.reference',
      'reports.created_at',
      'reports.activity',
      'reports.zip',
      'reports.agency',
      'reports.source',
      'reports.status',
      'reports.simulated',
      'reports.incident_id',
      sql<boolean>`exists (select 1 from report_photos p where p.report_id = reports.id)`.as('has_photo'),
    ]);
}

export async function listReports(
  db: Db,
  options: { statuses: readonly ReportStatus[] | 'all'; limit: number },
): Promise<ReportListRow[]> {
  let query = listQuery(db);
  if (options.statuses !== 'all') query = query.where('reports.status', 'in', options.statuses);
  return query.orderBy('reports.created_at', 'desc').orderBy('reports.id').limit(options.limit).execute();
}

/** How many reports have this status (the triage queue's length, for the navigation's count). */
export async function countReportsWithStatus(db: Db, status: ReportStatus): Promise<number> {
  const row = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('status', '=', status)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Reports that arrived from a moment on, oldest first: what a reconnecting console may have missed. */
export async function listReportsSince(db: Db, since: Date, limit: number): Promise<ReportListRow[]> {
  return listQuery(db)
    .where('reports.created_at', '>=', since)
    .orderBy('reports.created_at', 'asc')
    .orderBy('reports.id')
    .limit(limit)
    .execute();
}

export async function findListRow(db: Db, id: string): Promise<ReportListRow | undefined> {
  return listQuery(db).where('reports.id', '=', id).executeTakeFirst();
}

export async function findReport(db: Db, id: string): Promise<Report | undefined> {
  return db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A report's reference and details, locked until the caller's transaction ends (a later text joins it). */
export async function lockReportDetails(
  db: Db,
  id: string,
): Promise<{ reference: string; details_ciphertext: string | null } | undefined> {
  return db
    .selectFrom('reports')
    .select(['reference', 'details_ciphertext'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function updateDetails(db: Db, id: string, detailsCiphertext: string): Promise<void> {
  await db
    .updateTable('reports')
    .set({ details_ciphertext: detailsCiphertext })
    .where('id', '=', id)
    .execute();
}

/** Forgets a report's callback number (ciphertext and blind index). */
export async function clearCallbackPhone(db: Db, id: string): Promise<void> {
  await db
    .updateTable('reports')
    .set({ callback_phone_ciphertext: null, callback_phone_index: null })
    .where('id', '=', id)
    .execute();
}

export async function findReportIdByReference(db: Db, reference: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('reports')
    .select('id')
    .where('reference', '=', reference)
    .executeTakeFirst();
  return row?.id;
}

export async function findPhotos(db: Db, reportId: string): Promise<ReportPhoto[]> {
  return db
    .selectFrom('report_photos')
    .selectAll()
    .where('report_id', '=', reportId)
    .orderBy('created_at')
    .execute();
}

/**
 * Which of these storage keys a report photo still points to. (Texted photos, call recordings and verification
 * photos are asked of their modules: reports.attachments.ts.)
 */
export async function referencedStorageKeys(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom('report_photos')
    .select('storage_key')
    .where('storage_key', 'in', keys)
    .execute();
  return new Set(rows.map((row) => row.storage_key));
}

/**
 * Reports in one of these statuses that arrived before the cutoff, except those kept (the ones open follow-up
 * tasks need), oldest first: what the expiry sweep deletes.
 */
export async function listExpiredReportIds(
  db: Db,
  options: { statuses: readonly ReportStatus[]; createdBefore: Date; limit: number; keep: readonly string[] },
): Promise<string[]> {
  let query = db
    .selectFrom('reports')
    .select('reports.id')
    .where('reports.status', 'in', options.statuses)
    .where('reports.created_at', '<', options.createdBefore);
  if (options.keep.length > 0) query = query.where('reports.id', 'not in', options.keep);
  const rows = await query.orderBy('reports.created_at').limit(options.limit).execute();
  return rows.map((row) => row.id);
}

/** Reads a report's status and locks the row, so a status change and an expiry cannot cross. */
export async function lockReportStatus(
  db: Db,
  id: string,
): Promise<{ status: ReportStatus; createdAt: Date } | undefined> {
  const row = await db
    .selectFrom('reports')
    .select(['status', 'created_at'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return row && { status: row.status, createdAt: row.created_at };
}

export async function updateStatus(
  db: Db,
  id: string,
  change: { status: ReportStatus; changedBy: string; changedAt: Date },
): Promise<void> {
  await db
    .updateTable('reports')
    .set({ status: change.status, status_changed_by: change.changedBy, status_changed_at: change.changedAt })
    .where('id', '=', id)
    .execute();
}

/** Deletes a report; its photo rows go with it (on delete cascade). */
export async function deleteReport(db: Db, id: string): Promise<void> {
  await db.deleteFrom('reports').where('id', '=', id).execute();
}

export async function reportExists(db: Db, reportId: string): Promise<boolean> {
  const row = await db.selectFrom('reports').select('id').where('id', '=', reportId).executeTakeFirst();
  return row !== undefined;
}

/** Links a stored photo to its report; a photo id already linked is left as it is. */
export async function insertReportPhoto(db: Db, photo: NewReportPhoto): Promise<void> {
  await db
    .insertInto('report_photos')
    .values(photo)
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
}

/** A report still marked incomplete (kept for a call that left no message yet). */
export async function findIncompleteReport(
  db: Db,
  id: string,
): Promise<{ id: string; reference: string } | undefined> {
  return db
    .selectFrom('reports')
    .select(['id', 'reference'])
    .where('id', '=', id)
    .where('incomplete', '=', true)
    .executeTakeFirst();
}

/** The message arrived after all: the report is no longer missing anything. */
export async function markComplete(db: Db, id: string): Promise<void> {
  await db.updateTable('reports').set({ incomplete: false }).where('id', '=', id).execute();
}

/** References and encrypted callback numbers of these reports (those deleted meanwhile are absent). */
export async function findCallbackPhones(
  db: Db,
  ids: readonly string[],
): Promise<{ id: string; reference: string; callback_phone_ciphertext: string | null }[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('reports')
    .select(['id', 'reference', 'callback_phone_ciphertext'])
    .where('id', 'in', ids)
    .execute();
}
