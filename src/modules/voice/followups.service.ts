// The legal intake team's follow-up tasks: families who called because a relative was detained. Only legal
// staff of the intake team see them all; other legal staff see those assigned to them. Reading the list
// shows callers' numbers, so it is audited; closing a task is audited with who closed it.
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import { isLanguage } from '../../i18n/i18n.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { isUuid } from '../../http/ids.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { followupTeam, type FollowupAssignee } from './followups.team.ts';
import { reportsDeps } from '../reports/reports.module.ts';
import { readCallbackContacts } from '../reports/reports.queries.ts';
import { takeCallbackPhone } from '../reports/reports.service.ts';
import { takeStoredRecordings, type TakenAudio } from './recordings.service.ts';
import { randomUUID } from 'node:crypto';
import { detainedNameIndexes, followupField } from './followups.fields.ts';
import { recordReportedDependents } from './operation-sites.ts';
import {
  insertFollowup,
  assignFollowup,
  closeFollowup,
  findFamilyFollowupRow,
  followupVisibleTo,
  listOpenFollowups,
  lockFollowup,
  pointFollowupAtCase,
} from './voice.repository.ts';

export const FOLLOWUP_PAGE_SIZE = 200;

/** For the cases module: closing a task inside its transaction (a case was opened from it). */
export { closeFollowup };

export interface FamilyFollowup {
  id: string;
  status: 'open' | 'done';
  language: string;
  created_at: Date;
  report_id: string | null;
  /** The family's yes to being texted about the case (the intake by text asks); null when not asked. */
  consent_to_text: boolean | null;
  /** The surge operation the family's call or text was filed under. */
  operation_id: string | null;
}

/** A family's follow-up task (the kind a case is opened from), for the cases module; the caller checks access. */
export async function findFamilyFollowup(
  db: Kysely<Database>,
  taskId: string,
): Promise<FamilyFollowup | undefined> {
  return findFamilyFollowupRow(db, taskId);
}

/** What the short family intake by text answered, for the follow-up it becomes. */
export interface FamilyIntakeFollowup {
  /** The report holding the family's number (and nothing of what they answered). */
  reportId: string;
  language: Language;
  operationId: string | null;
  siteId: string | null;
  siteName: string | null;
  detainedName: string | null;
  relationship: string | null;
  dependentsWithoutCare: number | null;
  consentToText: boolean | null;
}

/**
 * The family intake by text (sms) becomes a follow-up for the legal team, never a case: the detained
 * person's name and the relationship encrypted on the task's row, the rest as counts and yes/no. Inside
 * the caller's transaction; audited without any of the answers.
 */
export async function fileFamilyIntakeFollowup(
  context: AppContext,
  trx: Kysely<Database>,
  intake: FamilyIntakeFollowup,
): Promise<string> {
  const id = randomUUID();
  const { fields } = context.secrets;
  await insertFollowup(trx, {
    id,
    report_id: intake.reportId,
    language: intake.language,
    created_at: context.clock.now(),
    channel: 'sms',
    operation_id: intake.operationId,
    operation_site_id: intake.siteId,
    operation_site_name: intake.siteName,
    detained_name_ciphertext: fields.encryptOptional(followupField(id, 'detained_name'), intake.detainedName),
    relationship_ciphertext: fields.encryptOptional(followupField(id, 'relationship'), intake.relationship),
    // So the roster import finds this family while the task is open (cleared when it closes).
    detained_name_index:
      intake.detainedName === null ? null : detainedNameIndexes(context, { name: intake.detainedName }),
    dependents_without_care: intake.dependentsWithoutCare,
    consent_to_text: intake.consentToText,
  });
  await recordAudit(trx, context, {
    actorId: null,
    action: 'followup.created',
    subjectType: 'followup',
    subjectId: id,
    details: { reportId: intake.reportId, kind: 'family_detained', channel: 'sms' },
  });
  if (intake.operationId !== null && (intake.dependentsWithoutCare ?? 0) > 0) {
    await recordReportedDependents(context, trx, {
      operationId: intake.operationId,
      siteId: intake.siteId,
      followupId: id,
      count: intake.dependentsWithoutCare!,
      detainedName: intake.detainedName,
      relationship: intake.relationship,
    });
  }
  return id;
}

