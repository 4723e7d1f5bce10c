// The outcome of a case: released (on bond, on parole, otherwise), transferred, still detained, removed, or
// voluntary departure, sealed in cases.outcome_ciphertext with the case key. Recording it lands on the
// timeline and, when the outcome itself changed, texts the family who opted in (the core's textFamily: the
// text says released, moved, or only that there is news, and how to reach the network). No HTTP here.
import type { AppContext } from '../../app/context.ts';
import { caseKeyStoreFor, CaseKeyUnavailableError } from '../../crypto/case-keys.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { textFamily, type FamilyChange } from '../cases/cases.family.ts';
import { caseField } from '../cases/cases.model.ts';
import { lockCase } from '../cases/cases.queries.ts';
import { updateCase } from '../cases/cases.service.ts';
import { recordCaseEvent } from '../cases/cases.timeline.ts';
import { acceptsChanges, type OpenedCase } from './case-support.case.ts';
import type { Outcome } from './case-support.schemas.ts';

export function readOutcome(opened: OpenedCase): Outcome | null {
  const { caseRow, cipher } = opened;
  if (caseRow.outcome_ciphertext === null) return null;
  return cipher.decryptJson<Outcome>(caseField(caseRow.id, 'outcome'), caseRow.outcome_ciphertext);
}

/**
 * The recorded outcome (kind and date) of each of these cases that has one, for an operation's counts: counts
 * only leave this. Opens only the keys of cases with an outcome; a case whose key is gone is left out.
 */
export async function outcomesOfCases(
  context: Pick<AppContext, 'db' | 'config' | 'secrets'>,
  cases: readonly { id: string; outcomeCiphertext: string | null }[],
): Promise<Map<string, Pick<Outcome, 'outcome' | 'date'>>> {
  const outcomes = new Map<string, Pick<Outcome, 'outcome' | 'date'>>();
  const keys = caseKeyStoreFor(context);
  for (const { id, outcomeCiphertext } of cases) {
    if (outcomeCiphertext === null) continue;
    let cipher;
    try {
      cipher = await keys.cipherFor(id);
    } catch (error) {
      if (error instanceof CaseKeyUnavailableError) continue;
      throw error;
    }
    const outcome = cipher.decryptJson<Outcome>(caseField(id, 'outcome'), outcomeCiphertext);
    outcomes.set(id, { outcome: outcome.outcome, date: outcome.date });
  }
  return outcomes;
}

/** The timeline kind of an outcome: one per outcome, so the page can name it in the reader's language. */
export function outcomeEventKind(outcome: Outcome): string {
  return outcome.outcome === 'released'
    ? `outcome_released_${outcome.releaseKind ?? 'other'}`
    : `outcome_${outcome.outcome}`;
}

/** What the family's text says happened: released, moved, or (removal and the rest: a person tells them) news. */
function familyChangeOf(outcome: Outcome): FamilyChange {
  if (outcome.outcome === 'released') return 'released';
  if (outcome.outcome === 'transferred') return 'moved';
  return 'outcome';
}

export async function recordOutcome(
  context: AppContext,
  principal: StaffPrincipal,
  opened: OpenedCase,
  outcome: Outcome,
): Promise<{ outcome: 'recorded'; familyTexted: boolean } | { outcome: 'closed' }> {
  const caseId = opened.caseRow.id;
  return context.db.transaction().execute(async (trx) => {
    const caseRow = await lockCase(trx, caseId);
    if (!acceptsChanges(caseRow)) return { outcome: 'closed' as const };
    const before = readOutcome({ caseRow, cipher: opened.cipher });
    const now = context.clock.now();
    await updateCase(trx, caseId, {
      outcome_ciphertext: opened.cipher.encryptJson(caseField(caseId, 'outcome'), outcome),
    });
    await recordCaseEvent(trx, opened.cipher, {
      caseId,
      actorId: principal.userId,
      kind: outcomeEventKind(outcome),
      details: { date: outcome.date },
      at: now,
    });
    // A corrected date or note is not news for the family; a different outcome is.
    const changed =
      before === null || before.outcome !== outcome.outcome || before.releaseKind !== outcome.releaseKind;
    if (changed) await textFamily(context, trx, { caseId, change: familyChangeOf(outcome) });
    return { outcome: 'recorded' as const, familyTexted: changed };
  });
}
