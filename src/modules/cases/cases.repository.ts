// The only place cases, their teams, assignees, contacts, timeline and family-text ledger are read or
// written with SQL. Everything about a person here is ciphertext sealed with the case's own key; the
// blind indexes (A-number, name + date of birth) are keyed hashes and are cleared when the key is destroyed.
import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type Kysely,
  type Selectable,
  type SqlBool,
} from 'kysely';
import type {
  Case,
  CaseContactsTable,
  CaseEvent,
  CaseFamilyTextOutcome,
  CasesTable,
  Database,
} from '../../db/schema.ts';

type Db = Kysely<Database>;

export type CaseContactRow = Selectable<CaseContactsTable>;

export async function findCase(db: Db, caseId: string): Promise<Case | undefined> {
  return db.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirst();
}

/** Reads these cases (a worklist's rows) in one statement; ids not found are left out. */
export async function findCases(db: Db, caseIds: readonly string[]): Promise<Case[]> {
  if (caseIds.length === 0) return [];
  return db.selectFrom('cases').selectAll().where('id', 'in', caseIds).execute();
}

/** Reads a case and locks its row, so two changes to one case (a merge, a close) go one after the other. */
export async function lockCase(db: Db, caseId: string): Promise<Case | undefined> {
  return db.selectFrom('cases').selectAll().where('id', '=', caseId).forUpdate().executeTakeFirst();
}

export async function findCaseByReference(db: Db, reference: string): Promise<Case | undefined> {
  return db.selectFrom('cases').selectAll().where('reference', '=', reference).executeTakeFirst();
}

/**
 * Need to know, as SQL over a query that has `cases` in it: the staff member is assigned to the case, belongs
 * to its team, or belongs to a team it is shared with (an operation's other legal teams). Every list of cases uses this one predicate, so none can show more than the case
 * page would.
 */
export function caseVisibleTo<DB extends Database, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  userId: string,
): Expression<SqlBool> {
  const inner = eb as unknown as ExpressionBuilder<Database, 'cases'>;
  return inner.or([
    inner.exists(
      inner
        .selectFrom('case_assignees')
        .select('case_assignees.case_id')
        .whereRef('case_assignees.case_id', '=', 'cases.id')
        .where('case_assignees.user_id', '=', userId),
    ),
    inner.exists(
      inner
        .selectFrom('team_members')
        .select('team_members.team_id')
        .whereRef('team_members.team_id', '=', 'cases.team_id')
        .where('team_members.user_id', '=', userId),
    ),
    inner.exists(
      inner
        .selectFrom('case_shared_teams')
        .innerJoin('team_members', 'team_members.team_id', 'case_shared_teams.team_id')
        .select('case_shared_teams.case_id')
        .whereRef('case_shared_teams.case_id', '=', 'cases.id')
        .where('team_members.user_id', '=', userId),
    ),
  ]);
}

