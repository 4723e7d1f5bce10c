// HTML for case support: the attorney directory, the attorney suggestions of a case, the bond with its
// payments, family support tasks, the outcome, bond funds and their ledger, and "my tasks". Each part of a
// case is a panel, rendered both as a section of the case page and, when a form comes back with problems, on
// a page of its own with everything typed. Everything typed by a person goes through html``, which escapes it.
import { csrfField } from '../../http/form.ts';
import { noticeBlock, type Notice } from '../../http/layout.ts';
import type { FormErrors } from '../../http/form.ts';
import type { FastifyRequest } from 'fastify';
import type { Language } from '../../config/config.ts';
import { SUPPORT_TASK_STATUSES, type SupportTaskKind, type SupportTaskStatus } from '../../db/schema.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { fieldError, type FieldError } from '../../http/form.ts';
import { addControl, casePartPath } from '../cases/cases.sections.ts';
import type { AttorneyView, CurrentAttorney, SuggestionsView } from './case-support.attorneys.ts';
import { formatUsd, type CasePaymentView, type LedgerEntryView } from './case-support.bond.ts';
import { languageLabel, uniqueLanguages } from './case-support.languages.ts';
import type { AttorneySuggestion, ConflictReason } from './case-support.ranking.ts';
import type { FundRow } from './case-support.repository.ts';
import {
  ACCOMPANIMENT_KINDS,
  BOND_ELIGIBILITIES,
  BOND_SETTERS,
  MAX_CAPACITY,
  MAX_FUND_NAME_CHARS,
  MAX_NAME_CHARS,
  MAX_OUTCOME_NOTE_CHARS,
  MAX_RECEIPT_CHARS,
  MAX_TASK_NOTES_CHARS,
  NEED_KINDS,
  OUTCOMES,
  RELEASE_KINDS,
  type AttorneyField,
  type Bond,
  type BondEligibility,
  type BondField,
  type BondSetter,
  type FormValues,
  type FundField,
  type LedgerField,
  type Outcome,
  type OutcomeField,
  type OutcomeKind,
  type ReleaseKind,
  type TaskField,
  todayIn,
} from './case-support.schemas.ts';
import type { MyTaskView, StaffOption, TaskView } from './case-support.tasks.ts';

export interface Page {
  request: FastifyRequest;
  networkName: string;
  timeZone: string;
}

/** What a panel needs to speak the reader's language: on the case page or on a page of its own. */
export interface PanelContext {
  t: Translator;
  lang: Language;
  timeZone: string;
}

const panelContext = (page: Page): PanelContext => ({
  t: page.request.t,
  lang: page.request.lang,
  timeZone: page.timeZone,
});

/** The case a panel belongs to, as its pages name it. */
export interface CaseRef {
  id: string;
  reference: string;
}

/** A form as typed, with a message beside each field that needs fixing. */
export interface FormState<F extends string> {
  values: FormValues<F>;
  errors: FormErrors<F>;
}

export const emptyForm = <F extends string>(values: FormValues<F> = {}): FormState<F> => ({
  values,
  errors: {},
});

// ---------------------------------------------------------------------------------------------------------
// Words

export const taskKindLabel = (t: Translator, kind: SupportTaskKind): string =>
  t(`case_support.task_kind_${kind}` as MessageKey);
export const taskStatusLabel = (t: Translator, status: SupportTaskStatus): string =>
  t(`case_support.task_status_${status}` as MessageKey);
const eligibilityLabel = (t: Translator, value: BondEligibility): string =>
  t(`case_support.eligibility_${value}` as MessageKey);
const setterLabel = (t: Translator, value: BondSetter): string =>
  t(`case_support.set_by_${value}` as MessageKey);
const outcomeLabel = (t: Translator, value: OutcomeKind): string =>
  t(`case_support.outcome_${value}` as MessageKey);
const releaseLabel = (t: Translator, value: ReleaseKind): string =>
  t(`case_support.release_${value}` as MessageKey);
const conflictLabel = (t: Translator, reason: ConflictReason): string =>
  t(`case_support.conflict_${reason}` as MessageKey);

/** "2026-12-03" → "Dec 3, 2026" / "3 dic 2026": a calendar date, the same wherever it is read. */
export function formatDay(day: string, lang: Language): string {
  const [year, month, date] = day.split('-').map(Number);
  if (!year || !month || !date) return day;
  return new Intl.DateTimeFormat(lang === 'es' ? 'es-US' : 'en-US', {
    dateStyle: 'medium',
    timeZone: 'UTC',
  }).format(new Date(Date.UTC(year, month - 1, date)));
}

/** The case's languages as the reader names them, each language once. */
function languageList(languages: readonly string[], lang: Language): string {
  return uniqueLanguages(languages)
    .map((language) => languageLabel(language, lang))
    .join(', ');
}

/**
 * One labelled field of a form. Ids carry the form's prefix, since several of these forms share the case
 * page; names are the plain field names. The label holds only its words, so it names the field exactly.
 */
