// The support parts of the case page (orders 200–299): the attorney, the bond and its payments, family
// support tasks and the outcome. The same panel states feed the pages each form comes back to when something
// needs fixing, so a section and its page never differ.
import type { AppContext } from '../../app/context.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import type { Html } from '../../http/html.ts';
import { html } from '../../http/html.ts';
import {
  registerCaseFacts,
  registerCaseListFacts,
  registerCaseSection,
  type CaseListFacts,
  type CaseListInput,
  type CaseFact,
  type CaseSectionInput,
  type CaseSummaryPart,
} from '../cases/cases.sections.ts';
import { currentAttorney } from './case-support.attorneys.ts';
import { bondFunds, casePayments, formatUsd, readBond } from './case-support.bond.ts';
import { acceptsChanges, type OpenedCase } from './case-support.case.ts';
import { readOutcome } from './case-support.outcome.ts';
import {
  attorneyPanel,
  bondPanel,
  emptyForm,
  formatDay,
  outcomePanel,
  taskKindLabel,
  taskStatusLabel,
  tasksPanel,
  type BondPanelState,
  type OutcomePanelState,
  type PanelContext,
  type TasksPanelState,
} from './case-support.pages.ts';
import { bondToValues, centsToInput, outcomeToValues, todayIn } from './case-support.schemas.ts';
import { caseTasks, taskAssignees } from './case-support.tasks.ts';
import { casesWithAttorney, countOpenTasks } from './case-support.repository.ts';

export const SECTION_IDS = {
  attorney: 'case-attorney',
  bond: 'case-bond',
  tasks: 'case-support-tasks',
  outcome: 'case-outcome',
} as const;

export function today(context: AppContext): string {
  return todayIn(context.config.timeZone, context.clock.now());
}

export async function bondState(
  context: AppContext,
  opened: OpenedCase,
  csrfToken: string,
  overrides: Partial<BondPanelState> = {},
): Promise<BondPanelState> {
  const bond = readBond(opened);
  const funds = await bondFunds(context);
  return {
    bond,
    payments: await casePayments(context, opened),
    funds,
    bondForm: emptyForm(bondToValues(bond)),
    paymentForm: emptyForm({
      // One fund is the usual case: chosen already.
      fund_id: funds.length === 1 ? funds[0]!.id : '',
      amount: bond?.amountCents == null ? '' : centsToInput(bond.amountCents),
      occurred_on: today(context),
      receipt: '',
    }),
    csrfToken,
    canChange: acceptsChanges(opened.caseRow),
    ...overrides,
  };
}

export async function tasksState(
  context: AppContext,
  opened: OpenedCase,
  csrfToken: string,
  overrides: Partial<TasksPanelState> = {},
): Promise<TasksPanelState> {
  return {
    tasks: await caseTasks(context, opened),
    assignees: await taskAssignees(context, opened.caseRow.id),
    form: emptyForm(),
    csrfToken,
    canChange: acceptsChanges(opened.caseRow),
    today: today(context),
    ...overrides,
  };
}

export function outcomeState(
  context: AppContext,
  opened: OpenedCase,
  csrfToken: string,
  overrides: Partial<OutcomePanelState> = {},
): OutcomePanelState {
  const outcome = readOutcome(opened);
  return {
    outcome,
    form: emptyForm(outcomeToValues(outcome, today(context))),
    csrfToken,
    canChange: acceptsChanges(opened.caseRow),
    ...overrides,
  };
}

function section(id: string, heading: string, body: Html): Html {
  return html`<section id="${id}" aria-labelledby="${id}-heading">
    <h2 id="${id}-heading">${heading}</h2>
    ${body}
  </section>`;
}

function panelContext(input: CaseSectionInput): PanelContext {
  return { t: input.t, lang: input.request.lang, timeZone: input.context.config.timeZone };
}

const caseRef = (input: CaseSectionInput) => ({ id: input.caseRow.id, reference: input.caseRow.reference });

// ---------------------------------------------------------------------------------------------------------
// What each section adds to the case's export (PDF lines in the reader's language, JSON data)

