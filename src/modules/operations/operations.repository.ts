// The only SQL on the operations module's tables: operations, their sites, incidents and teams, and the
// dependents left without care.
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type {
  Database,
  DependentNeed,
  IncidentAgency,
  OperationDependentsTable,
  OperationsTable,
} from '../../db/schema.ts';

type Db = Kysely<Database>;

export type OperationRow = Selectable<OperationsTable>;
export type DependentRow = Selectable<OperationDependentsTable>;

export interface SiteRow {
  id: string;
  name: string;
  zip: string;
}

export interface NewOperation {
  id: string;
  name: string;
  raid_at: Date;
  agencies: IncidentAgency[];
  opened_by: string;
  created_at: Date;
  sites: (SiteRow & { position: number })[];
  incidentIds: string[];
  teamIds: string[];
}

export async function insertOperation(db: Db, row: NewOperation): Promise<void> {
  const { sites, incidentIds, teamIds, ...operation } = row;
  await db.insertInto('operations').values(operation).execute();
  if (sites.length > 0) {
    await db
      .insertInto('operation_sites')
      .values(sites.map((site) => ({ ...site, operation_id: row.id })))
      .execute();
  }
  if (incidentIds.length > 0) {
    await db
      .insertInto('operation_incidents')
      .values(incidentIds.map((incident_id) => ({ operation_id: row.id, incident_id })))
      .execute();
  }
  if (teamIds.length > 0) {
    await db
      .insertInto('operation_teams')
      .values(teamIds.map((team_id) => ({ operation_id: row.id, team_id })))
      .execute();
  }
}

/** The subquery "one of these teams answers for the operation" (rows of the outer `operations`). */
function teamsOfOperation(teamIds: readonly string[]) {
  return (eb: ExpressionBuilder<Database, 'operations'>) =>
    eb
      .selectFrom('operation_teams')
      .select('operation_teams.team_id')
      .whereRef('operation_teams.operation_id', '=', 'operations.id')
      .where('operation_teams.team_id', 'in', teamIds);
}

export interface OperationListRow {
  id: string;
  name: string;
  raid_at: Date;
  closed_at: Date | null;
  sites: number;
  waiting: number;
}

/** Operations, open first then newest raid first; `teamIds` limits them to those teams' operations. */
export async function listOperations(
  db: Db,
  teamIds: readonly string[] | 'all',
): Promise<OperationListRow[]> {
  if (teamIds !== 'all' && teamIds.length === 0) return [];
  let query = db.selectFrom('operations').select((eb) => [
    'operations.id',
    'operations.name',
    'operations.raid_at',
    'operations.closed_at',
    eb
      .selectFrom('operation_sites')
      .select((s) => s.fn.countAll<string>().as('n'))
      .whereRef('operation_sites.operation_id', '=', 'operations.id')
      .as('sites'),
    eb
      .selectFrom('operation_dependents')
      .select((s) => s.fn.countAll<string>().as('n'))
      .whereRef('operation_dependents.operation_id', '=', 'operations.id')
      .where('operation_dependents.caregiver_confirmed_at', 'is', null)
      .as('waiting'),
  ]);
  if (teamIds !== 'all') {
    query = query.where((eb) => eb.exists(teamsOfOperation(teamIds)(eb)));
  }
  const rows = await query
    .orderBy((eb) => eb.case().when('operations.closed_at', 'is', null).then(0).else(1).end())
    .orderBy('operations.raid_at', 'desc')
    .orderBy('operations.id')
    .limit(200)
    .execute();
  return rows.map((row) => ({ ...row, sites: Number(row.sites ?? 0), waiting: Number(row.waiting ?? 0) }));
}

