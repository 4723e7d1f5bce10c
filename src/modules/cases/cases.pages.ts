// HTML for the case list, the new-case and edit forms, the case page and its core sections, and the teams
// pages. Everything a person typed goes through html``, which escapes it.
import type { FastifyRequest } from 'fastify';
import type { Case } from '../../db/schema.ts';
import { fieldError } from '../../http/form.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { formatTime } from '../../i18n/time.ts';
import type { FamilyContact } from './cases.family.ts';
import { CAREGIVER_PLANS, formatANumber, type CaseDetails } from './cases.model.ts';
import {
  MAX_LONG_CHARS,
  MAX_SHORT_CHARS,
  type CaseFormErrors,
  type CaseFormField,
  type CaseFormValues,
} from './cases.schemas.ts';
import type {
  CaseListEntry,
  CaseOverview,
  DuplicateWarning,
  OpeningSource,
  StaffChoice,
} from './cases.service.ts';
import type { DuplicateCheck } from './duplicate-checks.ts';
import type { HotlineMessage } from './hotline-messages.ts';
import type { Language } from '../../config/config.ts';
import type { TeamDetail } from './teams.service.ts';
import type { TeamRow } from './cases.repository.ts';
import { timelineLabel } from './cases.words.ts';
import {
  CASE_PARTS,
  casePartPath,
  type CaseFact,
  type CaseListFacts,
  type CasePart,
} from './cases.sections.ts';
import { daysBetween } from './cases.summary.ts';

export interface Page {
  request: FastifyRequest;
  networkName: string;
  timeZone: string;
}

const when = (page: Page, date: Date): string => formatTime(date, page.request.lang, page.timeZone);

const statusLabel = (t: Translator, status: Case['status']): string => t(`cases.status_${status}`);

