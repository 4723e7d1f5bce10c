// Merging two cases found to be the same person. Everything sealed with the merged-away case's key is
// opened and sealed again with the kept case's key (the associated data binds each value to its case), then
// moved; the merged-away case stays as a pointer (merged_into), closed, with its retention clock started so
// its own key and leftovers are destroyed in time like any closed case.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { CaseCipher } from '../../crypto/case-keys.ts';
import type { Database } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { openCaseForStaff } from './cases.access.ts';
import { contactField } from './cases.family.ts';
import { moveHotlineMessages } from './hotline-messages.ts';
import {
  addAssignee,
  listAssigneeIds,
  listContactRows,
  listEventRows,
  lockCase,
  moveEvent,
  moveFamilyTexts,
  updateCase,
  updateContact,
} from './cases.repository.ts';
import { recordCaseEvent, resealEventDetails } from './cases.timeline.ts';

export interface CaseMergeStepInput {
  fromCaseId: string;
  toCaseId: string;
  /** Opens what the merged-away case's module rows hold. */
  from: CaseCipher;
  /** Seals them for the kept case. */
  to: CaseCipher;
  at: Date;
}

/** A case module's part of a merge: move (and reseal) its rows of `fromCaseId` to `toCaseId`. */
export type CaseMergeStep = (trx: Kysely<Database>, input: CaseMergeStepInput) => Promise<void>;

const mergeSteps = new Map<string, CaseMergeStep>();

/** Other case modules register how their rows follow a merge (tracking: checks, stays, hearings…). */
export function registerCaseMergeStep(id: string, step: CaseMergeStep): void {
  mergeSteps.set(id, step);
}

export type MergeOutcome =
  { outcome: 'merged'; keptId: string } | { outcome: 'same_case' } | { outcome: 'not_duplicates' };

const DAY_MS = 24 * 3600 * 1000;

/**
 * Merges `mergeId` into `keepId`. Both must be cases the actor may open, and possible duplicates of each other
 * (same A-number or same name and date of birth): merging is for the same person, nothing else.
 */
export async function mergeCases(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'userId' | 'roles'>,
  ids: { keepId: string; mergeId: string },
): Promise<MergeOutcome> {
  if (ids.keepId === ids.mergeId) return { outcome: 'same_case' };
  const kept = await openCaseForStaff(context, principal, ids.keepId);
  const merged = await openCaseForStaff(context, principal, ids.mergeId);
  const sameANumber =
    kept.caseRow.a_number_index !== null && kept.caseRow.a_number_index === merged.caseRow.a_number_index;
  const sameNameDob =
    kept.caseRow.name_dob_index !== null && kept.caseRow.name_dob_index === merged.caseRow.name_dob_index;
  if (!sameANumber && !sameNameDob) return { outcome: 'not_duplicates' };

  const now = context.clock.now();
  const actorId = principal.userId;
  const from = merged.cipher;
  const to = kept.cipher;
  return context.db.transaction().execute(async (trx): Promise<MergeOutcome> => {
    // Locked in id order, so two opposite merges at once wait for each other instead of deadlocking.
    const [first, second] = [ids.keepId, ids.mergeId].sort();
    const lockedFirst = await lockCase(trx, first!);
    const lockedSecond = await lockCase(trx, second!);
    if (lockedFirst?.merged_into || lockedSecond?.merged_into) return { outcome: 'not_duplicates' };

    for (const row of await listContactRows(trx, ids.mergeId)) {
      const details = from.decrypt(contactField(row.id), row.details_ciphertext);
      await updateContact(trx, row.id, {
        case_id: ids.keepId,
        details_ciphertext: to.encrypt(contactField(row.id), details),
        updated_at: now,
      });
    }
    await moveFamilyTexts(trx, ids.mergeId, ids.keepId);
    await moveHotlineMessages(context, trx, from, to);
    for (const event of await listEventRows(trx, ids.mergeId)) {
      await moveEvent(trx, event.id, {
        case_id: ids.keepId,
        details_ciphertext: resealEventDetails(from, to, event.id, event.details_ciphertext),
      });
    }
    for (const userId of await listAssigneeIds(trx, ids.mergeId))
      await addAssignee(trx, ids.keepId, userId, now);
    for (const step of mergeSteps.values()) {
      await step(trx, { fromCaseId: ids.mergeId, toCaseId: ids.keepId, from, to, at: now });
    }
    await updateCase(trx, ids.mergeId, {
      merged_into: ids.keepId,
      status: 'closed',
      closed_at: now,
      closed_by: actorId,
      key_destroy_after: new Date(now.getTime() + context.config.cases.retentionDays * DAY_MS),
      a_number_index: null,
      name_dob_index: null,
      names_index: null,
      next_locator_check_at: null,
      updated_at: now,
    });
    await recordCaseEvent(trx, to, {
      caseId: ids.keepId,
      actorId,
      kind: 'merged',
      details: { reference: merged.caseRow.reference },
      at: now,
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'case.merged',
      subjectType: 'case',
      subjectId: ids.keepId,
      details: { mergedCaseId: ids.mergeId },
    });
    return { outcome: 'merged', keptId: ids.keepId };
  });
}