function fieldParts<F extends string>(t: Translator, prefix: string, state: FormState<F>, name: F) {
  const id = `${prefix}-${name.replaceAll('_', '-')}`;
  const problem: FieldError | undefined = state.errors[name];
  const value = problem?.key === 'case_support.error_encoding' ? '' : (state.values[name] ?? '');
  const error = fieldError(t, id, problem);
  const described = (hint: boolean): Html | string => {
    const ids = [hint ? `${id}-hint` : '', problem ? `${id}-error` : ''].filter(Boolean).join(' ');
    return ids ? html` aria-describedby="${ids}"` : '';
  };
  const invalid = problem ? html` aria-invalid="true"` : '';
  return { id, value, error, described, invalid };
}

interface InputOptions {
  label: MessageKey;
  hint?: MessageKey;
  hintParams?: Record<string, string | number>;
  type?: 'text' | 'date' | 'tel';
  inputmode?: 'decimal' | 'numeric';
  maxlength?: number;
  required?: boolean;
}

function input<F extends string>(
  t: Translator,
  prefix: string,
  state: FormState<F>,
  name: F,
  options: InputOptions,
): Html {
  const f = fieldParts(t, prefix, state, name);
  return html`<label for="${f.id}">${t(options.label)}</label>
    ${options.hint ? html`<span class="hint" id="${f.id}-hint">${t(options.hint, options.hintParams)}</span>` : ''}
    ${f.error}
    <input type="${options.type ?? 'text'}" id="${f.id}" name="${name}" value="${f.value}"${
      options.inputmode ? html` inputmode="${options.inputmode}"` : ''
    }${options.maxlength ? html` maxlength="${options.maxlength}"` : ''}${options.required ? html` required` : ''}${f.described(
      options.hint !== undefined,
    )}${f.invalid}>`;
}

function select<F extends string>(
  t: Translator,
  prefix: string,
  state: FormState<F>,
  name: F,
  options: {
    label: MessageKey;
    hint?: MessageKey;
    choices: { value: string; text: string }[];
    empty?: string;
  },
): Html {
  const f = fieldParts(t, prefix, state, name);
  return html`<label for="${f.id}">${t(options.label)}</label>
    ${options.hint ? html`<span class="hint" id="${f.id}-hint">${t(options.hint)}</span>` : ''}
    ${f.error}
    <select id="${f.id}" name="${name}"${f.described(options.hint !== undefined)}${f.invalid}>
      ${options.empty !== undefined ? html`<option value="">${options.empty}</option>` : ''}
      ${options.choices.map(
        (choice) =>
          html`<option value="${choice.value}"${f.value === choice.value ? html` selected` : ''}>${choice.text}</option>`,
      )}
    </select>`;
}

function textarea<F extends string>(
  t: Translator,
  prefix: string,
  state: FormState<F>,
  name: F,
  options: { label: MessageKey; hint?: MessageKey; maxChars: number },
): Html {
  const f = fieldParts(t, prefix, state, name);
  return html`<label for="${f.id}">${t(options.label)}</label>
    ${options.hint ? html`<span class="hint" id="${f.id}-hint">${t(options.hint)}</span>` : ''}
    ${f.error}
    <textarea id="${f.id}" name="${name}" rows="3" maxlength="${options.maxChars}"${f.described(
      options.hint !== undefined,
    )}${f.invalid}>${f.value}</textarea>`;
}

const hasErrors = (state: FormState<string>): boolean => Object.keys(state.errors).length > 0;

function errorsIntro(t: Translator, state: FormState<string>): Html | string {
  return hasErrors(state)
    ? html`<p class="notice error" role="alert">${t('case_support.errors_intro')}</p>`
    : '';
}

