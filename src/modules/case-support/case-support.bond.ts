// Bond: the case's eligibility, amount, who set it and the bond hearing (sealed in cases.bond_ciphertext with
// the case key), and the bond funds that pay bonds, with their ledger. No HTTP here.
//
// The ledger is the fund's books: amounts are in the clear (whole cents) so the balance is a sum. A deposit's
// receipt is the fund's and is encrypted with the master key's column key. A bond payment's receipt is case
// data (ICE's bond receipt names the detained person), so it is sealed with the case's key and becomes
// unreadable, backups included, when that key is destroyed. What ties a payment to a case is its case_id,
// cleared then (migration 20261126T0920's trigger); the payment and its amount stay, for the balance.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import { caseKeyStoreFor, CaseKeyUnavailableError, type CaseCipher } from '../../crypto/case-keys.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { caseField } from '../cases/cases.model.ts';
import { lockCase, visibleCaseIds } from '../cases/cases.queries.ts';
import { updateCase } from '../cases/cases.service.ts';
import { recordCaseEvent } from '../cases/cases.timeline.ts';
import { acceptsChanges, type OpenedCase } from './case-support.case.ts';
import {
  findFund,
  fundNameTaken,
  insertFund,
  insertLedgerEntry,
  listCasePayments,
  listFunds,
  listLedger,
  lockFund,
  type FundRow,
  type LedgerRow,
} from './case-support.repository.ts';
import type { Bond, LedgerInput } from './case-support.schemas.ts';
import { isUuid } from '../../http/ids.ts';
import type { FieldRef } from '../../crypto/field-encryption.ts';

export const receiptField = (entryId: string): FieldRef<'bond_fund_entries'> => ({
  table: 'bond_fund_entries',
  column: 'receipt',
  rowId: entryId,
});

/** Dollars as the ledger and the timeline show them: "$5,000.00" (also how Spanish speakers in the US write it). */
export function formatUsd(cents: number): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);
}

// ---------------------------------------------------------------------------------------------------------
// The case's bond

export function readBond(opened: OpenedCase): Bond | null {
  const { caseRow, cipher } = opened;
  if (caseRow.bond_ciphertext === null) return null;
  return cipher.decryptJson<Bond>(caseField(caseRow.id, 'bond'), caseRow.bond_ciphertext);
}

export async function saveBond(
  context: AppContext,
  principal: StaffPrincipal,
  opened: OpenedCase,
  bond: Bond,
): Promise<'saved' | 'closed'> {
  const caseId = opened.caseRow.id;
  return context.db.transaction().execute(async (trx) => {
    const caseRow = await lockCase(trx, caseId);
    if (!acceptsChanges(caseRow)) return 'closed';
    const now = context.clock.now();
    await updateCase(trx, caseId, {
      bond_ciphertext: opened.cipher.encryptJson(caseField(caseId, 'bond'), bond),
    });
    await recordCaseEvent(trx, opened.cipher, {
      caseId,
      actorId: principal.userId,
      kind: bond.amountCents !== null ? 'bond_set' : `bond_${bond.eligibility}`,
      details: {
        amount: bond.amountCents === null ? '' : formatUsd(bond.amountCents),
        setBy: bond.setBy ?? '',
        hearingDate: bond.hearingDate ?? '',
      },
      at: now,
    });
    return 'saved';
  });
}

// ---------------------------------------------------------------------------------------------------------
// Funds

export async function bondFunds(context: AppContext): Promise<FundRow[]> {
  return listFunds(context.db);
}

export async function createFund(
  context: AppContext,
  actorId: string,
  name: string,
): Promise<{ outcome: 'created'; fundId: string } | { outcome: 'name_taken' }> {
  if (await fundNameTaken(context.db, name)) return { outcome: 'name_taken' };
  const fundId = randomUUID();
  try {
    await context.db.transaction().execute(async (trx) => {
      await insertFund(trx, { id: fundId, name, created_by: actorId, created_at: context.clock.now() });
      await recordAudit(trx, context, {
        actorId,
        action: 'bond_fund.created',
        subjectType: 'bond_fund',
        subjectId: fundId,
      });
    });
  } catch (error) {
    // Two people creating the same fund at once: the unique name decides.
    if (isUniqueViolation(error)) return { outcome: 'name_taken' };
    throw error;
  }
  return { outcome: 'created', fundId };
}

export interface LedgerEntryView {
  id: string;
  kind: 'deposit' | 'payment';
  amountCents: number;
  occurredOn: string;
  receipt: string | null;
  /** The case a payment was for, only when the viewer may open it; else null. */
  caseLink: { id: string; reference: string } | null;
  /** A payment whose case link was cleared (the case's key was destroyed) or that the viewer may not see. */
  forACase: boolean;
}

export const LEDGER_PAGE_SIZE = 200;

