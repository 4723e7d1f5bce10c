// HTML for the facility directory: the list with the add and import forms, a facility's edit page, and the
// report of a CSV import (what was added or updated, and each row left out with its line and why).
import type { Facility } from '../../db/schema.ts';
import { html, type Html } from '../../http/html.ts';
import { fieldError } from '../../http/form.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import type { FacilityImportReport } from './facilities.service.ts';
import {
  FACILITY_FIELDS,
  FACILITY_LIMITS,
  MAX_CSV_BYTES,
  type FacilityField,
  type FacilityFormErrors,
  type FacilityFormValues,
} from './facilities.schemas.ts';
import { csrfField, multiline, noticeBlock, type Notice, type Page } from './tracking.html.ts';

const FIELD_LABELS: Record<FacilityField, MessageKey> = {
  name: 'case_tracking.facility_name',
  operator: 'case_tracking.facility_operator',
  address: 'case_tracking.facility_address',
  phone: 'case_tracking.facility_phone',
  visiting_notes: 'case_tracking.facility_visiting_notes',
  deposit_notes: 'case_tracking.facility_deposit_notes',
};

const MULTILINE_FIELDS: ReadonlySet<FacilityField> = new Set(['address', 'visiting_notes', 'deposit_notes']);

export interface FacilityFormState {
  values: FacilityFormValues;
  errors: FacilityFormErrors;
  csrfToken: string;
}

function facilityFields(t: Translator, idPrefix: string, state: FacilityFormState): Html {
  const { values, errors } = state;
  return html`${FACILITY_FIELDS.map((field) => {
    const id = `${idPrefix}${field}`;
    const invalid = errors[field] ? html` aria-invalid="true" aria-describedby="${id}-error"` : '';
    const value = errors[field]?.key === 'case_tracking.error_unreadable' ? '' : (values[field] ?? '');
    return html`<label for="${id}">${t(FIELD_LABELS[field])}${field === 'name' ? ' *' : ''}</label>
      ${fieldError(t, id, errors[field])}
      ${
        MULTILINE_FIELDS.has(field)
          ? html`<textarea id="${id}" name="${field}" rows="3" maxlength="${FACILITY_LIMITS[field]}"${invalid}>
${value}</textarea
            >`
          : html`<input type="text" id="${id}" name="${field}" maxlength="${FACILITY_LIMITS[field]}"
              value="${value}"${field === 'name' ? html` required` : ''}${invalid} />`
      }`;
  })}`;
}

function importReport(t: Translator, report: FacilityImportReport | undefined): Html | string {
  if (!report) return '';
  if (!report.ok) {
    return html`<div class="notice error" role="alert" id="import-report">
      <p>${t('case_tracking.import_failed')}</p>
      <p>${t(report.error.key, report.error.params)}</p>
    </div>`;
  }
  return html`<div class="notice ${report.problems.length > 0 ? 'error' : 'ok'}" role="status" id="import-report">
    <p>${t('case_tracking.import_done', { added: report.added, updated: report.updated })}</p>
    ${
      report.ignoredColumns.length > 0
        ? html`<p>${t('case_tracking.import_ignored_columns', { columns: report.ignoredColumns.join(', ') })}</p>`
        : ''
    }
    ${
      report.problems.length > 0
        ? html`<p>${t('case_tracking.import_problems', { count: report.problems.length })}</p>
            <ul id="import-problems">
              ${report.problems.map(
                (problem) =>
                  html`<li data-line="${problem.line}">
                    ${t('case_tracking.import_line', { line: problem.line })}
                    ${t(problem.error.key, problem.error.params)}
                  </li>`,
              )}
            </ul>`
        : ''
    }
  </div>`;
}

export interface FacilityListState {
  facilities: Facility[];
  form: FacilityFormState;
  notice?: Notice;
  importReport?: FacilityImportReport;
}

export function renderFacilityList(page: Page, state: FacilityListState): Html {
  const t = page.request.t;
  const hasErrors = Object.keys(state.form.errors).length > 0;
  const body = html`<h1>${t('case_tracking.facilities_title')}</h1>
    <p>${t('case_tracking.facilities_intro')}</p>
    ${noticeBlock(state.notice)} ${importReport(t, state.importReport)}
    ${
      state.facilities.length === 0
        ? html`<p id="no-facilities">${t('case_tracking.facilities_empty')}</p>`
        : html`<div class="table-scroll">
            <table id="facilities">
              <thead>
                <tr>
                  <th>${t('case_tracking.facility_name')}</th>
                  <th>${t('case_tracking.facility_operator')}</th>
                  <th>${t('case_tracking.facility_address')}</th>
                  <th>${t('case_tracking.facility_phone')}</th>
                </tr>
              </thead>
              <tbody>
                ${state.facilities.map(
                  (facility) =>
                    html`<tr data-id="${facility.id}">
                      <td><a href="/console/facilities/${facility.id}">${facility.name}</a></td>
                      <td>${facility.operator}</td>
                      <td>${multiline(facility.address)}</td>
                      <td>${facility.phone}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
    <h2 id="add">${t('case_tracking.facility_add')}</h2>
    ${hasErrors ? html`<p class="notice error" role="alert">${t('case_tracking.form_errors')}</p>` : ''}
    <form method="post" action="/console/facilities" class="field-form" novalidate>
      ${csrfField(state.form.csrfToken)} ${facilityFields(t, 'new-', state.form)}
      <button type="submit">${t('case_tracking.facility_add_button')}</button>
    </form>
    <h2 id="import">${t('case_tracking.import_title')}</h2>
    <p>${t('case_tracking.import_intro', { max: MAX_CSV_BYTES / 1024 })}</p>
    <p class="hint">${t('case_tracking.import_columns')}</p>
    <form method="post" action="/console/facilities/import" enctype="multipart/form-data" class="field-form">
      ${csrfField(state.form.csrfToken)}
      <label for="csv-file">${t('case_tracking.import_file')}</label>
      <input type="file" id="csv-file" name="file" accept=".csv,text/csv" required />
      <button type="submit">${t('case_tracking.import_button')}</button>
    </form>`;
  return renderPage({ ...page, title: t('case_tracking.facilities_title'), body, console: true });
}

export function renderFacilityEdit(page: Page, facility: Facility, form: FacilityFormState): Html {
  const t = page.request.t;
  const hasErrors = Object.keys(form.errors).length > 0;
  const body = html`<p><a href="/console/facilities">${t('case_tracking.facilities_back')}</a></p>
    <h1>${facility.name}</h1>
    ${hasErrors ? html`<p class="notice error" role="alert">${t('case_tracking.form_errors')}</p>` : ''}
    <form method="post" action="/console/facilities/${facility.id}" class="field-form" novalidate>
      ${csrfField(form.csrfToken)} ${facilityFields(t, '', form)}
      <button type="submit">${t('case_tracking.save')}</button>
    </form>
    <h2>${t('case_tracking.facility_delete_title')}</h2>
    <p>${t('case_tracking.facility_delete_intro')}</p>
    <form method="post" action="/console/facilities/${facility.id}/delete" class="inline-form">
      ${csrfField(form.csrfToken)}
      <button type="submit" class="danger">${t('case_tracking.facility_delete_button')}</button>
    </form>`;
  return renderPage({ ...page, title: facility.name, body, console: true });
}

export function facilityValues(facility: Facility): FacilityFormValues {
  return {
    name: facility.name,
    operator: facility.operator,
    address: facility.address,
    phone: facility.phone,
    visiting_notes: facility.visiting_notes,
    deposit_notes: facility.deposit_notes,
  };
}
