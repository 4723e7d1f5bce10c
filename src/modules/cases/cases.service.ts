// Opening and following cases: no HTTP here. Each change is one transaction with its timeline entry and
// its audit record; a new case's key is written to disk before the row that needs it commits.
import { randomInt, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import { caseKeyStoreFor, CaseKeyUnavailableError, type CaseCipher } from '../../crypto/case-keys.ts';
import { detentionDay } from './cases.summary.ts';
import type { Case, CaseSource, Database } from '../../db/schema.ts';
import { freeReference } from '../../db/unique-reference.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { isLanguage } from '../../i18n/i18n.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { REFERENCE_ALPHABET } from '../reports/reference-code.ts';
import {
  findIncidentInStatus,
  findIncidentReference,
  listIncidentsInStatusSince,
} from '../incidents/incidents.queries.ts';
import { CONFIRMED_INCIDENT_STATUSES } from './cases.incident-link.ts';
import { isUuid } from '../../http/ids.ts';
import { closeFollowup, findFamilyFollowup, mayHandleFollowup } from '../voice/followups.service.ts';
import { readCallbackContacts } from '../reports/reports.queries.ts';
import { openCaseForStaff } from './cases.access.ts';
import { deleteReportFiles, moveFollowupIntoCase } from './hotline-messages.ts';
import { recordDuplicateLookup } from './legal-intake.ts';
import {
  contactField,
  familyContacts,
  type FamilyContact,
  type FamilyContactDetails,
} from './cases.family.ts';
import { nameSpellings, normalizeName, sealDetails, unsealDetails, type CaseDetails } from './cases.model.ts';
import {
  addAssignee,
  deleteContact,
  findPossibleDuplicates,
  findTeam,
  insertCase,
  insertContact,
  listAssigneeIds,
  listTeams,
  listVisibleCases,
  lockCase,
  referenceTaken,
  removeAssignee,
  teamsOfUser,
  updateCase,
  visibleCaseIds,
  shareCaseWithTeams,
} from './cases.repository.ts';

/** For the other case modules: a change to the case row (their columns), inside their transaction. */
export { updateCase };

/** While the person is not located, when the legal team is next reminded; null stops the reminders. */
export async function setNextLocatorCheck(
  trx: Kysely<Database>,
  caseId: string,
  at: Date | null,
): Promise<void> {
  await updateCase(trx, caseId, { next_locator_check_at: at });
}
import { readCaseTimeline, recordCaseEvent, type CaseTimelineEntry } from './cases.timeline.ts';
import { issueStatusCode, textStatusCode } from './cases.status-codes.ts';
import { teamsOfOperationForCases } from './cases.operation-teams.ts';
import { isEnabledWithRole } from '../auth/users.queries.ts';
import { staffHolding, staffLabel, staffNamesOf } from '../staff/staff.service.ts';

const CASE_REFERENCE_LENGTH = 6;

/** "C-" and six characters that survive being read aloud: the reference staff and families quote. */
export function newCaseReference(): string {
  let code = 'C-';
  for (let i = 0; i < CASE_REFERENCE_LENGTH; i++)
    code += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return code;
}

export interface DuplicateIndexes {
  aNumber: string | null;
  nameDob: string | null;
  /** The name and each other spelling alone: only for doubtful matches (a roster), never a duplicate check. */
  names?: string[];
}

/** The blind indexes that find the same person in another case. Keyed by the master key, not the case key. */
export function duplicateIndexes(
  context: Pick<AppContext, 'secrets'>,
  details: CaseDetails,
): DuplicateIndexes {
  const { blindIndex } = context.secrets;
  const { aNumber, name, dateOfBirth } = details.person;
  const normalizedName = normalizeName(name);
  return {
    aNumber: aNumber ? blindIndex.index('cases.a_number', aNumber) : null,
    nameDob:
      normalizedName !== '' && dateOfBirth
        ? blindIndex.index('cases.name_dob', `${normalizedName}\n${dateOfBirth}`)
        : null,
    names: nameSpellings(details.person).map((spelling) => blindIndex.index('cases.names', spelling)),
  };
}

export interface DuplicateWarning {
  /**
   * Possible duplicates this staff member may open, by reference. Those they may not see are never hinted
   * at (not even "one exists"): they go to the intake coordinator (recordDuplicateLookup).
   */
  visible: { id: string; reference: string; status: Case['status'] }[];
}

interface DuplicateMatches extends DuplicateWarning {
  hiddenIds: string[];
}

/** Cases that may be the same person, split by whether the staff member may see them. */
async function matchDuplicates(
  db: Kysely<Database>,
  userId: string,
  indexes: DuplicateIndexes,
  excludeCaseId: string | null,
): Promise<DuplicateMatches> {
  const matches = await findPossibleDuplicates(db, indexes, excludeCaseId);
  const visible = await visibleCaseIds(
    db,
    matches.map((row) => row.id),
    userId,
  );
  return {
    visible: matches
      .filter((row) => visible.has(row.id))
      .map((row) => ({ id: row.id, reference: row.reference, status: row.status })),
    hiddenIds: matches.filter((row) => !visible.has(row.id)).map((row) => row.id),
  };
}

/** Cases that may be the same person, told only as far as the staff member may know them. */
export async function findDuplicates(
  context: AppContext,
  userId: string,
  indexes: DuplicateIndexes,
  excludeCaseId: string | null,
): Promise<DuplicateWarning> {
  const { visible } = await matchDuplicates(context.db, userId, indexes, excludeCaseId);
  return { visible };
}

/** After a case's person is written: the lookup audited, and what this user may not see referred. */
async function lookUpDuplicatesAfterWrite(
  context: AppContext,
  trx: Kysely<Database>,
  actorId: string,
  caseId: string,
  indexes: DuplicateIndexes,
): Promise<void> {
  if (indexes.aNumber === null && indexes.nameDob === null) return;
  const matches = await matchDuplicates(trx, actorId, indexes, caseId);
  await recordDuplicateLookup(context, trx, {
    actorId,
    caseId,
    visibleCaseIds: matches.visible.map((match) => match.id),
    hiddenCaseIds: matches.hiddenIds,
  });
}

export interface NewCaseInput {
  source: CaseSource;
  /** The hotline follow-up task this case answers; it is closed with the case's opening. */
  followupTaskId: string | null;
  /** The confirmed incident the person was detained at. */
  incidentId: string | null;
  teamId: string | null;
  details: CaseDetails;
  contacts: FamilyContactDetails[];
  /** The surge operation the case is opened under (quick case, roster import). */
  operationId?: string | null;
  /** A note that came with the person (a roster's notes column), kept on the timeline, sealed. */
  openingNote?: string;
  /**
   * The surge intake (a family's own follow-up, the quick case): each contact who agreed to be texted gets a
   * status code by text at once. Elsewhere staff give codes from the case's family section.
   */
  giveStatusCodes?: boolean;
}

/**
 * Opens a case: its key on disk first, then in one transaction the row (every field sealed), the opener as
 * its first assignee, the family contacts, the timeline, the follow-up task closed, and the audit record.
 */
export async function createCase(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'userId'>,
  input: NewCaseInput,
): Promise<{ id: string; reference: string }> {
  const caseId = randomUUID();
  const keys = caseKeyStoreFor(context);
  await keys.create(caseId);
  const cipher = await keys.cipherFor(caseId);
  const now = context.clock.now();
  const indexes = duplicateIndexes(context, input.details);
  let reportFiles: string[] = [];
  const codes: { contactId: string; code: string }[] = [];
  try {
    const created = await context.db.transaction().execute(async (trx) => {
      const reference = await uniqueCaseReference(trx);
      await insertCase(trx, {
        id: caseId,
        reference,
        status: 'open',
        team_id: input.teamId,
        source: input.source,
        followup_task_id: input.followupTaskId,
        incident_id: input.incidentId,
        ...sealDetails(cipher, input.details),
        bond_ciphertext: null,
        outcome_ciphertext: null,
        a_number_index: indexes.aNumber,
        name_dob_index: indexes.nameDob,
        names_index: indexes.names ?? null,
        operation_id: input.operationId ?? null,
        merged_into: null,
        opened_by: principal.userId,
        opened_at: now,
        updated_at: now,
        closed_by: null,
        closed_at: null,
        key_destroy_after: null,
        key_destroyed_at: null,
        next_locator_check_at: null,
      });
      await addAssignee(trx, caseId, principal.userId, now);
      if (input.operationId) {
        const shared = await teamsOfOperationForCases(trx, input.operationId);
        await shareCaseWithTeams(
          trx,
          caseId,
          shared.filter((teamId) => teamId !== input.teamId),
        );
      }
      await recordCaseEvent(trx, cipher, {
        caseId,
        actorId: principal.userId,
        kind: 'opened',
        details: { source: input.source },
        at: now,
      });
      if (input.openingNote) {
        await recordCaseEvent(trx, cipher, {
          caseId,
          actorId: principal.userId,
          kind: 'opening_note',
          details: { note: input.openingNote },
          at: now,
        });
      }
      // A millisecond apart, so the contacts keep the order they were typed in.
      for (const [index, contact] of input.contacts.entries()) {
        const contactId = await addContactIn(trx, cipher, contact, new Date(now.getTime() + index));
        // At intake, a family member who agreed to be texted gets a private code for ESTADO / STATUS.
        if (input.giveStatusCodes === true && contact.consentToUpdates && contact.phone) {
          const code = await issueStatusCode(context, trx, {
            caseId,
            contactId,
            actorId: principal.userId,
            cipher,
          });
          if (code !== undefined) codes.push({ contactId, code });
        }
      }
      if (input.followupTaskId !== null) {
        const closed = await closeFollowup(trx, input.followupTaskId, now);
        if (closed === 'closed') {
          await recordAudit(trx, context, {
            actorId: principal.userId,
            action: 'followup.done',
            subjectType: 'followup',
            subjectId: input.followupTaskId,
            details: { caseId },
          });
          reportFiles = await moveFollowupIntoCase(
            context,
            trx,
            cipher,
            input.followupTaskId,
            principal.userId,
            now,
          );
        }
      }
      await recordAudit(trx, context, {
        actorId: principal.userId,
        action: 'case.created',
        subjectType: 'case',
        subjectId: caseId,
        details: {
          source: input.source,
          teamId: input.teamId,
          contacts: input.contacts.length,
          ...(input.operationId ? { operationId: input.operationId } : {}),
        },
      });
      // The opener is an assignee now: the new case itself is visible to them and excluded anyway.
      await lookUpDuplicatesAfterWrite(context, trx, principal.userId, caseId, indexes);
      return { id: caseId, reference };
    });
    await deleteReportFiles(context, reportFiles);
    // After the commit: a text that fails leaves the code given, and staff can give a new one from the case.
    for (const { contactId, code } of codes)
      await textStatusCode(context, { caseId, cipher }, contactId, code);
    return created;
  } catch (error) {
    // No row points at the key: it must not outlive the failed opening.
    await keys.destroy(caseId);
    throw error;
  }
}

async function uniqueCaseReference(trx: Kysely<Database>): Promise<string> {
  // A clash is rare; checking first keeps a unique violation from aborting the transaction.
  return freeReference(newCaseReference, (reference) => referenceTaken(trx, reference));
}

/** Adds a family contact inside a transaction; returns its id. */
export async function addContactIn(
  trx: Kysely<Database>,
  cipher: CaseCipher,
  contact: FamilyContactDetails,
  at: Date,
): Promise<string> {
  const id = randomUUID();
  await insertContact(trx, {
    id,
    case_id: cipher.caseId,
    details_ciphertext: cipher.encryptJson(contactField(id), contact),
    created_at: at,
    updated_at: at,
  });
  return id;
}

// ---- the new-case form: where the case comes from ----

export interface OpeningSource {
  task: {
    id: string;
    reference: string | null;
    reportId: string | null;
    language: Language;
    phone: string | null;
    /** The family said yes to texts about the case when they texted the hotline. */
    consentToText: boolean;
    operationId: string | null;
  } | null;
  incident: { id: string; reference: string; zip: string | null; createdAt: Date } | null;
}

/**
 * The open follow-up task a case is opened from (its family's number and language fill the form), when this
 * staff member may see it (the legal intake team, or the task's assignee); 'missing' otherwise.
 */
export async function readFollowupForCase(
  context: AppContext,
  taskId: string | null,
  userId: string,
): Promise<OpeningSource['task'] | 'closed' | 'missing'> {
  if (taskId === null) return null;
  if (!isUuid(taskId) || !(await mayHandleFollowup(context, taskId, userId))) return 'missing';
  const task = await findFamilyFollowup(context.db, taskId);
  if (!task) return 'missing';
  if (task.status !== 'open') return 'closed';
  const contact =
    task.report_id === null
      ? undefined
      : (await readCallbackContacts(context, [task.report_id])).get(task.report_id);
  return {
    id: task.id,
    reference: contact?.reference ?? null,
    reportId: task.report_id,
    language: isLanguage(task.language) ? task.language : context.config.defaultLanguage,
    phone: contact?.callbackPhone ?? null,
    consentToText: task.consent_to_text === true,
    operationId: task.operation_id,
  };
}

export async function readIncidentForCase(
  context: AppContext,
  incidentId: string | null,
): Promise<OpeningSource['incident'] | 'missing'> {
  if (incidentId === null) return null;
  if (!isUuid(incidentId)) return 'missing';
  const incident = await findIncidentInStatus(context.db, incidentId, CONFIRMED_INCIDENT_STATUSES);
  if (!incident) return 'missing';
  return {
    id: incident.id,
    reference: incident.reference,
    zip: incident.zip,
    createdAt: incident.created_at,
  };
}

const INCIDENT_CHOICE_DAYS = 30;

/** Confirmed incidents of the last month, for the form's "detained at" choice: references, dates, ZIPs only. */
export async function recentConfirmedIncidents(
  context: AppContext,
): Promise<NonNullable<OpeningSource['incident']>[]> {
  const since = new Date(context.clock.now().getTime() - INCIDENT_CHOICE_DAYS * 24 * 3600 * 1000);
  const rows = await listIncidentsInStatusSince(context.db, CONFIRMED_INCIDENT_STATUSES, since, 100);
  return rows.map((row) => ({
    id: row.id,
    reference: row.reference,
    zip: row.zip,
    createdAt: row.created_at,
  }));
}

export type SubmitCaseOutcome =
  | { outcome: 'created'; id: string; reference: string; lookedUp: boolean }
  | { outcome: 'added_to_existing'; id: string }
  | { outcome: 'possible_duplicate'; warning: DuplicateWarning }
  | { outcome: 'task_closed' }
  | { outcome: 'invalid'; field: 'task_id' | 'incident_id' | 'team_id' };

/**
 * The new-case form, sent. A possible duplicate stops it (the form names the cases this person may see and
 * offers adding the family contact there) unless the user confirmed it is someone else.
 */
export async function submitNewCase(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'userId' | 'roles'>,
  input: {
    taskId: string | null;
    incidentId: string | null;
    teamId: string | null;
    details: CaseDetails;
    contact: FamilyContactDetails | null;
    confirmNotDuplicate: boolean;
    addToCaseId: string | null;
  },
): Promise<SubmitCaseOutcome> {
  const task = await readFollowupForCase(context, input.taskId, principal.userId);
  if (task === 'missing') return { outcome: 'invalid', field: 'task_id' };
  if (task === 'closed') return { outcome: 'task_closed' };
  const incident = await readIncidentForCase(context, input.incidentId);
  if (incident === 'missing') return { outcome: 'invalid', field: 'incident_id' };
  if (input.teamId !== null) {
    const teams = await teamsOfUser(context.db, principal.userId);
    if (!teams.some((team) => team.id === input.teamId)) return { outcome: 'invalid', field: 'team_id' };
  }
  const contacts = input.contact ? [input.contact] : [];

  if (input.addToCaseId !== null) {
    const { caseRow, cipher } = await openCaseForStaff(context, principal, input.addToCaseId);
    await addToExistingCase(context, principal.userId, caseRow, cipher, {
      contacts,
      taskId: task?.id ?? null,
    });
    return { outcome: 'added_to_existing', id: caseRow.id };
  }
  if (!input.confirmNotDuplicate) {
    const warning = await findDuplicates(
      context,
      principal.userId,
      duplicateIndexes(context, input.details),
      null,
    );
    if (warning.visible.length > 0) return { outcome: 'possible_duplicate', warning };
  }
  const created = await createCase(context, principal, {
    source: task ? 'hotline' : incident ? 'incident' : 'console',
    followupTaskId: task?.id ?? null,
    incidentId: incident?.id ?? null,
    teamId: input.teamId,
    details: input.details,
    contacts,
    // A family's follow-up filed under an operation: the case is the operation's too.
    operationId: task?.operationId ?? null,
    giveStatusCodes: task !== null,
  });
  const indexes = duplicateIndexes(context, input.details);
  return { outcome: 'created', ...created, lookedUp: indexes.aNumber !== null || indexes.nameDob !== null };
}

/** The form's "this is the same person": the family contact (and the follow-up task) go to that case. */
async function addToExistingCase(
  context: AppContext,
  actorId: string,
  caseRow: Case,
  cipher: CaseCipher,
  addition: { contacts: FamilyContactDetails[]; taskId: string | null },
): Promise<void> {
  const now = context.clock.now();
  let reportFiles: string[] = [];
  await context.db.transaction().execute(async (trx) => {
    for (const contact of addition.contacts) {
      const contactId = await addContactIn(trx, cipher, contact, now);
      await recordCaseEvent(trx, cipher, {
        caseId: caseRow.id,
        actorId,
        kind: 'contact_added',
        details: { contactId, relationship: contact.relationship },
        at: now,
      });
    }
    if (addition.taskId !== null && (await closeFollowup(trx, addition.taskId, now)) === 'closed') {
      await recordCaseEvent(trx, cipher, { caseId: caseRow.id, actorId, kind: 'followup_linked', at: now });
      await recordAudit(trx, context, {
        actorId,
        action: 'followup.done',
        subjectType: 'followup',
        subjectId: addition.taskId,
        details: { caseId: caseRow.id },
      });
      reportFiles = await moveFollowupIntoCase(context, trx, cipher, addition.taskId, actorId, now);
    }
    await recordAudit(trx, context, {
      actorId,
      action: 'case.updated',
      subjectType: 'case',
      subjectId: caseRow.id,
      details: { change: 'added_from_form', contacts: addition.contacts.length },
    });
  });
  await deleteReportFiles(context, reportFiles);
}

// ---- reading cases ----

export interface CaseListEntry {
  id: string;
  reference: string;
  status: Case['status'];
  openedAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  /** Null once the key is destroyed: only the husk is left. */
  name: string | null;
  destroyed: boolean;
  teamName: string | null;
  /** The day the person was detained (YYYY-MM-DD, network's zone); null once the key is destroyed. */
  detainedOn: string | null;
  /** The case opened with its key, for the other modules' columns; null once the key is destroyed. */
  opened: { caseRow: Case; cipher: CaseCipher } | null;
}

const CASE_LIST_LIMIT = 300;

/** The cases a legal staff member may see; opening the list (names shown) is audited. */
export async function listCasesFor(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'userId'>,
  show: 'open' | 'closed' | 'all',
): Promise<CaseListEntry[]> {
  const rows = await listVisibleCases(context.db, principal.userId, { status: show, limit: CASE_LIST_LIMIT });
  const teams = new Map((await listTeams(context.db)).map((team) => [team.id, team.name]));
  const keys = caseKeyStoreFor(context);
  const entries: CaseListEntry[] = [];
  for (const row of rows) {
    let name: string | null = null;
    let detainedOn: string | null = null;
    let opened: CaseListEntry['opened'] = null;
    if (row.key_destroyed_at === null) {
      try {
        const cipher = await keys.cipherFor(row.id);
        const details = unsealDetails(cipher, row);
        name = details.person.name;
        detainedOn = detentionDay(details.lastSeen.at, row.opened_at, context.config.timeZone);
        opened = { caseRow: row, cipher };
      } catch (error) {
        if (!(error instanceof CaseKeyUnavailableError)) throw error;
      }
    }
    entries.push({
      id: row.id,
      reference: row.reference,
      status: row.status,
      openedAt: row.opened_at,
      updatedAt: row.updated_at,
      closedAt: row.closed_at,
      name,
      destroyed: name === null,
      teamName: row.team_id ? (teams.get(row.team_id) ?? null) : null,
      detainedOn,
      opened,
    });
  }
  await recordAudit(context.db, context, {
    actorId: principal.userId,
    action: 'case.listed',
    subjectType: 'case',
    details: { shown: entries.length, show },
  });
  return entries;
}

/** Opening a case's page: audited every time, as it shows the person. */
export async function auditCaseViewed(context: AppContext, actorId: string, caseId: string): Promise<void> {
  await recordAudit(context.db, context, {
    actorId,
    action: 'case.viewed',
    subjectType: 'case',
    subjectId: caseId,
  });
}

export interface StaffChoice {
  userId: string;
  label: string;
}

export async function staffLabels(context: AppContext, userIds: string[]): Promise<StaffChoice[]> {
  const names = await staffNamesOf(context.db, userIds);
  const byId = new Map(names.map((staff) => [staff.userId, staffLabel(context, staff)]));
  return userIds.map((userId) => ({ userId, label: byId.get(userId) ?? '?' }));
}

/** Legal staff who can be assigned (enabled accounts with the legal role). */
export async function assignableLegalStaff(context: AppContext): Promise<StaffChoice[]> {
  const staff = await staffHolding(context.db, 'legal', { enabledOnly: false });
  return staff.filter((s) => !s.disabled).map((s) => ({ userId: s.userId, label: staffLabel(context, s) }));
}

export interface CaseOverview {
  details: CaseDetails;
  contacts: FamilyContact[];
  assignees: StaffChoice[];
  team: { id: string; name: string } | null;
  timeline: CaseTimelineEntry[];
  duplicates: DuplicateWarning;
  incidentReference: string | null;
}

export async function readCaseOverview(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'userId'>,
  caseRow: Case,
  cipher: CaseCipher,
): Promise<CaseOverview> {
  const details = unsealDetails(cipher, caseRow);
  return {
    details,
    contacts: await familyContacts(context, cipher, caseRow.id),
    assignees: await staffLabels(context, await listAssigneeIds(context.db, caseRow.id)),
    team: caseRow.team_id ? ((await findTeam(context.db, caseRow.team_id)) ?? null) : null,
    timeline: await readCaseTimeline(context.db, cipher, caseRow.id),
    duplicates: await findDuplicates(
      context,
      principal.userId,
      { aNumber: caseRow.a_number_index, nameDob: caseRow.name_dob_index },
      caseRow.id,
    ),
    incidentReference: caseRow.incident_id
      ? ((await findIncidentReference(context.db, caseRow.incident_id)) ?? null)
      : null,
  };
}

// ---- changing a case ----

async function auditCase(
  trx: Kysely<Database>,
  context: AppContext,
  actorId: string,
  action: 'case.updated' | 'case.assigned' | 'case.unassigned' | 'case.closed' | 'case.reopened',
  caseId: string,
  details: Record<string, string | number | boolean | null> = {},
): Promise<void> {
  await recordAudit(trx, context, { actorId, action, subjectType: 'case', subjectId: caseId, details });
}

/**
 * Locks a case for a change and tells whether it still takes one: its key may have been destroyed, or the case
 * merged away, since the caller read it ('gone'). Writing then would put sealed values (and, for the details,
 * the duplicate blind indexes, which match a typed A-number for good) back into a husk. A closed case is
 * read-only until it is reopened, as its tracking and support are ('closed'): its retention clock is running.
 */
async function lockForChange(trx: Kysely<Database>, caseId: string): Promise<'open' | 'closed' | 'gone'> {
  const locked = await lockCase(trx, caseId);
  if (locked === undefined || locked.key_destroyed_at !== null || locked.merged_into !== null) return 'gone';
  return locked.status === 'open' ? 'open' : 'closed';
}

/** The person, languages, last seen and dependents changed: sealed again, duplicate indexes recomputed. */
export async function updateCaseDetails(
  context: AppContext,
  actorId: string,
  caseRow: Case,
  cipher: CaseCipher,
  details: CaseDetails,
): Promise<'saved' | 'unchanged' | 'gone' | 'closed'> {
  const before = unsealDetails(cipher, caseRow);
  const changed = (['person', 'languages', 'lastSeen', 'dependents'] as const).filter(
    (part) => JSON.stringify(before[part]) !== JSON.stringify(details[part]),
  );
  const indexes = duplicateIndexes(context, details);
  const now = context.clock.now();
  return context.db.transaction().execute(async (trx) => {
    const state = await lockForChange(trx, caseRow.id);
    if (state !== 'open') return state;
    if (changed.length === 0) return 'unchanged';
    await updateCase(trx, caseRow.id, {
      ...sealDetails(cipher, details),
      a_number_index: indexes.aNumber,
      name_dob_index: indexes.nameDob,
      names_index: indexes.names ?? null,
      updated_at: now,
    });
    await recordCaseEvent(trx, cipher, {
      caseId: caseRow.id,
      actorId,
      kind: 'details_updated',
      details: { parts: changed.join(',') },
      at: now,
    });
    await auditCase(trx, context, actorId, 'case.updated', caseRow.id, { parts: changed.join(',') });
    if (indexes.aNumber !== caseRow.a_number_index || indexes.nameDob !== caseRow.name_dob_index) {
      await lookUpDuplicatesAfterWrite(context, trx, actorId, caseRow.id, indexes);
    }
    return 'saved';
  });
}

export async function addFamilyContact(
  context: AppContext,
  actorId: string,
  caseRow: Case,
  cipher: CaseCipher,
  contact: FamilyContactDetails,
): Promise<'added' | 'gone' | 'closed'> {
  const now = context.clock.now();
  return context.db.transaction().execute(async (trx) => {
    const state = await lockForChange(trx, caseRow.id);
    if (state !== 'open') return state;
    const contactId = await addContactIn(trx, cipher, contact, now);
    await recordCaseEvent(trx, cipher, {
      caseId: caseRow.id,
      actorId,
      kind: 'contact_added',
      details: { contactId, relationship: contact.relationship },
      at: now,
    });
    await auditCase(trx, context, actorId, 'case.updated', caseRow.id, { change: 'contact_added' });
    return 'added' as const;
  });
}

export async function removeFamilyContact(
  context: AppContext,
  actorId: string,
  caseRow: Case,
  cipher: CaseCipher,
  contactId: string,
): Promise<'removed' | 'not_found' | 'closed'> {
  if (!isUuid(contactId)) return 'not_found';
  const now = context.clock.now();
  return context.db.transaction().execute(async (trx) => {
    const state = await lockForChange(trx, caseRow.id);
    if (state === 'gone') return 'not_found';
    if (state === 'closed') return 'closed';
    if (!(await deleteContact(trx, caseRow.id, contactId))) return 'not_found';
    await recordCaseEvent(trx, cipher, { caseId: caseRow.id, actorId, kind: 'contact_removed', at: now });
    await auditCase(trx, context, actorId, 'case.updated', caseRow.id, { change: 'contact_removed' });
    return 'removed';
  });
}

export type AssignOutcome = 'assigned' | 'already' | 'not_legal' | 'closed';

/** Assigns a legal staff member to the case: they see it from now on. */
export async function assignLegalStaff(
  context: AppContext,
  actorId: string,
  caseRow: Case,
  cipher: CaseCipher,
  userId: string,
): Promise<AssignOutcome> {
  if (caseRow.status !== 'open') return 'closed';
  if (!isUuid(userId) || !(await isEnabledWithRole(context.db, userId, 'legal'))) return 'not_legal';
  const now = context.clock.now();
  return context.db.transaction().execute(async (trx) => {
    if ((await lockForChange(trx, caseRow.id)) !== 'open') return 'closed';
    if (!(await addAssignee(trx, caseRow.id, userId, now))) return 'already';
    await recordCaseEvent(trx, cipher, {
      caseId: caseRow.id,
      actorId,
      kind: 'assigned',
      details: { userId },
      at: now,
    });
    await auditCase(trx, context, actorId, 'case.assigned', caseRow.id, { userId });
    return 'assigned';
  });
}

export type UnassignOutcome = 'unassigned' | 'not_assigned' | 'last_without_team' | 'closed';

export async function unassignLegalStaff(
  context: AppContext,
  actorId: string,
  caseRow: Case,
  cipher: CaseCipher,
  userId: string,
): Promise<UnassignOutcome> {
  if (!isUuid(userId)) return 'not_assigned';
  const now = context.clock.now();
  return context.db.transaction().execute(async (trx) => {
    const locked = await lockCase(trx, caseRow.id);
    if (locked?.status !== 'open') return 'closed';
    const assignees = await listAssigneeIds(trx, caseRow.id);
    if (!assignees.includes(userId)) return 'not_assigned';
    // A case with no team and nobody assigned would be seen by no one ever again.
    if (!locked?.team_id && assignees.length === 1) return 'last_without_team';
    await removeAssignee(trx, caseRow.id, userId);
    await recordCaseEvent(trx, cipher, {
      caseId: caseRow.id,
      actorId,
      kind: 'unassigned',
      details: { userId },
      at: now,
    });
    await auditCase(trx, context, actorId, 'case.unassigned', caseRow.id, { userId });
    return 'unassigned';
  });
}

export type TeamChangeOutcome = 'changed' | 'unchanged' | 'not_member' | 'nobody_left' | 'closed';

/** Moves the case to another of the actor's teams, or to none (then only its assignees see it). */
export async function changeCaseTeam(
  context: AppContext,
  actorId: string,
  caseRow: Case,
  cipher: CaseCipher,
  teamId: string | null,
): Promise<TeamChangeOutcome> {
  if (caseRow.status !== 'open') return 'closed';
  if (teamId === caseRow.team_id) return 'unchanged';
  if (teamId !== null) {
    const teams = await teamsOfUser(context.db, actorId);
    if (!teams.some((team) => team.id === teamId)) return 'not_member';
  } else if ((await listAssigneeIds(context.db, caseRow.id)).length === 0) {
    return 'nobody_left';
  }
  const now = context.clock.now();
  return context.db.transaction().execute(async (trx) => {
    if ((await lockForChange(trx, caseRow.id)) !== 'open') return 'closed';
    await updateCase(trx, caseRow.id, { team_id: teamId, updated_at: now });
    await recordCaseEvent(trx, cipher, {
      caseId: caseRow.id,
      actorId,
      kind: 'team_changed',
      details: { teamId },
      at: now,
    });
    await auditCase(trx, context, actorId, 'case.updated', caseRow.id, { change: 'team', teamId });
    return 'changed' as const;
  });
}

const DAY_MS = 24 * 3600 * 1000;

/** Closing starts the retention clock: the case's key is destroyed retentionDays after. */
export async function closeCase(
  context: AppContext,
  actorId: string,
  caseRow: Case,
  cipher: CaseCipher,
): Promise<'closed' | 'already_closed'> {
  if (caseRow.status === 'closed') return 'already_closed';
  const now = context.clock.now();
  const destroyAfter = new Date(now.getTime() + context.config.cases.retentionDays * DAY_MS);
  await context.db.transaction().execute(async (trx) => {
    await updateCase(trx, caseRow.id, {
      status: 'closed',
      closed_at: now,
      closed_by: actorId,
      key_destroy_after: destroyAfter,
      next_locator_check_at: null,
      updated_at: now,
    });
    await recordCaseEvent(trx, cipher, {
      caseId: caseRow.id,
      actorId,
      kind: 'closed',
      details: { destroyAfter: destroyAfter.toISOString() },
      at: now,
    });
    await auditCase(trx, context, actorId, 'case.closed', caseRow.id, {
      retentionDays: context.config.cases.retentionDays,
    });
  });
  return 'closed';
}

/**
 * Reopening before the key is destroyed stops the retention clock. Judged again under the row's lock: the
 * daily job may have destroyed the key since the caller read the case ('gone': it stays a husk).
 */
export async function reopenCase(
  context: AppContext,
  actorId: string,
  caseRow: Case,
  cipher: CaseCipher,
): Promise<'reopened' | 'already_open' | 'gone'> {
  if (caseRow.status === 'open') return 'already_open';
  const now = context.clock.now();
  return context.db.transaction().execute(async (trx) => {
    const locked = await lockCase(trx, caseRow.id);
    if (!locked || locked.key_destroyed_at !== null || locked.merged_into !== null) return 'gone';
    if (locked.status === 'open') return 'already_open';
    await updateCase(trx, caseRow.id, {
      status: 'open',
      closed_at: null,
      closed_by: null,
      key_destroy_after: null,
      updated_at: now,
    });
    await recordCaseEvent(trx, cipher, { caseId: caseRow.id, actorId, kind: 'reopened', at: now });
    await auditCase(trx, context, actorId, 'case.reopened', caseRow.id);
    return 'reopened';
  });
}