async function attorneySummary(input: CaseSectionInput): Promise<CaseSummaryPart | null> {
  const current = await currentAttorney(input.context, input.caseRow.id);
  if (!current) return null;
  const t = input.t;
  return {
    title: t('case_support.attorney_heading'),
    lines: [
      { label: t('case_support.col_name'), value: current.name },
      { label: t('case_support.col_organization'), value: current.organization ?? '' },
      { label: t('case_support.col_languages'), value: current.languages.join(', ') },
      { label: t('case_support.col_phone'), value: current.phone ?? '' },
      {
        label: t('case_support.assigned_on'),
        value: todayIn(input.context.config.timeZone, current.assignedAt),
      },
    ],
    data: { ...current, assignedAt: current.assignedAt.toISOString() },
  };
}

async function bondSummary(input: CaseSectionInput): Promise<CaseSummaryPart | null> {
  const bond = readBond(input);
  const payments = await casePayments(input.context, input);
  if (!bond && payments.length === 0) return null;
  const t = input.t;
  const lang = input.request.lang;
  const lines: CaseSummaryPart['lines'] = [];
  if (bond) {
    lines.push({
      label: t('case_support.field_eligibility'),
      value: t(`case_support.eligibility_${bond.eligibility}` as MessageKey),
    });
    if (bond.amountCents !== null)
      lines.push({ label: t('case_support.field_bond_amount'), value: formatUsd(bond.amountCents) });
    if (bond.setBy)
      lines.push({
        label: t('case_support.field_set_by'),
        value: t(`case_support.set_by_${bond.setBy}` as MessageKey),
      });
    if (bond.hearingDate)
      lines.push({ label: t('case_support.field_bond_hearing'), value: formatDay(bond.hearingDate, lang) });
  }
  for (const payment of payments) {
    lines.push({
      label: t('case_support.entry_payment'),
      value: [
        t('case_support.payment_line', {
          amount: formatUsd(payment.amountCents),
          fund: payment.fundName,
          date: formatDay(payment.paidOn, lang),
        }),
        payment.receipt ? `${t('case_support.receipt')} ${payment.receipt}` : '',
      ]
        .filter(Boolean)
        .join(' · '),
    });
  }
  return { title: t('case_support.bond_heading'), lines, data: { bond, payments } };
}

async function tasksSummary(input: CaseSectionInput): Promise<CaseSummaryPart | null> {
  const tasks = await caseTasks(input.context, input);
  if (tasks.length === 0) return null;
  const t = input.t;
  return {
    title: t('case_support.tasks_heading'),
    lines: tasks.map((task) => ({
      label: taskKindLabel(t, task.kind),
      value: [
        formatDay(task.dueOn, input.request.lang),
        taskStatusLabel(t, task.status),
        task.assigneeName ?? '',
        task.notes ?? '',
      ]
        .filter(Boolean)
        .join(' · '),
    })),
    data: tasks,
  };
}

function outcomeSummary(input: CaseSectionInput): CaseSummaryPart | null {
  const outcome = readOutcome(input);
  if (!outcome) return null;
  const t = input.t;
  const what = t(`case_support.outcome_${outcome.outcome}` as MessageKey);
  const how = outcome.releaseKind
    ? ` (${t(`case_support.release_${outcome.releaseKind}` as MessageKey)})`
    : '';
  return {
    title: t('case_support.outcome_heading'),
    lines: [
      { label: t('case_support.field_outcome'), value: `${what}${how}` },
      { label: t('case_support.field_outcome_on'), value: formatDay(outcome.date, input.request.lang) },
      ...(outcome.note ? [{ label: t('case_support.field_outcome_note'), value: outcome.note }] : []),
    ],
    data: outcome,
  };
}

