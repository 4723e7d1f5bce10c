// SQL for releases, the locator worklist and the operation's counts. Releases are sealed with the case key
// but for the time of release (counted by day); the worklist's need to know is the cases module's subquery.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { CaseReleasesTable, Database } from '../../db/schema.ts';
import { liveCasesVisibleToQuery, openLiveCaseIdsQuery } from '../cases/cases.queries.ts';
import type { LocatorCheckRow } from './case-tracking.repository.ts';

type Db = Kysely<Database>;

export type ReleaseRow = Selectable<CaseReleasesTable>;

export async function insertRelease(db: Db, row: ReleaseRow): Promise<void> {
  await db.insertInto('case_releases').values(row).execute();
}

export async function findRelease(db: Db, releaseId: string): Promise<ReleaseRow | undefined> {
  return db.selectFrom('case_releases').selectAll().where('id', '=', releaseId).executeTakeFirst();
}

/** The releases of these cases, oldest recorded first. */
export async function listReleasesOfCases(db: Db, caseIds: readonly string[]): Promise<ReleaseRow[]> {
  return caseIds.length === 0
    ? []
    : db
        .selectFrom('case_releases')
        .selectAll()
        .where('case_id', 'in', caseIds)
        .orderBy(['recorded_at', 'id'])
        .execute();
}

export async function moveReleases(
  db: Db,
  fromCaseId: string,
  resealed: { id: string; release_ciphertext: string }[],
  toCaseId: string,
): Promise<void> {
  for (const release of resealed) {
    await db
      .updateTable('case_releases')
      .set({ case_id: toCaseId, release_ciphertext: release.release_ciphertext })
      .where('id', '=', release.id)
      .execute();
  }
  await db
    .updateTable('case_reminders')
    .set({ case_id: toCaseId })
    .where('case_id', '=', fromCaseId)
    .where('kind', '=', 'checkin')
    .execute();
}

export async function listReleasesOfCase(db: Db, caseId: string): Promise<ReleaseRow[]> {
  return listReleasesOfCases(db, [caseId]);
}

// ---------------------------------------------------------------------------------------------------------
// The locator worklist

export interface WorklistCaseRow {
  id: string;
  reference: string;
  opened_at: Date;
}

/**
 * The open, live cases the staff member may see (the cases module's subquery) with no facility stay and no
 * release: nobody knows where the person is. Oldest first, limited.
 */
export async function listUnlocatedVisibleCases(
  db: Db,
  userId: string,
  options: { caseIds?: readonly string[]; limit: number },
): Promise<WorklistCaseRow[]> {
  if (options.caseIds && options.caseIds.length === 0) return [];
  let query = db
    .selectFrom(liveCasesVisibleToQuery(db, userId).as('c'))
    .select(['c.id', 'c.reference', 'c.opened_at'])
    .where('c.id', 'in', openLiveCaseIdsQuery(db))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('case_facility_stays as s').select('s.id').whereRef('s.case_id', '=', 'c.id'),
        ),
      ),
    )
    .where((eb) =>
      eb.not(
        eb.exists(eb.selectFrom('case_releases as r').select('r.id').whereRef('r.case_id', '=', 'c.id')),
      ),
    );
  if (options.caseIds) query = query.where('c.id', 'in', options.caseIds);
  return query.orderBy('c.opened_at').orderBy('c.reference').limit(options.limit).execute();
}

/** The newest locator check of each of these cases. */
export async function latestLocatorChecks(db: Db, caseIds: readonly string[]): Promise<LocatorCheckRow[]> {
  if (caseIds.length === 0) return [];
  return db
    .selectFrom('locator_checks')
    .selectAll()
    .distinctOn('case_id')
    .where('case_id', 'in', caseIds)
    .orderBy('case_id')
    .orderBy('checked_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export { listFacilityStaysOfCases as facilityStaysOfCases } from './case-tracking.repository.ts';

// ---------------------------------------------------------------------------------------------------------
// Counts by day, in the network's zone (no person in them)

type DayCount = { day: string; count: number };

function toCounts(rows: { day: string; count: string | number | bigint }[]): DayCount[] {
  return rows.map((row) => ({ day: row.day, count: Number(row.count) }));
}

/** Runs a count by day over these cases; `from` yields (case_id, at) rows, counted by at's day in the zone. */
async function countByDay(
  db: Db,
  caseIds: readonly string[],
  timeZone: string,
  from: (ids: string[]) => ReturnType<typeof sql>,
  distinctCases: boolean,
): Promise<DayCount[]> {
  if (caseIds.length === 0) return [];
  const counted = distinctCases ? sql`count(distinct case_id)` : sql`count(*)`;
  const { rows } = await sql<{ day: string; count: string }>`
    select to_char(at at time zone ${timeZone}, 'YYYY-MM-DD') as day, ${counted} as count
    from (${from([...caseIds])}) counted
    group by 1 order by 1`.execute(db);
  return toCounts(rows);
}

/** Releases by the day the person was released (a person released twice that day counts once). */
export function countReleasesByDay(
  db: Db,
  caseIds: readonly string[],
  timeZone: string,
): Promise<DayCount[]> {
  return countByDay(
    db,
    caseIds,
    timeZone,
    (ids) => sql`select case_id, released_at as at from case_releases where case_id = any(${ids}::uuid[])`,
    true,
  );
}

/** People located, by the day their first facility stay was recorded. */
export function countLocatedByDay(db: Db, caseIds: readonly string[], timeZone: string): Promise<DayCount[]> {
  return countByDay(
    db,
    caseIds,
    timeZone,
    (ids) => sql`select case_id, min(recorded_at) as at from case_facility_stays
      where case_id = any(${ids}::uuid[]) group by case_id`,
    false,
  );
}

/** Transfers (every stay of a case after its first), by the day they were recorded. */
export function countTransfersByDay(
  db: Db,
  caseIds: readonly string[],
  timeZone: string,
): Promise<DayCount[]> {
  return countByDay(
    db,
    caseIds,
    timeZone,
    (ids) => sql`select case_id, at from (
        select case_id, recorded_at as at, row_number() over (partition by case_id order by recorded_at, id) as n
        from case_facility_stays where case_id = any(${ids}::uuid[])) stays
      where n > 1`,
    false,
  );
}

/** The open, live cases the staff member may see (for "Where people are" on the console's worklist). */
export async function listVisibleOpenCaseIds(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom(liveCasesVisibleToQuery(db, userId).as('c'))
    .select('c.id')
    .where('c.id', 'in', openLiveCaseIdsQuery(db))
    .execute();
  return rows.map((row) => row.id);
}
