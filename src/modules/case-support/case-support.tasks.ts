// Family support tasks: needs (childcare, rent, food, transport, mental health, other) and accompaniment (to a
// check-in or a court date), each with an assignee, a due date and a status; notes sealed with the case key.
// Tasks go only to legal staff who can open the case, so "my tasks" never points anyone at a case they may
// not see. No HTTP here.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import type { Kysely } from 'kysely';
import type { CaseCipher } from '../../crypto/case-keys.ts';
import type { Database, SupportTaskKind, SupportTaskStatus } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { openCaseForStaff } from '../cases/cases.access.ts';
import { listCaseStaffIds, lockCase } from '../cases/cases.queries.ts';
import { recordCaseEvent } from '../cases/cases.timeline.ts';
import { acceptsChanges, type OpenedCase } from './case-support.case.ts';
import {
  findTask,
  insertTask,
  listCaseTasks,
  listMyTasks,
  setTaskStatus,
  type MyTaskRow,
} from './case-support.repository.ts';
import type { TaskInput } from './case-support.schemas.ts';
import { isUuid } from '../../http/ids.ts';
import type { FieldRef } from '../../crypto/field-encryption.ts';
import { staffHolding, staffLabel, staffNamesOf } from '../staff/staff.service.ts';

export const taskNotesField = (taskId: string): FieldRef<'case_support_tasks'> => ({
  table: 'case_support_tasks',
  column: 'notes',
  rowId: taskId,
});

export interface StaffOption {
  userId: string;
  name: string;
}

/** Who may be given this case's tasks: enabled legal staff assigned to the case or in its team. */
export async function taskAssignees(context: AppContext, caseId: string): Promise<StaffOption[]> {
  // Before roles: the users assigned to the case or in its team; the staff module keeps the enabled legal
  // staff among them.
  const candidates = await listCaseStaffIds(context.db, caseId);
  if (candidates.length === 0) return [];
  const staff = await staffHolding(context.db, 'legal', { enabledOnly: true, among: candidates });
  return staff.map((s) => ({ userId: s.userId, name: staffLabel(context, s) }));
}

export interface TaskView {
  id: string;
  kind: SupportTaskKind;
  assigneeId: string | null;
  assigneeName: string | null;
  dueOn: string;
  status: SupportTaskStatus;
  notes: string | null;
}

export async function caseTasks(context: AppContext, opened: OpenedCase): Promise<TaskView[]> {
  const rows = await listCaseTasks(context.db, opened.caseRow.id);
  const assignees = new Map(
    (
      await staffNamesOf(
        context.db,
        rows.flatMap((row) => (row.assignee_id ? [row.assignee_id] : [])),
      )
    ).map((s) => [s.userId, staffLabel(context, s)]),
  );
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    assigneeId: row.assignee_id,
    assigneeName: (row.assignee_id && assignees.get(row.assignee_id)) ?? null,
    dueOn: row.due_on,
    status: row.status,
    notes:
      row.notes_ciphertext === null
        ? null
        : opened.cipher.decrypt(taskNotesField(row.id), row.notes_ciphertext),
  }));
}

export async function addTask(
  context: AppContext,
  principal: StaffPrincipal,
  opened: OpenedCase,
  input: TaskInput,
): Promise<'added' | 'closed'> {
  const caseId = opened.caseRow.id;
  return context.db.transaction().execute(async (trx) => {
    if (!acceptsChanges(await lockCase(trx, caseId))) return 'closed';
    const id = randomUUID();
    const now = context.clock.now();
    await insertTask(trx, {
      id,
      case_id: caseId,
      kind: input.kind,
      assignee_id: input.assigneeId,
      due_on: input.dueOn,
      status: 'open',
      notes_ciphertext: input.notes === null ? null : opened.cipher.encrypt(taskNotesField(id), input.notes),
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
    });
    await recordCaseEvent(trx, opened.cipher, {
      caseId,
      actorId: principal.userId,
      kind: `support_${input.kind}_added`,
      details: { taskId: id, dueOn: input.dueOn },
      at: now,
    });
    return 'added';
  });
}

export type TaskStatusOutcome =
  { outcome: 'changed' | 'unchanged'; caseId: string } | { outcome: 'closed'; caseId: string };

/**
 * Moves a task to a status. The task's case is opened for the staff member first: a task of a case they may
 * not open is a 404, as the case itself would be.
 */
export async function changeTaskStatus(
  context: AppContext,
  principal: StaffPrincipal,
  taskId: string,
  status: SupportTaskStatus,
): Promise<TaskStatusOutcome | undefined> {
  if (!isUuid(taskId)) return undefined;
  const task = await findTask(context.db, taskId);
  if (!task) return undefined;
  const opened = await openCaseForStaff(context, principal, task.case_id);
  const caseId = opened.caseRow.id;
  return context.db.transaction().execute(async (trx): Promise<TaskStatusOutcome> => {
    if (!acceptsChanges(await lockCase(trx, caseId))) return { outcome: 'closed', caseId };
    const now = context.clock.now();
    const before = await setTaskStatus(trx, taskId, status, now);
    if (before === undefined || before === status) return { outcome: 'unchanged', caseId };
    await recordCaseEvent(trx, opened.cipher, {
      caseId,
      actorId: principal.userId,
      kind: `support_task_${status}`,
      details: { taskId, task: task.kind },
      at: now,
    });
    return { outcome: 'changed', caseId };
  });
}

export interface MyTaskView {
  id: string;
  caseId: string;
  caseReference: string;
  kind: SupportTaskKind;
  dueOn: string;
  status: SupportTaskStatus;
}

export const MY_TASKS_LIMIT = 200;

/** The signed-in staff member's tasks still to do, soonest first. No notes: they need each case's key. */
export async function myTasks(context: AppContext, principal: StaffPrincipal): Promise<MyTaskView[]> {
  const rows: MyTaskRow[] = await listMyTasks(context.db, principal.userId, MY_TASKS_LIMIT);
  return rows.map((row) => ({
    id: row.id,
    caseId: row.case_id,
    caseReference: row.case_reference,
    kind: row.kind,
    dueOn: row.due_on,
    status: row.status,
  }));
}

/**
 * A released person's pickup (issue 16), added by case tracking inside its own transaction when it records
 * the release: a transport task due today, "Pick up <reference> at <place>" sealed with the case key.
 */
export async function addPickupTask(
  trx: Kysely<Database>,
  cipher: CaseCipher,
  input: { caseId: string; actorId: string; text: string; dueOn: string; at: Date },
): Promise<string> {
  const id = randomUUID();
  await insertTask(trx, {
    id,
    case_id: input.caseId,
    kind: 'transport',
    assignee_id: null,
    due_on: input.dueOn,
    status: 'open',
    notes_ciphertext: cipher.encrypt(taskNotesField(id), input.text),
    created_by: input.actorId,
    created_at: input.at,
    updated_at: input.at,
  });
  await recordCaseEvent(trx, cipher, {
    caseId: input.caseId,
    actorId: input.actorId,
    kind: 'support_transport_added',
    details: { taskId: id, dueOn: input.dueOn },
    at: input.at,
  });
  return id;
}
