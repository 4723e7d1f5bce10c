// Opening and following cases: no HTTP here. Each change is one transaction with its timeline entry and
// its audit record; a new case's key is written to disk before the row that needs it commits.
import { randomInt, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import { caseKeyStoreFor, type CaseCipher } from '../../crypto/case-keys.ts';
import type { Case, CaseSource, Database } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { REFERENCE_ALPHABET } from '../reports/reference-code.ts';
import { closeFollowup } from '../voice/voice.repository.ts';
import { contactField, type FamilyContactDetails } from './cases.family.ts';
import { normalizeName, sealDetails, type CaseDetails } from './cases.model.ts';
import {
  addAssignee,
  findPossibleDuplicates,
  insertCase,
  insertContact,
  referenceTaken,
  visibleCaseIds,
} from './cases.repository.ts';
import { recordCaseEvent } from './cases.timeline.ts';

const CASE_REFERENCE_LENGTH = 6;
const REFERENCE_ATTEMPTS = 5;

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
  };
}

export interface DuplicateWarning {
  /** Possible duplicates this staff member may open, by reference. */
  visible: { id: string; reference: string; status: Case['status'] }[];
  /** True when there are possible duplicates they may not see: they are told to ask, not which. */
  hidden: boolean;
}

/** Cases that may be the same person, told only as far as the staff member may know them. */
export async function findDuplicates(
  context: AppContext,
  userId: string,
  indexes: DuplicateIndexes,
  excludeCaseId: string | null,
): Promise<DuplicateWarning> {
  const matches = await findPossibleDuplicates(context.db, indexes, excludeCaseId);
  const visible = await visibleCaseIds(
    context.db,
    matches.map((row) => row.id),
    userId,
  );
  return {
    visible: matches
      .filter((row) => visible.has(row.id))
      .map((row) => ({ id: row.id, reference: row.reference, status: row.status })),
    hidden: matches.some((row) => !visible.has(row.id)),
  };
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
  try {
    return await context.db.transaction().execute(async (trx) => {
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
      await recordCaseEvent(trx, cipher, {
        caseId,
        actorId: principal.userId,
        kind: 'opened',
        details: { source: input.source },
        at: now,
      });
      // A millisecond apart, so the contacts keep the order they were typed in.
      for (const [index, contact] of input.contacts.entries()) {
        await addContactIn(trx, cipher, contact, new Date(now.getTime() + index));
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
        }
      }
      await recordAudit(trx, context, {
        actorId: principal.userId,
        action: 'case.created',
        subjectType: 'case',
        subjectId: caseId,
        details: { source: input.source, teamId: input.teamId, contacts: input.contacts.length },
      });
      return { id: caseId, reference };
    });
  } catch (error) {
    // No row points at the key: it must not outlive the failed opening.
    await keys.destroy(caseId);
    throw error;
  }
}

async function uniqueCaseReference(trx: Kysely<Database>): Promise<string> {
  let reference = newCaseReference();
  // A clash is rare; checking first keeps a unique violation from aborting the transaction.
  for (let attempt = 1; attempt < REFERENCE_ATTEMPTS && (await referenceTaken(trx, reference)); attempt++) {
    reference = newCaseReference();
  }
  return reference;
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