export async function fundLedger(
  context: AppContext,
  principal: StaffPrincipal,
  fundId: string,
): Promise<{ fund: FundRow; entries: LedgerEntryView[] } | undefined> {
  // An id from the URL that is not a UUID names no fund (and the database would refuse to compare it).
  if (!isUuid(fundId)) return undefined;
  const fund = await findFund(context.db, fundId);
  if (!fund) return undefined;
  const rows = await listLedger(context.db, fundId, LEDGER_PAGE_SIZE);
  const caseIds = [...new Set(rows.flatMap((row) => (row.case_id ? [row.case_id] : [])))];
  // Need to know: a case's reference, and the receipt of the bond paid for it (ICE's receipt names the
  // detained person), are shown only to legal staff who may open that case. A deposit's receipt is the fund's.
  const visible = principal.roles.includes('legal')
    ? await visibleCaseIds(context.db, caseIds, principal.userId)
    : new Set<string>();
  const ciphers = new Map<string, CaseCipher>();
  for (const caseId of visible) {
    try {
      ciphers.set(caseId, await caseKeyStoreFor(context).cipherFor(caseId));
    } catch (error) {
      // Destroyed a moment ago: its payments' receipts are gone with it.
      if (!(error instanceof CaseKeyUnavailableError)) throw error;
    }
  }
  const receiptOf = (row: LedgerRow): string | null => {
    if (row.kind === 'deposit')
      return context.secrets.fields.decryptOptional(receiptField(row.id), row.receipt_ciphertext) ?? null;
    const cipher = row.case_id === null ? undefined : ciphers.get(row.case_id);
    return cipher ? openPaymentReceipt(cipher, row) : null;
  };
  return {
    fund,
    entries: rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      amountCents: row.amount_cents,
      occurredOn: row.occurred_on,
      receipt: receiptOf(row),
      caseLink:
        row.case_id && row.case_reference && visible.has(row.case_id)
          ? { id: row.case_id, reference: row.case_reference }
          : null,
      forACase: row.kind === 'payment',
    })),
  };
}

export async function recordDeposit(
  context: AppContext,
  actorId: string,
  fundId: string,
  input: Omit<LedgerInput, 'fundId'>,
): Promise<'recorded' | 'not_found'> {
  if (!isUuid(fundId)) return 'not_found';
  return context.db.transaction().execute(async (trx) => {
    const fund = await lockFund(trx, fundId);
    if (!fund) return 'not_found';
    const entryId = randomUUID();
    await insertLedgerEntry(trx, {
      id: entryId,
      fund_id: fundId,
      kind: 'deposit',
      amount_cents: input.amountCents,
      occurred_on: input.occurredOn,
      receipt_ciphertext: context.secrets.fields.encryptOptional(receiptField(entryId), input.receipt),
      case_id: null,
      recorded_by: actorId,
      recorded_at: context.clock.now(),
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'bond_fund.deposit_recorded',
      subjectType: 'bond_fund',
      subjectId: fundId,
      details: { entryId, amountCents: input.amountCents },
    });
    return 'recorded';
  });
}

// ---------------------------------------------------------------------------------------------------------
// Paying a bond

export type PaymentOutcome =
  | { outcome: 'paid' }
  | { outcome: 'closed' }
  | { outcome: 'not_eligible' }
  | { outcome: 'unknown_fund' }
  | { outcome: 'insufficient'; balanceCents: number; fundName: string };

export async function recordBondPayment(
  context: AppContext,
  principal: StaffPrincipal,
  opened: OpenedCase,
  input: LedgerInput,
): Promise<PaymentOutcome> {
  const caseId = opened.caseRow.id;
  return context.db.transaction().execute(async (trx): Promise<PaymentOutcome> => {
    const caseRow = await lockCase(trx, caseId);
    if (!acceptsChanges(caseRow)) return { outcome: 'closed' };
    const bond = readBond({ caseRow, cipher: opened.cipher });
    if (bond?.eligibility === 'not_eligible') return { outcome: 'not_eligible' };
    const fund = await lockFund(trx, input.fundId);
    if (!fund) return { outcome: 'unknown_fund' };
    if (input.amountCents > fund.balance_cents) {
      return { outcome: 'insufficient', balanceCents: fund.balance_cents, fundName: fund.name };
    }
    const entryId = randomUUID();
    const now = context.clock.now();
    await insertLedgerEntry(trx, {
      id: entryId,
      fund_id: fund.id,
      kind: 'payment',
      amount_cents: input.amountCents,
      occurred_on: input.occurredOn,
      receipt_ciphertext:
        input.receipt === null ? null : opened.cipher.encrypt(receiptField(entryId), input.receipt),
      case_id: caseId,
      recorded_by: principal.userId,
      recorded_at: now,
    });
    await recordCaseEvent(trx, opened.cipher, {
      caseId,
      actorId: principal.userId,
      kind: 'bond_paid',
      details: { amount: formatUsd(input.amountCents), fund: fund.name, paidOn: input.occurredOn },
      at: now,
    });
    await recordAudit(trx, context, {
      actorId: principal.userId,
      action: 'case.bond_paid',
      subjectType: 'case',
      subjectId: caseId,
      details: { fundId: fund.id, entryId, amountCents: input.amountCents },
    });
    return { outcome: 'paid' };
  });
}

export interface CasePaymentView {
  id: string;
  fundId: string;
  fundName: string;
  amountCents: number;
  paidOn: string;
  receipt: string | null;
}

/** A bond payment's receipt, sealed with the key of the case it paid for. */
export function openPaymentReceipt(
  cipher: CaseCipher,
  row: { id: string; receipt_ciphertext: string | null },
): string | null {
  return row.receipt_ciphertext === null
    ? null
    : cipher.decrypt(receiptField(row.id), row.receipt_ciphertext);
}

/** The case's bond payments, their receipts opened with the case's key. */
export async function casePayments(context: AppContext, opened: OpenedCase): Promise<CasePaymentView[]> {
  const rows = await listCasePayments(context.db, opened.caseRow.id);
  return rows.map((row) => ({
    id: row.id,
    fundId: row.fund_id,
    fundName: row.fund_name,
    amountCents: row.amount_cents,
    paidOn: row.occurred_on,
    receipt: openPaymentReceipt(opened.cipher, row),
  }));
}