/** Shares a case with these teams (besides its own); a team already sharing it is left as it is. */
export async function shareCaseWithTeams(db: Db, caseId: string, teamIds: readonly string[]): Promise<void> {
  if (teamIds.length === 0) return;
  await db
    .insertInto('case_shared_teams')
    .values(teamIds.map((team_id) => ({ case_id: caseId, team_id })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** A staff member may see a case when they are assigned to it or belong to its team. */
export async function isCaseVisibleTo(db: Db, caseId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('cases')
    .select('cases.id')
    .where('cases.id', '=', caseId)
    .where((eb) => caseVisibleTo(eb, userId))
    .executeTakeFirst();
  return row !== undefined;
}

/** Of these cases, the ids the staff member may see. */
export async function visibleCaseIds(db: Db, caseIds: string[], userId: string): Promise<Set<string>> {
  if (caseIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('cases')
    .select('cases.id')
    .where('cases.id', 'in', caseIds)
    .where((eb) => caseVisibleTo(eb, userId))
    .execute();
  return new Set(rows.map((row) => row.id));
}

/**
 * The cases whose work still counts (open, not merged away, contents still readable), as a subquery of their
 * ids, for other modules' statements to embed (`where x.case_id in (...)`): an attorney's workload is counted
 * per attorney in one statement.
 */
export function openLiveCaseIdsQuery(db: Db) {
  return db
    .selectFrom('cases')
    .select('cases.id')
    .where('cases.status', '=', 'open')
    .where('cases.merged_into', 'is', null)
    .where('cases.key_destroyed_at', 'is', null);
}

/**
 * The live cases (not merged away, contents still readable) a staff member may see, with their reference, as a
 * subquery with columns `id` and `reference` for other modules' statements to join: a list that filters and
 * sorts by these under a limit stays one statement, with the need-to-know predicate applied here.
 */
export function liveCasesVisibleToQuery(db: Db, userId: string) {
  return db
    .selectFrom('cases')
    .select(['cases.id', 'cases.reference', 'cases.opened_at'])
    .where('cases.merged_into', 'is', null)
    .where('cases.key_destroyed_at', 'is', null)
    .where((eb) => caseVisibleTo(eb, userId));
}

/**
 * Whether a live case linked to this incident is one the staff member may see (assigned, or in its team): the
 * observation log's rule for legal staff.
 */
export async function hasVisibleCaseOfIncident(db: Db, incidentId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('cases')
    .select('cases.id')
    .where('cases.incident_id', '=', incidentId)
    .where('cases.merged_into', 'is', null)
    .where('cases.key_destroyed_at', 'is', null)
    .where((eb) => caseVisibleTo(eb, userId))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Of these cases, the open, live ones, with what links a case to others: its incident and hotline follow-up. */
export async function listOpenCaseLinks(
  db: Db,
  caseIds: readonly string[],
): Promise<{ id: string; incident_id: string | null; followup_task_id: string | null }[]> {
  if (caseIds.length === 0) return [];
  return db
    .selectFrom('cases')
    .select(['cases.id', 'cases.incident_id', 'cases.followup_task_id'])
    .where('cases.id', 'in', [...caseIds])
    .where('cases.status', '=', 'open')
    .where('cases.merged_into', 'is', null)
    .where('cases.key_destroyed_at', 'is', null)
    .execute();
}

/** The references of these cases, by id (a case that does not exist has none). */
export async function caseReferences(db: Db, caseIds: readonly string[]): Promise<Map<string, string>> {
  if (caseIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('cases')
    .select(['cases.id', 'cases.reference'])
    .where('cases.id', 'in', [...caseIds])
    .execute();
  return new Map(rows.map((row) => [row.id, row.reference]));
}

/** The users assigned to a case or in its team (each once, in no particular order). */
export async function listCaseStaffIds(db: Db, caseId: string): Promise<string[]> {
  const assigned = db
    .selectFrom('case_assignees')
    .select('case_assignees.user_id')
    .where('case_assignees.case_id', '=', caseId);
  const inTeam = db
    .selectFrom('team_members')
    .innerJoin('cases', 'cases.team_id', 'team_members.team_id')
    .select('team_members.user_id')
    .where('cases.id', '=', caseId);
  const rows = await assigned.union(inTeam).execute();
  return rows.map((row) => row.user_id);
}

/** The cases a staff member may see, newest first; merged-away cases are left out. */
export async function listVisibleCases(
  db: Db,
  userId: string,
  filter: { status: 'open' | 'closed' | 'all'; limit: number },
): Promise<Case[]> {
  let query = db
    .selectFrom('cases')
    .selectAll()
    .where('merged_into', 'is', null)
    .where((eb) => caseVisibleTo(eb, userId));
  if (filter.status !== 'all') query = query.where('status', '=', filter.status);
  return query.orderBy('opened_at', 'desc').orderBy('id').limit(filter.limit).execute();
}

export async function insertCase(db: Db, row: Insertable<CasesTable>): Promise<void> {
  await db.insertInto('cases').values(row).execute();
}

export async function referenceTaken(db: Db, reference: string): Promise<boolean> {
  const row = await db.selectFrom('cases').select('id').where('reference', '=', reference).executeTakeFirst();
  return row !== undefined;
}

export async function updateCase(
  db: Db,
  caseId: string,
  change: Partial<Omit<Insertable<CasesTable>, 'id'>>,
): Promise<void> {
  await db.updateTable('cases').set(change).where('id', '=', caseId).execute();
}

/** Cases that may be the same person: the same A-number, or the same name and date of birth. */
export async function findPossibleDuplicates(
  db: Db,
  indexes: { aNumber: string | null; nameDob: string | null },
  excludeCaseId: string | null,
): Promise<Case[]> {
  const { aNumber, nameDob } = indexes;
  if (aNumber === null && nameDob === null) return [];
  let query = db
    .selectFrom('cases')
    .selectAll()
    .where('merged_into', 'is', null)
    .where('key_destroyed_at', 'is', null)
    .where((eb) => {
      const matches = [];
      if (aNumber !== null) matches.push(eb('a_number_index', '=', aNumber));
      if (nameDob !== null) matches.push(eb('name_dob_index', '=', nameDob));
      return eb.or(matches);
    });
  if (excludeCaseId !== null) query = query.where('id', '!=', excludeCaseId);
  return query.orderBy('opened_at').orderBy('id').execute();
}

export interface RosterCandidate {
  id: string;
  reference: string;
  a_number_index: string | null;
  name_dob_index: string | null;
  names_index: string[] | null;
}

/**
 * Live cases whose blind indexes meet any of a roster's: the same A-number, the same name and date of birth,
 * or the same name or other spelling alone. Only the indexes and the reference come back, never a sealed field.
 */
export async function findRosterCandidates(
  db: Db,
  indexes: { aNumbers: string[]; nameDobs: string[]; names: string[] },
): Promise<RosterCandidate[]> {
  const { aNumbers, nameDobs, names } = indexes;
  if (aNumbers.length + nameDobs.length + names.length === 0) return [];
  return db
    .selectFrom('cases')
    .select(['id', 'reference', 'a_number_index', 'name_dob_index', 'names_index'])
    .where('merged_into', 'is', null)
    .where('key_destroyed_at', 'is', null)
    .where((eb) => {
      const matches = [];
      if (aNumbers.length > 0) matches.push(eb('a_number_index', 'in', aNumbers));
      if (nameDobs.length > 0) matches.push(eb('name_dob_index', 'in', nameDobs));
      if (names.length > 0) matches.push(sql<boolean>`names_index && ${names}::text[]`);
      return eb.or(matches);
    })
    .orderBy('opened_at')
    .orderBy('id')
    .execute();
}

// ---- assignees and teams ----

export async function addAssignee(db: Db, caseId: string, userId: string, at: Date): Promise<boolean> {
  const result = await db
    .insertInto('case_assignees')
    .values({ case_id: caseId, user_id: userId, assigned_at: at })
    .onConflict((conflict) => conflict.columns(['case_id', 'user_id']).doNothing())
    .returning('user_id')
    .executeTakeFirst();
  return result !== undefined;
}

export async function removeAssignee(db: Db, caseId: string, userId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('case_assignees')
    .where('case_id', '=', caseId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function listAssigneeIds(db: Db, caseId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('case_assignees')
    .select('user_id')
    .where('case_id', '=', caseId)
    .orderBy('assigned_at')
    .orderBy('user_id')
    .execute();
  return rows.map((row) => row.user_id);
}

export interface TeamRow {
  id: string;
  name: string;
  created_at: Date;
  members: number;
}

export async function listTeams(db: Db): Promise<TeamRow[]> {
  const rows = await db
    .selectFrom('teams')
    .select([
      'teams.id',
      'teams.name',
      'teams.created_at',
      sql<string>`(select count(*) from team_members m where m.team_id = teams.id)`.as('members'),
    ])
    .orderBy('teams.name')
    .execute();
  return rows.map((row) => ({ ...row, members: Number(row.members) }));
}

export async function findTeam(db: Db, teamId: string): Promise<{ id: string; name: string } | undefined> {
  return db.selectFrom('teams').select(['id', 'name']).where('id', '=', teamId).executeTakeFirst();
}

export async function teamNameTaken(db: Db, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('teams')
    .select('id')
    .where(sql<string>`lower(name)`, '=', name.toLowerCase())
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertTeam(
  db: Db,
  team: { id: string; name: string; created_at: Date },
): Promise<void> {
  await db.insertInto('teams').values(team).execute();
}

export async function listTeamMemberIds(db: Db, teamId: string): Promise<string[]> {
  const rows = await db.selectFrom('team_members').select('user_id').where('team_id', '=', teamId).execute();
  return rows.map((row) => row.user_id);
}

export async function addTeamMember(db: Db, teamId: string, userId: string): Promise<boolean> {
  const result = await db
    .insertInto('team_members')
    .values({ team_id: teamId, user_id: userId })
    .onConflict((conflict) => conflict.columns(['team_id', 'user_id']).doNothing())
    .returning('user_id')
    .executeTakeFirst();
  return result !== undefined;
}

export async function removeTeamMember(db: Db, teamId: string, userId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('team_members')
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** The teams a staff member belongs to, by name. */
export async function teamsOfUser(db: Db, userId: string): Promise<{ id: string; name: string }[]> {
  return db
    .selectFrom('team_members')
    .innerJoin('teams', 'teams.id', 'team_members.team_id')
    .select(['teams.id', 'teams.name'])
    .where('team_members.user_id', '=', userId)
    .orderBy('teams.name')
    .execute();
}

// ---- timeline ----

export async function insertCaseEvent(
  db: Db,
  event: {
    id: string;
    case_id: string;
    at: Date;
    actor_id: string | null;
    kind: string;
    details_ciphertext: string | null;
  },
): Promise<void> {
  await db.insertInto('case_events').values(event).execute();
}

export async function listCaseEvents(db: Db, caseId: string): Promise<CaseEvent[]> {
  return db
    .selectFrom('case_events')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('at')
    .orderBy('id')
    .execute();
}

// ---- family contacts ----

export async function listContactRows(db: Db, caseId: string): Promise<CaseContactRow[]> {
  return db
    .selectFrom('case_contacts')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function findContactRow(
  db: Db,
  caseId: string,
  contactId: string,
): Promise<CaseContactRow | undefined> {
  return db
    .selectFrom('case_contacts')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('id', '=', contactId)
    .executeTakeFirst();
}

export async function insertContact(db: Db, row: Insertable<CaseContactsTable>): Promise<void> {
  await db.insertInto('case_contacts').values(row).execute();
}

export async function updateContact(
  db: Db,
  contactId: string,
  change: { case_id?: string; details_ciphertext: string; updated_at: Date },
): Promise<void> {
  await db.updateTable('case_contacts').set(change).where('id', '=', contactId).execute();
}

export async function deleteContact(db: Db, caseId: string, contactId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('case_contacts')
    .where('case_id', '=', caseId)
    .where('id', '=', contactId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

// ---- family texts ledger ----

/**
 * Claims the text of one notification to one contact. False when it was claimed before (a retried job):
 * then it is not sent again, whatever happened to it.
 */
export async function claimFamilyText(
  db: Db,
  row: { notification_id: string; contact_id: string; case_id: string; change: string; created_at: Date },
): Promise<boolean> {
  const result = await db
    .insertInto('case_family_texts')
    .values({ ...row, outcome: 'sending', provider_id: null })
    .onConflict((conflict) => conflict.columns(['notification_id', 'contact_id']).doNothing())
    .returning('contact_id')
    .executeTakeFirst();
  return result !== undefined;
}

export async function settleFamilyText(
  db: Db,
  key: { notification_id: string; contact_id: string },
  outcome: CaseFamilyTextOutcome,
  providerId: string | null,
): Promise<void> {
  await db
    .updateTable('case_family_texts')
    .set({ outcome, provider_id: providerId })
    .where('notification_id', '=', key.notification_id)
    .where('contact_id', '=', key.contact_id)
    .execute();
}

/** Gives a claim back after the provider refused for a passing reason, so the job's retry sends it. */
export async function releaseFamilyTextClaim(
  db: Db,
  key: { notification_id: string; contact_id: string },
): Promise<void> {
  await db
    .deleteFrom('case_family_texts')
    .where('notification_id', '=', key.notification_id)
    .where('contact_id', '=', key.contact_id)
    .where('outcome', '=', 'sending')
    .execute();
}

export async function listFamilyTexts(
  db: Db,
  caseId: string,
): Promise<
  {
    notification_id: string;
    contact_id: string;
    change: string;
    outcome: CaseFamilyTextOutcome;
    created_at: Date;
  }[]
> {
  return db
    .selectFrom('case_family_texts')
    .select(['notification_id', 'contact_id', 'change', 'outcome', 'created_at'])
    .where('case_id', '=', caseId)
    .orderBy('created_at')
    .execute();
}

// ---- merging and retention ----

export async function listEventRows(db: Db, caseId: string): Promise<CaseEvent[]> {
  return listCaseEvents(db, caseId);
}

export async function moveEvent(
  db: Db,
  eventId: string,
  change: { case_id: string; details_ciphertext: string | null },
): Promise<void> {
  await db.updateTable('case_events').set(change).where('id', '=', eventId).execute();
}

export async function moveFamilyTexts(db: Db, fromCaseId: string, toCaseId: string): Promise<void> {
  await db
    .updateTable('case_family_texts')
    .set({ case_id: toCaseId })
    .where('case_id', '=', fromCaseId)
    .execute();
}

/** Closed cases whose retention ran out and whose key is still there, oldest first. */
export async function listCasesDueForKeyDestruction(
  db: Db,
  now: Date,
  limit: number,
  skip: readonly string[] = [],
): Promise<Case[]> {
  return db
    .selectFrom('cases')
    .selectAll()
    .$if(skip.length > 0, (query) => query.where('id', 'not in', [...skip]))
    .where('key_destroyed_at', 'is', null)
    .where('key_destroy_after', 'is not', null)
    .where('key_destroy_after', '<=', now)
    .orderBy('key_destroy_after')
    .limit(limit)
    .execute();
}

/**
 * What is left of a case once its key is destroyed: reference, status and dates. The sealed columns could
 * no longer be read anyway; clearing them and the contacts keeps the live database from carrying dead
 * ciphertext, and the blind indexes could still match a typed A-number or name. The timeline goes whole:
 * its kinds are in the clear and name the outcome ('outcome_removed'), the bond and the family's needs. So do
 * the links to the hotline call (whose report holds the family's number) and to the incident (where and
 * when the person was taken).
 */
export async function reduceToHusk(db: Db, caseId: string, at: Date): Promise<void> {
  await db
    .updateTable('cases')
    .set({
      person_ciphertext: null,
      languages_ciphertext: null,
      last_seen_ciphertext: null,
      dependents_ciphertext: null,
      bond_ciphertext: null,
      outcome_ciphertext: null,
      a_number_index: null,
      name_dob_index: null,
      names_index: null,
      next_locator_check_at: null,
      followup_task_id: null,
      incident_id: null,
      key_destroyed_at: at,
      updated_at: at,
    })
    .where('id', '=', caseId)
    .execute();
  await db.deleteFrom('case_contacts').where('case_id', '=', caseId).execute();
  await db.deleteFrom('case_events').where('case_id', '=', caseId).execute();
}

// ---- locator re-checks (the case-tracking module's reminders; read through cases.queries.ts) ----

/**
 * Open, live cases the staff member may see (assigned, or in the case's team) whose locator re-check is due,
 * oldest due first.
 */
export async function listLocatorChecksDueFor(
  db: Db,
  userId: string,
  now: Date,
): Promise<{ id: string; reference: string; next_locator_check_at: Date }[]> {
  const rows = await db
    .selectFrom('cases')
    .select(['cases.id', 'cases.reference', 'cases.next_locator_check_at'])
    .where('cases.status', '=', 'open')
    .where('cases.merged_into', 'is', null)
    .where('cases.key_destroyed_at', 'is', null)
    .where('cases.next_locator_check_at', '<=', now)
    .where((eb) => caseVisibleTo(eb, userId))
    .orderBy('cases.next_locator_check_at')
    .orderBy('cases.reference')
    .execute();
  return rows.map((row) => ({ ...row, next_locator_check_at: row.next_locator_check_at! }));
}

/** Every open, live case whose locator re-check is due, with its due time. */
export async function listDueLocatorChecks(
  db: Db,
  now: Date,
): Promise<{ id: string; next_locator_check_at: Date }[]> {
  const rows = await db
    .selectFrom('cases')
    .select(['id', 'next_locator_check_at'])
    .where('next_locator_check_at', '<=', now)
    .where('status', '=', 'open')
    .where('merged_into', 'is', null)
    .where('key_destroyed_at', 'is', null)
    .execute();
  return rows.map((row) => ({ id: row.id, next_locator_check_at: row.next_locator_check_at! }));
}

/** The live cases opened under a surge operation, oldest first: for the operation's numbers and worklist. */
export async function casesOfOperation(
  db: Db,
  operationId: string,
): Promise<{ id: string; openedAt: Date; outcomeCiphertext: string | null }[]> {
  const rows = await db
    .selectFrom('cases')
    .select(['id', 'opened_at', 'outcome_ciphertext'])
    .where('operation_id', '=', operationId)
    .where('merged_into', 'is', null)
    .where('key_destroyed_at', 'is', null)
    .orderBy('opened_at')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    openedAt: row.opened_at,
    outcomeCiphertext: row.outcome_ciphertext,
  }));
}

/**
 * The cases linked to these incidents whose contents are still kept (not merged away, key not destroyed), open
 * or closed: the evidence packets module keeps an incident's log and media while such a case exists, and lets
 * legal staff on such a case export them.
 */
export async function keptCasesOfIncidents(
  db: Db,
  incidentIds: readonly string[],
): Promise<{ id: string; incident_id: string }[]> {
  if (incidentIds.length === 0) return [];
  const rows = await db
    .selectFrom('cases')
    .select(['cases.id', 'cases.incident_id'])
    .where('cases.incident_id', 'in', [...incidentIds])
    .where('cases.merged_into', 'is', null)
    .where('cases.key_destroyed_at', 'is', null)
    .execute();
  return rows.flatMap((row) => (row.incident_id ? [{ id: row.id, incident_id: row.incident_id }] : []));
}
