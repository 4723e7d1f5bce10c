// The attorney directory and who represents which case. No HTTP here. Attorneys are professional contacts,
// not case data: their phone is field-encrypted with the master key's column key, and their workload (open
// cases represented) is counted from assignments of open cases. Assigning goes through a suggestion ranked by
// language and spare capacity, with a warning (and a required confirmation) when the attorney already
// represents a related party or has no spare capacity.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import { normalizePhone } from '../../phone/phone.ts';
import { caseKeyStoreFor, CaseKeyUnavailableError, type CaseCipher } from '../../crypto/case-keys.ts';
import { DecryptionError, type FieldRef } from '../../crypto/field-encryption.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { familyContacts } from '../cases/cases.family.ts';
import { caseField } from '../cases/cases.model.ts';
import { lockCase } from '../cases/cases.queries.ts';
import { recordCaseEvent } from '../cases/cases.timeline.ts';
import { acceptsChanges, type OpenedCase } from './case-support.case.ts';
import { firstSupportedLanguage } from './case-support.languages.ts';
import {
  rankAttorneys,
  type AttorneySuggestion,
  type CaseLanguages,
  type ConflictReason,
} from './case-support.ranking.ts';
import {
  endCurrentAssignment,
  findAttorney,
  findCurrentAssignment,
  insertAssignment,
  insertAttorney,
  listAttorneys,
  listCasesRepresentedBy,
  listRepresentedCases,
  lockAttorney,
  setAttorneyArchived,
  updateAttorney,
  type AttorneyRow,
} from './case-support.repository.ts';
import type { AssignRequest, AttorneyField, AttorneyInput, FormValues } from './case-support.schemas.ts';
import { isUuid } from '../../http/ids.ts';

export const attorneyPhoneField = (attorneyId: string): FieldRef<'attorneys'> => ({
  table: 'attorneys',
  column: 'phone',
  rowId: attorneyId,
});

// ---------------------------------------------------------------------------------------------------------
// Directory

export interface AttorneyView {
  id: string;
  name: string;
  organization: string | null;
  languages: string[];
  capacity: number;
  openCases: number;
  phone: string | null;
  archived: boolean;
}

function toView(context: AppContext, row: AttorneyRow): AttorneyView {
  return {
    id: row.id,
    name: row.name,
    organization: row.organization,
    languages: row.languages,
    capacity: row.capacity,
    openCases: row.open_cases,
    phone: context.secrets.fields.decryptOptional(attorneyPhoneField(row.id), row.phone_ciphertext) ?? null,
    archived: row.archived_at !== null,
  };
}

export async function attorneyDirectory(
  context: AppContext,
): Promise<{ active: AttorneyView[]; archived: AttorneyView[] }> {
  const [active, archived] = [
    await listAttorneys(context.db, { archived: false }),
    await listAttorneys(context.db, { archived: true }),
  ];
  return {
    active: active.map((row) => toView(context, row)),
    archived: archived.map((row) => toView(context, row)),
  };
}

export async function findAttorneyView(
  context: AppContext,
  attorneyId: string,
): Promise<AttorneyView | undefined> {
  // An id from the URL that is not a UUID names no attorney (and the database would refuse to compare it).
  if (!isUuid(attorneyId)) return undefined;
  const row = await findAttorney(context.db, attorneyId);
  return row && toView(context, row);
}

export function attorneyFormValues(attorney: AttorneyView): FormValues<AttorneyField> {
  return {
    name: attorney.name,
    organization: attorney.organization ?? '',
    languages: attorney.languages.join(', '),
    capacity: String(attorney.capacity),
    phone: attorney.phone ?? '',
  };
}

/**
 * Whether this staff member may set an attorney's phone. Hearing reminders (case reference, court, courtroom)
 * go to that number, so only legal staff, who may read such cases, choose where they go; coordinators and
 * admins keep the rest of the directory.
 */
export function mayEditAttorneyPhone(principal: Pick<StaffPrincipal, 'roles'>): boolean {
  return principal.roles.includes('legal');
}

export type AttorneySaveOutcome = 'saved' | 'not_found' | 'phone_legal_only';