export interface OpenFollowup {
  id: string;
  createdAt: Date;
  language: Language;
  reportId: string | null;
  reference: string | null;
  callbackPhone: string | null;
  hasRecording: boolean;
  assignedTo: string | null;
  /** False when the family hung up without a message and only their number was kept. */
  hasMessage: boolean;
  channel: 'voice' | 'sms';
  /** The family intake's answers (by text), decrypted for the legal team; null when not given. */
  detainedName: string | null;
  relationship: string | null;
  dependentsWithoutCare: number | null;
  consentToText: boolean | null;
  /** The operation site the family named ("At: Koch Foods, Morton"). */
  siteName: string | null;
}

export interface FollowupList {
  tasks: OpenFollowup[];
  /** False when this staff member is not in the legal intake team (or none is set): only their own tasks. */
  intakeTeam: boolean;
  /** For the intake team: legal staff a task may be assigned to. */
  assignable: FollowupAssignee[];
}

export async function readOpenFollowups(context: AppContext, actorId: string): Promise<FollowupList> {
  const { db } = context;
  const intakeTeam = await followupTeam().isMember(db, actorId);
  const rows = await listOpenFollowups(db, FOLLOWUP_PAGE_SIZE, { userId: actorId, intakeTeam });
  await recordAudit(db, context, {
    actorId,
    action: 'followup.listed',
    subjectType: 'followup',
    details: { shown: rows.length, intakeTeam },
  });
  const contacts = await readCallbackContacts(
    context,
    rows.flatMap((row) => (row.report_id === null ? [] : [row.report_id])),
  );
  const tasks = rows.map((row) => ({
    id: row.id,
    createdAt: row.created_at,
    language: isLanguage(row.language) ? row.language : context.config.defaultLanguage,
    reportId: row.report_id,
    reference: (row.report_id && contacts.get(row.report_id)?.reference) ?? null,
    callbackPhone: (row.report_id && contacts.get(row.report_id)?.callbackPhone) ?? null,
    hasRecording: row.has_recording,
    assignedTo: row.assigned_to,
    hasMessage: row.has_message,
    channel: row.channel,
    detainedName: context.secrets.fields.decryptOptional(
      followupField(row.id, 'detained_name'),
      row.detained_name_ciphertext,
    ),
    relationship: context.secrets.fields.decryptOptional(
      followupField(row.id, 'relationship'),
      row.relationship_ciphertext,
    ),
    dependentsWithoutCare: row.dependents_without_care,
    consentToText: row.consent_to_text,
    siteName: row.operation_site_name,
  }));
  return { tasks, intakeTeam, assignable: intakeTeam ? await followupTeam().assignable(context) : [] };
}

/**
 * For the home page: how many open follow-ups this staff member would see on the follow-ups page (the intake
 * team: all of them; others: those assigned to them), and when the oldest few came in. Times only, no number
 * and no report, so nothing here needs the audit entry that reading the list gets.
 */
export async function openFollowupsAt(
  context: Pick<AppContext, 'db'>,
  actorId: string,
): Promise<{ count: number; receivedAt: Date[] }> {
  const intakeTeam = await followupTeam().isMember(context.db, actorId);
  const rows = await listOpenFollowups(context.db, FOLLOWUP_PAGE_SIZE, { userId: actorId, intakeTeam });
  return { count: rows.length, receivedAt: rows.map((row) => row.created_at) };
}

