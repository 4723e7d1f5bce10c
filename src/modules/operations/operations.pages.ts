// The operations pages: the list, the new-operation form, and an operation's page, which leads with the
// dependents still without a caregiver. Every value is interpolated through html``, which escapes it.
import type { FastifyRequest } from 'fastify';
import { DEPENDENT_NEEDS, INCIDENT_AGENCIES, type DependentNeed } from '../../db/schema.ts';
import { csrfField, fieldError, formErrorSummary, errorSummary, type FormErrors } from '../../http/form.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { formatTime } from '../../i18n/time.ts';
import { agencyLabel } from '../reports/reports.pages.ts';
import { OPERATION_MEASURES, type MeasureCounts, type OperationMeasure } from './operations.counts.ts';
import type { OperationListRow } from './operations.repository.ts';
import {
  OPERATION_FIELDS,
  type CaregiverField,
  type DependentField,
  type OperationField,
  type SiteLineError,
} from './operations.schemas.ts';
import type { DependentView, IncidentChoice, OperationView, TeamChoice } from './operations.service.ts';

export interface Page {
  request: FastifyRequest;
  networkName: string;
  timeZone: string;
  now: Date;
}

const needLabel = (t: Translator, need: DependentNeed): string => t(`operations.need_${need}` as MessageKey);
export const measureLabel = (t: Translator, measure: OperationMeasure): string =>
  t(`operations.measure_${measure}` as MessageKey);

function invalid(problem: unknown): Html | string {
  return problem ? html` aria-invalid="true"` : '';
}

export function renderOperationList(page: Page, rows: readonly OperationListRow[], mayOpen: boolean): Html {
  const { request } = page;
  const t = request.t;
  const body = html`<h1>${t('operations.list_title')}</h1>
    <p>${t('operations.list_intro')}</p>
    ${mayOpen ? html`<p><a class="button" href="/console/operations/new">${t('operations.new_link')}</a></p>` : ''}
    ${
      rows.length === 0
        ? html`<p class="empty" id="operations-empty">${t('operations.empty')}</p>`
        : html`<ul class="task-list" id="operations">
            ${rows.map(
              (row) =>
                html`<li>
                  <span
                    ><a href="/console/operations/${row.id}">${row.name}</a><br /><span class="hint"
                      >${formatTime(row.raid_at, request.lang, page.timeZone)} ·
                      ${t('operations.sites_count', { count: row.sites })}</span
                    ></span
                  >
                  <span>
                    ${
                      row.waiting > 0
                        ? html`<span class="pill bad">${t('operations.waiting_count', { count: row.waiting })}</span>`
                        : ''
                    }
                    <span class="pill ${row.closed_at ? '' : 'ok'}"
                      >${row.closed_at ? t('operations.status_closed') : t('operations.status_open')}</span
                    >
                  </span>
                </li>`,
            )}
          </ul>`
    }`;
  return renderPage({ ...page, title: t('operations.list_title'), body, console: true });
}

export interface NewOperationForm {
  csrfToken: string;
  incidents: readonly IncidentChoice[];
  teams: readonly TeamChoice[];
  values: Record<string, string>;
  errors: FormErrors<OperationField>;
  siteErrors: readonly SiteLineError[];
}

function ticked(values: Record<string, string>, name: string, value: string): Html | string {
  return (values[name] ?? '').split(',').includes(value) ? html` checked` : '';
}