function casePage(page: Page, caseRef: CaseRef, title: string, body: Html, notice?: Notice): Html {
  const t = page.request.t;
  return renderPage({
    ...page,
    title,
    console: true,
    body: html`<p><a href="/console/cases/${caseRef.id}">${t('case_support.back_to_case', { reference: caseRef.reference })}</a></p>
      <h1>${title}</h1>
      ${noticeBlock(notice)} ${body}`,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Attorney directory

export interface DirectoryView {
  active: AttorneyView[];
  archived: AttorneyView[];
}

function workload(t: Translator, a: { openCases: number; capacity: number }): Html {
  const full = a.openCases >= a.capacity;
  const text = t('case_support.workload', { open: a.openCases, capacity: a.capacity });
  return full ? html`<strong>${text} · ${t('case_support.full')}</strong>` : html`${text}`;
}

export function renderDirectory(page: Page, view: DirectoryView, csrfToken: string, notice?: Notice): Html {
  const t = page.request.t;
  const row = (a: AttorneyView): Html =>
    html`<tr data-id="${a.id}">
      <td><a href="/console/attorneys/${a.id}">${a.name}</a></td>
      <td>${a.organization ?? ''}</td>
      <td>${a.languages.join(', ')}</td>
      <td>${workload(t, a)}</td>
      <td>${a.phone ?? ''}</td>
      <td>${
        a.archived
          ? html`<form method="post" action="/console/attorneys/${a.id}/restore" class="inline-form">
              ${csrfField(csrfToken)}
              <button type="submit" class="secondary">${t('case_support.restore')}</button>
            </form>`
          : ''
      }</td>
    </tr>`;
  const table = (rows: AttorneyView[], id: string): Html =>
    html`<div class="table-scroll">
      <table id="${id}">
        <thead>
          <tr>
            <th>${t('case_support.col_name')}</th>
            <th>${t('case_support.col_organization')}</th>
            <th>${t('case_support.col_languages')}</th>
            <th>${t('case_support.col_workload')}</th>
            <th>${t('case_support.col_phone')}</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(row)}
        </tbody>
      </table>
    </div>`;
  const body = html`<h1>${t('case_support.directory_title')}</h1>
    <p>${t('case_support.directory_intro')}</p>
    ${noticeBlock(notice)}
    <p>
      <a class="button" href="/console/attorneys/new">${t('case_support.add_attorney')}</a>
      · <a href="/console/bond-funds">${t('case_support.funds_link')}</a>
    </p>
    ${view.active.length === 0 ? html`<p id="no-attorneys">${t('case_support.no_attorneys')}</p>` : table(view.active, 'attorneys')}
    ${
      view.archived.length > 0
        ? html`<h2>${t('case_support.archived_heading')}</h2>
            ${table(view.archived, 'archived-attorneys')}`
        : ''
    }`;
  return renderPage({ ...page, title: t('case_support.directory_title'), body, console: true });
}

export function renderAttorneyForm(
  page: Page,
  state: FormState<AttorneyField>,
  options: { attorney?: AttorneyView; csrfToken: string; phoneEditable: boolean; notice?: Notice },
): Html {
  const t = page.request.t;
  const { attorney, csrfToken } = options;
  const title = attorney
    ? t('case_support.edit_attorney_title', { name: attorney.name })
    : t('case_support.new_attorney_title');
  const action = attorney ? `/console/attorneys/${attorney.id}` : '/console/attorneys';
  const body = html`<p><a href="/console/attorneys">${t('case_support.back_to_directory')}</a></p>
    <h1>${title}</h1>
    ${noticeBlock(options.notice)} ${errorsIntro(t, state)}
    ${
      attorney
        ? html`<p>${workload(t, attorney)}${attorney.archived ? html` · <strong>${t('case_support.archived')}</strong>` : ''}</p>`
        : ''
    }
    <form method="post" action="${action}" class="field-form" id="attorney-form" novalidate>
      ${csrfField(csrfToken)}
      ${input(t, 'attorney', state, 'name', { label: 'case_support.field_attorney_name', maxlength: MAX_NAME_CHARS })}
      ${input(t, 'attorney', state, 'organization', {
        label: 'case_support.field_organization',
        hint: 'case_support.optional',
        maxlength: MAX_NAME_CHARS,
      })}
      ${input(t, 'attorney', state, 'languages', {
        label: 'case_support.field_languages',
        hint: 'case_support.field_languages_hint',
      })}
      ${input(t, 'attorney', state, 'capacity', {
        label: 'case_support.field_capacity',
        hint: 'case_support.field_capacity_hint',
        hintParams: { max: MAX_CAPACITY },
        inputmode: 'numeric',
      })}
      ${
        options.phoneEditable
          ? input(t, 'attorney', state, 'phone', {
              label: 'case_support.field_phone',
              hint: 'case_support.field_phone_hint',
              type: 'tel',
            })
          : html`<p class="label">${t('case_support.field_phone')}</p>
              ${fieldError(t, 'attorney-phone', state.errors.phone)}
              <p id="attorney-phone">${attorney?.phone ?? t('case_support.no_phone')}</p>
              <p class="hint" id="attorney-phone-legal-only">${t('case_support.phone_legal_only_hint')}</p>`
      }
      <button type="submit">${t('case_support.save')}</button>
    </form>
    ${
      attorney && !attorney.archived
        ? html`<form method="post" action="/console/attorneys/${attorney.id}/archive" class="field-form" id="archive-form">
            ${csrfField(csrfToken)}
            <p class="hint">${t('case_support.archive_explain')}</p>
            <button type="submit" class="secondary">${t('case_support.archive')}</button>
          </form>`
        : ''
    }`;
  return renderPage({ ...page, title, body, console: true });
}

// ---------------------------------------------------------------------------------------------------------
// The case's attorney

function currentAttorneyBlock(view: PanelContext, current: CurrentAttorney | undefined): Html {
  const { t, lang } = view;
  if (!current) return html`<p id="no-attorney">${t('case_support.no_attorney')}</p>`;
  return html`<dl class="verification" id="current-attorney">
    <dt>${t('case_support.col_name')}</dt>
    <dd>${current.name}${current.archived ? html` (${t('case_support.archived')})` : ''}</dd>
    ${current.organization ? html`<dt>${t('case_support.col_organization')}</dt><dd>${current.organization}</dd>` : ''}
    <dt>${t('case_support.col_languages')}</dt>
    <dd>${current.languages.join(', ')}</dd>
    <dt>${t('case_support.col_phone')}</dt>
    <dd>${current.phone ?? t('case_support.no_phone')}</dd>
    <dt>${t('case_support.assigned_on')}</dt>
    <dd>
      ${formatDay(todayIn(view.timeZone, current.assignedAt), lang)}${
        current.conflictAcknowledged
          ? html` · <strong>${t('case_support.assigned_despite_conflict')}</strong>`
          : ''
      }
    </dd>
  </dl>`;
}

export function attorneyPanel(
  view: PanelContext,
  caseRef: CaseRef,
  current: CurrentAttorney | undefined,
  csrfToken: string,
  canChange: boolean,
): Html {
  const { t } = view;
  return html`${currentAttorneyBlock(view, current)}
    ${
      canChange
        ? html`<p>
              <a href="/console/cases/${caseRef.id}/attorneys" id="choose-attorney">${t(
                current ? 'case_support.change_attorney' : 'case_support.choose_attorney',
              )}</a>
              · <a href="/console/attorneys">${t('case_support.directory_link')}</a>
            </p>
            ${
              current
                ? html`<form method="post" action="/console/cases/${caseRef.id}/attorney/end" class="inline-form">
                    ${csrfField(csrfToken)}
                    <button type="submit" class="secondary">${t('case_support.end_assignment')}</button>
                  </form>`
                : ''
            }`
        : ''
    }`;
}

function languageMatch(t: Translator, s: AttorneySuggestion): Html {
  if (s.speaksPerson.length > 0)
    return html`<strong>${t('case_support.speaks_person', { languages: s.speaksPerson.join(', ') })}</strong>`;
  if (s.speaksFamily.length > 0)
    return html`${t('case_support.speaks_family', { languages: s.speaksFamily.join(', ') })}`;
  return html`${t('case_support.speaks_none')}`;
}

export function renderSuggestions(
  page: Page,
  caseRef: CaseRef,
  view: SuggestionsView,
  state: { csrfToken: string; notice?: Notice; canChange: boolean; highlight?: string },
): Html {
  const t = page.request.t;
  const { languages } = view;
  const assignForm = (s: AttorneySuggestion): Html =>
    html`<form method="post" action="/console/cases/${caseRef.id}/attorney" class="inline-form send-form">
      ${csrfField(state.csrfToken)}
      <input type="hidden" name="attorney_id" value="${s.id}" />
      ${
        s.conflicts.length > 0
          ? html`<label class="choice"
              ><input type="checkbox" name="confirm_conflict" value="yes" />
              ${t('case_support.confirm_conflict', { name: s.name })}</label
            >`
          : ''
      }
      ${
        s.full
          ? html`<label class="choice"
              ><input type="checkbox" name="confirm_over_capacity" value="yes" />
              ${t('case_support.confirm_over_capacity', { name: s.name })}</label
            >`
          : ''
      }
      <button type="submit" aria-label="${t('case_support.assign_label', { name: s.name })}">
        ${t('case_support.assign')}
      </button>
    </form>`;
  const warnings = (s: AttorneySuggestion): Html =>
    html`${s.full ? html`<p class="notice error" data-warning="full">${t('case_support.warning_full')}</p>` : ''}${
      s.conflicts.length > 0
        ? html`<p class="notice error" data-warning="conflict">
            ${t('case_support.warning_conflict')}
            ${s.conflicts.map((reason) => conflictLabel(t, reason)).join(' ')}
          </p>`
        : ''
    }`;
  const body = html`${view.current ? html`<h2>${t('case_support.current_attorney')}</h2>${currentAttorneyBlock(panelContext(page), view.current)}` : ''}
    <h2>${t('case_support.suggestions_heading')}</h2>
    <p class="hint">${t('case_support.ranking_explain')}</p>
    <p id="case-languages">
      ${t('case_support.case_languages_person', {
        languages: languageList(languages.person, page.request.lang) || t('case_support.unknown'),
      })}
      <br />
      ${t('case_support.case_languages_family', {
        languages: languageList(languages.family, page.request.lang) || t('case_support.unknown'),
      })}
    </p>
    ${!state.canChange ? html`<p class="notice" role="status">${t('case_support.case_closed')}</p>` : ''}
    ${
      view.suggestions.length === 0
        ? html`<p id="no-suggestions">
            ${t('case_support.no_suggestions')} <a href="/console/attorneys/new">${t('case_support.add_attorney')}</a>
          </p>`
        : html`<div class="table-scroll">
            <table id="attorney-suggestions">
              <thead>
                <tr>
                  <th>${t('case_support.col_rank')}</th>
                  <th>${t('case_support.col_name')}</th>
                  <th>${t('case_support.col_languages')}</th>
                  <th>${t('case_support.col_workload')}</th>
                  <th>${t('case_support.col_notes')}</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${view.suggestions.map(
                  (s, i) =>
                    html`<tr data-id="${s.id}"${s.id === state.highlight ? html` class="fresh"` : ''}>
                      <td>${i + 1}</td>
                      <td>${s.name}${s.organization ? html`<br /><span class="hint">${s.organization}</span>` : ''}</td>
                      <td>${languageMatch(t, s)}<br /><span class="hint">${s.languages.join(', ')}</span></td>
                      <td>${workload(t, s)}</td>
                      <td>${warnings(s)}</td>
                      <td>${state.canChange ? assignForm(s) : ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
  return casePage(
    page,
    caseRef,
    t('case_support.suggestions_title', { reference: caseRef.reference }),
    body,
    state.notice,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Bond

export interface BondPanelState {
  bond: Bond | null;
  payments: CasePaymentView[];
  funds: FundRow[];
  bondForm: FormState<BondField>;
  paymentForm: FormState<LedgerField>;
  paymentNotice?: Notice;
  csrfToken: string;
  canChange: boolean;
}

function bondSummary(t: Translator, lang: Language, bond: Bond | null): Html {
  if (!bond) return html`<p id="bond-summary">${t('case_support.bond_none')}</p>`;
  return html`<dl class="verification" id="bond-summary">
      <dt>${t('case_support.field_eligibility')}</dt>
      <dd>${eligibilityLabel(t, bond.eligibility)}</dd>
      ${
        bond.amountCents !== null
          ? html`<dt>${t('case_support.field_bond_amount')}</dt>
              <dd>${formatUsd(bond.amountCents)}${bond.setBy ? html` · ${setterLabel(t, bond.setBy)}` : ''}</dd>`
          : ''
      }
      ${
        bond.hearingDate
          ? html`<dt>${t('case_support.field_bond_hearing')}</dt>
              <dd>${formatDay(bond.hearingDate, lang)}</dd>`
          : ''
      }
    </dl>
    ${
      bond.eligibility === 'not_eligible'
        ? html`<p class="notice" role="status" id="habeas-notice">${t('case_support.habeas_path')}</p>`
        : ''
    }`;
}

export function bondPanel(view: PanelContext, caseRef: CaseRef, state: BondPanelState): Html {
  const { t, lang } = view;
  const { bond, payments } = state;
  const bondForm = html`<form method="post" action="/console/cases/${caseRef.id}/bond" class="field-form" id="bond-form" novalidate>
    ${csrfField(state.csrfToken)} ${errorsIntro(t, state.bondForm)}
    ${select(t, 'bond', state.bondForm, 'eligibility', {
      label: 'case_support.field_eligibility',
      hint: 'case_support.field_eligibility_hint',
      choices: BOND_ELIGIBILITIES.map((value) => ({ value, text: eligibilityLabel(t, value) })),
    })}
    ${input(t, 'bond', state.bondForm, 'amount', {
      label: 'case_support.field_bond_amount',
      hint: 'case_support.field_bond_amount_hint',
      inputmode: 'decimal',
    })}
    ${select(t, 'bond', state.bondForm, 'set_by', {
      label: 'case_support.field_set_by',
      choices: BOND_SETTERS.map((value) => ({ value, text: setterLabel(t, value) })),
      empty: t('case_support.not_set'),
    })}
    ${input(t, 'bond', state.bondForm, 'hearing_date', {
      label: 'case_support.field_bond_hearing',
      hint: 'case_support.optional',
      type: 'date',
    })}
    <button type="submit">${t('case_support.save_bond')}</button>
  </form>`;

  const paymentsList =
    payments.length === 0
      ? html`<p id="no-payments">${t('case_support.no_payments')}</p>`
      : html`<ul id="bond-payments">
          ${payments.map(
            (p) =>
              html`<li>
                ${t('case_support.payment_line', {
                  amount: formatUsd(p.amountCents),
                  fund: p.fundName,
                  date: formatDay(p.paidOn, lang),
                })}${p.receipt ? html` · ${t('case_support.receipt')} <span class="user-text">${p.receipt}</span>` : ''}
              </li>`,
          )}
        </ul>`;

  const paymentForm =
    state.funds.length === 0
      ? html`<p id="no-funds">${t('case_support.no_funds')} <a href="/console/bond-funds">${t('case_support.funds_title')}</a></p>`
      : html`<form method="post" action="/console/cases/${caseRef.id}/bond/payments" class="field-form" id="payment-form" novalidate>
          ${csrfField(state.csrfToken)}  ${errorsIntro(t, state.paymentForm)}
          ${select(t, 'payment', state.paymentForm, 'fund_id', {
            label: 'case_support.field_fund',
            choices: state.funds.map((fund) => ({
              value: fund.id,
              text: t('case_support.fund_option', {
                name: fund.name,
                balance: formatUsd(fund.balance_cents),
              }),
            })),
            empty: t('case_support.choose'),
          })}
          ${input(t, 'payment', state.paymentForm, 'amount', {
            label: 'case_support.field_payment_amount',
            inputmode: 'decimal',
          })}
          ${input(t, 'payment', state.paymentForm, 'occurred_on', { label: 'case_support.field_paid_on', type: 'date' })}
          ${input(t, 'payment', state.paymentForm, 'receipt', {
            label: 'case_support.field_payment_receipt',
            hint: 'case_support.field_receipt_hint',
            maxlength: MAX_RECEIPT_CHARS,
          })}
          <button type="submit">${t('case_support.record_payment')}</button>
        </form>`;

  return html`${bondSummary(t, lang, bond)}
    ${state.canChange ? addControl(t('case_support.add_bond'), bondForm, hasErrors(state.bondForm)) : ''}
    <h3>${t('case_support.payments_heading')}</h3>
    <p class="hint"><a href="/console/bond-funds">${t('case_support.funds_link')}</a></p>
    ${noticeBlock(state.paymentNotice)}
    ${paymentsList}
    ${
      state.canChange && bond?.eligibility !== 'not_eligible'
        ? addControl(t('case_support.record_payment'), paymentForm, hasErrors(state.paymentForm))
        : ''
    }`;
}

export function renderBondPage(page: Page, caseRef: CaseRef, state: BondPanelState, notice?: Notice): Html {
  const t = page.request.t;
  return casePage(
    page,
    caseRef,
    t('case_support.bond_title', { reference: caseRef.reference }),
    bondPanel(panelContext(page), caseRef, state),
    notice,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Family support tasks

export interface TasksPanelState {
  tasks: TaskView[];
  assignees: StaffOption[];
  form: FormState<TaskField>;
  csrfToken: string;
  canChange: boolean;
  today: string;
}

function statusForm(
  t: Translator,
  taskId: string,
  status: SupportTaskStatus,
  csrfToken: string,
  back: string,
): Html {
  return html`<form method="post" action="/console/support-tasks/${taskId}/status" class="inline-form">
    ${csrfField(csrfToken)}
    <input type="hidden" name="back" value="${back}" />
    <label for="task-status-${taskId}" class="hint">${t('case_support.field_task_status')}</label>
    <select id="task-status-${taskId}" name="status">
      ${SUPPORT_TASK_STATUSES.map(
        (value) =>
          html`<option value="${value}"${value === status ? html` selected` : ''}>${taskStatusLabel(t, value)}</option>`,
      )}
    </select>
    <button type="submit" class="secondary">${t('case_support.update_status')}</button>
  </form>`;
}

export function tasksPanel(view: PanelContext, caseRef: CaseRef, state: TasksPanelState): Html {
  const { t, lang } = view;
  const kindChoices = (kinds: readonly SupportTaskKind[]) =>
    kinds.map((value) => ({ value, text: taskKindLabel(t, value) }));
  const f = fieldParts(t, 'task', state.form, 'kind');
  const list =
    state.tasks.length === 0
      ? html`<p id="no-tasks">${t('case_support.no_tasks')}</p>`
      : html`<div class="table-scroll">
          <table id="support-tasks">
            <thead>
              <tr>
                <th>${t('case_support.col_task')}</th>
                <th>${t('case_support.col_assignee')}</th>
                <th>${t('case_support.col_due')}</th>
                <th>${t('case_support.col_status')}</th>
              </tr>
            </thead>
            <tbody>
              ${state.tasks.map(
                (task) =>
                  html`<tr data-id="${task.id}" data-status="${task.status}">
                    <td>
                      ${taskKindLabel(t, task.kind)}
                      ${task.notes ? html`<br /><span class="user-text">${task.notes}</span>` : ''}
                    </td>
                    <td>${task.assigneeName ?? t('case_support.nobody')}</td>
                    <td>
                      ${formatDay(task.dueOn, lang)}${
                        task.status !== 'done' && task.dueOn < state.today
                          ? html` <strong>${t('case_support.overdue')}</strong>`
                          : ''
                      }
                    </td>
                    <td>
                      ${
                        state.canChange
                          ? statusForm(t, task.id, task.status, state.csrfToken, 'case')
                          : taskStatusLabel(t, task.status)
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>`;
  const form = html`<form method="post" action="/console/cases/${caseRef.id}/support-tasks" class="field-form" id="task-form" novalidate>
    ${csrfField(state.csrfToken)} ${errorsIntro(t, state.form)}
    <label for="${f.id}">${t('case_support.field_task_kind')}</label>
    ${f.error}
    <select id="${f.id}" name="kind"${f.described(false)}${f.invalid}>
      <option value="">${t('case_support.choose')}</option>
      <optgroup label="${t('case_support.needs_group')}">
        ${kindChoices(NEED_KINDS).map(
          (c) =>
            html`<option value="${c.value}"${f.value === c.value ? html` selected` : ''}>${c.text}</option>`,
        )}
      </optgroup>
      <optgroup label="${t('case_support.accompaniment_group')}">
        ${kindChoices(ACCOMPANIMENT_KINDS).map(
          (c) =>
            html`<option value="${c.value}"${f.value === c.value ? html` selected` : ''}>${c.text}</option>`,
        )}
      </optgroup>
    </select>
    ${select(t, 'task', state.form, 'assignee_id', {
      label: 'case_support.field_assignee',
      hint: 'case_support.field_assignee_hint',
      choices: state.assignees.map((a) => ({ value: a.userId, text: a.name })),
      empty: t('case_support.choose'),
    })}
    ${input(t, 'task', state.form, 'due_on', { label: 'case_support.field_due_on', type: 'date' })}
    ${textarea(t, 'task', state.form, 'notes', {
      label: 'case_support.field_task_notes',
      hint: 'case_support.optional',
      maxChars: MAX_TASK_NOTES_CHARS,
    })}
    <button type="submit">${t('case_support.add_task')}</button>
  </form>`;
  return html`<p class="hint"><a href="/console/my-tasks">${t('case_support.my_tasks_link')}</a></p>
    ${list} ${state.canChange ? addControl(t('case_support.add_task'), form, hasErrors(state.form)) : ''}`;
}

export function renderTasksPage(page: Page, caseRef: CaseRef, state: TasksPanelState, notice?: Notice): Html {
  const t = page.request.t;
  return casePage(
    page,
    caseRef,
    t('case_support.tasks_title', { reference: caseRef.reference }),
    tasksPanel(panelContext(page), caseRef, state),
    notice,
  );
}

export function renderMyTasks(
  page: Page,
  tasks: MyTaskView[],
  csrfToken: string,
  today: string,
  notice?: Notice,
): Html {
  const t = page.request.t;
  const lang = page.request.lang;
  const body = html`<h1>${t('case_support.my_tasks_title')}</h1>
    <p>${t('case_support.my_tasks_intro')}</p>
    ${noticeBlock(notice)}
    ${
      tasks.length === 0
        ? html`<p id="no-my-tasks">${t('case_support.no_my_tasks')}</p>`
        : html`<div class="table-scroll">
            <table id="my-tasks">
              <thead>
                <tr>
                  <th>${t('case_support.col_due')}</th>
                  <th>${t('case_support.col_case')}</th>
                  <th>${t('case_support.col_task')}</th>
                  <th>${t('case_support.col_status')}</th>
                </tr>
              </thead>
              <tbody>
                ${tasks.map(
                  (task) =>
                    html`<tr data-id="${task.id}" data-status="${task.status}">
                      <td>
                        ${formatDay(task.dueOn, lang)}${task.dueOn < today ? html` <strong>${t('case_support.overdue')}</strong>` : ''}
                      </td>
                      <td><a href="${casePartPath(task.caseId, 'support')}#case-support-tasks">${task.caseReference}</a></td>
                      <td>${taskKindLabel(t, task.kind)}</td>
                      <td>${statusForm(t, task.id, task.status, csrfToken, 'my-tasks')}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
  return renderPage({ ...page, title: t('case_support.my_tasks_title'), body, console: true });
}

// ---------------------------------------------------------------------------------------------------------
// Outcome

export interface OutcomePanelState {
  outcome: Outcome | null;
  form: FormState<OutcomeField>;
  csrfToken: string;
  canChange: boolean;
}

export function outcomePanel(view: PanelContext, caseRef: CaseRef, state: OutcomePanelState): Html {
  const { t, lang } = view;
  const { outcome } = state;
  const summary = outcome
    ? html`<p id="outcome-summary">
        <strong
          >${outcomeLabel(t, outcome.outcome)}${outcome.releaseKind ? html` (${releaseLabel(t, outcome.releaseKind)})` : ''}</strong
        >
        · ${formatDay(outcome.date, lang)}
        ${outcome.note ? html`<br /><span class="user-text">${outcome.note}</span>` : ''}
      </p>`
    : html`<p id="outcome-summary">${t('case_support.outcome_none')}</p>`;
  const form = html`<form method="post" action="/console/cases/${caseRef.id}/outcome" class="field-form" id="outcome-form" novalidate>
    ${csrfField(state.csrfToken)} ${errorsIntro(t, state.form)}
    ${select(t, 'outcome', state.form, 'outcome', {
      label: 'case_support.field_outcome',
      choices: OUTCOMES.map((value) => ({ value, text: outcomeLabel(t, value) })),
      empty: t('case_support.choose'),
    })}
    ${select(t, 'outcome', state.form, 'release_kind', {
      label: 'case_support.field_release_kind',
      hint: 'case_support.field_release_kind_hint',
      choices: RELEASE_KINDS.map((value) => ({ value, text: releaseLabel(t, value) })),
      empty: t('case_support.not_released'),
    })}
    ${input(t, 'outcome', state.form, 'outcome_on', { label: 'case_support.field_outcome_on', type: 'date' })}
    ${textarea(t, 'outcome', state.form, 'note', {
      label: 'case_support.field_outcome_note',
      hint: 'case_support.optional',
      maxChars: MAX_OUTCOME_NOTE_CHARS,
    })}
    <p class="hint">${t('case_support.outcome_family_text')}</p>
    <button type="submit">${t('case_support.record_outcome')}</button>
  </form>`;
  return html`${summary}
  ${state.canChange ? addControl(t('case_support.record_outcome'), form, hasErrors(state.form)) : ''}`;
}

export function renderOutcomePage(
  page: Page,
  caseRef: CaseRef,
  state: OutcomePanelState,
  notice?: Notice,
): Html {
  const t = page.request.t;
  return casePage(
    page,
    caseRef,
    t('case_support.outcome_title', { reference: caseRef.reference }),
    outcomePanel(panelContext(page), caseRef, state),
    notice,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Bond funds

export function renderFunds(
  page: Page,
  funds: FundRow[],
  form: FormState<FundField>,
  csrfToken: string,
  notice?: Notice,
): Html {
  const t = page.request.t;
  const body = html`<h1>${t('case_support.funds_title')}</h1>
    <p>${t('case_support.funds_intro')}</p>
    ${noticeBlock(notice)}
    ${
      funds.length === 0
        ? html`<p id="no-funds">${t('case_support.no_funds_yet')}</p>`
        : html`<div class="table-scroll">
            <table id="funds">
              <thead>
                <tr>
                  <th>${t('case_support.col_fund')}</th>
                  <th>${t('case_support.col_balance')}</th>
                </tr>
              </thead>
              <tbody>
                ${funds.map(
                  (fund) =>
                    html`<tr data-id="${fund.id}">
                      <td><a href="/console/bond-funds/${fund.id}">${fund.name}</a></td>
                      <td>${formatUsd(fund.balance_cents)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
    <h2>${t('case_support.new_fund_heading')}</h2>
    <form method="post" action="/console/bond-funds" class="field-form" id="fund-form" novalidate>
      ${csrfField(csrfToken)} ${errorsIntro(t, form)}
      ${input(t, 'fund', form, 'name', { label: 'case_support.field_fund_name', maxlength: MAX_FUND_NAME_CHARS })}
      <button type="submit">${t('case_support.create_fund')}</button>
    </form>`;
  return renderPage({ ...page, title: t('case_support.funds_title'), body, console: true });
}

export function renderFund(
  page: Page,
  view: { fund: FundRow; entries: LedgerEntryView[] },
  form: FormState<LedgerField>,
  csrfToken: string,
  notice?: Notice,
): Html {
  const t = page.request.t;
  const lang = page.request.lang;
  const { fund, entries } = view;
  const body = html`<p><a href="/console/bond-funds">${t('case_support.back_to_funds')}</a></p>
    <h1>${fund.name}</h1>
    <p id="fund-balance" class="big">${t('case_support.balance', { balance: formatUsd(fund.balance_cents) })}</p>
    ${noticeBlock(notice)}
    <h2>${t('case_support.deposit_heading')}</h2>
    <form method="post" action="/console/bond-funds/${fund.id}/deposits" class="field-form" id="deposit-form" novalidate>
      ${csrfField(csrfToken)} ${errorsIntro(t, form)}
      <input type="hidden" name="fund_id" value="${fund.id}" />
      ${input(t, 'deposit', form, 'amount', { label: 'case_support.field_deposit_amount', inputmode: 'decimal' })}
      ${input(t, 'deposit', form, 'occurred_on', { label: 'case_support.field_deposited_on', type: 'date' })}
      ${input(t, 'deposit', form, 'receipt', {
        label: 'case_support.field_deposit_receipt',
        hint: 'case_support.optional',
        maxlength: MAX_RECEIPT_CHARS,
      })}
      <button type="submit">${t('case_support.record_deposit')}</button>
    </form>
    <h2>${t('case_support.ledger_heading')}</h2>
    ${
      entries.length === 0
        ? html`<p id="no-entries">${t('case_support.no_entries')}</p>`
        : html`<div class="table-scroll">
            <table id="ledger">
              <thead>
                <tr>
                  <th>${t('case_support.col_date')}</th>
                  <th>${t('case_support.col_entry')}</th>
                  <th>${t('case_support.col_amount')}</th>
                  <th>${t('case_support.receipt')}</th>
                  <th>${t('case_support.col_case')}</th>
                </tr>
              </thead>
              <tbody>
                ${entries.map(
                  (entry) =>
                    html`<tr data-id="${entry.id}" data-kind="${entry.kind}">
                      <td>${formatDay(entry.occurredOn, lang)}</td>
                      <td>${t(entry.kind === 'deposit' ? 'case_support.entry_deposit' : 'case_support.entry_payment')}</td>
                      <td>${entry.kind === 'payment' ? '−' : '+'}${formatUsd(entry.amountCents)}</td>
                      <td>${entry.receipt ? html`<span class="user-text">${entry.receipt}</span>` : ''}</td>
                      <td>${
                        entry.caseLink
                          ? html`<a href="/console/cases/${entry.caseLink.id}">${entry.caseLink.reference}</a>`
                          : entry.forACase
                            ? t('case_support.a_case')
                            : ''
                      }</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
  return renderPage({ ...page, title: fund.name, body, console: true });
}
