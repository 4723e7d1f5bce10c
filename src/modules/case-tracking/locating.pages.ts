// HTML of the locator worklist and the release form. Each worklist row is a small form (found at a facility,
// not found, released) that posts and comes back to the next row; the release form is the case's, reached
// from the row or from the case's locating part. Works without JavaScript and fits 375 px (a list, not a table).
import type { Facility } from '../../db/schema.ts';
import { fieldError, type FieldError } from '../../http/form.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { formatTime } from '../../i18n/time.ts';
import { casePartPath } from '../cases/cases.sections.ts';
import { formatDay } from './case-tracking.pages.ts';
import { RELEASE_KINDS, type ReleaseField, type ReleaseRecord } from './case-tracking.schemas.ts';
import type { FacilityCount } from './releases.service.ts';
import type { Worklist, WorklistRow } from './locating.service.ts';
import { csrfField, noticeBlock, type Notice, type Page } from './tracking.html.ts';

export const RELEASE_SECTION_ID = 'case-release';
export const WORKLIST_RESULTS = ['found', 'not_found', 'released'] as const;
export type WorklistResult = (typeof WORKLIST_RESULTS)[number];

/** The anchor of a worklist row. */
export const rowAnchor = (caseId: string): string => `locate-${caseId}`;

export interface WorklistOptions {
  /** Where the rows' forms come back to: the console page or an operation's. */
  returnTo: string;
  csrfToken: string;
  today: string;
  notice?: Notice;
  /** The row whose form came back with a problem, and the problem. */
  problem?: { caseId: string; key: MessageKey };
}

function facilitySelect(t: Translator, id: string, groups: Worklist['facilitiesByState']): Html {
  return html`<select id="${id}" name="facility_id">
    <option value="">${t('case_tracking.facility_choose_none')}</option>
    ${groups.map(
      (group) =>
        html`<optgroup label="${group.state ?? t('case_tracking.worklist_state_unknown')}">
          ${group.facilities.map((facility) => html`<option value="${facility.id}">${facility.name}</option>`)}
        </optgroup>`,
    )}
  </select>`;
}

function lastCheckText(page: Page, row: WorklistRow): string {
  const t = page.request.t;
  if (!row.lastCheck) return t('case_tracking.worklist_never_checked');
  return t('case_tracking.worklist_last_check', {
    when: formatTime(row.lastCheck.at, page.request.lang, page.timeZone),
    result:
      row.lastCheck.result === 'found'
        ? t('case_tracking.worklist_result_found')
        : t('case_tracking.worklist_result_not_found'),
    by: row.lastCheck.by ?? '',
    hasBy: row.lastCheck.by ? 'yes' : 'no',
  });
}

function rowForm(
  page: Page,
  worklist: Worklist,
  row: WorklistRow,
  next: WorklistRow | undefined,
  options: WorklistOptions,
): Html {
  const t = page.request.t;
  const prefix = `w-${row.caseId}-`;
  const problem = options.problem?.caseId === row.caseId ? options.problem : undefined;
  return html`<li id="${rowAnchor(row.caseId)}" class="worklist-row" data-id="${row.caseId}">
    <p>
      <a href="${casePartPath(row.caseId, 'locating')}"><strong class="reference">${row.reference}</strong></a>
      <strong class="worklist-person">${row.person.name || t('case_tracking.worklist_no_name')}</strong>
      ${row.person.countryOfBirth ? html`<span>${t('case_tracking.worklist_country', { country: row.person.countryOfBirth })}</span>` : ''}
      ${row.person.aNumber ? html`<span>${t('case_tracking.worklist_a_number', { aNumber: row.person.aNumber })}</span>` : ''}
      <span class="hint-inline">${t('case_tracking.worklist_opened', { when: formatTime(row.openedAt, page.request.lang, page.timeZone) })}</span>
    </p>
    <p class="hint">${lastCheckText(page, row)}</p>
    ${problem ? fieldError(t, `${prefix}facility_id`, { key: problem.key }) : ''}
    <form method="post" action="/console/locating/${row.caseId}" class="field-form worklist-form">
      ${csrfField(options.csrfToken)}
      <input type="hidden" name="return_to" value="${options.returnTo}" />
      <input type="hidden" name="next" value="${next?.caseId ?? ''}" />
      <fieldset>
        <legend>${t('case_tracking.worklist_result_legend', { ref: row.reference })}</legend>
        <p><label><input type="radio" name="result" value="found" /> ${t('case_tracking.worklist_found')}</label></p>
        <label for="${prefix}facility_id">${t('case_tracking.facility_choose')}</label>
        ${facilitySelect(t, `${prefix}facility_id`, worklist.facilitiesByState)}
        <label for="${prefix}since">${t('case_tracking.worklist_since')}</label>
        <input type="date" id="${prefix}since" name="since" value="${options.today}" max="${options.today}" />
        <p><label><input type="radio" name="result" value="not_found" /> ${t('case_tracking.worklist_not_found')}</label></p>
        <p><label><input type="radio" name="result" value="released" /> ${t('case_tracking.worklist_released')}</label></p>
      </fieldset>
      <button type="submit" class="button">${t('case_tracking.worklist_save')}</button>
    </form>
  </li>`;
}