export function renderNewOperation(page: Page, form: NewOperationForm): Html {
  const t = page.request.t;
  const { values, errors } = form;
  const value = (name: string) => values[name] ?? '';
  // Every faulty line of the sites box is named in the summary, each leading to the box.
  const summaryFields = OPERATION_FIELDS.filter((field) => field !== 'sites');
  const summary =
    form.siteErrors.length > 0
      ? errorSummary(t, [
          ...summaryFields.flatMap((field) => {
            const problem = errors[field];
            return problem ? [{ id: field, text: t(problem.key, problem.params) }] : [];
          }),
          ...form.siteErrors.map((problem) => ({ id: 'sites', text: t(problem.key, problem.params) })),
        ])
      : formErrorSummary(t, OPERATION_FIELDS, errors);
  const body = html`<h1>${t('operations.new_title')}</h1>
    ${summary}
    <form method="post" action="/console/operations" novalidate>
      ${csrfField(form.csrfToken)}
      <label for="name">${t('operations.field_name')}</label>
      ${fieldError(t, 'name', errors.name)}
      <input type="text" id="name" name="name" value="${value('name')}" maxlength="200"${invalid(errors.name)}
        ${errors.name ? html` aria-describedby="name-error"` : ''} />
      <label for="raid_date">${t('operations.field_date')}
        <span class="hint">${t('operations.field_date_hint')}</span></label>
      ${fieldError(t, 'raid_date', errors.raid_date)}
      <input type="date" id="raid_date" name="raid_date" value="${value('raid_date')}"${invalid(errors.raid_date)} />
      <label for="raid_time">${t('operations.field_time')}</label>
      ${fieldError(t, 'raid_time', errors.raid_time)}
      <input type="time" id="raid_time" name="raid_time" value="${value('raid_time')}"${invalid(errors.raid_time)} />
      <fieldset>
        <legend>${t('operations.field_agencies')}</legend>
        ${INCIDENT_AGENCIES.map(
          (agency) =>
            html`<label
              ><input type="checkbox" name="agencies" value="${agency}"${ticked(values, 'agencies', agency)} />
              ${agencyLabel(t, agency)}</label
            >`,
        )}
      </fieldset>
      <label for="sites">${t('operations.field_sites')}
        <span class="hint">${t('operations.field_sites_hint')}</span></label>
      ${
        form.siteErrors.length > 0
          ? html`<ul class="field-error" id="sites-error">
            ${form.siteErrors.map((problem) => html`<li>${t(problem.key, problem.params)}</li>`)}
          </ul>`
          : fieldError(t, 'sites', errors.sites)
      }
      <textarea id="sites" name="sites" rows="5"${invalid(errors.sites)}
        ${errors.sites ? html` aria-describedby="sites-error"` : ''}>${value('sites')}</textarea>
      <fieldset>
        <legend>${t('operations.field_incidents')}</legend>
        <span class="hint">${t('operations.field_incidents_hint')}</span>
        ${
          form.incidents.length === 0
            ? html`<p class="empty">${t('operations.no_incidents')}</p>`
            : form.incidents.map(
                (incident) =>
                  html`<label
                  ><input type="checkbox" name="incidents" value="${incident.id}"${ticked(
                    values,
                    'incidents',
                    incident.id,
                  )} />
                  ${incident.reference}${incident.zip ? html` · ${incident.zip}` : ''}</label
                >`,
              )
        }
      </fieldset>
      <fieldset>
        <legend>${t('operations.field_teams')}</legend>
        <span class="hint">${t('operations.field_teams_hint')}</span>
        ${
          form.teams.length === 0
            ? html`<p class="empty">${t('operations.no_teams')}</p>`
            : form.teams.map(
                (team) =>
                  html`<label
                  ><input type="checkbox" name="teams" value="${team.id}"${ticked(values, 'teams', team.id)} />
                  ${team.name}</label
                >`,
              )
        }
      </fieldset>
      <button type="submit">${t('operations.submit_open')}</button>
    </form>`;
  return renderPage({ ...page, title: t('operations.new_title'), body, console: true });
}

function sinceRaid(t: Translator, raidAt: Date, now: Date): string {
  const hours = Math.max(0, Math.floor((now.getTime() - raidAt.getTime()) / 3_600_000));
  return hours < 48
    ? t('operations.since_raid_hours', { count: hours })
    : t('operations.since_raid_days', { count: Math.floor(hours / 24) });
}

