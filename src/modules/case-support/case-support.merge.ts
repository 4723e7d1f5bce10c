// When the core merges two cases of the same person, support follows into the kept case: tasks (their notes
// opened with the merged-away case's key and sealed again with the kept case's), bond payments, attorney
// assignments (the kept case's current attorney stays), and the bond and outcome when the kept case has none.
// Payments' receipts are sealed with the case key too, so they are opened and sealed again on the way.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { CaseMergeStepInput } from '../cases/cases.merge.ts';
import { caseField } from '../cases/cases.model.ts';
import { findCase } from '../cases/cases.queries.ts';
import { updateCase } from '../cases/cases.service.ts';
import { receiptField } from './case-support.bond.ts';
import {
  listCasePayments,
  listTaskNotes,
  moveAssignments,
  moveLedgerEntries,
  moveTask,
  setPaymentReceipt,
} from './case-support.repository.ts';
import { taskNotesField } from './case-support.tasks.ts';

export async function mergeSupport(trx: Kysely<Database>, input: CaseMergeStepInput): Promise<void> {
  const { fromCaseId, toCaseId, from, to, at } = input;
  for (const task of await listTaskNotes(trx, fromCaseId)) {
    await moveTask(trx, task.id, {
      case_id: toCaseId,
      notes_ciphertext:
        task.notes_ciphertext === null
          ? null
          : to.encrypt(taskNotesField(task.id), from.decrypt(taskNotesField(task.id), task.notes_ciphertext)),
    });
  }
  for (const payment of await listCasePayments(trx, fromCaseId)) {
    if (payment.receipt_ciphertext === null) continue;
    const receipt = from.decrypt(receiptField(payment.id), payment.receipt_ciphertext);
    await setPaymentReceipt(trx, payment.id, to.encrypt(receiptField(payment.id), receipt));
  }
  await moveLedgerEntries(trx, fromCaseId, toCaseId);
  await moveAssignments(trx, fromCaseId, toCaseId, at);

  const merged = await findCase(trx, fromCaseId);
  const kept = await findCase(trx, toCaseId);
  if (!merged || !kept) return;
  const reseal = (column: 'bond' | 'outcome', stored: string): string =>
    to.encrypt(caseField(toCaseId, column), from.decrypt(caseField(fromCaseId, column), stored));
  const change: { bond_ciphertext?: string; outcome_ciphertext?: string } = {};
  if (kept.bond_ciphertext === null && merged.bond_ciphertext !== null)
    change.bond_ciphertext = reseal('bond', merged.bond_ciphertext);
  if (kept.outcome_ciphertext === null && merged.outcome_ciphertext !== null)
    change.outcome_ciphertext = reseal('outcome', merged.outcome_ciphertext);
  if (Object.keys(change).length > 0) await updateCase(trx, toCaseId, change);
}
