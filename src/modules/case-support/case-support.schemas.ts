// What the support forms accept: the attorney directory, assigning an attorney, the bond, bond funds and their
// ledger, family support tasks and the outcome. Forms are checked by plain functions, not route schemas, so a
// rejected form comes back with everything typed and a message beside each field, in the reader's language.
// Route body schemas only bound the sizes and carry no length limits a person could hit by typing.
import { isUuid } from '../../http/ids.ts';
import { textablePhone } from '../../phone/phone.ts';
import {
  SUPPORT_TASK_KINDS,
  SUPPORT_TASK_STATUSES,
  type SupportTaskKind,
  type SupportTaskStatus,
} from '../../db/schema.ts';
import type { FieldError, FormErrors } from '../../http/form.ts';
import { characters, isReadableText, oneOf } from '../../http/form.ts';
import { parseLanguages } from './case-support.languages.ts';

export type FormValues<F extends string> = Partial<Record<F, string>>;
export type Validation<F extends string, T> = { ok: true; input: T } | { ok: false; errors: FormErrors<F> };

/** The common start of every form check: each field trimmed, damaged text refused. */
function formChecker<F extends string>(fields: readonly F[], values: FormValues<F>) {
  const errors: FormErrors<F> = {};
  for (const field of fields) {
    if (!isReadableText(values[field] ?? '')) errors[field] = { key: 'case_support.error_encoding' };
  }
  return {
    errors,
    text: (field: F): string => (values[field] ?? '').trim(),
    fail(field: F, error: FieldError): void {
      errors[field] ??= error;
    },
    get ok(): boolean {
      return Object.keys(errors).length === 0;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Money and dates

/** The largest amount one entry or bond may carry: $10,000,000 (bonds are in the thousands). */
export const MAX_AMOUNT_CENTS = 1_000_000_000;
/** The lowest bond an immigration judge or ICE may set (INA § 236(a)(2)(A)). */
export const MINIMUM_BOND_CENTS = 150_000;

/**
 * Reads a dollar amount as people type it: "5000", "5,000", "$5,000.00", "1500.5". Undefined when it is not
 * an amount (negative numbers, letters, three decimals, misplaced commas).
 */
export function parseDollars(raw: string): number | undefined {
  const match = /^\$?\s*((?:\d{1,3}(?:,\d{3})+)|\d{1,9})(?:\.(\d{1,2}))?$/.exec(raw.trim());
  if (!match?.[1]) return undefined;
  const dollars = Number(match[1].replaceAll(',', ''));
  const cents = match[2] === undefined ? 0 : Number(match[2].padEnd(2, '0'));
  const total = dollars * 100 + cents;
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Cents as a form shows them back: "5000" or "5000.50". */
export function centsToInput(cents: number): string {
  const dollars = Math.floor(cents / 100);
  const rest = cents % 100;
  return rest === 0 ? String(dollars) : `${dollars}.${String(rest).padStart(2, '0')}`;
}

/** A calendar date typed or picked as YYYY-MM-DD, within a sane range. */
export function parseDate(raw: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw.trim());
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 2000 || year > 2100) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return match[0];
}

/** Today's date where the network works, as YYYY-MM-DD. */
export function todayIn(timeZone: string, now: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

// ---------------------------------------------------------------------------------------------------------
// Attorney directory

export const ATTORNEY_FIELDS = ['name', 'organization', 'languages', 'capacity', 'phone'] as const;
export type AttorneyField = (typeof ATTORNEY_FIELDS)[number];
export const MAX_NAME_CHARS = 120;
export const MAX_LANGUAGES = 10;
export const MAX_CAPACITY = 500;
/** Each language's name or code as typed ("Spanish", "Mam", "es"): matched to cases by languageKey. */
export const MAX_LANGUAGE_CHARS = 40;

export interface AttorneyInput {
  name: string;
  organization: string | null;
  languages: string[];
  capacity: number;
  /** E.164, or null for none. */
  phone: string | null;
}

export function validateAttorneyForm(
  values: FormValues<AttorneyField>,
): Validation<AttorneyField, AttorneyInput> {
  const form = formChecker(ATTORNEY_FIELDS, values);
  const name = form.text('name').replace(/\s+/g, ' ');
  if (name === '') form.fail('name', { key: 'case_support.error_required' });
  else if (characters(name) > MAX_NAME_CHARS)
    form.fail('name', { key: 'case_support.error_too_long', params: { max: MAX_NAME_CHARS } });

  const organization = form.text('organization').replace(/\s+/g, ' ');
  if (characters(organization) > MAX_NAME_CHARS)
    form.fail('organization', { key: 'case_support.error_too_long', params: { max: MAX_NAME_CHARS } });

  const languages = parseLanguages(form.text('languages'));
  if (languages.length === 0) form.fail('languages', { key: 'case_support.error_languages_required' });
  else if (languages.length > MAX_LANGUAGES)
    form.fail('languages', { key: 'case_support.error_too_many', params: { max: MAX_LANGUAGES } });
  else if (languages.some((language) => characters(language) > MAX_LANGUAGE_CHARS))
    form.fail('languages', { key: 'case_support.error_too_long', params: { max: MAX_LANGUAGE_CHARS } });

  const rawCapacity = form.text('capacity');
  const capacity = /^\d{1,4}$/.test(rawCapacity) ? Number(rawCapacity) : NaN;
  if (rawCapacity === '') form.fail('capacity', { key: 'case_support.error_required' });
  else if (!Number.isInteger(capacity) || capacity > MAX_CAPACITY)
    form.fail('capacity', { key: 'case_support.error_capacity', params: { max: MAX_CAPACITY } });

  const rawPhone = form.text('phone');
  // Attorneys get hearing reminders by text: a number Amparo would never text is refused here.
  const textable = rawPhone === '' ? null : textablePhone(rawPhone);
  const phone = textable?.ok ? textable.e164 : null;
  if (textable && !textable.ok) {
    form.fail('phone', {
      key: textable.problem === 'invalid' ? 'case_support.error_phone' : 'case_support.error_phone_cost',
    });
  }

  if (!form.ok) return { ok: false, errors: form.errors };
  return {
    ok: true,
    input: { name, organization: organization || null, languages, capacity, phone },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Assigning an attorney

export interface AssignRequest {
  attorneyId: string;
  /** Ticked beside the warning that the attorney already represents a related party. */
  confirmConflict: boolean;
  /** Ticked beside the warning that the attorney has no spare capacity. */
  confirmOverCapacity: boolean;
}

const ticked = (value: unknown): boolean => typeof value === 'string' && value !== '';

export function parseAssignRequest(body: Record<string, unknown> | undefined): AssignRequest | undefined {
  const attorneyId = body?.attorney_id;
  if (!isUuid(attorneyId)) return undefined;
  return {
    attorneyId,
    confirmConflict: ticked(body?.confirm_conflict),
    confirmOverCapacity: ticked(body?.confirm_over_capacity),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Bond

export const BOND_ELIGIBILITIES = ['unknown', 'eligible', 'not_eligible'] as const;
export type BondEligibility = (typeof BOND_ELIGIBILITIES)[number];
export const BOND_SETTERS = ['ice', 'judge'] as const;
export type BondSetter = (typeof BOND_SETTERS)[number];

/** What cases.bond_ciphertext holds, sealed with the case key. */
export interface Bond {
  eligibility: BondEligibility;
  amountCents: number | null;
  setBy: BondSetter | null;
  /** YYYY-MM-DD. */
  hearingDate: string | null;
}

export const BOND_FIELDS = ['eligibility', 'amount', 'set_by', 'hearing_date'] as const;
export type BondField = (typeof BOND_FIELDS)[number];

export function bondToValues(bond: Bond | null): FormValues<BondField> {
  return {
    eligibility: bond?.eligibility ?? 'unknown',
    amount: bond?.amountCents == null ? '' : centsToInput(bond.amountCents),
    set_by: bond?.setBy ?? '',
    hearing_date: bond?.hearingDate ?? '',
  };
}

export function validateBondForm(values: FormValues<BondField>): Validation<BondField, Bond> {
  const form = formChecker(BOND_FIELDS, values);
  const eligibility = form.text('eligibility') || 'unknown';
  if (!oneOf(BOND_ELIGIBILITIES, eligibility)) form.fail('eligibility', { key: 'case_support.error_choose' });

  const rawAmount = form.text('amount');
  let amountCents: number | null = null;
  if (rawAmount !== '') {
    const parsed = parseDollars(rawAmount);
    if (parsed === undefined) form.fail('amount', { key: 'case_support.error_amount' });
    else if (parsed > MAX_AMOUNT_CENTS) form.fail('amount', { key: 'case_support.error_amount_too_large' });
    else if (parsed < MINIMUM_BOND_CENTS) form.fail('amount', { key: 'case_support.error_bond_minimum' });
    else amountCents = parsed;
  }

  const setBy = form.text('set_by');
  if (setBy !== '' && !oneOf(BOND_SETTERS, setBy)) form.fail('set_by', { key: 'case_support.error_choose' });

  if (eligibility === 'not_eligible') {
    // Mandatory detention: there is no bond to set or pay; the page points to habeas instead.
    if (rawAmount !== '') form.fail('amount', { key: 'case_support.error_bond_not_eligible' });
    if (setBy !== '') form.fail('set_by', { key: 'case_support.error_bond_not_eligible' });
  } else if (rawAmount !== '') {
    if (eligibility !== 'eligible')
      form.fail('eligibility', { key: 'case_support.error_bond_amount_means_eligible' });
    if (setBy === '') form.fail('set_by', { key: 'case_support.error_bond_set_by' });
  } else if (setBy !== '') {
    form.fail('amount', { key: 'case_support.error_bond_amount_for_setter' });
  }

  const rawHearing = form.text('hearing_date');
  const hearingDate = rawHearing === '' ? null : parseDate(rawHearing);
  if (hearingDate === undefined) form.fail('hearing_date', { key: 'case_support.error_date' });

  if (!form.ok) return { ok: false, errors: form.errors };
  return {
    ok: true,
    input: {
      eligibility: eligibility as BondEligibility,
      amountCents,
      setBy: setBy === '' ? null : (setBy as BondSetter),
      hearingDate: hearingDate ?? null,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Bond funds and their ledger

export const FUND_FIELDS = ['name'] as const;
export type FundField = (typeof FUND_FIELDS)[number];
export const MAX_FUND_NAME_CHARS = 80;

export function validateFundForm(values: FormValues<FundField>): Validation<FundField, { name: string }> {
  const form = formChecker(FUND_FIELDS, values);
  const name = form.text('name').replace(/\s+/g, ' ');
  if (name === '') form.fail('name', { key: 'case_support.error_required' });
  else if (characters(name) > MAX_FUND_NAME_CHARS)
    form.fail('name', { key: 'case_support.error_too_long', params: { max: MAX_FUND_NAME_CHARS } });
  return form.ok ? { ok: true, input: { name } } : { ok: false, errors: form.errors };
}

/** One form shape for a deposit into a fund and for a bond payment out of one. */
export const LEDGER_FIELDS = ['fund_id', 'amount', 'occurred_on', 'receipt'] as const;
export type LedgerField = (typeof LEDGER_FIELDS)[number];
export const MAX_RECEIPT_CHARS = 64;

export interface LedgerInput {
  fundId: string;
  amountCents: number;
  occurredOn: string;
  receipt: string | null;
}

/**
 * @param receiptRequired a payment's receipt is what gets the bond back to the fund when the case ends, so
 * it is required for payments; a deposit may have none.
 */
export function validateLedgerForm(
  values: FormValues<LedgerField>,
  options: { receiptRequired: boolean },
): Validation<LedgerField, LedgerInput> {
  const form = formChecker(LEDGER_FIELDS, values);
  const fundId = form.text('fund_id');
  if (fundId === '') form.fail('fund_id', { key: 'case_support.error_fund_required' });
  else if (!isUuid(fundId)) form.fail('fund_id', { key: 'case_support.error_choose' });

  const rawAmount = form.text('amount');
  const amountCents = parseDollars(rawAmount);
  if (rawAmount === '') form.fail('amount', { key: 'case_support.error_required' });
  else if (amountCents === undefined) form.fail('amount', { key: 'case_support.error_amount' });
  else if (amountCents === 0) form.fail('amount', { key: 'case_support.error_amount_positive' });
  else if (amountCents > MAX_AMOUNT_CENTS)
    form.fail('amount', { key: 'case_support.error_amount_too_large' });

  const rawDate = form.text('occurred_on');
  const occurredOn = parseDate(rawDate);
  if (rawDate === '') form.fail('occurred_on', { key: 'case_support.error_required' });
  else if (occurredOn === undefined) form.fail('occurred_on', { key: 'case_support.error_date' });

  const receipt = form.text('receipt');
  if (receipt === '' && options.receiptRequired)
    form.fail('receipt', { key: 'case_support.error_receipt_required' });
  else if (characters(receipt) > MAX_RECEIPT_CHARS)
    form.fail('receipt', { key: 'case_support.error_too_long', params: { max: MAX_RECEIPT_CHARS } });

  if (!form.ok || amountCents === undefined || occurredOn === undefined)
    return { ok: false, errors: form.errors };
  return { ok: true, input: { fundId, amountCents, occurredOn, receipt: receipt || null } };
}

// ---------------------------------------------------------------------------------------------------------
// Family support tasks

export const NEED_KINDS: readonly SupportTaskKind[] = [
  'childcare',
  'rent',
  'food',
  'transport',
  'mental_health',
  'other',
];
export const ACCOMPANIMENT_KINDS: readonly SupportTaskKind[] = ['accompany_check_in', 'accompany_court'];

export const TASK_FIELDS = ['kind', 'assignee_id', 'due_on', 'notes'] as const;
export type TaskField = (typeof TASK_FIELDS)[number];
export const MAX_TASK_NOTES_CHARS = 2000;

export interface TaskInput {
  kind: SupportTaskKind;
  assigneeId: string;
  dueOn: string;
  notes: string | null;
}

/** @param assignees who may be given this case's tasks (legal staff who can open the case). */
export function validateTaskForm(
  values: FormValues<TaskField>,
  assignees: ReadonlySet<string>,
): Validation<TaskField, TaskInput> {
  const form = formChecker(TASK_FIELDS, values);
  const kind = form.text('kind');
  if (kind === '') form.fail('kind', { key: 'case_support.error_required' });
  else if (!oneOf(SUPPORT_TASK_KINDS, kind)) form.fail('kind', { key: 'case_support.error_choose' });

  const assigneeId = form.text('assignee_id');
  if (assigneeId === '') form.fail('assignee_id', { key: 'case_support.error_assignee_required' });
  else if (!assignees.has(assigneeId)) form.fail('assignee_id', { key: 'case_support.error_assignee' });

  const rawDue = form.text('due_on');
  const dueOn = parseDate(rawDue);
  if (rawDue === '') form.fail('due_on', { key: 'case_support.error_required' });
  else if (dueOn === undefined) form.fail('due_on', { key: 'case_support.error_date' });

  const notes = form.text('notes');
  if (characters(notes) > MAX_TASK_NOTES_CHARS)
    form.fail('notes', { key: 'case_support.error_too_long', params: { max: MAX_TASK_NOTES_CHARS } });

  if (!form.ok || dueOn === undefined) return { ok: false, errors: form.errors };
  return { ok: true, input: { kind: kind as SupportTaskKind, assigneeId, dueOn, notes: notes || null } };
}

export function parseTaskStatus(value: unknown): SupportTaskStatus | undefined {
  return typeof value === 'string' && oneOf(SUPPORT_TASK_STATUSES, value) ? value : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Outcome

export const OUTCOMES = [
  'released',
  'transferred',
  'still_detained',
  'removed',
  'voluntary_departure',
] as const;
export type OutcomeKind = (typeof OUTCOMES)[number];
export const RELEASE_KINDS = ['bond', 'parole', 'other'] as const;
export type ReleaseKind = (typeof RELEASE_KINDS)[number];

/** What cases.outcome_ciphertext holds, sealed with the case key. */
export interface Outcome {
  outcome: OutcomeKind;
  /** Only for `released`. */
  releaseKind: ReleaseKind | null;
  /** YYYY-MM-DD. */
  date: string;
  note: string | null;
}

export const OUTCOME_FIELDS = ['outcome', 'release_kind', 'outcome_on', 'note'] as const;
export type OutcomeField = (typeof OUTCOME_FIELDS)[number];
export const MAX_OUTCOME_NOTE_CHARS = 1000;

export function outcomeToValues(outcome: Outcome | null, today: string): FormValues<OutcomeField> {
  return {
    outcome: outcome?.outcome ?? '',
    release_kind: outcome?.releaseKind ?? '',
    outcome_on: outcome?.date ?? today,
    note: outcome?.note ?? '',
  };
}

export function validateOutcomeForm(values: FormValues<OutcomeField>): Validation<OutcomeField, Outcome> {
  const form = formChecker(OUTCOME_FIELDS, values);
  const outcome = form.text('outcome');
  if (outcome === '') form.fail('outcome', { key: 'case_support.error_outcome_required' });
  else if (!oneOf(OUTCOMES, outcome)) form.fail('outcome', { key: 'case_support.error_choose' });

  const releaseKind = form.text('release_kind');
  if (outcome === 'released') {
    if (releaseKind === '') form.fail('release_kind', { key: 'case_support.error_release_kind' });
    else if (!oneOf(RELEASE_KINDS, releaseKind))
      form.fail('release_kind', { key: 'case_support.error_choose' });
  } else if (releaseKind !== '' && outcome !== '') {
    form.fail('release_kind', { key: 'case_support.error_release_kind_only' });
  }

  const rawDate = form.text('outcome_on');
  const date = parseDate(rawDate);
  if (rawDate === '') form.fail('outcome_on', { key: 'case_support.error_required' });
  else if (date === undefined) form.fail('outcome_on', { key: 'case_support.error_date' });

  const note = form.text('note');
  if (characters(note) > MAX_OUTCOME_NOTE_CHARS)
    form.fail('note', { key: 'case_support.error_too_long', params: { max: MAX_OUTCOME_NOTE_CHARS } });

  if (!form.ok || date === undefined) return { ok: false, errors: form.errors };
  return {
    ok: true,
    input: {
      outcome: outcome as OutcomeKind,
      releaseKind: outcome === 'released' ? (releaseKind as ReleaseKind) : null,
      date,
      note: note || null,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Route schemas: sizes only (a body far beyond any form is refused by the parser, not by these)

interface FormBodySchema {
  type: 'object';
  properties: Record<string, { type: 'string'; maxLength?: number }>;
}

function formBody(fields: readonly string[]): FormBodySchema {
  const properties: FormBodySchema['properties'] = { _csrf: { type: 'string', maxLength: 256 } };
  for (const field of fields) properties[field] = { type: 'string' };
  return { type: 'object', properties };
}

export const attorneyBody = formBody(ATTORNEY_FIELDS);
export const assignBody = formBody(['attorney_id', 'confirm_conflict', 'confirm_over_capacity']);
export const bondBody = formBody(BOND_FIELDS);
export const fundBody = formBody(FUND_FIELDS);
export const ledgerBody = formBody(LEDGER_FIELDS);
export const taskBody = formBody(TASK_FIELDS);
export const taskStatusBody = formBody(['status', 'back']);
export const outcomeBody = formBody(OUTCOME_FIELDS);
export const tokenOnlyBody = formBody([]);

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

/** ?saved=… notices after a redirect, and the language switch. */
export const noticeQuery = {
  type: 'object',
  properties: { saved: { type: 'string', maxLength: 32 }, lang: { type: 'string' } },
} as const;