export interface OperationPageForms {
  csrfToken: string;
  mayManage: boolean;
  /** A caregiver form sent back with its problems. */
  caregiver?: { dependentId: string; values: Record<string, string>; errors: FormErrors<CaregiverField> };
  dependent?: { values: Record<string, string>; errors: FormErrors<DependentField> };
}

function caregiverForm(
  t: Translator,
  view: OperationView,
  dependent: DependentView,
  forms: OperationPageForms,
): Html {
  const sent = forms.caregiver?.dependentId === dependent.id ? forms.caregiver : undefined;
  const errors = sent?.errors ?? {};
  const prefix = `cg-${dependent.id}`;
  return html`<form
    method="post"
    action="/console/operations/${view.operation.id}/dependents/${dependent.id}/caregiver"
    class="caregiver-form"
  >
    ${csrfField(forms.csrfToken)}
    <label for="${prefix}-name">${t('operations.caregiver_name')}</label>
    ${fieldError(t, `${prefix}-name`, errors.caregiver_name)}
    <input type="text" id="${prefix}-name" name="caregiver_name" maxlength="200"
      value="${sent?.values.caregiver_name ?? ''}"${invalid(errors.caregiver_name)} />
    <label for="${prefix}-relationship">${t('operations.caregiver_relationship')}</label>
    ${fieldError(t, `${prefix}-relationship`, errors.caregiver_relationship)}
    <input type="text" id="${prefix}-relationship" name="caregiver_relationship" maxlength="200"
      value="${sent?.values.caregiver_relationship ?? ''}"${invalid(errors.caregiver_relationship)} />
    <button type="submit">${t('operations.record_caregiver')}</button>
  </form>`;
}

function waitingSection(page: Page, view: OperationView, forms: OperationPageForms): Html {
  const t = page.request.t;
  const waiting = view.dependents.filter((d) => d.caregiver === null);
  const heading = html`<h2 id="waiting-title">${t('operations.waiting_title')}</h2>`;
  if (view.access === 'summary') {
    return html`<section aria-labelledby="waiting-title" id="waiting">
      ${heading}
      <p>${t('operations.waiting_count', { count: view.waiting })}</p>
      <p class="hint">${t('operations.waiting_details_hidden')}</p>
    </section>`;
  }
  return html`<section aria-labelledby="waiting-title" id="waiting">
    ${heading}
    ${
      waiting.length === 0
        ? html`<p class="empty" id="waiting-empty">${t('operations.waiting_none')}</p>`
        : html`<p><strong>${t('operations.waiting_count', { count: waiting.length })}</strong></p>
          <ul class="task-list urgent" id="waiting-list">
            ${waiting.map(
              (dependent) =>
                html`<li data-dependent="${dependent.id}">
                  <div>
                    <span class="pill bad">${needLabel(t, dependent.need)}</span>
                    <strong>${sinceRaid(t, view.operation.raid_at, page.now)}</strong>
                    ${
                      dependent.fromFamilyText
                        ? html`<p class="hint">${t('operations.dependent_from_family_text')}</p>`
                        : ''
                    }
                    <p class="user-text">${dependent.description}</p>
                    <p class="hint">
                      ${dependent.siteName ? html`${dependent.siteName} · ` : ''}${t(
                        'operations.recorded_at',
                        {
                          time: formatTime(dependent.createdAt, page.request.lang, page.timeZone),
                        },
                      )}
                    </p>
                    ${caregiverForm(t, view, dependent, forms)}
                  </div>
                </li>`,
            )}
          </ul>`
    }
  </section>`;
}

