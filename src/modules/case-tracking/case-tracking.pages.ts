// HTML for case tracking: the locator, facility and hearings panels of a case, the hearing edit page and the
// checks-due list. Each panel is rendered as a section of the case page and, when its form comes back with
// problems, on a page of its own with everything typed. Everything typed goes through html``, which escapes it.
import type { Language } from '../../config/config.ts';
import type { Case, Facility } from '../../db/schema.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { formatTime } from '../../i18n/time.ts';
import { fieldError, type FieldError } from '../../http/form.ts';
import { addControl, casePartPath } from '../cases/cases.sections.ts';
import { formatCaseDay } from '../cases/cases.summary.ts';
import type { DueCheckRow } from './case-tracking.repository.ts';
import {
  HEARING_KINDS,
  HEARING_RESULTS,
  MAX_NAME_CHARS,
  MAX_NOTES_CHARS,
  type HearingField,
  type HearingKind,
  type HearingResult,
  type LocatorField,
  type StayField,
} from './case-tracking.schemas.ts';
import type { HearingView, StayView, TrackingView } from './case-tracking.service.ts';
import { csrfField, multiline, noticeBlock, type Notice, type Page } from './tracking.html.ts';

export const SECTION_IDS = {
  locator: 'case-locator',
  facility: 'case-facility',
  hearings: 'case-hearings',
} as const;

export interface PanelContext {
  t: Translator;
  lang: Language;
  timeZone: string;
  caseId: string;
  csrfToken: string;
  /** An open case takes changes; a closed one is read-only (reopening it is the cases module's). */
  acceptsChanges: boolean;
}

type Values<Field extends string> = Partial<Record<Field, string>>;
type Errors<Field extends string> = Partial<Record<Field, FieldError>>;

export interface FormState<Field extends string> {
  values: Values<Field>;
  errors: Errors<Field>;
}

export const emptyForm = <Field extends string>(): FormState<Field> => ({ values: {}, errors: {} });

export const hearingKindLabel = (t: Translator, kind: HearingKind): string =>
  t(`case_tracking.hearing_kind_${kind}` as MessageKey);
export const hearingResultLabel = (t: Translator, result: HearingResult): string =>
  t(`case_tracking.hearing_result_${result}` as MessageKey);

const when = (ctx: Pick<PanelContext, 'lang' | 'timeZone'>, at: Date): string =>
  formatTime(at, ctx.lang, ctx.timeZone);

/** A calendar day (YYYY-MM-DD) as the reader writes dates; it is a day, not an instant, so no zone applies. */
export const formatDay = formatCaseDay;

const hasErrors = (errors: Record<string, unknown>): boolean => Object.keys(errors).length > 0;

function formErrorsNotice(t: Translator, errors: Record<string, unknown>): Html | string {
  return hasErrors(errors)
    ? html`<p class="notice error" role="alert">${t('case_tracking.form_errors')}</p>`
    : '';
}

function invalid(id: string, error: FieldError | undefined): Html | string {
  return error ? html` aria-invalid="true" aria-describedby="${id}-error"` : '';
}

function readOnlyNote(ctx: PanelContext): Html | string {
  return ctx.acceptsChanges ? '' : html`<p class="hint">${ctx.t('case_tracking.case_closed_read_only')}</p>`;
}

/** Choose a facility from the directory, or type one that is not in it yet. */
function facilityPicker<Field extends 'facility_id' | 'facility_name'>(
  ctx: PanelContext,
  prefix: string,
  directory: Facility[],
  form: FormState<Field>,
): Html {
  const t = ctx.t;
  const values = form.values as Values<'facility_id' | 'facility_name'>;
  const errors = form.errors as Errors<'facility_id' | 'facility_name'>;
  const chosen = (values.facility_id ?? '').toLowerCase();
  return html`<label for="${prefix}facility_id">${t('case_tracking.facility_choose')}</label>
    ${fieldError(t, `${prefix}facility_id`, errors.facility_id)}
    <select id="${prefix}facility_id" name="facility_id"${invalid(`${prefix}facility_id`, errors.facility_id)}>
      <option value="">${t('case_tracking.facility_choose_none')}</option>
      ${directory.map(
        (facility) =>
          html`<option value="${facility.id}"${chosen === facility.id ? html` selected` : ''}>${facility.name}</option>`,
      )}
    </select>
    <label for="${prefix}facility_name"
      >${t('case_tracking.facility_typed')}
      <span class="hint">${t('case_tracking.facility_typed_hint')}</span></label
    >
    ${fieldError(t, `${prefix}facility_name`, errors.facility_name)}
    <input type="text" id="${prefix}facility_name" name="facility_name" maxlength="${MAX_NAME_CHARS}"
      value="${errors.facility_name ? '' : (values.facility_name ?? '')}"${invalid(`${prefix}facility_name`, errors.facility_name)} />`;
}