export async function createAttorney(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'roles' | 'userId'>,
  input: AttorneyInput,
): Promise<{ outcome: 'saved'; id: string } | { outcome: 'phone_legal_only' }> {
  if (input.phone !== null && !mayEditAttorneyPhone(principal)) return { outcome: 'phone_legal_only' };
  const actorId = principal.userId;
  const id = randomUUID();
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    await insertAttorney(trx, {
      id,
      name: input.name,
      organization: input.organization,
      languages: input.languages,
      capacity: input.capacity,
      phone_ciphertext: input.phone
        ? context.secrets.fields.encrypt(attorneyPhoneField(id), input.phone)
        : null,
      archived_at: null,
      created_by: actorId,
      created_at: now,
      updated_at: now,
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'attorney.created',
      subjectType: 'attorney',
      subjectId: id,
      details: { capacity: input.capacity, hasPhone: input.phone !== null },
    });
  });
  return { outcome: 'saved', id };
}

/**
 * Saves an attorney. A changed phone (only legal staff may change it) is audited on its own and shown on the
 * timeline of every open case the attorney represents, since those cases' texts now go to the new number.
 */
export async function editAttorney(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'roles' | 'userId'>,
  attorneyId: string,
  input: AttorneyInput,
): Promise<AttorneySaveOutcome> {
  if (!isUuid(attorneyId)) return 'not_found';
  const actorId = principal.userId;
  return context.db.transaction().execute(async (trx): Promise<AttorneySaveOutcome> => {
    const before = await lockAttorney(trx, attorneyId);
    if (!before) return 'not_found';
    const previousPhone =
      context.secrets.fields.decryptOptional(attorneyPhoneField(attorneyId), before.phone_ciphertext) ?? null;
    const phoneChanged = previousPhone !== input.phone;
    if (phoneChanged && !mayEditAttorneyPhone(principal)) return 'phone_legal_only';
    const now = context.clock.now();
    const updated = await updateAttorney(trx, attorneyId, {
      name: input.name,
      organization: input.organization,
      languages: input.languages,
      capacity: input.capacity,
      phone_ciphertext: input.phone
        ? context.secrets.fields.encrypt(attorneyPhoneField(attorneyId), input.phone)
        : null,
      updated_at: now,
    });
    if (!updated) return 'not_found';
    await recordAudit(trx, context, {
      actorId,
      action: 'attorney.updated',
      subjectType: 'attorney',
      subjectId: attorneyId,
      details: { capacity: input.capacity, hasPhone: input.phone !== null },
    });
    if (phoneChanged) {
      const caseIds = await listCasesRepresentedBy(trx, attorneyId);
      const store = caseKeyStoreFor(context);
      let shown = 0;
      for (const caseId of caseIds) {
        let cipher: CaseCipher;
        try {
          cipher = await store.cipherFor(caseId);
        } catch (error) {
          // A case whose key was destroyed a moment ago has no texts left to send.
          if (error instanceof CaseKeyUnavailableError) continue;
          throw error;
        }
        await recordCaseEvent(trx, cipher, {
          caseId,
          actorId,
          kind: input.phone === null ? 'attorney_phone_removed' : 'attorney_phone_changed',
          details: { attorney: input.name },
          at: now,
        });
        shown += 1;
      }
      await recordAudit(trx, context, {
        actorId,
        action: 'attorney.phone_changed',
        subjectType: 'attorney',
        subjectId: attorneyId,
        details: { hadPhone: previousPhone !== null, hasPhone: input.phone !== null, cases: shown },
      });
    }
    return 'saved';
  });
}

/** Archived attorneys are not suggested any more; the cases they represent keep them until reassigned. */
export async function archiveAttorney(
  context: AppContext,
  actorId: string,
  attorneyId: string,
  archived: boolean,
): Promise<'saved' | 'not_found'> {
  if (!isUuid(attorneyId)) return 'not_found';
  return context.db.transaction().execute(async (trx) => {
    const now = context.clock.now();
    if (!(await setAttorneyArchived(trx, attorneyId, archived ? now : null, now))) return 'not_found';
    await recordAudit(trx, context, {
      actorId,
      action: archived ? 'attorney.archived' : 'attorney.restored',
      subjectType: 'attorney',
      subjectId: attorneyId,
    });
    return 'saved';
  });
}

// ---------------------------------------------------------------------------------------------------------
// Suggestions and conflicts

/**
 * The languages the case needs: the person's and the family's as the case lists them, and the language each
 * family contact chose for texts. Read with the case key.
 */