function confirmedSection(page: Page, view: OperationView): Html | string {
  const t = page.request.t;
  const confirmed = view.dependents.filter((d) => d.caregiver !== null);
  if (confirmed.length === 0) return '';
  return html`<details id="confirmed">
    <summary>${t('operations.confirmed_title', { count: confirmed.length })}</summary>
    <ul class="task-list">
      ${confirmed.map(
        (dependent) =>
          html`<li>
            <span class="user-text">${dependent.description}</span>
            <span
              >${t('operations.confirmed_entry', {
                name: dependent.caregiver!.name,
                relationship: dependent.caregiver!.relationship,
                time: formatTime(dependent.caregiver!.confirmedAt, page.request.lang, page.timeZone),
              })}</span
            >
          </li>`,
      )}
    </ul>
  </details>`;
}

function addDependentForm(page: Page, view: OperationView, forms: OperationPageForms): Html | string {
  if (view.access !== 'full') return '';
  const t = page.request.t;
  const sent = forms.dependent;
  const errors = sent?.errors ?? {};
  const values = sent?.values ?? {};
  return html`<details id="add-dependent"${sent ? html` open` : ''}>
    <summary>${t('operations.add_dependent_title')}</summary>
    <form method="post" action="/console/operations/${view.operation.id}/dependents">
      ${csrfField(forms.csrfToken)}
      <label for="need">${t('operations.field_need')}</label>
      ${fieldError(t, 'need', errors.need)}
      <select id="need" name="need"${invalid(errors.need)}>
        ${DEPENDENT_NEEDS.map(
          (need) =>
            html`<option value="${need}"${values.need === need ? html` selected` : ''}>${needLabel(t, need)}</option>`,
        )}
      </select>
      <label for="description">${t('operations.field_description')}
        <span class="hint">${t('operations.field_description_hint')}</span></label>
      ${fieldError(t, 'description', errors.description)}
      <textarea id="description" name="description" rows="3"${invalid(errors.description)}>${
        values.description ?? ''
      }</textarea>
      ${
        view.sites.length > 0
          ? html`<label for="site">${t('operations.field_site')}</label>
            <select id="site" name="site">
              <option value="">${t('operations.site_unknown')}</option>
              ${view.sites.map(
                (site) =>
                  html`<option value="${site.id}"${values.site === site.id ? html` selected` : ''}>
                    ${site.name} (${site.zip})
                  </option>`,
              )}
            </select>`
          : ''
      }
      <button type="submit">${t('operations.add_dependent')}</button>
    </form>
  </details>`;
}