function countsSection(t: Translator, counts: readonly FacilityCount[]): Html {
  return html`<section id="where-people-are" aria-labelledby="where-people-are-h">
    <h2 id="where-people-are-h">${t('case_tracking.worklist_where_heading')}</h2>
    ${
      counts.length === 0
        ? html`<p class="empty">${t('case_tracking.worklist_where_none')}</p>`
        : html`<dl class="summary-list">
            ${counts.map(
              (count) => html`<div>
                <dt>${count.facilityName}${count.state ? html` <span class="hint-inline">${count.state}</span>` : ''}</dt>
                <dd>
                  ${t('case_tracking.worklist_held_now', { count: count.heldNow })}${
                    count.movedOutOfState > 0
                      ? html` · ${t('case_tracking.worklist_moved_out', { count: count.movedOutOfState })}`
                      : ''
                  }
                </dd>
              </div>`,
            )}
          </dl>`
    }
  </section>`;
}

/** The worklist's content, for the console page and the operation's page to mount. */
export function worklistBody(page: Page, worklist: Worklist, options: WorklistOptions): Html {
  const t = page.request.t;
  const { rows } = worklist;
  return html`${noticeBlock(options.notice)}
    <p>${t('case_tracking.worklist_intro', { count: rows.length })}</p>
    ${
      rows.length === 0
        ? html`<p class="empty" id="worklist-empty">${t('case_tracking.worklist_none')}</p>`
        : html`<ol class="task-list worklist" id="worklist">
            ${rows.map((row, index) => rowForm(page, worklist, row, rows[index + 1], options))}
          </ol>`
    }
    ${countsSection(t, worklist.counts)}`;
}

export function renderWorklistPage(page: Page, worklist: Worklist, options: WorklistOptions): Html {
  const t = page.request.t;
  const body = html`<h1>${t('case_tracking.worklist_title')}</h1>
    ${worklistBody(page, worklist, options)}`;
  return renderPage({ ...page, title: t('case_tracking.worklist_title'), body, console: true });
}

// ---------------------------------------------------------------------------------------------------------
// The release form and the case's releases

export interface ReleaseFormState {
  values: Partial<Record<ReleaseField, string>>;
  errors: Partial<Record<ReleaseField, FieldError>>;
}

const invalid = (id: string, error: unknown): Html | string =>
  error ? html` aria-invalid="true" aria-describedby="${id}-error"` : '';