export async function caseLanguages(context: AppContext, opened: OpenedCase): Promise<CaseLanguages> {
  const { caseRow, cipher } = opened;
  const stored =
    caseRow.languages_ciphertext === null
      ? undefined
      : cipher.decryptJson<Partial<{ person: string[]; family: string[] }>>(
          caseField(caseRow.id, 'languages'),
          caseRow.languages_ciphertext,
        );
  const contacts = await familyContacts(context, cipher, caseRow.id);
  return {
    person: stored?.person ?? [],
    family: [...(stored?.family ?? []), ...contacts.map((contact) => contact.language)],
  };
}

async function familyPhoneIndexes(
  context: AppContext,
  cipher: CaseCipher,
  caseId: string,
): Promise<Set<string>> {
  const indexes = new Set<string>();
  for (const contact of await familyContacts(context, cipher, caseId)) {
    const phone = contact.phone === null ? undefined : normalizePhone(contact.phone);
    if (phone) indexes.add(context.secrets.blindIndex.phone(phone));
  }
  return indexes;
}

/**
 * For each attorney, why they may already represent a related party of this case (see ConflictReason). The
 * shared-phone check opens the family contacts of the other represented cases with their own keys, on the
 * server only: nothing of those cases is shown, only the reason. It reads outside any transaction: it is a
 * warning, not a decision the transaction depends on.
 */
export async function conflictsFor(
  context: AppContext,
  opened: OpenedCase,
): Promise<Map<string, ConflictReason[]>> {
  const { caseRow, cipher } = opened;
  const represented = await listRepresentedCases(context.db, caseRow.id);
  const conflicts = new Map<string, ConflictReason[]>();
  const add = (attorneyId: string, reason: ConflictReason): void => {
    const reasons = conflicts.get(attorneyId) ?? [];
    if (!reasons.includes(reason)) reasons.push(reason);
    conflicts.set(attorneyId, reasons);
  };
  for (const other of represented) {
    if (caseRow.incident_id !== null && other.incident_id === caseRow.incident_id)
      add(other.attorney_id, 'same_incident');
    if (caseRow.followup_task_id !== null && other.followup_task_id === caseRow.followup_task_id)
      add(other.attorney_id, 'same_hotline_call');
  }
  const ours = await familyPhoneIndexes(context, cipher, caseRow.id);
  if (ours.size > 0) {
    const store = caseKeyStoreFor(context);
    for (const other of represented) {
      try {
        const theirs = await familyPhoneIndexes(context, await store.cipherFor(other.case_id), other.case_id);
        if ([...theirs].some((index) => ours.has(index))) add(other.attorney_id, 'shared_family_phone');
      } catch (error) {
        // A case whose key was destroyed a moment ago, or a damaged contact: it cannot be related any more.
        if (!(error instanceof CaseKeyUnavailableError || error instanceof DecryptionError)) throw error;
        context.logger.warn({ caseId: other.case_id }, 'conflict check skipped an unreadable case');
      }
    }
  }
  return conflicts;
}

export interface CurrentAttorney {
  attorneyId: string;
  name: string;
  organization: string | null;
  languages: string[];
  phone: string | null;
  assignedAt: Date;
  conflictAcknowledged: boolean;
  archived: boolean;
}

export async function currentAttorney(
  context: AppContext,
  caseId: string,
): Promise<CurrentAttorney | undefined> {
  const row = await findCurrentAssignment(context.db, caseId);
  if (!row) return undefined;
  return {
    attorneyId: row.attorney_id,
    name: row.name,
    organization: row.organization,
    languages: row.languages,
    phone:
      context.secrets.fields.decryptOptional(attorneyPhoneField(row.attorney_id), row.phone_ciphertext) ??
      null,
    assignedAt: row.assigned_at,
    conflictAcknowledged: row.conflict_acknowledged,
    archived: row.archived_at !== null,
  };
}

export interface SuggestionsView {
  current: CurrentAttorney | undefined;
  languages: CaseLanguages;
  suggestions: AttorneySuggestion[];
}

export async function attorneySuggestions(context: AppContext, opened: OpenedCase): Promise<SuggestionsView> {
  const languages = await caseLanguages(context, opened);
  const conflicts = await conflictsFor(context, opened);
  const current = await currentAttorney(context, opened.caseRow.id);
  const candidates = (await listAttorneys(context.db, { archived: false }))
    .filter((row) => row.id !== current?.attorneyId)
    .map((row) => ({
      id: row.id,
      name: row.name,
      organization: row.organization,
      languages: row.languages,
      capacity: row.capacity,
      openCases: row.open_cases,
    }));
  return { current, languages, suggestions: rankAttorneys(candidates, languages, conflicts) };
}