function countsTable(
  t: Translator,
  id: string,
  caption: string,
  firstColumn: string,
  rows: readonly { label: string; counts: MeasureCounts }[],
): Html {
  return html`<table id="${id}">
    <caption>${caption}</caption>
    <thead>
      <tr>
        <th scope="col">${firstColumn}</th>
        ${OPERATION_MEASURES.map((m) => html`<th scope="col">${measureLabel(t, m)}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (row) =>
          html`<tr>
            <th scope="row">${row.label}</th>
            ${OPERATION_MEASURES.map((m) => html`<td>${row.counts[m]}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

const CHART_COLORS = ['#5b2a86', '#b3261e', '#1b6e3a', '#9a5b00', '#0b5cad', '#6b6b6b', '#000000', '#c2185b'];

/**
 * The counts over the days after the raid, drawn on the server as an SVG (no script, no library). Only the
 * measures with something to show are drawn; the table after it holds the same numbers for screen readers.
 */
export function renderChart(
  t: Translator,
  byDay: readonly { day: string; counts: MeasureCounts }[],
): Html | string {
  const measures = OPERATION_MEASURES.filter((m) => byDay.some((d) => d.counts[m] > 0));
  if (byDay.length === 0 || measures.length === 0) {
    return html`<p class="empty" id="chart-empty">${t('operations.chart_empty')}</p>`;
  }
  const width = 600;
  const height = 240;
  const left = 40;
  const bottom = 30;
  const top = 10;
  const right = 10;
  const max = Math.max(1, ...byDay.flatMap((d) => measures.map((m) => d.counts[m])));
  const x = (i: number) =>
    left + (byDay.length === 1 ? 0 : (i * (width - left - right)) / (byDay.length - 1));
  const y = (v: number) => top + (height - top - bottom) * (1 - v / max);
  const lines = measures.map((measure) => {
    const color = CHART_COLORS[OPERATION_MEASURES.indexOf(measure)]!;
    const points = byDay.map((d, i) => `${x(i).toFixed(1)},${y(d.counts[measure]).toFixed(1)}`).join(' ');
    return html`<polyline fill="none" stroke="${color}" stroke-width="2.5" points="${points}" />
      ${byDay.map(
        (d, i) =>
          html`<circle cx="${x(i).toFixed(1)}" cy="${y(d.counts[measure]).toFixed(1)}" r="3" fill="${color}" />`,
      )}`;
  });
  const labelEvery = Math.max(1, Math.ceil(byDay.length / 8));
  return html`<figure class="operation-chart" id="chart">
    <svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="chart-caption" focusable="false">
      <line x1="${left}" y1="${y(0)}" x2="${width - right}" y2="${y(0)}" stroke="#7d7585" />
      <line x1="${left}" y1="${top}" x2="${left}" y2="${y(0)}" stroke="#7d7585" />
      <text x="${left - 6}" y="${y(max) + 4}" text-anchor="end" font-size="12">${max}</text>
      <text x="${left - 6}" y="${y(0) + 4}" text-anchor="end" font-size="12">0</text>
      ${byDay.map((_, i) =>
        i % labelEvery === 0
          ? html`<text x="${x(i).toFixed(1)}" y="${height - 10}" text-anchor="middle" font-size="12">
              ${t('operations.day_n', { n: i })}
            </text>`
          : '',
      )}
      ${lines}
    </svg>
    <figcaption id="chart-caption">
      ${t('operations.chart_title')}
      <ul class="chart-legend">
        ${measures.map(
          (m) =>
            html`<li>
              <svg width="14" height="14" aria-hidden="true" focusable="false">
                <rect width="14" height="14" fill="${CHART_COLORS[OPERATION_MEASURES.indexOf(m)]}" />
              </svg>
              ${measureLabel(t, m)}
            </li>`,
        )}
      </ul>
    </figcaption>
  </figure>`;
}

function numbersSection(page: Page, view: OperationView): Html {
  const t = page.request.t;
  const { numbers } = view;
  const siteName = new Map(view.sites.map((site) => [site.id, `${site.name} (${site.zip})`]));
  const base = `/console/operations/${view.operation.id}/export`;
  return html`<section aria-labelledby="numbers-title" id="numbers">
    <h2 id="numbers-title">${t('operations.numbers_title')}</h2>
    <p><a href="/console/operations/${view.operation.id}/worklist" id="worklist-link">${t('operations.worklist_link')}</a></p>
    <dl class="summary-list" id="totals">
      ${OPERATION_MEASURES.map(
        (m) => html`<div>
          <dt>${measureLabel(t, m)}</dt>
          <dd>${numbers.totals[m]}</dd>
        </div>`,
      )}
    </dl>
    ${renderChart(t, numbers.byDay)}
    ${countsTable(
      t,
      'by-day',
      t('operations.by_day'),
      t('operations.col_day'),
      numbers.byDay.map((d, i) => ({
        label: `${t('operations.day_n', { n: i })} · ${d.day}`,
        counts: d.counts,
      })),
    )}
    ${countsTable(
      t,
      'by-site',
      t('operations.by_site'),
      t('operations.col_site'),
      view.sites.map((site) => ({
        label: siteName.get(site.id)!,
        counts: numbers.bySite.get(site.id) ?? emptyRow(),
      })),
    )}
    ${
      numbers.byFacility.size > 0
        ? countsTable(
            t,
            'by-facility',
            t('operations.by_facility'),
            t('operations.col_facility'),
            [...numbers.byFacility].map(([facility, counts]) => ({ label: facility, counts })),
          )
        : ''
    }
    <p>${t('operations.export_hint')}</p>
    <p>
      <a class="button secondary" href="${base}.csv">${t('operations.export_csv')}</a>
      <a class="button secondary" href="${base}.json">${t('operations.export_json')}</a>
    </p>
  </section>`;
}

function emptyRow(): MeasureCounts {
  return Object.fromEntries(OPERATION_MEASURES.map((m) => [m, 0])) as MeasureCounts;
}

export function renderOperation(page: Page, view: OperationView, forms: OperationPageForms): Html {
  const { request } = page;
  const t = request.t;
  const op = view.operation;
  const errorItems = [
    ...Object.entries(forms.caregiver?.errors ?? {}).map(([field, problem]) => ({
      id: `cg-${forms.caregiver!.dependentId}-${field === 'caregiver_name' ? 'name' : 'relationship'}`,
      text: t(problem.key, problem.params),
    })),
    ...Object.entries(forms.dependent?.errors ?? {}).map(([field, problem]) => ({
      id: field,
      text: t(problem.key, problem.params),
    })),
  ];
  const body = html`<p><a href="/console/operations">${t('operations.back_to_list')}</a></p>
    <h1>${op.name}</h1>
    ${errorSummary(t, errorItems)}
    <p>
      <span class="pill ${op.closed_at ? '' : 'ok'}"
        >${op.closed_at ? t('operations.status_closed') : t('operations.status_open')}</span
      >
      ${t('operations.raid_at', { time: formatTime(op.raid_at, request.lang, page.timeZone) })} ·
      ${sinceRaid(t, op.raid_at, page.now)}
    </p>
    ${waitingSection(page, view, forms)} ${addDependentForm(page, view, forms)} ${confirmedSection(page, view)}
    <section aria-labelledby="about-title">
      <h2 id="about-title">${t('operations.about_title')}</h2>
      <dl class="summary-list">
        <div>
          <dt>${t('operations.field_agencies')}</dt>
          <dd>${op.agencies.length > 0 ? op.agencies.map((a) => agencyLabel(t, a)).join(', ') : t('operations.none')}</dd>
        </div>
        <div>
          <dt>${t('operations.sites_title')}</dt>
          <dd>
            <ul id="sites">
              ${view.sites.map((site) => html`<li>${site.name} · ${site.zip}</li>`)}
            </ul>
          </dd>
        </div>
        <div>
          <dt>${t('operations.incidents_title')}</dt>
          <dd>
            ${
              view.incidents.length === 0
                ? t('operations.none')
                : html`<ul id="incidents">
                  ${view.incidents.map(
                    (incident) =>
                      html`<li>
                        <a href="/console/incidents/${incident.id}">${incident.reference}</a>${
                          incident.zip ? html` · ${incident.zip}` : ''
                        }
                      </li>`,
                  )}
                </ul>`
            }
          </dd>
        </div>
        <div>
          <dt>${t('operations.teams_title')}</dt>
          <dd>
            ${
              view.teams.length === 0
                ? t('operations.no_teams_assigned')
                : html`<ul id="teams">
                  ${view.teams.map((team) => html`<li>${team.name}</li>`)}
                </ul>`
            }
          </dd>
        </div>
      </dl>
    </section>
    ${numbersSection(page, view)}
    ${
      forms.mayManage
        ? html`<form method="post" action="/console/operations/${op.id}/${op.closed_at ? 'reopen' : 'close'}">
          ${csrfField(forms.csrfToken)}
          <p class="hint">${op.closed_at ? t('operations.reopen_hint') : t('operations.close_hint')}</p>
          <button type="submit" class="secondary">
            ${op.closed_at ? t('operations.reopen') : t('operations.close')}
          </button>
        </form>`
        : ''
    }`;
  return renderPage({ ...page, title: op.name, body, console: true });
}
