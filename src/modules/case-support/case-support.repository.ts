// The only place the attorney directory, attorney assignments, bond funds and their ledger, and family support
// tasks are read or written with SQL. (The bond and the outcome are sealed columns of the case row, written
// through the cases repository.)
import { sql, type Expression, type Insertable, type Kysely } from 'kysely';
import {
  caseReferences,
  listOpenCaseLinks,
  liveCasesVisibleToQuery,
  openLiveCaseIdsQuery,
} from '../cases/cases.queries.ts';
import type {
  AttorneysTable,
  BondFundEntriesTable,
  CaseSupportTasksTable,
  Database,
  SupportTaskKind,
  SupportTaskStatus,
} from '../../db/schema.ts';

type Db = Kysely<Database>;

// ---------------------------------------------------------------------------------------------------------
// Attorney directory

export interface AttorneyRow {
  id: string;
  name: string;
  organization: string | null;
  languages: string[];
  capacity: number;
  phone_ciphertext: string | null;
  archived_at: Date | null;
  open_cases: number;
}

function attorneysWithWorkload(db: Db) {
  return db.selectFrom('attorneys').select([
    'attorneys.id',
    'attorneys.name',
    'attorneys.organization',
    'attorneys.languages',
    'attorneys.capacity',
    'attorneys.phone_ciphertext',
    'attorneys.archived_at',
    (eb) =>
      eb
        .selectFrom('case_attorney_assignments as a')
        .select(sql<string>`count(*)`.as('n'))
        .whereRef('a.attorney_id', '=', 'attorneys.id')
        .where('a.ended_at', 'is', null)
        // Cases an attorney's workload counts: open, not merged away, contents still readable.
        .where('a.case_id', 'in', openLiveCaseIdsQuery(db))
        .as('open_cases'),
  ]);
}

const withCount = (
  row: Omit<AttorneyRow, 'open_cases'> & { open_cases: string | number | null },
): AttorneyRow => ({
  ...row,
  open_cases: Number(row.open_cases ?? 0),
});

export async function listAttorneys(db: Db, options: { archived: boolean }): Promise<AttorneyRow[]> {
  const rows = await attorneysWithWorkload(db)
    .where('attorneys.archived_at', options.archived ? 'is not' : 'is', null)
    .orderBy(sql`lower(attorneys.organization)`, sql`asc nulls last`)
    .orderBy(sql`lower(attorneys.name)`)
    .orderBy('attorneys.id')
    .execute();
  return rows.map(withCount);
}

export async function findAttorney(db: Db, attorneyId: string): Promise<AttorneyRow | undefined> {
  const row = await attorneysWithWorkload(db).where('attorneys.id', '=', attorneyId).executeTakeFirst();
  return row && withCount(row);
}

/** Locks an attorney's row, so two assignments at once cannot both take their last free place. */
export async function lockAttorney(db: Db, attorneyId: string): Promise<AttorneyRow | undefined> {
  await db.selectFrom('attorneys').select('id').where('id', '=', attorneyId).forUpdate().executeTakeFirst();
  return findAttorney(db, attorneyId);
}

export async function insertAttorney(db: Db, row: Insertable<AttorneysTable>): Promise<void> {
  await db.insertInto('attorneys').values(row).execute();
}