export async function findOperation(db: Db, id: string): Promise<OperationRow | undefined> {
  return db.selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function setOperationClosed(db: Db, id: string, closedAt: Date | null): Promise<boolean> {
  const result = await db
    .updateTable('operations')
    .set({ closed_at: closedAt })
    .where('id', '=', id)
    .where('closed_at', closedAt ? 'is' : 'is not', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listSites(db: Db, operationId: string): Promise<SiteRow[]> {
  return db
    .selectFrom('operation_sites')
    .select(['id', 'name', 'zip'])
    .where('operation_id', '=', operationId)
    .orderBy('position')
    .execute();
}

export async function listIncidentIds(db: Db, operationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('operation_incidents')
    .select('incident_id')
    .where('operation_id', '=', operationId)
    .execute();
  return rows.map((row) => row.incident_id);
}

export async function listTeamIds(db: Db, operationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('operation_teams')
    .select('team_id')
    .where('operation_id', '=', operationId)
    .orderBy('team_id')
    .execute();
  return rows.map((row) => row.team_id);
}

/** Whether any of these teams answers for the operation. */
export async function operationHasTeam(
  db: Db,
  operationId: string,
  teamIds: readonly string[],
): Promise<boolean> {
  if (teamIds.length === 0) return false;
  const row = await db
    .selectFrom('operation_teams')
    .select('team_id')
    .where('operation_id', '=', operationId)
    .where('team_id', 'in', teamIds)
    .executeTakeFirst();
  return row !== undefined;
}

export interface NewDependent {
  id: string;
  operation_id: string;
  site_id: string | null;
  case_id: string | null;
  followup_id: string | null;
  need: DependentNeed;
  description_ciphertext: string;
  created_at: Date;
  created_by: string | null;
}

export async function insertDependent(db: Db, row: NewDependent): Promise<void> {
  await db.insertInto('operation_dependents').values(row).execute();
}

/** An operation's dependents: those still without a caregiver first, oldest first; then those with one. */
export async function listDependents(db: Db, operationId: string): Promise<DependentRow[]> {
  return db
    .selectFrom('operation_dependents')
    .selectAll()
    .where('operation_id', '=', operationId)
    .orderBy((eb) => eb.case().when('caregiver_confirmed_at', 'is', null).then(0).else(1).end())
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export interface CaregiverRecord {
  caregiver_name_ciphertext: string;
  caregiver_relationship_ciphertext: string;
  caregiver_confirmed_at: Date;
  caregiver_confirmed_by: string;
}

/** Confirms a caregiver for a dependent still waiting for one; false when there is none such. */
export async function confirmCaregiver(
  db: Db,
  operationId: string,
  dependentId: string,
  record: CaregiverRecord,
): Promise<boolean> {
  const result = await db
    .updateTable('operation_dependents')
    .set(record)
    .where('id', '=', dependentId)
    .where('operation_id', '=', operationId)
    .where('caregiver_confirmed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Dependents without a confirmed caregiver in open operations (of these teams' operations, unless 'all'). */
export async function countWaitingDependents(db: Db, teamIds: readonly string[] | 'all'): Promise<number> {
  if (teamIds !== 'all' && teamIds.length === 0) return 0;
  let query = db
    .selectFrom('operation_dependents')
    .innerJoin('operations', 'operations.id', 'operation_dependents.operation_id')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('operation_dependents.caregiver_confirmed_at', 'is', null)
    .where('operations.closed_at', 'is', null);
  if (teamIds !== 'all') {
    query = query.where((eb) => eb.exists(teamsOfOperation(teamIds)(eb)));
  }
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

/** When each dependent of the operation was recorded and confirmed, and where: what the counts are made of. */
export async function listDependentTimes(
  db: Db,
  operationId: string,
): Promise<{ site_id: string | null; created_at: Date; caregiver_confirmed_at: Date | null }[]> {
  return db
    .selectFrom('operation_dependents')
    .select(['site_id', 'created_at', 'caregiver_confirmed_at'])
    .where('operation_id', '=', operationId)
    .execute();
}

export interface OpenSiteRow {
  operationId: string;
  siteId: string;
  siteName: string;
  zip: string;
}

/** Every site of every open operation, newest operation first, in each one's own order. */
export async function listOpenOperationSites(db: Db): Promise<OpenSiteRow[]> {
  return db
    .selectFrom('operation_sites')
    .innerJoin('operations', 'operations.id', 'operation_sites.operation_id')
    .select([
      'operations.id as operationId',
      'operation_sites.id as siteId',
      'operation_sites.name as siteName',
      'operation_sites.zip as zip',
    ])
    .where('operations.closed_at', 'is', null)
    .orderBy('operations.raid_at', 'desc')
    .orderBy('operations.id')
    .orderBy('operation_sites.position')
    .execute();
}