function notesField<Field extends string>(
  ctx: PanelContext,
  id: string,
  name: Field,
  label: MessageKey,
  form: FormState<Field>,
): Html {
  const error = form.errors[name];
  return html`<label for="${id}">${ctx.t(label)}</label>
    ${fieldError(ctx.t, id, error)}
    <textarea id="${id}" name="${name}" rows="2" maxlength="${MAX_NOTES_CHARS}"${invalid(id, error)}>
${error ? '' : (form.values[name] ?? '')}</textarea
    >`;
}

// ---------------------------------------------------------------------------------------------------------
// Locating the person

export function locatorPanel(
  ctx: PanelContext,
  view: Pick<TrackingView, 'checks' | 'nextLocatorCheckAt' | 'directory' | 'staffNames' | 'stays'>,
  form: FormState<LocatorField>,
  now: Date,
): Html {
  const t = ctx.t;
  const last = view.checks[0];
  const due = view.nextLocatorCheckAt;
  // A pending re-check says the person is not found; a stay or a check that found them says where they are.
  const located = view.stays.length > 0 || last?.record.result === 'found';
  const overdue = due !== null && due.getTime() <= now.getTime();
  const status = due
    ? html`<p id="locator-status" class="${overdue ? 'notice error' : ''}">
        ${t(overdue ? 'case_tracking.locator_due_since' : 'case_tracking.locator_next_check', { when: when(ctx, due) })}
      </p>`
    : html`<p id="locator-status">
        ${t(
          located
            ? 'case_tracking.locator_located'
            : last
              ? 'case_tracking.locator_not_located'
              : 'case_tracking.locator_never_checked',
        )}
      </p>`;
  const result = form.values.result ?? '';
  const id = (name: string) => `locator-${name}`;
  return html`${status}
    ${
      view.checks.length === 0
        ? ''
        : html`<div class="table-scroll">
            <table id="locator-checks">
              <thead>
                <tr>
                  <th>${t('case_tracking.col_checked_at')}</th>
                  <th>${t('case_tracking.col_checked_by')}</th>
                  <th>${t('case_tracking.col_result')}</th>
                  <th>${t('case_tracking.col_notes')}</th>
                </tr>
              </thead>
              <tbody>
                ${view.checks.map(
                  (check) =>
                    html`<tr>
                      <td>${when(ctx, check.checkedAt)}</td>
                      <td>${(check.checkedBy && view.staffNames.get(check.checkedBy)) || t('case_tracking.someone')}</td>
                      <td>
                        ${
                          check.record.result === 'found'
                            ? t('case_tracking.locator_result_found_at', {
                                facility: check.record.facilityName ?? '',
                              })
                            : t('case_tracking.locator_result_not_found')
                        }
                      </td>
                      <td>${multiline(check.record.notes)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
    ${readOnlyNote(ctx)}
    ${
      ctx.acceptsChanges
        ? addControl(
            t('case_tracking.locator_record'),
            html`<p class="hint">${t('case_tracking.locator_hint')}</p>
            ${formErrorsNotice(t, form.errors)}
            <form method="post" action="/console/cases/${ctx.caseId}/locator-checks" class="field-form" novalidate>
              ${csrfField(ctx.csrfToken)}
              <fieldset>
                <legend>${t('case_tracking.col_result')}</legend>
                ${fieldError(t, id('result'), form.errors.result)}
                <label class="choice"
                  ><input type="radio" name="result" value="not_found"${result === 'not_found' ? html` checked` : ''} />
                  ${t('case_tracking.locator_result_not_found')}</label
                >
                <label class="choice"
                  ><input type="radio" name="result" value="found"${result === 'found' ? html` checked` : ''} />
                  ${t('case_tracking.locator_result_found')}</label
                >
              </fieldset>
              ${facilityPicker(ctx, 'locator-', view.directory, form)}
              ${notesField(ctx, id('notes'), 'notes', 'case_tracking.col_notes', form)}
              <button type="submit">${t('case_tracking.locator_save')}</button>
            </form>`,
            hasErrors(form.errors),
          )
        : ''
    }`;
}

// ---------------------------------------------------------------------------------------------------------
// Where the person is held

function facilityDetails(t: Translator, facility: Facility | undefined): Html | string {
  if (!facility) return '';
  const row = (label: MessageKey, value: string) =>
    value ? html`<tr><th scope="row">${t(label)}</th><td>${multiline(value)}</td></tr>` : '';
  return html`<table class="report-detail" id="current-facility-details">
    ${row('case_tracking.facility_operator', facility.operator)}
    ${row('case_tracking.facility_address', facility.address)}
    ${row('case_tracking.facility_phone', facility.phone)}
    ${row('case_tracking.facility_visiting_notes', facility.visiting_notes)}
    ${row('case_tracking.facility_deposit_notes', facility.deposit_notes)}
  </table>`;
}

export function facilityPanel(
  ctx: PanelContext,
  view: Pick<TrackingView, 'stays' | 'directory' | 'staffNames'>,
  form: FormState<StayField>,
  today: string,
): Html {
  const t = ctx.t;
  const [current] = view.stays;
  const oldestFirst = [...view.stays].reverse();
  const label = (stay: StayView) =>
    oldestFirst[0]?.id === stay.id ? t('case_tracking.stay_first') : t('case_tracking.stay_transfer');
  return html`${
    current
      ? html`<p id="current-facility">
            ${t('case_tracking.facility_current', {
              facility: current.record.facilityName,
              since: formatDay(current.record.since, ctx.lang),
            })}
          </p>
          ${facilityDetails(t, current.facility)}`
      : html`<p id="current-facility">${t('case_tracking.facility_unknown')}</p>`
  }
    ${
      view.stays.length === 0
        ? ''
        : html`<h3>${t('case_tracking.facility_history')}</h3>
            <div class="table-scroll">
              <table id="facility-history">
                <thead>
                  <tr>
                    <th>${t('case_tracking.col_since')}</th>
                    <th>${t('case_tracking.col_facility')}</th>
                    <th>${t('case_tracking.col_change')}</th>
                    <th>${t('case_tracking.col_notes')}</th>
                    <th>${t('case_tracking.col_recorded')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${view.stays.map(
                    (stay) =>
                      html`<tr>
                        <td>${formatDay(stay.record.since, ctx.lang)}</td>
                        <td>${stay.record.facilityName}</td>
                        <td>${label(stay)}</td>
                        <td>${multiline(stay.record.notes)}</td>
                        <td>
                          ${when(ctx, stay.recordedAt)} ·
                          ${(stay.recordedBy && view.staffNames.get(stay.recordedBy)) || t('case_tracking.someone')}
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
    }
    ${readOnlyNote(ctx)}
    ${
      ctx.acceptsChanges
        ? addControl(
            t('case_tracking.stay_record'),
            html`${formErrorsNotice(t, form.errors)}
            <form method="post" action="/console/cases/${ctx.caseId}/facility" class="field-form" novalidate>
              ${csrfField(ctx.csrfToken)} ${facilityPicker(ctx, 'stay-', view.directory, form)}
              <label for="stay-since">${t('case_tracking.col_since')}</label>
              ${fieldError(t, 'stay-since', form.errors.since)}
              <input type="date" id="stay-since" name="since" max="${today}"
                value="${form.errors.since ? (form.values.since ?? '') : (form.values.since ?? today)}"${invalid('stay-since', form.errors.since)} />
              ${notesField(ctx, 'stay-notes', 'notes', 'case_tracking.col_notes', form)}
              <button type="submit">${t('case_tracking.stay_save')}</button>
            </form>`,
            hasErrors(form.errors),
          )
        : ''
    }`;
}

// ---------------------------------------------------------------------------------------------------------
// Hearings

function hearingFields(
  ctx: PanelContext,
  prefix: string,
  form: FormState<HearingField>,
  withResult: boolean,
): Html {
  const t = ctx.t;
  const { values, errors } = form;
  const id = (name: string) => `${prefix}${name}`;
  const text = (name: 'court' | 'judge', label: MessageKey, required = false) =>
    html`<label for="${id(name)}">${t(label)}${required ? ' *' : ''}</label>
      ${fieldError(t, id(name), errors[name])}
      <input type="text" id="${id(name)}" name="${name}" maxlength="${MAX_NAME_CHARS}"
        value="${errors[name]?.key === 'case_tracking.error_unreadable' ? '' : (values[name] ?? '')}"${invalid(id(name), errors[name])} />`;
  const select = <T extends string>(
    name: 'kind' | 'result',
    label: MessageKey,
    options: readonly T[],
    words: (v: T) => string,
  ) =>
    html`<label for="${id(name)}">${t(label)}</label>
      ${fieldError(t, id(name), errors[name])}
      <select id="${id(name)}" name="${name}"${invalid(id(name), errors[name])}>
        ${name === 'kind' ? html`<option value="">${t('case_tracking.choose')}</option>` : ''}
        ${options.map(
          (option) =>
            html`<option value="${option}"${values[name] === option ? html` selected` : ''}>${words(option)}</option>`,
        )}
      </select>`;
  return html`<p class="hint">${t('case_tracking.hearing_time_zone', { zone: ctx.timeZone })}</p>
    <label for="${id('date')}">${t('case_tracking.hearing_date')} *</label>
    ${fieldError(t, id('date'), errors.date)}
    <input type="date" id="${id('date')}" name="date" value="${values.date ?? ''}"${invalid(id('date'), errors.date)} />
    <label for="${id('time')}">${t('case_tracking.hearing_time')} *</label>
    ${fieldError(t, id('time'), errors.time)}
    <input type="time" id="${id('time')}" name="time" value="${values.time ?? ''}"${invalid(id('time'), errors.time)} />
    ${text('court', 'case_tracking.hearing_court', true)} ${text('judge', 'case_tracking.hearing_judge')}
    ${select('kind', 'case_tracking.hearing_kind', HEARING_KINDS, (kind) => hearingKindLabel(t, kind))}
    ${
      withResult
        ? html`${select('result', 'case_tracking.hearing_result', HEARING_RESULTS, (result) => hearingResultLabel(t, result))}
          ${notesField(ctx, id('result_notes'), 'result_notes', 'case_tracking.hearing_result_notes', form)}`
        : ''
    }`;
}

function reminderLine(ctx: PanelContext, hearing: HearingView): string {
  const { pending, sent, nextDueAt } = hearing.reminders;
  const t = ctx.t;
  const parts: string[] = [];
  if (nextDueAt)
    parts.push(t('case_tracking.reminders_next', { count: pending, when: when(ctx, nextDueAt) }));
  if (sent > 0) parts.push(t('case_tracking.reminders_sent', { count: sent }));
  return parts.length > 0 ? parts.join(' · ') : t('case_tracking.reminders_none');
}

export function hearingsPanel(
  ctx: PanelContext,
  hearings: HearingView[],
  form: FormState<HearingField>,
): Html {
  const t = ctx.t;
  return html`${
    hearings.length === 0
      ? html`<p id="no-hearings">${t('case_tracking.hearings_none')}</p>`
      : html`<div class="table-scroll">
          <table id="hearings">
            <thead>
              <tr>
                <th>${t('case_tracking.hearing_when')}</th>
                <th>${t('case_tracking.hearing_court')}</th>
                <th>${t('case_tracking.hearing_judge')}</th>
                <th>${t('case_tracking.hearing_kind')}</th>
                <th>${t('case_tracking.hearing_result')}</th>
                <th>${t('case_tracking.hearing_reminders')}</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${hearings.map(
                (hearing) =>
                  html`<tr data-id="${hearing.id}">
                    <td>${when(ctx, hearing.startsAt)}</td>
                    <td>${hearing.record.court}</td>
                    <td>${hearing.record.judge}</td>
                    <td>${hearingKindLabel(t, hearing.record.kind)}</td>
                    <td>
                      ${hearingResultLabel(t, hearing.record.result)}
                      ${hearing.record.resultNotes ? html`<br />${multiline(hearing.record.resultNotes)}` : ''}
                    </td>
                    <td>${reminderLine(ctx, hearing)}</td>
                    <td>
                      ${
                        ctx.acceptsChanges
                          ? html`<a href="/console/cases/${ctx.caseId}/hearings/${hearing.id}">${t('case_tracking.hearing_edit')}</a>`
                          : ''
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>`
  }
    ${readOnlyNote(ctx)}
    ${
      ctx.acceptsChanges
        ? addControl(
            t('case_tracking.hearing_add'),
            html`${formErrorsNotice(t, form.errors)}
            <form method="post" action="/console/cases/${ctx.caseId}/hearings" class="field-form" novalidate>
              ${csrfField(ctx.csrfToken)} ${hearingFields(ctx, 'hearing-', form, false)}
              <button type="submit">${t('case_tracking.hearing_add_button')}</button>
            </form>`,
            hasErrors(form.errors),
          )
        : ''
    }`;
}

/** The edit form of one hearing: reschedule, change the court or judge, record the result. */
export function hearingEditPanel(ctx: PanelContext, hearingId: string, form: FormState<HearingField>): Html {
  const t = ctx.t;
  if (!ctx.acceptsChanges) return html`${readOnlyNote(ctx)}`;
  return html`${formErrorsNotice(t, form.errors)}
    <p class="hint">${t('case_tracking.hearing_edit_hint')}</p>
    <form method="post" action="/console/cases/${ctx.caseId}/hearings/${hearingId}" class="field-form" novalidate>
      ${csrfField(ctx.csrfToken)} ${hearingFields(ctx, 'hearing-', form, true)}
      <button type="submit">${t('case_tracking.save')}</button>
    </form>`;
}

// ---------------------------------------------------------------------------------------------------------
// Pages of their own

export function section(id: string, heading: string, body: Html): Html {
  return html`<section id="${id}" aria-labelledby="${id}-heading">
    <h2 id="${id}-heading">${heading}</h2>
    ${body}
  </section>`;
}

/** A panel on a page of its own: its form came back with problems, or it is the hearing edit page. */
export function renderPanelPage(
  page: Page,
  caseRow: Pick<Case, 'id' | 'reference'>,
  heading: string,
  panel: Html,
  notice?: Notice,
): Html {
  const t = page.request.t;
  const body = html`<p>
      <a href="/console/cases/${caseRow.id}">${t('case_tracking.back_to_case', { reference: caseRow.reference })}</a>
    </p>
    <h1>${heading}</h1>
    ${noticeBlock(notice)} ${panel}`;
  return renderPage({ ...page, title: heading, body, console: true });
}

export function renderChecksDue(page: Page, rows: DueCheckRow[]): Html {
  const t = page.request.t;
  const ctx = { lang: page.request.lang, timeZone: page.timeZone };
  const body = html`<p><a href="/console/cases">${t('case_tracking.back_to_cases')}</a></p>
    <h1>${t('case_tracking.checks_due_title')}</h1>
    <p>${t('case_tracking.checks_due_intro')}</p>
    ${
      rows.length === 0
        ? html`<p id="no-checks-due">${t('case_tracking.checks_due_none')}</p>`
        : html`<div class="table-scroll">
            <table id="checks-due">
              <thead>
                <tr>
                  <th>${t('case_tracking.col_case')}</th>
                  <th>${t('case_tracking.col_due_since')}</th>
                  <th>${t('case_tracking.col_last_checked')}</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (row) =>
                    html`<tr data-id="${row.id}">
                      <td><a href="${casePartPath(row.id, 'locating')}#${SECTION_IDS.locator}">${row.reference}</a></td>
                      <td>${when(ctx, row.next_locator_check_at)}</td>
                      <td>${row.last_checked_at ? when(ctx, row.last_checked_at) : t('case_tracking.never')}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
  return renderPage({ ...page, title: t('case_tracking.checks_due_title'), body, console: true });
}