export function releaseForm(
  t: Translator,
  input: { caseId: string; csrfToken: string; directory: Facility[]; today: string; returnTo: string },
  form: ReleaseFormState,
): Html {
  const { values, errors } = form;
  const field = (name: ReleaseField) => `r-${name}`;
  const chosen = (values.facility_id ?? '').toLowerCase();
  const radio = (name: ReleaseField, value: string, label: string) =>
    html`<label><input type="radio" name="${name}" value="${value}"${values[name] === value ? html` checked` : ''} /> ${label}</label>`;
  return html`<form method="post" action="/console/cases/${input.caseId}/release" class="field-form" novalidate>
    ${csrfField(input.csrfToken)}
    <input type="hidden" name="return_to" value="${input.returnTo}" />
    <label for="${field('released_on')}">${t('case_tracking.release_on')}</label>
    ${fieldError(t, field('released_on'), errors.released_on)}
    <input type="date" id="${field('released_on')}" name="released_on" max="${input.today}"
      value="${values.released_on ?? input.today}"${invalid(field('released_on'), errors.released_on)} />
    <label for="${field('facility_id')}">${t('case_tracking.release_from')}</label>
    ${fieldError(t, field('facility_id'), errors.facility_id)}
    <select id="${field('facility_id')}" name="facility_id"${invalid(field('facility_id'), errors.facility_id)}>
      <option value="">${t('case_tracking.facility_choose_none')}</option>
      ${input.directory.map(
        (facility) =>
          html`<option value="${facility.id}"${chosen === facility.id ? html` selected` : ''}>${facility.name}</option>`,
      )}
    </select>
    <label for="${field('facility_name')}">${t('case_tracking.release_place')}</label>
    ${fieldError(t, field('facility_name'), errors.facility_name)}
    <input type="text" id="${field('facility_name')}" name="facility_name" value="${values.facility_name ?? ''}"${invalid(field('facility_name'), errors.facility_name)} />
    <fieldset>
      <legend>${t('case_tracking.release_how')}</legend>
      ${fieldError(t, field('how'), errors.how)}
      ${RELEASE_KINDS.map((kind) => html`<p>${radio('how', kind, t(`case_tracking.release_how_${kind}` as MessageKey))}</p>`)}
    </fieldset>
    <fieldset>
      <legend>${t('case_tracking.release_ankle_monitor')}</legend>
      ${fieldError(t, field('ankle_monitor'), errors.ankle_monitor)}
      <p>${radio('ankle_monitor', 'yes', t('case_tracking.release_yes'))}</p>
      <p>${radio('ankle_monitor', 'no', t('case_tracking.release_no'))}</p>
    </fieldset>
    <fieldset>
      <legend>${t('case_tracking.release_checkin')}</legend>
      <p class="hint">${t('case_tracking.release_checkin_hint')}</p>
      <label for="${field('checkin_date')}">${t('case_tracking.release_checkin_date')}</label>
      ${fieldError(t, field('checkin_date'), errors.checkin_date)}
      <input type="date" id="${field('checkin_date')}" name="checkin_date" value="${values.checkin_date ?? ''}"${invalid(field('checkin_date'), errors.checkin_date)} />
      <label for="${field('checkin_time')}">${t('case_tracking.release_checkin_time')}</label>
      ${fieldError(t, field('checkin_time'), errors.checkin_time)}
      <input type="time" id="${field('checkin_time')}" name="checkin_time" value="${values.checkin_time ?? ''}"${invalid(field('checkin_time'), errors.checkin_time)} />
    </fieldset>
    <label for="${field('conditions')}">${t('case_tracking.release_conditions')}</label>
    ${fieldError(t, field('conditions'), errors.conditions)}
    <textarea id="${field('conditions')}" name="conditions" rows="3"${invalid(field('conditions'), errors.conditions)}>${values.conditions ?? ''}</textarea>
    <button type="submit" class="button">${t('case_tracking.release_save')}</button>
  </form>`;
}

export function releasesList(
  t: Translator,
  lang: Page['request']['lang'],
  timeZone: string,
  releases: readonly { id: string; record: ReleaseRecord }[],
): Html | string {
  if (releases.length === 0) return '';
  return html`<dl class="summary-list" id="case-releases">
    ${releases.map(
      (release) => html`<div>
        <dt>${t('case_tracking.release_line', { on: formatDay(release.record.releasedOn, lang), place: release.record.place })}</dt>
        <dd>
          ${[
            t(`case_tracking.release_how_${release.record.how}` as MessageKey),
            release.record.ankleMonitor ? t('case_tracking.release_with_monitor') : '',
            release.record.checkInAt
              ? t('case_tracking.release_checkin_on', {
                  when: formatTime(new Date(release.record.checkInAt), lang, timeZone),
                })
              : '',
            release.record.conditions,
          ]
            .filter(Boolean)
            .join(' · ')}
        </dd>
      </div>`,
    )}
  </dl>`;
}