// ---------------------------------------------------------------------------------------------------------
// Assigning

export type AssignOutcome =
  | { outcome: 'assigned' }
  | { outcome: 'closed' }
  | { outcome: 'unknown_attorney' }
  | { outcome: 'already_assigned' }
  | { outcome: 'needs_confirmation'; conflicts: ConflictReason[]; full: boolean };

export async function assignAttorney(
  context: AppContext,
  principal: StaffPrincipal,
  opened: OpenedCase,
  request: AssignRequest,
): Promise<AssignOutcome> {
  const caseId = opened.caseRow.id;
  const conflicts = (await conflictsFor(context, opened)).get(request.attorneyId) ?? [];
  return context.db.transaction().execute(async (trx): Promise<AssignOutcome> => {
    const caseRow = await lockCase(trx, caseId);
    if (!acceptsChanges(caseRow)) return { outcome: 'closed' };
    const attorney = await lockAttorney(trx, request.attorneyId);
    if (!attorney || attorney.archived_at !== null) return { outcome: 'unknown_attorney' };
    const current = await findCurrentAssignment(trx, caseId);
    if (current?.attorney_id === attorney.id) return { outcome: 'already_assigned' };
    const full = attorney.open_cases >= attorney.capacity;
    if ((conflicts.length > 0 && !request.confirmConflict) || (full && !request.confirmOverCapacity)) {
      return { outcome: 'needs_confirmation', conflicts, full };
    }
    const now = context.clock.now();
    if (current) await endCurrentAssignment(trx, caseId, principal.userId, now);
    await insertAssignment(trx, {
      id: randomUUID(),
      case_id: caseId,
      attorney_id: attorney.id,
      assigned_by: principal.userId,
      assigned_at: now,
      conflict_acknowledged: conflicts.length > 0,
    });
    await recordCaseEvent(trx, opened.cipher, {
      caseId,
      actorId: principal.userId,
      kind: conflicts.length > 0 ? 'attorney_assigned_despite_conflict' : 'attorney_assigned',
      details: {
        attorney: attorney.name,
        organization: attorney.organization ?? '',
        previous: current?.name ?? '',
        overCapacity: full,
        conflicts: conflicts.join(','),
      },
      at: now,
    });
    await recordAudit(trx, context, {
      actorId: principal.userId,
      action: 'case.attorney_assigned',
      subjectType: 'case',
      subjectId: caseId,
      details: {
        attorneyId: attorney.id,
        replacedAttorneyId: current?.attorney_id ?? null,
        conflicts: conflicts.map(String),
        overCapacity: full,
      },
    });
    return { outcome: 'assigned' };
  });
}

export async function unassignAttorney(
  context: AppContext,
  principal: StaffPrincipal,
  opened: OpenedCase,
): Promise<'ended' | 'none' | 'closed'> {
  const caseId = opened.caseRow.id;
  return context.db.transaction().execute(async (trx) => {
    const caseRow = await lockCase(trx, caseId);
    if (!acceptsChanges(caseRow)) return 'closed';
    const current = await findCurrentAssignment(trx, caseId);
    if (!current) return 'none';
    const now = context.clock.now();
    await endCurrentAssignment(trx, caseId, principal.userId, now);
    await recordCaseEvent(trx, opened.cipher, {
      caseId,
      actorId: principal.userId,
      kind: 'attorney_unassigned',
      details: { attorney: current.name },
      at: now,
    });
    await recordAudit(trx, context, {
      actorId: principal.userId,
      action: 'case.attorney_unassigned',
      subjectType: 'case',
      subjectId: caseId,
      details: { attorneyId: current.attorney_id },
    });
    return 'ended';
  });
}

/**
 * The attorney representing a case, for texts about it (the tracking module's hearing reminders): their name,
 * their phone (E.164, decrypted; null when the directory has none) and the language to text them in, the
 * first of theirs Amparo speaks, else the network's default. Null when no attorney is assigned. No access
 * check: callers are jobs acting on a case id they were given.
 */
export async function assignedAttorneyContact(
  context: AppContext,
  caseId: string,
): Promise<{ name: string; phone: string | null; language: string } | null> {
  const current = await currentAttorney(context, caseId);
  if (!current) return null;
  const language: Language = firstSupportedLanguage(current.languages) ?? context.config.defaultLanguage;
  return { name: current.name, phone: current.phone, language };
}