/** Whether this staff member may see this follow-up task: the intake team's legal staff, or its assignee. */
export async function mayHandleFollowup(
  context: AppContext,
  taskId: string,
  userId: string,
): Promise<boolean> {
  if (!isUuid(taskId)) return false;
  const intakeTeam = await followupTeam().isMember(context.db, userId);
  return followupVisibleTo(context.db, taskId, { userId, intakeTeam });
}

/**
 * The intake team hands a task to one legal staff member (or back to the team: null), who then sees it and
 * plays its message though not in the team. Audited.
 */
export async function assignFollowupTo(
  context: AppContext,
  actorId: string,
  taskId: string,
  assigneeId: string | null,
): Promise<'assigned' | 'missing' | 'not_legal'> {
  if (!isUuid(taskId) || !(await followupTeam().isMember(context.db, actorId))) return 'missing';
  if (
    assigneeId !== null &&
    !(await followupTeam().assignable(context)).some((s) => s.userId === assigneeId)
  ) {
    return 'not_legal';
  }
  return context.db.transaction().execute(async (trx) => {
    if (!(await assignFollowup(trx, taskId, assigneeId))) return 'missing';
    await recordAudit(trx, context, {
      actorId,
      action: 'followup.assigned',
      subjectType: 'followup',
      subjectId: taskId,
      details: { assigneeId },
    });
    return 'assigned';
  });
}

export async function markFollowupDone(
  context: AppContext,
  taskId: string,
  actorId: string,
): Promise<'closed' | 'unchanged' | 'missing'> {
  if (!(await mayHandleFollowup(context, taskId, actorId))) return 'missing';
  return context.db.transaction().execute(async (trx) => {
    const outcome = await closeFollowup(trx, taskId, context.clock.now());
    if (outcome === 'closed') {
      await recordAudit(trx, context, {
        actorId,
        action: 'followup.done',
        subjectType: 'followup',
        subjectId: taskId,
      });
    }
    return outcome;
  });
}

export interface FollowupHandover {
  /** The family's number, now the case's to keep. */
  callbackPhone: string | null;
  /** The hotline report's reference, which the family may quote. */
  reference: string | null;
  recordings: TakenAudio[];
  /** What the family intake by text answered (name, relationship), now the case's to keep; null if none. */
  detainedName: string | null;
  relationship: string | null;
}

/**
 * A case was opened from this task (or the task was added to a case): the caller's number and the stored
 * recordings leave the report and the voice store, and the task keeps only a pointer to the case. Inside
 * the case's transaction; the caller seals what it gets with the case's key, and deletes the recordings'
 * old files (storageKey) once it has committed.
 */
export async function takeFollowupForCase(
  context: AppContext,
  trx: Kysely<Database>,
  taskId: string,
  caseId: string,
  actorId: string,
): Promise<FollowupHandover> {
  const task = await lockFollowup(trx, taskId);
  const nothing = {
    callbackPhone: null,
    reference: null,
    recordings: [],
    detainedName: null,
    relationship: null,
  };
  if (!task || task.case_id !== null) return nothing;
  const { fields } = context.secrets;
  const answers = {
    detainedName: fields.decryptOptional(
      followupField(taskId, 'detained_name'),
      task.detained_name_ciphertext,
    ),
    relationship: fields.decryptOptional(followupField(taskId, 'relationship'), task.relationship_ciphertext),
  };
  await pointFollowupAtCase(trx, taskId, caseId);
  if (task.report_id === null) return { ...nothing, ...answers };
  const taken = await takeCallbackPhone(context, trx, task.report_id);
  const recordings = await takeStoredRecordings(reportsDeps(context), trx, task.report_id);
  await recordAudit(trx, context, {
    actorId,
    action: 'followup.moved_to_case',
    subjectType: 'followup',
    subjectId: taskId,
    details: { caseId, recordings: recordings.length, phone: taken?.phone != null },
  });
  return { callbackPhone: taken?.phone ?? null, reference: taken?.reference ?? null, recordings, ...answers };
}