/** The summary's lines from support: the attorney, the bond, the open tasks. */
export async function supportFacts(input: CaseSectionInput): Promise<CaseFact[]> {
  const t = input.t;
  const current = await currentAttorney(input.context, input.caseRow.id);
  const bond = readBond(input);
  const payments = await casePayments(input.context, input);
  const paid = payments.reduce((sum, payment) => sum + payment.amountCents, 0);
  const tasks = await caseTasks(input.context, input);
  const open = tasks.filter((task) => task.status !== 'done').length;
  const bondValue = bond
    ? [
        bond.amountCents === null ? '' : formatUsd(bond.amountCents),
        t(`case_support.eligibility_${bond.eligibility}` as MessageKey),
        paid > 0 ? t('case_support.summary_bond_paid', { amount: formatUsd(paid) }) : '',
      ]
        .filter(Boolean)
        .join(' · ')
    : t('case_support.summary_no_bond');
  return [
    {
      id: 'attorney',
      label: t('case_support.summary_attorney'),
      value: current
        ? [current.name, current.organization].filter(Boolean).join(' · ')
        : t('case_support.summary_no_attorney'),
      part: 'support',
    },
    { id: 'bond', label: t('case_support.summary_bond'), value: bondValue, part: 'bond' },
    { id: 'open-tasks', label: t('case_support.summary_open_tasks'), value: String(open), part: 'support' },
  ];
}

/** The case list's columns from support: attorney yes or no, open tasks. Two queries for the whole list. */
export async function supportListFacts(input: CaseListInput): Promise<CaseListFacts> {
  const t = input.t;
  const ids = input.cases.map((opened) => opened.caseRow.id);
  const withAttorney = await casesWithAttorney(input.context.db, ids);
  const openTasks = await countOpenTasks(input.context.db, ids);
  return {
    columns: [
      { id: 'attorney', label: t('case_support.summary_attorney') },
      { id: 'open-tasks', label: t('case_support.summary_open_tasks') },
    ],
    values: new Map(
      ids.map((id) => [
        id,
        {
          attorney: withAttorney.has(id)
            ? t('case_support.list_attorney_yes')
            : t('case_support.list_attorney_no'),
          'open-tasks': String(openTasks.get(id) ?? 0),
        },
      ]),
    ),
  };
}

export function registerSupportSections(): void {
  registerCaseFacts({ id: 'case-support', order: 200, facts: supportFacts });
  registerCaseListFacts({ id: 'case-support', order: 200, read: supportListFacts });
  registerCaseSection({
    id: SECTION_IDS.attorney,
    order: 200,
    part: 'support',
    async render(input) {
      const current = await currentAttorney(input.context, input.caseRow.id);
      return section(
        SECTION_IDS.attorney,
        input.t('case_support.attorney_heading'),
        attorneyPanel(
          panelContext(input),
          caseRef(input),
          current,
          input.csrfToken,
          acceptsChanges(input.caseRow),
        ),
      );
    },
    summarize: attorneySummary,
  });
  registerCaseSection({
    id: SECTION_IDS.bond,
    part: 'bond',
    order: 210,
    async render(input) {
      const state = await bondState(input.context, input, input.csrfToken);
      return section(
        SECTION_IDS.bond,
        input.t('case_support.bond_heading'),
        bondPanel(panelContext(input), caseRef(input), state),
      );
    },
    summarize: bondSummary,
  });
  registerCaseSection({
    id: SECTION_IDS.tasks,
    part: 'support',
    order: 220,
    async render(input) {
      const state = await tasksState(input.context, input, input.csrfToken);
      return section(
        SECTION_IDS.tasks,
        input.t('case_support.tasks_heading'),
        tasksPanel(panelContext(input), caseRef(input), state),
      );
    },
    summarize: tasksSummary,
  });
  registerCaseSection({
    id: SECTION_IDS.outcome,
    part: 'outcome',
    order: 230,
    async render(input) {
      const state = outcomeState(input.context, input, input.csrfToken);
      return section(
        SECTION_IDS.outcome,
        input.t('case_support.outcome_heading'),
        outcomePanel(panelContext(input), caseRef(input), state),
      );
    },
    summarize: async (input) => outcomeSummary(input),
  });
}