function notice(t: Translator, key: MessageKey | undefined, kind: 'ok' | 'error' = 'ok'): Html | string {
  if (!key) return '';
  return html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${t(key)}</p>`;
}

// ---- the list ----

/** The intake coordinator's checks: references and who asked, never a name. */
function renderDuplicateChecks(
  page: Page,
  coordinator: { checks: DuplicateCheck[]; csrfToken: string },
): Html {
  const t = page.request.t;
  if (coordinator.checks.length === 0) return html``;
  return html`<section id="duplicate-checks" class="notice">
    <h2>${t('cases.checks_heading')}</h2>
    <p>${t('cases.checks_intro')}</p>
    <ul>
      ${coordinator.checks.map(
        (check) =>
          html`<li data-id="${check.id}">
            ${t('cases.checks_row', {
              opened: check.openedReference,
              matched: check.matchedReference,
              who: check.requestedBy ?? t('cases.checks_someone'),
            })}
            (${formatTime(check.createdAt, page.request.lang, page.timeZone)})
            <form method="post" action="/console/cases/duplicate-checks/${check.id}/done" class="inline-form">
              <input type="hidden" name="_csrf" value="${coordinator.csrfToken}" />
              <button type="submit" class="secondary">${t('cases.checks_done')}</button>
            </form>
          </li>`,
      )}
    </ul>
  </section>`;
}

export function renderCaseList(
  page: Page,
  entries: CaseListEntry[],
  show: 'open' | 'closed' | 'all',
  coordinator?: { checks: DuplicateCheck[]; csrfToken: string },
  columns: { facts: CaseListFacts[]; today: string } = { facts: [], today: '' },
): Html {
  const t = page.request.t;
  const factColumns = columns.facts.flatMap((source) =>
    source.columns.map((column) => ({ ...column, values: source.values })),
  );
  const filter = (value: 'open' | 'closed' | 'all', key: MessageKey) =>
    value === show
      ? html`<strong>${t(key)}</strong>`
      : html`<a href="/console/cases${value === 'open' ? '' : `?show=${value}`}">${t(key)}</a>`;
  const body = html`<h1>${t('cases.list_title')}</h1>
    <p class="list-tools">
      ${filter('open', 'cases.filter_open')} · ${filter('closed', 'cases.filter_closed')} ·
      ${filter('all', 'cases.filter_all')} ·
      <a href="/console/cases/new">${t('cases.new_link')}</a> ·
      <a href="/console/cases/quick">${t('cases.quick_link')}</a> ·
      <a href="/console/cases/roster">${t('cases.roster_link')}</a>
    </p>
    ${coordinator ? renderDuplicateChecks(page, coordinator) : ''}
    ${
      entries.length === 0
        ? html`<p id="cases-empty">${t('cases.list_empty')}</p>`
        : html`<p class="hint" id="case-list-order">${t('cases.list_order')}</p>
          <div class="table-scroll">
          <table class="reports cases" id="case-list">
            <thead>
              <tr>
                <th scope="col">${t('cases.field_reference')}</th>
                <th scope="col">${t('cases.field_name')}</th>
                <th scope="col">${t('cases.field_status')}</th>
                <th scope="col">${t('cases.summary_days_detained')}</th>
                ${factColumns.map((column) => html`<th scope="col">${column.label}</th>`)}
                <th scope="col">${t('cases.field_team')}</th>
                <th scope="col">${t('cases.field_updated')}</th>
              </tr>
            </thead>
            <tbody>
              ${entries.map(
                (entry) =>
                  html`<tr data-id="${entry.id}">
                    <td><a href="/console/cases/${entry.id}">${entry.reference}</a></td>
                    <td>
                      ${entry.destroyed ? html`<span class="hint">${t('cases.destroyed_short')}</span>` : entry.name}
                    </td>
                    <td><span class="status">${statusLabel(t, entry.status)}</span></td>
                    <td data-fact="days-detained">
                      ${entry.detainedOn && columns.today ? String(daysBetween(entry.detainedOn, columns.today)) : ''}
                    </td>
                    ${factColumns.map(
                      (column) =>
                        html`<td data-fact="${column.id}">${column.values.get(entry.id)?.[column.id] ?? ''}</td>`,
                    )}
                    <td>${entry.teamName ?? ''}</td>
                    <td>${when(page, entry.updatedAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>`
    }`;
  return renderPage({ ...page, title: t('cases.list_title'), body, console: true });
}

// ---- the new-case and edit forms ----

export interface CaseFormState {
  mode: 'new' | 'edit';
  action: string;
  values: CaseFormValues;
  errors: CaseFormErrors;
  csrfToken: string;
  /** New cases: the teams the user may put the case in. */
  teams: { id: string; name: string }[];
  /** New cases: confirmed incidents to choose from (unless opened from a task). */
  incidents: NonNullable<OpeningSource['incident']>[];
  task: OpeningSource['task'];
  duplicates?: DuplicateWarning | undefined;
  problem?: MessageKey | undefined;
  caseReference?: string | undefined;
  caseId?: string | undefined;
}

export function renderCaseForm(page: Page, state: CaseFormState): Html {
  const t = page.request.t;
  const { values, errors } = state;
  const value = (name: CaseFormField): string =>
    errors[name]?.key === 'cases.error_encoding' ? '' : (values[name] ?? '');
  const error = (name: CaseFormField): Html | string => fieldError(t, name, errors[name]);
  const invalid = (name: CaseFormField): Html | string =>
    errors[name] ? html` aria-invalid="true" aria-describedby="${name}-error"` : '';
  const label = (name: CaseFormField, key: MessageKey, hint?: MessageKey): Html =>
    html`<label for="${name}"
        >${t(key)}${hint ? html` <span class="hint" id="${name}-hint">${t(hint)}</span>` : ''}</label
      >${error(name)}`;
  const input = (name: CaseFormField, key: MessageKey, options: { type?: string; hint?: MessageKey } = {}) =>
    html`${label(name, key, options.hint)}
      <input type="${options.type ?? 'text'}" id="${name}" name="${name}" maxlength="${MAX_SHORT_CHARS}"
        value="${value(name)}"${invalid(name)}>`;
  const area = (name: CaseFormField, key: MessageKey) =>
    html`${label(name, key)}
      <textarea id="${name}" name="${name}" rows="3" maxlength="${MAX_LONG_CHARS}"${invalid(name)}>${value(name)}</textarea>`;
  const checkbox = (name: CaseFormField, key: MessageKey) =>
    html`${error(name)}<label class="checkbox"
        ><input type="checkbox" name="${name}" value="yes"${value(name) !== '' ? html` checked` : ''}${invalid(name)}>
        ${t(key)}</label
      >`;
  const hasErrors = Object.keys(errors).length > 0;
  const title =
    state.mode === 'new'
      ? t('cases.new_title')
      : t('cases.edit_title', { reference: state.caseReference ?? '' });

  const body = html`<p>
      <a href="${state.caseId ? `/console/cases/${state.caseId}` : '/console/cases'}">${t('cases.back')}</a>
    </p>
    <h1>${title}</h1>
    ${hasErrors ? html`<p class="notice error" role="alert">${t('cases.errors_intro')}</p>` : ''}
    ${notice(t, state.problem, 'error')}
    ${state.duplicates ? renderDuplicateWarning(t, state.duplicates) : ''}
    ${state.task ? renderTaskSource(t, state.task) : ''}
    <form method="post" action="${state.action}" class="case-form" id="case-form" novalidate>
      <input type="hidden" name="_csrf" value="${state.csrfToken}">
      ${state.task ? html`<input type="hidden" name="task_id" value="${state.task.id}">` : ''}
      <fieldset>
        <legend>${t('cases.section_person')}</legend>
        ${input('name', 'cases.field_name')} ${input('other_names', 'cases.field_other_names')}
        ${input('date_of_birth', 'cases.field_date_of_birth', { type: 'date' })}
        ${input('country_of_birth', 'cases.field_country_of_birth')}
        ${input('a_number', 'cases.field_a_number', { hint: 'cases.a_number_hint' })}
      </fieldset>
      <fieldset>
        <legend>${t('cases.section_languages')}</legend>
        ${input('person_languages', 'cases.field_person_languages', { hint: 'cases.languages_hint' })}
        ${input('family_languages', 'cases.field_family_languages')}
        ${checkbox('interpreter_needed', 'cases.field_interpreter_needed')}
        ${input('interpreter_language', 'cases.field_interpreter_language', { hint: 'cases.interpreter_hint' })}
      </fieldset>
      <fieldset>
        <legend>${t('cases.section_last_seen')}</legend>
        ${area('last_seen_place', 'cases.field_last_seen_place')}
        ${input('last_seen_at', 'cases.field_last_seen_at', { type: 'datetime-local' })}
      </fieldset>
      <fieldset>
        <legend>${t('cases.section_dependents')}</legend>
        ${label('dependents_count', 'cases.field_dependents_count')}
        <input type="number" id="dependents_count" name="dependents_count" min="0" max="50" inputmode="numeric"
          value="${value('dependents_count')}"${invalid('dependents_count')}>
        ${area('dependents_description', 'cases.field_dependents_description')}
        ${label('caregiver_plan', 'cases.field_caregiver_plan')}
        <select id="caregiver_plan" name="caregiver_plan"${invalid('caregiver_plan')}>
          ${CAREGIVER_PLANS.map(
            (plan) =>
              html`<option value="${plan}"${value('caregiver_plan') === plan ? html` selected` : ''}>
                ${t(`cases.caregiver_${plan}`)}
              </option>`,
          )}
        </select>
        ${area('caregiver_notes', 'cases.field_caregiver_notes')}
      </fieldset>
      ${state.mode === 'new' ? renderOpeningFields(t, state, { value, error, invalid, input, checkbox }) : ''}
      <button type="submit">${t(state.mode === 'new' ? 'cases.create' : 'cases.save')}</button>
    </form>`;
  return renderPage({ ...page, title, body, console: true });
}

interface FieldHelpers {
  value: (name: CaseFormField) => string;
  error: (name: CaseFormField) => Html | string;
  invalid: (name: CaseFormField) => Html | string;
  input: (name: CaseFormField, key: MessageKey, options?: { type?: string; hint?: MessageKey }) => Html;
  checkbox: (name: CaseFormField, key: MessageKey) => Html;
}

function renderOpeningFields(t: Translator, state: CaseFormState, f: FieldHelpers): Html {
  const selectedIncident = f.value('incident_id');
  return html`<fieldset>
      <legend>${t('cases.section_first_contact')}</legend>
      <p class="hint">${t('cases.first_contact_hint')}</p>
      ${f.input('contact_name', 'cases.field_contact_name')}
      ${f.input('contact_relationship', 'cases.field_contact_relationship')}
      ${f.input('contact_phone', 'cases.field_contact_phone', { type: 'tel' })}
      <label for="contact_language">${t('cases.field_contact_language')}</label>${f.error('contact_language')}
      <select id="contact_language" name="contact_language"${f.invalid('contact_language')}>
        ${(['es', 'en'] as const).map(
          (lang) =>
            html`<option value="${lang}"${f.value('contact_language') === lang ? html` selected` : ''}>
              ${t(`cases.language_${lang}`)}
            </option>`,
        )}
      </select>
      ${f.checkbox('contact_consent', 'cases.field_contact_consent')}
    </fieldset>
    <fieldset>
      <legend>${t('cases.section_where_from')}</legend>
      ${
        state.task
          ? html`<p>${t('cases.from_task_note')}</p>`
          : html`<label for="incident_id">${t('cases.field_incident')}</label>${f.error('incident_id')}
              <select id="incident_id" name="incident_id"${f.invalid('incident_id')}>
                <option value="">${t('cases.incident_none')}</option>
                ${state.incidents.map(
                  (incident) =>
                    html`<option value="${incident.id}"${selectedIncident === incident.id ? html` selected` : ''}>
                      ${incident.reference} · ${incident.zip ?? ''}
                    </option>`,
                )}
              </select>`
      }
      <label for="team_id">${t('cases.field_team')}</label>${f.error('team_id')}
      <select id="team_id" name="team_id"${f.invalid('team_id')}>
        <option value="">${t('cases.team_none')}</option>
        ${state.teams.map(
          (team) =>
            html`<option value="${team.id}"${f.value('team_id') === team.id ? html` selected` : ''}>${team.name}</option>`,
        )}
      </select>
      ${state.duplicates ? f.checkbox('confirm_not_duplicate', 'cases.confirm_not_duplicate') : ''}
    </fieldset>`;
}

function renderTaskSource(t: Translator, task: NonNullable<OpeningSource['task']>): Html {
  return html`<p class="notice">
    ${t('cases.from_task', { reference: task.reference ?? '' })}
    ${
      task.reportId
        ? html` · <a href="/console/reports/${task.reportId}/recording">${t('cases.from_task_listen')}</a>`
        : ''
    }
  </p>`;
}

/**
 * Possible duplicates: the ones this user may open by reference, with "add to that case". Others are never
 * hinted at: only the coordinator of legal intake can check those, and is told.
 */
function renderDuplicateWarning(t: Translator, warning: DuplicateWarning): Html {
  return html`<div class="notice error" role="alert" id="duplicate-warning">
    ${warning.visible.map(
      (match) =>
        html`<p>
          ${t('cases.possible_duplicate', { reference: match.reference })}
          <a href="/console/cases/${match.id}">${t('cases.open_that_case')}</a>
          <button type="submit" form="case-form" name="add_to_case" value="${match.id}" class="secondary">
            ${t('cases.add_to_that_case', { reference: match.reference })}
          </button>
        </p>`,
    )}
    <p class="hint">${t('cases.duplicate_choices')}</p>
    <p class="hint">${t('cases.duplicate_coordinator_checks')}</p>
  </div>`;
}

// ---- the case page ----

export interface CasePageState {
  caseRow: Case;
  overview: CaseOverview;
  /** Which part of the case this page shows. */
  part: CasePart;
  /** The summary at the top of the main page (empty on the other parts). */
  facts: CaseFact[];
  sections: Html[];
  csrfToken: string;
  notice?: MessageKey | undefined;
  problem?: MessageKey | undefined;
  staffNames: ReadonlyMap<string, string>;
  retentionDays: number;
}

export function renderCasePage(page: Page, state: CasePageState): Html {
  const t = page.request.t;
  const { caseRow, overview } = state;
  const id = caseRow.id;
  const csrf = html`<input type="hidden" name="_csrf" value="${state.csrfToken}" />`;
  const title = t('cases.case_title', { reference: caseRow.reference });
  const body = html`<p><a href="/console/cases">${t('cases.back_to_list')}</a></p>
    <h1>${title}</h1>
    <p>
      <span class="status">${statusLabel(t, caseRow.status)}</span>
      ${t('cases.opened_on', { when: when(page, caseRow.opened_at) })}
      · ${t(`cases.source_${caseRow.source}`)}
      ${overview.incidentReference ? html` · ${t('cases.at_incident', { reference: overview.incidentReference })}` : ''}
    </p>
    ${notice(t, state.notice)} ${notice(t, state.problem, 'error')}
    ${
      caseRow.status === 'closed' && caseRow.key_destroy_after
        ? html`<p class="notice">${t('cases.closed_retention', { when: when(page, caseRow.key_destroy_after) })}</p>`
        : ''
    }
    ${renderCaseDuplicates(t, overview.duplicates, id, csrf)}
    <p class="case-actions">
      <a href="/console/cases/${id}/export.pdf">${t('cases.export_pdf')}</a> ·
      <a href="/console/cases/${id}/export.json">${t('cases.export_json')}</a>
    </p>
    ${state.part === 'details' ? renderCaseSummary(t, id, state.facts) : ''} ${renderCaseTabs(t, id, state.part)}
    ${state.sections}
    ${state.part === 'timeline' ? renderTimeline(page, state) : ''}
    ${
      state.part === 'details'
        ? html`<section id="case-status">
            <h2>${t('cases.section_status')}</h2>
            ${
              caseRow.status === 'open'
                ? html`<form method="post" action="/console/cases/${id}/close" class="inline-form">
                      ${csrf}<button type="submit" class="secondary">${t('cases.close')}</button>
                    </form>
                    <p class="hint">${t('cases.close_hint', { days: state.retentionDays })}</p>`
                : html`<form method="post" action="/console/cases/${id}/reopen" class="inline-form">
                    ${csrf}<button type="submit" class="secondary">${t('cases.reopen')}</button>
                  </form>`
            }
          </section>`
        : ''
    }`;
  const partTitle = state.part === 'details' ? title : `${t(`cases.part_${state.part}`)} · ${title}`;
  return renderPage({ ...page, title: partTitle, body, console: true });
}

/** The case's state at a glance: a summary list (GOV.UK's pattern), each line linking to its part. */
function renderCaseSummary(t: Translator, id: string, facts: CaseFact[]): Html {
  return html`<section id="case-summary" aria-labelledby="case-summary-heading">
    <h2 id="case-summary-heading">${t('cases.summary_heading')}</h2>
    <dl class="summary-list">
      ${facts.map(
        (fact) =>
          html`<div class="summary-list-row" data-fact="${fact.id}">
            <dt>${fact.label}</dt>
            <dd>${fact.value}</dd>
            ${
              fact.part && fact.part !== 'details'
                ? html`<dd class="summary-list-link">
                    <a href="${casePartPath(id, fact.part)}">${t('cases.summary_more', { what: fact.label })}</a>
                  </dd>`
                : ''
            }
          </div>`,
      )}
    </dl>
  </section>`;
}

/** Tabs between the case's parts: plain links, the current one marked. */
function renderCaseTabs(t: Translator, id: string, current: CasePart): Html {
  return html`<nav class="case-tabs" aria-label="${t('cases.parts_label')}">
    <ul>
      ${CASE_PARTS.map(
        (part) =>
          html`<li>
            <a href="${casePartPath(id, part)}"${part === current ? html` aria-current="page"` : ''}
              >${t(`cases.part_${part}`)}</a
            >
          </li>`,
      )}
    </ul>
  </nav>`;
}

function renderTimeline(page: Page, state: CasePageState): Html {
  const t = page.request.t;
  return html`<section id="case-timeline">
    <h2>${t('cases.section_timeline')}</h2>
    <ol class="timeline">
      ${state.overview.timeline.map(
        (entry) =>
          html`<li data-kind="${entry.kind}">
            <time>${when(page, entry.at)}</time> ${timelineLabel(t, entry, state.staffNames)}
            ${entry.actorId ? html`<span class="hint">· ${state.staffNames.get(entry.actorId) ?? ''}</span>` : ''}
          </li>`,
      )}
    </ol>
  </section>`;
}

function renderCaseDuplicates(
  t: Translator,
  warning: DuplicateWarning,
  id: string,
  csrf: Html,
): Html | string {
  if (warning.visible.length === 0) return '';
  return html`<div class="notice error" id="duplicate-warning">
    ${warning.visible.map(
      (match) =>
        html`<p>
          ${t('cases.possible_duplicate', { reference: match.reference })}
          <a href="/console/cases/${match.id}">${t('cases.open_that_case')}</a>
        </p>
        <form method="post" action="/console/cases/${id}/merge" class="inline-form">
          ${csrf}<input type="hidden" name="other" value="${match.id}" />
          <button type="submit" name="keep" value="other" class="secondary">
            ${t('cases.merge_into_other', { reference: match.reference })}
          </button>
          <button type="submit" name="keep" value="this" class="secondary">
            ${t('cases.merge_other_into_this', { reference: match.reference })}
          </button>
        </form>`,
    )}
  </div>`;
}

/** What is left once the key is destroyed: reference, status, dates, and a plain statement. */
export function renderHuskPage(page: Page, caseRow: Case): Html {
  const t = page.request.t;
  const title = t('cases.case_title', { reference: caseRow.reference });
  const body = html`<p><a href="/console/cases">${t('cases.back_to_list')}</a></p>
    <h1>${title}</h1>
    <p><span class="status">${statusLabel(t, caseRow.status)}</span></p>
    <p class="notice" id="case-destroyed">
      ${t('cases.destroyed', { when: caseRow.key_destroyed_at ? when(page, caseRow.key_destroyed_at) : '' })}
    </p>
    <table class="report-detail">
      <tr><th scope="row">${t('cases.field_opened')}</th><td>${when(page, caseRow.opened_at)}</td></tr>
      <tr><th scope="row">${t('cases.field_closed')}</th><td>${caseRow.closed_at ? when(page, caseRow.closed_at) : ''}</td></tr>
    </table>`;
  return renderPage({ ...page, title, body, console: true });
}

// ---- core sections ----

const orNot = (t: Translator, value: string | null | undefined): Html | string =>
  value ? value : html`<span class="hint">${t('cases.not_given')}</span>`;

function row(t: Translator, key: MessageKey, value: Html | string): Html {
  return html`<tr>
    <th scope="row">${t(key)}</th>
    <td>${value}</td>
  </tr>`;
}

export function renderPersonSection(
  t: Translator,
  caseId: string,
  details: CaseDetails,
  editable: boolean,
): Html {
  const { person, languages, lastSeen, dependents } = details;
  return html`<section id="case-person">
    <h2>${t('cases.section_person')}</h2>
    ${editable ? html`<p><a href="/console/cases/${caseId}/edit">${t('cases.edit_link')}</a></p>` : ''}
    <table class="report-detail">
      ${row(t, 'cases.field_name', html`<span class="user-text">${person.name}</span>`)}
      ${row(t, 'cases.field_other_names', orNot(t, person.otherNames))}
      ${row(
        t,
        'cases.field_date_of_birth',
        orNot(
          t,
          person.dateOfBirth ??
            (person.age === null || person.age === undefined
              ? null
              : t('cases.age_years', { count: person.age })),
        ),
      )}
      ${row(t, 'cases.field_country_of_birth', orNot(t, person.countryOfBirth))}
      ${row(t, 'cases.field_a_number', person.aNumber ? html`<code>${formatANumber(person.aNumber)}</code>` : orNot(t, null))}
      ${row(t, 'cases.field_person_languages', orNot(t, languages.person.join(', ')))}
      ${row(t, 'cases.field_family_languages', orNot(t, languages.family.join(', ')))}
      ${row(
        t,
        'cases.field_interpreter_needed',
        languages.interpreterNeeded
          ? `${t('cases.yes')}${languages.interpreterLanguage ? ` (${languages.interpreterLanguage})` : ''}`
          : t('cases.no'),
      )}
      ${row(t, 'cases.field_last_seen_place', orNot(t, lastSeen.place))}
      ${row(t, 'cases.field_last_seen_at', orNot(t, lastSeen.at?.replace('T', ' ')))}
      ${row(t, 'cases.field_dependents_count', orNot(t, dependents.count === null ? null : String(dependents.count)))}
      ${row(t, 'cases.field_dependents_description', orNot(t, dependents.description))}
      ${row(t, 'cases.field_caregiver_plan', t(`cases.caregiver_${dependents.caregiverPlan}`))}
      ${row(t, 'cases.field_caregiver_notes', orNot(t, dependents.caregiverNotes))}
    </table>
  </section>`;
}

/** The family's call to the hotline, moved into the case: the number and a player for each message. */
export function renderHotlineSection(
  t: Translator,
  caseId: string,
  messages: HotlineMessage[],
  lang: Language,
  timeZone: string,
): Html {
  if (messages.length === 0) return html``;
  return html`<section id="case-hotline">
    <h2>${t('cases.section_hotline')}</h2>
    ${messages.map((message) => {
      const src = `/console/cases/${caseId}/hotline/${message.id}`;
      return html`<div class="hotline-message" data-id="${message.id}">
        <p>
          ${formatTime(message.createdAt, lang, timeZone)}
          ${message.reference ? html` · <code>${message.reference}</code>` : ''} ·
          ${
            message.callbackPhone
              ? html`<a href="tel:${message.callbackPhone}">${message.callbackPhone}</a>`
              : t('cases.hotline_no_phone')
          }
        </p>
        ${
          message.hasAudio
            ? html`<p><audio controls preload="none" src="${src}"></audio></p>
              <p><a href="${src}">${t('voice.recording_link')}</a></p>
              ${
                message.sha256
                  ? html`<p class="hint">${t('voice.recording_sha256')}: <code>${message.sha256}</code></p>`
                  : ''
              }`
            : html`<p class="hint">${t('cases.hotline_no_audio')}</p>`
        }
      </div>`;
    })}
  </section>`;
}

/** Give (or give anew) and revoke a consenting contact's status code. */
function renderStatusCodeButtons(
  t: Translator,
  caseId: string,
  contactId: string,
  live: boolean,
  csrfToken: string,
): Html {
  const action = `/console/cases/${caseId}/contacts/${contactId}/status-code`;
  return html`<form method="post" action="${action}" class="inline-form">
      <input type="hidden" name="_csrf" value="${csrfToken}" />
      <button type="submit" class="secondary">${t(live ? 'cases.new_status_code' : 'cases.give_status_code')}</button>
    </form>
    ${
      live
        ? html`<form method="post" action="${action}/revoke" class="inline-form">
            <input type="hidden" name="_csrf" value="${csrfToken}" />
            <button type="submit" class="secondary">${t('cases.revoke_status_code')}</button>
          </form>`
        : ''
    }`;
}

export function renderFamilySection(
  t: Translator,
  caseId: string,
  contacts: FamilyContact[],
  csrfToken: string,
  editable: boolean,
  liveCodes: ReadonlySet<string> = new Set(),
): Html {
  return html`<section id="case-family">
    <h2>${t('cases.section_family')}</h2>
    ${
      contacts.length === 0
        ? html`<p class="hint">${t('cases.no_contacts')}</p>`
        : html`<div class="table-scroll" tabindex="0" role="region" aria-label="${t('cases.section_family')}">
          <table class="reports contacts">
            <thead>
              <tr>
                <th>${t('cases.field_contact_name')}</th>
                <th>${t('cases.field_contact_relationship')}</th>
                <th>${t('cases.field_contact_phone')}</th>
                <th>${t('cases.field_contact_language')}</th>
                <th>${t('cases.field_contact_texts')}</th>
                <th>${t('cases.contact_status_code')}</th>
                ${editable ? html`<th>${t('cases.contact_actions')}</th>` : ''}
              </tr>
            </thead>
            <tbody>
              ${contacts.map(
                (contact) =>
                  html`<tr data-id="${contact.id}">
                    <td>${orNot(t, contact.name)}</td>
                    <td>${contact.relationship}</td>
                    <td>${contact.phone ? html`<a href="tel:${contact.phone}">${contact.phone}</a>` : ''}</td>
                    <td>${t(contact.language === 'es' ? 'cases.language_es' : 'cases.language_en')}</td>
                    <td>${t(contact.consentToUpdates ? 'cases.contact_texts_yes' : 'cases.contact_texts_no')}</td>
                    <td>${t(liveCodes.has(contact.id) ? 'cases.status_code_active' : 'cases.status_code_none')}</td>
                    ${
                      editable
                        ? html`<td>
                            ${contact.consentToUpdates ? renderStatusCodeButtons(t, caseId, contact.id, liveCodes.has(contact.id), csrfToken) : ''}
                            <form method="post" action="/console/cases/${caseId}/contacts/${contact.id}/remove"
                              class="inline-form">
                              <input type="hidden" name="_csrf" value="${csrfToken}" />
                              <button type="submit" class="secondary">${t('cases.remove')}</button>
                            </form>
                          </td>`
                        : ''
                    }
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>`
    }
    ${editable ? html`<p><a href="/console/cases/${caseId}/contacts/new">${t('cases.add_contact')}</a></p>` : ''}
  </section>`;
}

export function renderStaffSection(
  t: Translator,
  caseRow: Case,
  state: {
    team: { id: string; name: string } | null;
    assignees: StaffChoice[];
    assignable: StaffChoice[];
    myTeams: { id: string; name: string }[];
    csrfToken: string;
  },
): Html {
  const id = caseRow.id;
  const csrf = html`<input type="hidden" name="_csrf" value="${state.csrfToken}" />`;
  const assignedIds = new Set(state.assignees.map((a) => a.userId));
  const candidates = state.assignable.filter((staff) => !assignedIds.has(staff.userId));
  // A closed case is read-only until it is reopened: who works on it is shown, not changed.
  const open = caseRow.status === 'open';
  return html`<section id="case-staff">
    <h2>${t('cases.section_staff')}</h2>
    <p>${t('cases.field_team')}: ${state.team ? state.team.name : html`<span class="hint">${t('cases.team_none')}</span>`}</p>
    ${
      open
        ? html`<form method="post" action="/console/cases/${id}/team" class="inline-form">
      ${csrf}
      <label for="case-team">${t('cases.change_team')}</label>
      <select id="case-team" name="team_id">
        <option value="">${t('cases.team_none')}</option>
        ${state.myTeams.map(
          (team) =>
            html`<option value="${team.id}"${state.team?.id === team.id ? html` selected` : ''}>${team.name}</option>`,
        )}
      </select>
      <button type="submit" class="secondary">${t('cases.save')}</button>
    </form>`
        : ''
    }
    <ul class="assignees">
      ${state.assignees.map(
        (assignee) =>
          html`<li>
            ${assignee.label}
            ${
              open
                ? html`<form method="post" action="/console/cases/${id}/assignees/${assignee.userId}/remove" class="inline-form">
                    ${csrf}<button type="submit" class="secondary">${t('cases.unassign')}</button>
                  </form>`
                : ''
            }
          </li>`,
      )}
    </ul>
    ${
      open && candidates.length > 0
        ? html`<form method="post" action="/console/cases/${id}/assignees" class="inline-form">
            ${csrf}
            <label for="assign-user">${t('cases.assign_label')}</label>
            <select id="assign-user" name="user_id">
              ${candidates.map((staff) => html`<option value="${staff.userId}">${staff.label}</option>`)}
            </select>
            <button type="submit">${t('cases.assign')}</button>
          </form>`
        : ''
    }
  </section>`;
}

// ---- a family contact ----

export function renderContactForm(
  page: Page,
  state: {
    caseRow: Case;
    values: CaseFormValues;
    errors: CaseFormErrors;
    csrfToken: string;
    problem?: MessageKey | undefined;
  },
): Html {
  const t = page.request.t;
  const { values, errors, caseRow } = state;
  const value = (name: CaseFormField) => values[name] ?? '';
  const error = (name: CaseFormField): Html | string => fieldError(t, name, errors[name]);
  const invalid = (name: CaseFormField): Html | string => (errors[name] ? html` aria-invalid="true"` : '');
  const title = t('cases.add_contact_title', { reference: caseRow.reference });
  const body = html`<p><a href="/console/cases/${caseRow.id}#case-family">${t('cases.back')}</a></p>
    <h1>${title}</h1>
    ${notice(t, state.problem, 'error')}
    ${Object.keys(errors).length > 0 ? html`<p class="notice error" role="alert">${t('cases.errors_intro')}</p>` : ''}
    <form method="post" action="/console/cases/${caseRow.id}/contacts" novalidate>
      <input type="hidden" name="_csrf" value="${state.csrfToken}">
      <label for="contact_name">${t('cases.field_contact_name')}</label>${error('contact_name')}
      <input type="text" id="contact_name" name="contact_name" maxlength="${MAX_SHORT_CHARS}"
        value="${value('contact_name')}"${invalid('contact_name')}>
      <label for="contact_relationship">${t('cases.field_contact_relationship')}</label>${error('contact_relationship')}
      <input type="text" id="contact_relationship" name="contact_relationship" maxlength="${MAX_SHORT_CHARS}"
        value="${value('contact_relationship')}"${invalid('contact_relationship')}>
      <label for="contact_phone">${t('cases.field_contact_phone')}</label>${error('contact_phone')}
      <input type="tel" id="contact_phone" name="contact_phone" maxlength="32"
        value="${value('contact_phone')}"${invalid('contact_phone')}>
      <label for="contact_language">${t('cases.field_contact_language')}</label>${error('contact_language')}
      <select id="contact_language" name="contact_language">
        ${(['es', 'en'] as const).map(
          (lang) =>
            html`<option value="${lang}"${value('contact_language') === lang ? html` selected` : ''}>
              ${t(`cases.language_${lang}`)}
            </option>`,
        )}
      </select>
      ${error('contact_consent')}
      <label class="checkbox"><input type="checkbox" name="contact_consent" value="yes"${
        value('contact_consent') !== '' ? html` checked` : ''
      }> ${t('cases.field_contact_consent')}</label>
      <button type="submit">${t('cases.add_contact')}</button>
    </form>`;
  return renderPage({ ...page, title, body, console: true });
}

// ---- teams (admins) ----

export function renderTeams(
  page: Page,
  state: { teams: TeamRow[]; csrfToken: string; name: string; problem?: MessageKey | undefined },
): Html {
  const t = page.request.t;
  const body = html`<h1>${t('cases.teams_title')}</h1>
    <p>${t('cases.teams_intro')}</p>
    ${notice(t, state.problem, 'error')}
    ${
      state.teams.length === 0
        ? html`<p id="teams-empty">${t('cases.teams_empty')}</p>`
        : html`<table class="reports teams">
            <thead>
              <tr>
                <th>${t('cases.team_name')}</th>
                <th>${t('cases.team_members')}</th>
              </tr>
            </thead>
            <tbody>
              ${state.teams.map(
                (team) =>
                  html`<tr data-id="${team.id}">
                    <td><a href="/console/teams/${team.id}">${team.name}</a></td>
                    <td>${team.members}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h2>${t('cases.team_create')}</h2>
    <form method="post" action="/console/teams">
      <input type="hidden" name="_csrf" value="${state.csrfToken}">
      <label for="team-name">${t('cases.team_name')}</label>
      <input type="text" id="team-name" name="name" maxlength="80" value="${state.name}" required>
      <button type="submit">${t('cases.team_create')}</button>
    </form>`;
  return renderPage({ ...page, title: t('cases.teams_title'), body, console: true });
}

export function renderTeam(
  page: Page,
  state: {
    team: TeamDetail;
    csrfToken: string;
    selfId: string;
    problem?: MessageKey | undefined;
    done?: MessageKey | undefined;
  },
): Html {
  const t = page.request.t;
  const { team } = state;
  const csrf = html`<input type="hidden" name="_csrf" value="${state.csrfToken}" />`;
  const body = html`<p><a href="/console/teams">${t('cases.teams_back')}</a></p>
    <h1>${team.name}</h1>
    ${notice(t, state.problem, 'error')} ${notice(t, state.done, 'ok')}
    <h2>${t('cases.team_members')}</h2>
    ${
      team.members.length === 0
        ? html`<p class="hint">${t('cases.team_no_members')}</p>`
        : html`<ul class="members">
            ${team.members.map(
              (member) =>
                html`<li>
                  ${member.label}
                  <form method="post" action="/console/teams/${team.id}/members/${member.userId}/remove"
                    class="inline-form">
                    ${csrf}<button type="submit" class="secondary">${t('cases.remove')}</button>
                  </form>
                </li>`,
            )}
          </ul>`
    }
    ${
      team.pending.length === 0
        ? ''
        : html`<h2 id="team-requests-heading">${t('cases.team_pending_heading')}</h2>
            <p class="hint">${t('cases.team_pending_hint')}</p>
            <ul class="members" id="team-requests" aria-labelledby="team-requests-heading">
              ${team.pending.map((request) => {
                const own = request.requestedById === state.selfId || request.userId === state.selfId;
                return html`<li data-id="${request.id}">
                  ${t('cases.team_pending_item', { member: request.member, by: request.requestedBy })}
                  ${
                    own
                      ? html`<span class="hint">${t('cases.team_pending_own')}</span>`
                      : html`<form method="post" action="/console/teams/${team.id}/requests/${request.id}/approve"
                          class="inline-form">
                          ${csrf}<button type="submit">${t('cases.team_approve')}</button>
                        </form>`
                  }
                  <form method="post" action="/console/teams/${team.id}/requests/${request.id}/refuse"
                    class="inline-form">
                    ${csrf}<button type="submit" class="secondary">${t('cases.team_refuse')}</button>
                  </form>
                </li>`;
              })}
            </ul>`
    }
    ${
      team.candidates.length === 0
        ? html`<p class="hint">${t('cases.team_no_candidates')}</p>`
        : html`<form method="post" action="/console/teams/${team.id}/members">
            ${csrf}
            <label for="member">${t('cases.team_add_member')}</label>
            <select id="member" name="user_id">
              ${team.candidates.map((staff) => html`<option value="${staff.userId}">${staff.label}</option>`)}
            </select>
            <button type="submit">${t('cases.team_add_member')}</button>
          </form>`
    }
    <h2>${t('cases.intake_heading')}</h2>
    <p>${t(team.intake.isIntakeTeam ? 'cases.intake_is_intake' : 'cases.intake_not_intake')}</p>
    <form method="post" action="/console/teams/${team.id}/intake">
      ${csrf}
      <label for="coordinator">${t('cases.intake_coordinator')}</label>
      <select id="coordinator" name="coordinator_id">
        <option value="">${t('cases.intake_no_coordinator')}</option>
        ${team.members.map(
          (member) =>
            html`<option value="${member.userId}"${member.userId === team.intake.coordinatorId ? html` selected` : ''}>
              ${member.label}
            </option>`,
        )}
      </select>
      <button type="submit">${t(team.intake.isIntakeTeam ? 'cases.intake_save' : 'cases.intake_make')}</button>
    </form>`;
  return renderPage({ ...page, title: team.name, body, console: true });
}