export async function updateAttorney(
  db: Db,
  attorneyId: string,
  change: {
    name: string;
    organization: string | null;
    languages: string[];
    capacity: number;
    phone_ciphertext: string | null;
    updated_at: Date;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('attorneys')
    .set(change)
    .where('id', '=', attorneyId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setAttorneyArchived(
  db: Db,
  attorneyId: string,
  archivedAt: Date | null,
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('attorneys')
    .set({ archived_at: archivedAt, updated_at: now })
    .where('id', '=', attorneyId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---------------------------------------------------------------------------------------------------------
// Assignments

export interface CurrentAssignment {
  id: string;
  attorney_id: string;
  assigned_at: Date;
  assigned_by: string | null;
  conflict_acknowledged: boolean;
  name: string;
  organization: string | null;
  languages: string[];
  phone_ciphertext: string | null;
  archived_at: Date | null;
}

export async function findCurrentAssignment(db: Db, caseId: string): Promise<CurrentAssignment | undefined> {
  return db
    .selectFrom('case_attorney_assignments as a')
    .innerJoin('attorneys', 'attorneys.id', 'a.attorney_id')
    .select([
      'a.id',
      'a.attorney_id',
      'a.assigned_at',
      'a.assigned_by',
      'a.conflict_acknowledged',
      'attorneys.name',
      'attorneys.organization',
      'attorneys.languages',
      'attorneys.phone_ciphertext',
      'attorneys.archived_at',
    ])
    .where('a.case_id', '=', caseId)
    .where('a.ended_at', 'is', null)
    .executeTakeFirst();
}

export async function endCurrentAssignment(
  db: Db,
  caseId: string,
  endedBy: string,
  at: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('case_attorney_assignments')
    .set({ ended_at: at, ended_by: endedBy })
    .where('case_id', '=', caseId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function insertAssignment(
  db: Db,
  row: {
    id: string;
    case_id: string;
    attorney_id: string;
    assigned_by: string;
    assigned_at: Date;
    conflict_acknowledged: boolean;
  },
): Promise<void> {
  await db.insertInto('case_attorney_assignments').values(row).execute();
}

/** What links a case to others, for the conflict check: the incident and the hotline follow-up it came from. */
export interface RepresentedCase {
  attorney_id: string;
  case_id: string;
  incident_id: string | null;
  followup_task_id: string | null;
}

/** Every open case that has an attorney now, except this one: what the attorneys already represent. */
export async function listRepresentedCases(db: Db, exceptCaseId: string): Promise<RepresentedCase[]> {
  const assignments = await db
    .selectFrom('case_attorney_assignments as a')
    .select(['a.attorney_id', 'a.case_id'])
    .where('a.ended_at', 'is', null)
    .where('a.case_id', '!=', exceptCaseId)
    .execute();
  // The cases module keeps the open, live ones among them and says what links each to others.
  const links = new Map(
    (await listOpenCaseLinks(db, [...new Set(assignments.map((a) => a.case_id))])).map((c) => [c.id, c]),
  );
  return assignments.flatMap((a) => {
    const link = links.get(a.case_id);
    return link
      ? [
          {
            attorney_id: a.attorney_id,
            case_id: a.case_id,
            incident_id: link.incident_id,
            followup_task_id: link.followup_task_id,
          },
        ]
      : [];
  });
}

/** The open, live cases an attorney represents now: whose texts go to the attorney's phone. */
export async function listCasesRepresentedBy(db: Db, attorneyId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('case_attorney_assignments as a')
    .select('a.case_id')
    .where('a.attorney_id', '=', attorneyId)
    .where('a.ended_at', 'is', null)
    .where('a.case_id', 'in', openLiveCaseIdsQuery(db))
    .orderBy('a.case_id')
    .execute();
  return rows.map((row) => row.case_id);
}

// ---------------------------------------------------------------------------------------------------------
// Bond funds and their ledger

export interface FundRow {
  id: string;
  name: string;
  created_at: Date;
  balance_cents: number;
}

const balanceOf = (fundId: Expression<string>) =>
  sql<string>`(select coalesce(sum(case when e.kind = 'deposit' then e.amount_cents else -e.amount_cents end), 0)
    from bond_fund_entries e where e.fund_id = ${fundId})`;

export async function listFunds(db: Db): Promise<FundRow[]> {
  const rows = await db
    .selectFrom('bond_funds')
    .select(['id', 'name', 'created_at', balanceOf(sql.ref('bond_funds.id')).as('balance_cents')])
    .orderBy(sql`lower(name)`)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ ...row, balance_cents: Number(row.balance_cents) }));
}

export async function findFund(db: Db, fundId: string): Promise<FundRow | undefined> {
  const row = await db
    .selectFrom('bond_funds')
    .select(['id', 'name', 'created_at', balanceOf(sql.ref('bond_funds.id')).as('balance_cents')])
    .where('id', '=', fundId)
    .executeTakeFirst();
  return row && { ...row, balance_cents: Number(row.balance_cents) };
}

/** Locks a fund's row and reads its balance: payments out of one fund go one at a time. */
export async function lockFund(db: Db, fundId: string): Promise<FundRow | undefined> {
  const locked = await db
    .selectFrom('bond_funds')
    .select('id')
    .where('id', '=', fundId)
    .forUpdate()
    .executeTakeFirst();
  return locked && findFund(db, fundId);
}

export async function fundNameTaken(db: Db, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('bond_funds')
    .select('id')
    .where(sql<string>`lower(name)`, '=', name.toLowerCase())
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertFund(
  db: Db,
  row: { id: string; name: string; created_by: string; created_at: Date },
): Promise<void> {
  await db.insertInto('bond_funds').values(row).execute();
}

export async function insertLedgerEntry(db: Db, row: Insertable<BondFundEntriesTable>): Promise<void> {
  await db.insertInto('bond_fund_entries').values(row).execute();
}

export interface LedgerRow {
  id: string;
  kind: 'deposit' | 'payment';
  amount_cents: number;
  occurred_on: string;
  receipt_ciphertext: string | null;
  case_id: string | null;
  case_reference: string | null;
  recorded_at: Date;
}

export async function listLedger(db: Db, fundId: string, limit: number): Promise<LedgerRow[]> {
  const rows = await db
    .selectFrom('bond_fund_entries as e')
    .select([
      'e.id',
      'e.kind',
      'e.amount_cents',
      'e.occurred_on',
      'e.receipt_ciphertext',
      'e.case_id',
      'e.recorded_at',
    ])
    .where('e.fund_id', '=', fundId)
    .orderBy('e.occurred_on', 'desc')
    .orderBy('e.recorded_at', 'desc')
    .orderBy('e.id')
    .limit(limit)
    .execute();
  // The page's cases' references, from the cases module in one query.
  const references = await caseReferences(db, [
    ...new Set(rows.flatMap((row) => (row.case_id === null ? [] : [row.case_id]))),
  ]);
  return rows.map(({ recorded_at, ...row }) => ({
    ...row,
    amount_cents: Number(row.amount_cents),
    case_reference: row.case_id === null ? null : (references.get(row.case_id) ?? null),
    recorded_at,
  }));
}

export interface CasePaymentRow {
  id: string;
  fund_id: string;
  fund_name: string;
  amount_cents: number;
  occurred_on: string;
  receipt_ciphertext: string | null;
}

export async function listCasePayments(db: Db, caseId: string): Promise<CasePaymentRow[]> {
  const rows = await db
    .selectFrom('bond_fund_entries as e')
    .innerJoin('bond_funds as f', 'f.id', 'e.fund_id')
    .select([
      'e.id',
      'e.fund_id',
      'f.name as fund_name',
      'e.amount_cents',
      'e.occurred_on',
      'e.receipt_ciphertext',
    ])
    .where('e.case_id', '=', caseId)
    .where('e.kind', '=', 'payment')
    .orderBy('e.occurred_on')
    .orderBy('e.recorded_at')
    .execute();
  return rows.map((row) => ({ ...row, amount_cents: Number(row.amount_cents) }));
}

// ---------------------------------------------------------------------------------------------------------
// Family support tasks

export async function insertTask(db: Db, row: Insertable<CaseSupportTasksTable>): Promise<void> {
  await db.insertInto('case_support_tasks').values(row).execute();
}

export interface TaskRow {
  id: string;
  case_id: string;
  kind: SupportTaskKind;
  assignee_id: string | null;
  due_on: string;
  status: SupportTaskStatus;
  notes_ciphertext: string | null;
  created_at: Date;
}

function tasksWithAssignee(db: Db) {
  return db
    .selectFrom('case_support_tasks as t')
    .select([
      't.id',
      't.case_id',
      't.kind',
      't.assignee_id',
      't.due_on',
      't.status',
      't.notes_ciphertext',
      't.created_at',
    ]);
}

/** Of these cases, the ones with an attorney now: one query for the whole case list. */
export async function casesWithAttorney(db: Db, caseIds: readonly string[]): Promise<Set<string>> {
  if (caseIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('case_attorney_assignments')
    .select('case_id')
    .where('ended_at', 'is', null)
    .where('case_id', 'in', caseIds)
    .execute();
  return new Set(rows.map((row) => row.case_id));
}

/** How many tasks each of these cases still has to do: one query for the whole case list. */
export async function countOpenTasks(db: Db, caseIds: readonly string[]): Promise<Map<string, number>> {
  if (caseIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('case_support_tasks')
    .select(['case_id', (eb) => eb.fn.countAll<string>().as('open')])
    .where('status', '!=', 'done')
    .where('case_id', 'in', caseIds)
    .groupBy('case_id')
    .execute();
  return new Map(rows.map((row) => [row.case_id, Number(row.open)]));
}

/** A case's tasks: the ones still to do first, by due date. */
export async function listCaseTasks(db: Db, caseId: string): Promise<TaskRow[]> {
  return tasksWithAssignee(db)
    .where('t.case_id', '=', caseId)
    .orderBy(sql`t.status = 'done'`)
    .orderBy('t.due_on')
    .orderBy('t.created_at')
    .orderBy('t.id')
    .execute();
}

export async function findTask(db: Db, taskId: string): Promise<TaskRow | undefined> {
  return tasksWithAssignee(db).where('t.id', '=', taskId).executeTakeFirst();
}

export async function setTaskStatus(
  db: Db,
  taskId: string,
  status: SupportTaskStatus,
  now: Date,
): Promise<SupportTaskStatus | undefined> {
  const before = await db
    .selectFrom('case_support_tasks')
    .select('status')
    .where('id', '=', taskId)
    .forUpdate()
    .executeTakeFirst();
  if (!before) return undefined;
  await db
    .updateTable('case_support_tasks')
    .set({ status, updated_at: now })
    .where('id', '=', taskId)
    .execute();
  return before.status;
}

export interface MyTaskRow {
  id: string;
  case_id: string;
  case_reference: string;
  kind: SupportTaskKind;
  due_on: string;
  status: SupportTaskStatus;
}

/**
 * A staff member's tasks still to do, soonest first, on live cases they can still open (someone moved off a
 * case's team no longer sees its tasks here). One statement: it sorts by the case's reference under a limit,
 * so it joins the cases module's subquery of the live cases this staff member may see (its need-to-know
 * predicate) rather than fetching every open task and filtering and sorting them here.
 */
export async function listMyTasks(db: Db, userId: string, limit: number): Promise<MyTaskRow[]> {
  return db
    .selectFrom('case_support_tasks as t')
    .innerJoin(liveCasesVisibleToQuery(db, userId).as('c'), 'c.id', 't.case_id')
    .select(['t.id', 't.case_id', 'c.reference as case_reference', 't.kind', 't.due_on', 't.status'])
    .where('t.assignee_id', '=', userId)
    .where('t.status', '!=', 'done')
    .orderBy('t.due_on')
    .orderBy('c.reference')
    .orderBy('t.id')
    .limit(limit)
    .execute();
}

// ---------------------------------------------------------------------------------------------------------
// Merging cases: the merged-away case's rows follow it into the kept case

export async function listTaskNotes(
  db: Db,
  caseId: string,
): Promise<{ id: string; notes_ciphertext: string | null }[]> {
  return db
    .selectFrom('case_support_tasks')
    .select(['id', 'notes_ciphertext'])
    .where('case_id', '=', caseId)
    .execute();
}

export async function moveTask(
  db: Db,
  taskId: string,
  change: { case_id: string; notes_ciphertext: string | null },
): Promise<void> {
  await db.updateTable('case_support_tasks').set(change).where('id', '=', taskId).execute();
}

/** A payment's receipt sealed again (for the kept case, when two cases merge). */
export async function setPaymentReceipt(db: Db, entryId: string, receiptCiphertext: string): Promise<void> {
  await db
    .updateTable('bond_fund_entries')
    .set({ receipt_ciphertext: receiptCiphertext })
    .where('id', '=', entryId)
    .where('kind', '=', 'payment')
    .execute();
}

export async function moveLedgerEntries(db: Db, fromCaseId: string, toCaseId: string): Promise<void> {
  await db
    .updateTable('bond_fund_entries')
    .set({ case_id: toCaseId })
    .where('case_id', '=', fromCaseId)
    .execute();
}

/**
 * Moves a case's attorney assignments to another case. When both have a current attorney, the kept case's
 * stays and the moved one ends now (one current attorney per case).
 */
export async function moveAssignments(db: Db, fromCaseId: string, toCaseId: string, at: Date): Promise<void> {
  if (await findCurrentAssignment(db, toCaseId)) {
    await db
      .updateTable('case_attorney_assignments')
      .set({ ended_at: at })
      .where('case_id', '=', fromCaseId)
      .where('ended_at', 'is', null)
      .execute();
  }
  await db
    .updateTable('case_attorney_assignments')
    .set({ case_id: toCaseId })
    .where('case_id', '=', fromCaseId)
    .execute();
}

// ---------------------------------------------------------------------------------------------------------
// The home page

/**
 * Open, live cases this staff member may see that have no attorney now, oldest reference first (at most
 * `limit`), and how many in all. Need to know is the cases module's subquery; nothing here widens it.
 */
export async function listVisibleCasesWithoutAttorney(
  db: Db,
  userId: string,
  limit: number,
): Promise<{ count: number; rows: { id: string; reference: string }[] }> {
  const base = () =>
    db
      .selectFrom(liveCasesVisibleToQuery(db, userId).as('c'))
      .where('c.id', 'in', openLiveCaseIdsQuery(db))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('case_attorney_assignments as a')
              .select('a.id')
              .whereRef('a.case_id', '=', 'c.id')
              .where('a.ended_at', 'is', null),
          ),
        ),
      );
  const count = await base()
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await base().select(['c.id', 'c.reference']).orderBy('c.reference').limit(limit).execute();
  return { count: Number(count.n), rows };
}
