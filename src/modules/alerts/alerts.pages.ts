// HTML for the console's community alerts: the list, composing (from an incident, or know-your-rights on its
// own), an alert's page (the exact texts per language with their segments, the area and who would receive
// it, approval, cancelling, and delivery progress). Every form works without JavaScript; alerts-live.js only
// keeps the progress counts current.
import type { DistanceUnit } from '../../config/config.ts';
import { formatDistance, metersToUnit } from '../../geo/distance.ts';
import type { FormErrors } from '../../http/form.ts';
import type { FastifyRequest } from 'fastify';
import type { AlertKind, AlertStatus, DrawnArea, IncidentAgency, IncidentStatus } from '../../db/schema.ts';
import { zipCentroid, type Point } from '../../geo/geo.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { incidentStatusLabel, incidentTypeLabel } from '../incidents/incidents.pages.ts';
import { agencyLabel } from '../reports/reports.pages.ts';
import { formatTime } from '../../i18n/time.ts';
import { fieldError, type FieldError } from '../../http/form.ts';
import type { AlertListRow } from './alerts.service.ts';
import { formatAreas, MAX_AREA_LABEL_CHARS, MAX_RADIUS_METERS, MIN_RADIUS_METERS } from './alerts.schemas.ts';
import type { AlertDetail, AlertListEntry, ComposeView, ProgressSnapshot } from './alerts.service.ts';
import { languagesInOrder } from './alerts.service.ts';
import { ADVICE_OPTIONS, agentsKey, MAX_ALERT_SEGMENTS, WHAT_OPTIONS } from './alerts.templates.ts';

export interface Page {
  request: FastifyRequest;
  networkName: string;
  timeZone: string;
  /** Miles or kilometres (AMPARO_DISTANCE_UNIT): the radius is shown and typed in it. */
  distanceUnit: DistanceUnit;
}

const STYLESHEET = html`<link rel="stylesheet" href="/assets/alerts.css" />`;

export const alertKindLabel = (t: Translator, kind: AlertKind): string =>
  t(`alerts.kind_${kind}` as MessageKey);
export const alertStatusLabel = (t: Translator, status: AlertStatus): string =>
  t(`alerts.status_${status}` as MessageKey);
const whatLabel = (t: Translator, key: string, agency: IncidentAgency | undefined): string =>
  t(`alerts.what_${key}` as MessageKey, { agents: t(agentsKey(agency ?? null)) });
const adviceLabel = (t: Translator, key: string): string => t(`alerts.advice_${key}` as MessageKey);

function languageLabel(t: Translator, code: string): string {
  return code === 'en' || code === 'es' ? t(`alerts.language_${code}`) : code;
}

function statusBadge(t: Translator, status: AlertStatus, id?: string): Html {
  return html`<span class="status alert-status alert-status-${status}" ${id ? html`id="${id}"` : ''}
    >${alertStatusLabel(t, status)}</span
  >`;
}

function twoPersonWarning(t: Translator, off: boolean): Html | string {
  return off
    ? html`<p class="notice warning" role="alert" id="two-person-off">${t('alerts.two_person_off')}</p>`
    : '';
}

/** Why an incident cannot have a kind of alert, in words, with the incident's status. */
export function kindRuleMessage(t: Translator, kind: AlertKind, status: IncidentStatus | null): string {
  return t(`alerts.rule_${kind}` as MessageKey, { status: status ? incidentStatusLabel(t, status) : '' });
}

function problemNotice(t: Translator, message: FieldError | undefined): Html | string {
  return message
    ? html`<p class="notice error" role="alert" id="alert-problem">${t(message.key, message.params)}</p>`
    : '';
}

// ---- the list ----------------------------------------------------------------------------------------------

function alertRow(page: Page, row: AlertListRow & { composedByName?: string }): Html {
  const { t, lang } = page.request;
  return html`<tr data-id="${row.id}">
    <td><a href="/console/alerts/${row.id}">${row.reference}</a></td>
    <td>${alertKindLabel(t, row.kind)}</td>
    <td>
      ${
        row.incident_id && row.incident_reference
          ? html`<a href="/console/incidents/${row.incident_id}">${row.incident_reference}</a>`
          : html`<span class="hint">${t('alerts.no_incident')}</span>`
      }
    </td>
    <td>${row.area_label || t('alerts.area_network')}</td>
    <td>${statusBadge(t, row.status)}</td>
    <td>${row.composedByName ?? ''} · ${formatTime(row.composed_at, lang, page.timeZone)}</td>
    <td>${row.recipients ?? '—'}</td>
  </tr>`;
}

function alertTable(
  page: Page,
  rows: readonly (AlertListRow & { composedByName?: string })[],
  id: string,
): Html {
  const t = page.request.t;
  return html`<div class="table-scroll">
    <table class="alerts" id="${id}">
      <thead>
        <tr>
          <th>${t('alerts.col_reference')}</th>
          <th>${t('alerts.col_kind')}</th>
          <th>${t('alerts.col_incident')}</th>
          <th>${t('alerts.col_area')}</th>
          <th>${t('alerts.col_status')}</th>
          <th>${t('alerts.col_composed')}</th>
          <th>${t('alerts.col_recipients')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map((row) => alertRow(page, row))}
      </tbody>
    </table>
  </div>`;
}

export function renderAlertList(page: Page, entries: readonly AlertListEntry[], twoPersonOff: boolean): Html {
  const t = page.request.t;
  const drafts = entries.filter((entry) => entry.status === 'draft');
  const others = entries.filter((entry) => entry.status !== 'draft');
  const body = html`${STYLESHEET}
    <h1>${t('alerts.list_title')}</h1>
    ${twoPersonWarning(t, twoPersonOff)}
    <p class="hint">${t('alerts.list_intro')}</p>
    <p><a class="button" href="/console/alerts/new">${t('alerts.compose_kyr')}</a></p>
    <h2>${t('alerts.waiting_heading', { count: drafts.length })}</h2>
    ${
      drafts.length === 0
        ? html`<p id="no-drafts">${t('alerts.waiting_none')}</p>`
        : alertTable(page, drafts, 'draft-alerts')
    }
    <h2>${t('alerts.recent_heading')}</h2>
    ${
      others.length === 0
        ? html`<p id="no-alerts">${t('alerts.recent_none')}</p>`
        : alertTable(page, others, 'recent-alerts')
    }`;
  return renderPage({ ...page, title: t('alerts.list_title'), body, console: true });
}

// ---- composing ---------------------------------------------------------------------------------------------

export interface ComposeState {
  view: ComposeView;
  csrfToken: string;
  twoPersonOff: boolean;
  values?: Record<string, string>;
  errors?: FormErrors<string>;
  message?: FieldError;
}

function wordingFields(
  t: Translator,
  kind: AlertKind,
  agency: IncidentAgency | undefined,
  values: { what: string; advice: string; area_label: string },
  errors: FormErrors<string>,
  idPrefix: string,
): Html {
  const whatOptions = WHAT_OPTIONS[kind] as readonly string[];
  const adviceOptions = ADVICE_OPTIONS[kind] as readonly string[];
  return html`<input type="hidden" name="kind" value="${kind}" />
    ${
      whatOptions.length > 0
        ? html`<label for="${idPrefix}-what">${t('alerts.field_what')}</label>
          <span class="hint">${t('alerts.field_what_hint')}</span>
          ${fieldError(t, `${idPrefix}-what`, errors.what)}
          <select id="${idPrefix}-what" name="what" required>
            ${whatOptions.map(
              (key) =>
                html`<option value="${key}" ${key === values.what ? html`selected` : ''}>${whatLabel(t, key, agency)}</option>`,
            )}
          </select>
          <label for="${idPrefix}-area">${t('alerts.field_area')}</label>
          <span class="hint">${t('alerts.field_area_hint')}</span>
          ${fieldError(t, `${idPrefix}-area`, errors.area_label)}
          <input
            id="${idPrefix}-area"
            name="area_label"
            value="${values.area_label}"
            maxlength="${MAX_AREA_LABEL_CHARS}"
            required
            autocomplete="off"
          />`
        : ''
    }
    <label for="${idPrefix}-advice">${t('alerts.field_advice')}</label>
    ${fieldError(t, `${idPrefix}-advice`, errors.advice)}
    <select id="${idPrefix}-advice" name="advice" required>
      ${adviceOptions.map(
        (key) =>
          html`<option value="${key}" ${key === values.advice ? html`selected` : ''}>${adviceLabel(t, key)}</option>`,
      )}
    </select>`;
}

export function renderComposePage(page: Page, state: ComposeState): Html {
  const t = page.request.t;
  const { view } = state;
  const incident = view.incident;
  const kind = view.kind;
  const action = incident ? `/console/incidents/${incident.id}/alerts` : '/console/alerts';
  const values = {
    what: state.values?.what ?? view.defaults.what,
    advice: state.values?.advice ?? view.defaults.advice,
    area_label: state.values?.area_label ?? view.defaults.areaLabel,
  };
  const title = incident ? t('alerts.compose_title') : t('alerts.compose_kyr_title');
  const body = html`${STYLESHEET}
    <p>
      ${
        incident
          ? html`<a href="/console/incidents/${incident.id}"
            >${t('alerts.back_to_incident', { reference: incident.reference })}</a
          >`
          : html`<a href="/console/alerts">${t('alerts.back_to_list')}</a>`
      }
    </p>
    <h1>${title}</h1>
    ${twoPersonWarning(t, state.twoPersonOff)}
    <p class="hint">${t('alerts.compose_intro')}</p>
    ${
      incident
        ? html`<p id="compose-incident">
          ${t('alerts.incident_line', {
            reference: incident.reference,
            type: incidentTypeLabel(t, incident.type),
            agency: agencyLabel(t, incident.agency),
            zip: incident.zip ?? '—',
          })}
          <span class="status incident-status status-${incident.status}">${incidentStatusLabel(t, incident.status)}</span>
        </p>`
        : ''
    }
    ${problemNotice(t, state.message)}
    ${
      state.errors && Object.keys(state.errors).length > 0
        ? html`<p class="notice error" role="alert">${t('alerts.form_problem')}</p>`
        : ''
    }
    ${
      kind === undefined
        ? html`<p class="notice error" id="no-alert-kinds">
          ${
            view.simulatedOnly
              ? t('alerts.error_simulated_only')
              : t('alerts.no_kinds', { status: incident ? incidentStatusLabel(t, incident.status) : '' })
          }
        </p>`
        : html`${
            view.kinds.length > 1
              ? html`<nav class="kind-choice" aria-label="${t('alerts.field_kind')}">
                ${t('alerts.field_kind')}:
                ${view.kinds.map((option) =>
                  option === kind
                    ? html`<strong aria-current="true">${alertKindLabel(t, option)}</strong>`
                    : html`<a href="?kind=${option}">${alertKindLabel(t, option)}</a>`,
                )}
              </nav>`
              : html`<p>${t('alerts.field_kind')}: <strong>${alertKindLabel(t, kind)}</strong></p>`
          }
          <p class="hint">${t(`alerts.kind_hint_${kind}` as MessageKey)}</p>
          <form method="post" action="${action}" id="compose-form" class="alert-form">
            <input type="hidden" name="_csrf" value="${state.csrfToken}" />
            ${wordingFields(t, kind, incident?.agency, values, state.errors ?? {}, 'compose')}
            <button type="submit">${t('alerts.compose_submit')}</button>
          </form>`
    }
    ${
      view.earlier.length > 0
        ? html`<h2>${t('alerts.earlier_heading')}</h2>
          ${alertTable(page, view.earlier, 'earlier-alerts')}`
        : ''
    }`;
  return renderPage({ ...page, title, body, console: true });
}

// ---- one alert ---------------------------------------------------------------------------------------------

export type DetailForm = 'edit' | 'targeting' | 'approve' | 'cancel';

export interface DetailState {
  csrfToken: string;
  canTarget: boolean;
  twoPersonOff: boolean;
  renderedAt: Date;
  notice?: MessageKey;
  problem?: {
    form: DetailForm;
    errors: FormErrors<string>;
    values: Record<string, string>;
    message?: FieldError;
  };
}

function previewSection(request: FastifyRequest, detail: AlertDetail): Html {
  const t = request.t;
  return html`<section aria-labelledby="preview-heading" id="alert-preview">
    <h2 id="preview-heading">${t('alerts.preview_heading')}</h2>
    <p class="hint">${t('alerts.preview_hint')}</p>
    ${detail.previews.map(
      (
        preview,
      ) => html`<article class="sms-preview" data-language="${preview.language}" lang="${preview.language}">
        <h3>${languageLabel(t, preview.language)}</h3>
        <p class="sms-text user-text">${preview.text}</p>
        <p class="sms-meta" lang="${request.lang}">
          ${t('alerts.preview_meta', {
            characters: preview.characters,
            segments: preview.segments,
            encoding: preview.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2',
          })}
        </p>
        ${
          preview.tooLong
            ? html`<p class="notice warning segment-warning">
              ${t('alerts.preview_too_long', { segments: preview.segments, max: MAX_ALERT_SEGMENTS })}
            </p>`
            : ''
        }
        ${preview.encoding === 'ucs2' ? html`<p class="hint">${t('alerts.preview_ucs2')}</p>` : ''}
      </article>`,
    )}
  </section>`;
}

function recipientsSection(t: Translator, detail: AlertDetail): Html {
  const counts = detail.recipientsByLanguage;
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  return html`<section aria-labelledby="recipients-heading" id="alert-recipients">
    <h2 id="recipients-heading">${t('alerts.recipients_heading')}</h2>
    <table class="recipients">
      <thead>
        <tr>
          <th>${t('alerts.col_language')}</th>
          <th>${t('alerts.col_recipients')}</th>
        </tr>
      </thead>
      <tbody>
        ${languagesInOrder(counts).map(
          (language) => html`<tr data-language="${language}">
            <td>${languageLabel(t, language)}</td>
            <td class="count">${counts[language] ?? 0}</td>
          </tr>`,
        )}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">${t('alerts.total')}</th>
          <td class="count" id="recipients-total">${total}</td>
        </tr>
      </tfoot>
    </table>
    <p class="hint">${t('alerts.recipients_hint')}</p>
    ${
      detail.recipientsBlockedByProvider > 0
        ? html`<p class="notice" id="recipients-blocked">
          ${t('alerts.recipients_blocked', { count: String(detail.recipientsBlockedByProvider) })}
        </p>`
        : ''
    }
    ${total === 0 ? html`<p class="notice error">${t('alerts.recipients_none')}</p>` : ''}
  </section>`;
}

// The area preview: ZIP code centres, the radius and drawn areas on a plain plane (no tiles, no script).
const MAP_WIDTH = 480;
const MAP_HEIGHT = 320;
const MAP_PADDING = 24;

function areaMap(t: Translator, detail: AlertDetail, centre: Point | undefined): Html | string {
  const zips = detail.targets.zips
    .map((zip) => ({ zip, point: zipCentroid(zip) }))
    .filter((entry): entry is { zip: string; point: Point } => entry.point !== undefined);
  const metersPerDegree = 111_195;
  const radius = centre && detail.radiusMeters ? detail.radiusMeters : 0;
  const points: Point[] = [
    ...zips.map((entry) => entry.point),
    ...detail.drawnAreas.flat().map(([lat, lon]) => ({ lat, lon })),
  ];
  if (centre) {
    const dLat = radius / metersPerDegree;
    const dLon = radius / (metersPerDegree * Math.cos((centre.lat * Math.PI) / 180));
    points.push(
      { lat: centre.lat + dLat, lon: centre.lon + dLon },
      { lat: centre.lat - dLat, lon: centre.lon - dLon },
    );
  }
  if (points.length === 0 || zips.length > 400) return '';
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const minLat = Math.min(...lats);
  const maxLat = Math.max(...lats);
  const minLon = Math.min(...lons);
  const maxLon = Math.max(...lons);
  const midLat = ((minLat + maxLat) / 2) * (Math.PI / 180);
  const spanX = Math.max((maxLon - minLon) * Math.cos(midLat), 0.01);
  const spanY = Math.max(maxLat - minLat, 0.01);
  const scale = Math.min((MAP_WIDTH - 2 * MAP_PADDING) / spanX, (MAP_HEIGHT - 2 * MAP_PADDING) / spanY);
  const x = (p: Point) => (MAP_PADDING + (p.lon - minLon) * Math.cos(midLat) * scale).toFixed(1);
  const y = (p: Point) => (MAP_HEIGHT - MAP_PADDING - (p.lat - minLat) * scale).toFixed(1);
  const ring = (area: DrawnArea) =>
    area.map(([lat, lon]) => `${x({ lat, lon })},${y({ lat, lon })}`).join(' ');
  return html`<svg
    class="alert-map"
    viewBox="0 0 ${MAP_WIDTH} ${MAP_HEIGHT}"
    role="img"
    aria-label="${t('alerts.map_label', { count: zips.length })}"
  >
    ${
      centre && radius > 0
        ? html`<circle
          cx="${x(centre)}"
          cy="${y(centre)}"
          r="${((radius / metersPerDegree) * scale).toFixed(1)}"
          fill="#b3141b"
          fill-opacity="0.08"
          stroke="#b3141b"
          stroke-dasharray="4 3"
        />`
        : ''
    }
    ${detail.drawnAreas.map(
      (area) => html`<polygon points="${ring(area)}" fill="#1f5fbf" fill-opacity="0.12" stroke="#1f5fbf" />`,
    )}
    ${zips.map(
      (entry) => html`<g>
        <title>${entry.zip}</title>
        <circle cx="${x(entry.point)}" cy="${y(entry.point)}" r="4" fill="#222" />
        <text x="${x(entry.point)}" y="${y(entry.point)}" dx="6" dy="-6" font-size="11">${entry.zip}</text>
      </g>`,
    )}
  </svg>`;
}

function targetingSection(page: Page, detail: AlertDetail, state: DetailState): Html {
  const { t, lang } = page.request;
  const unit = page.distanceUnit;
  const distance = (meters: number): string => formatDistance(meters, unit, lang);
  const isDraft = detail.status === 'draft';
  const mine = state.problem?.form === 'targeting' ? state.problem : undefined;
  const list = (zips: readonly string[]) =>
    zips.length === 0 ? html`<span class="hint">${t('alerts.none')}</span>` : zips.join(', ');
  const values = mine?.values ?? {
    radius:
      detail.radiusMeters === null
        ? ''
        : String(Math.round(metersToUnit(detail.radiusMeters, unit) * 100) / 100),
    add_zips: detail.addedZips.join(' '),
    remove_zips: detail.removedZips.join(' '),
    areas: formatAreas(detail.drawnAreas),
  };
  return html`<section aria-labelledby="targeting-heading" id="alert-targeting">
    <h2 id="targeting-heading">${t('alerts.targeting_heading')}</h2>
    ${detail.targets.networkWide ? html`<p class="notice">${t('alerts.network_wide')}</p>` : ''}
    <table class="report-detail">
      ${
        detail.radiusMeters !== null
          ? html`<tr>
            <th scope="row">${t('alerts.radius')}</th>
            <td id="alert-radius">${distance(detail.radiusMeters)}</td>
          </tr>`
          : ''
      }
      <tr>
        <th scope="row">${t('alerts.target_zips', { count: detail.targets.zips.length })}</th>
        <td id="target-zips">${list(detail.targets.zips)}</td>
      </tr>
      <tr>
        <th scope="row">${t('alerts.added_zips')}</th>
        <td>${list(detail.addedZips)}</td>
      </tr>
      <tr>
        <th scope="row">${t('alerts.removed_zips')}</th>
        <td>${list(detail.removedZips)}</td>
      </tr>
      <tr>
        <th scope="row">${t('alerts.drawn_areas')}</th>
        <td>${detail.drawnAreas.length}</td>
      </tr>
    </table>
    ${isDraft ? areaMap(t, detail, detail.centre) : ''}
    ${
      !isDraft
        ? ''
        : state.canTarget
          ? html`<details ${mine ? html`open` : ''} id="targeting-details">
            <summary>${t('alerts.targeting_change')}</summary>
            ${problemNotice(t, mine?.message)}
            <form method="post" action="/console/alerts/${detail.id}/targeting" id="targeting-form" class="alert-form">
              <input type="hidden" name="_csrf" value="${state.csrfToken}" />
              ${
                detail.radiusMeters !== null
                  ? html`<label for="targeting-radius">${t(unit === 'mi' ? 'alerts.field_radius_mi' : 'alerts.field_radius_km')}</label>
                    ${fieldError(t, 'targeting-radius', mine?.errors.radius)}
                    <input
                      id="targeting-radius"
                      name="radius"
                      inputmode="decimal"
                      value="${values.radius}"
                      aria-describedby="targeting-radius-hint"
                    />
                    <span class="hint" id="targeting-radius-hint"
                      >${t('alerts.field_radius_hint', { min: distance(MIN_RADIUS_METERS), max: distance(MAX_RADIUS_METERS) })}</span
                    >`
                  : html`<input type="hidden" name="radius" value="${String(Math.ceil(metersToUnit(MIN_RADIUS_METERS, unit) * 100) / 100)}" />`
              }
              <label for="targeting-add">${t('alerts.field_add_zips')}</label>
              ${fieldError(t, 'targeting-add', mine?.errors.add_zips)}
              <input id="targeting-add" name="add_zips" value="${values.add_zips}" autocomplete="off" />
              <label for="targeting-remove">${t('alerts.field_remove_zips')}</label>
              ${fieldError(t, 'targeting-remove', mine?.errors.remove_zips)}
              <input id="targeting-remove" name="remove_zips" value="${values.remove_zips}" autocomplete="off" />
              <label for="targeting-areas">${t('alerts.field_areas')}</label>
              <span class="hint">${t('alerts.field_areas_hint')}</span>
              ${fieldError(t, 'targeting-areas', mine?.errors.areas)}
              <textarea id="targeting-areas" name="areas" rows="3">
${values.areas ?? ''}</textarea
              >
              <button type="submit" class="secondary">${t('alerts.targeting_submit')}</button>
            </form>
          </details>`
          : html`<p class="hint" id="targeting-coordinators">${t('alerts.targeting_coordinators')}</p>`
    }
  </section>`;
}

function approveSection(t: Translator, detail: AlertDetail, state: DetailState): Html {
  const mine = state.problem?.form === 'approve' ? state.problem : undefined;
  const total = Object.values(detail.recipientsByLanguage).reduce((sum, count) => sum + count, 0);
  return html`<section aria-labelledby="approve-heading" id="alert-approve">
    <h2 id="approve-heading">${t('alerts.approve_heading')}</h2>
    ${problemNotice(t, mine?.message)}
    ${
      detail.incidentProblem
        ? html`<p class="notice error">
          ${
            detail.incidentProblem === 'merged'
              ? t('alerts.error_incident_merged')
              : kindRuleMessage(t, detail.kind, detail.incidentProblem)
          }
        </p>`
        : ''
    }
    ${
      detail.viewerIsComposer
        ? html`<p class="notice" id="own-alert">${t('alerts.own_alert_hint')}</p>`
        : html`<p class="hint">${t('alerts.approve_hint')}</p>
          <form method="post" action="/console/alerts/${detail.id}/approve" id="approve-form">
            <input type="hidden" name="_csrf" value="${state.csrfToken}" />
            <input type="hidden" name="seen" value="${detail.fingerprint}" />
            <button type="submit">${t('alerts.approve_submit', { count: total })}</button>
          </form>`
    }
  </section>`;
}

function editSection(t: Translator, detail: AlertDetail, state: DetailState): Html {
  const mine = state.problem?.form === 'edit' ? state.problem : undefined;
  const values = {
    what: mine?.values.what ?? detail.whatKey ?? '',
    advice: mine?.values.advice ?? detail.adviceKey ?? '',
    area_label: mine?.values.area_label ?? detail.areaLabel,
  };
  return html`<section aria-labelledby="edit-heading" id="alert-edit">
    <details ${mine ? html`open` : ''}>
      <summary id="edit-heading">${t('alerts.edit_heading')}</summary>
      <p class="hint">${t('alerts.edit_hint')}</p>
      ${problemNotice(t, mine?.message)}
      <form method="post" action="/console/alerts/${detail.id}/edit" id="edit-form" class="alert-form">
        <input type="hidden" name="_csrf" value="${state.csrfToken}" />
        ${wordingFields(t, detail.kind, detail.incident?.agency, values, mine?.errors ?? {}, 'edit')}
        <button type="submit" class="secondary">${t('alerts.edit_submit')}</button>
      </form>
    </details>
  </section>`;
}

function cancelSection(t: Translator, detail: AlertDetail, state: DetailState): Html {
  return html`<section aria-labelledby="cancel-heading" id="alert-cancel">
    <h2 id="cancel-heading">${t('alerts.cancel_heading')}</h2>
    <form method="post" action="/console/alerts/${detail.id}/cancel" id="cancel-form">
      <input type="hidden" name="_csrf" value="${state.csrfToken}" />
      <button type="submit" class="danger">${t('alerts.cancel_submit')}</button>
    </form>
  </section>`;
}

const PROGRESS_FIELDS = ['queued', 'sending', 'sent', 'delivered', 'failed', 'undeliverable'] as const;

function progressSection(page: Page, detail: AlertDetail, renderedAt: Date): Html {
  const t = page.request.t;
  const progress = detail.progress;
  return html`<section aria-labelledby="progress-heading">
    <h2 id="progress-heading">${t('alerts.progress_heading')}</h2>
    <p class="list-tools">
      <a href="/console/alerts/${detail.id}" id="progress-refresh">${t('alerts.refresh')}</a>
      <span
        class="live-indicator"
        id="live-indicator"
        hidden
        data-live="${t('alerts.live')}"
        data-lost="${t('alerts.live_lost')}"
      ></span>
    </p>
    <table
      class="progress"
      id="alert-progress"
      data-events="/console/alerts/${detail.id}/events?since=${renderedAt.getTime()}"
    >
      <tbody>
        ${PROGRESS_FIELDS.map(
          (field) => html`<tr>
            <th scope="row">${t(`alerts.progress_${field}` as MessageKey)}</th>
            <td class="count" data-count="${field}">${progress[field]}</td>
          </tr>`,
        )}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">${t('alerts.total')}</th>
          <td class="count" data-count="total">${progress.total}</td>
        </tr>
      </tfoot>
    </table>
    <p class="hint">${t('alerts.progress_hint')}</p>
  </section>`;
}

/** What the live page receives: counts, the status in the viewer's words, and whether sending is over. */
export function presentProgress(
  t: Translator,
  progress: ProgressSnapshot,
): Record<string, string | number | boolean> {
  return {
    ...progress,
    statusLabel: alertStatusLabel(t, progress.status),
    done: progress.status === 'sent' && progress.queued === 0 && progress.sending === 0,
  };
}

export function renderAlertDetail(page: Page, detail: AlertDetail, state: DetailState): Html {
  const { t, lang } = page.request;
  const isDraft = detail.status === 'draft';
  const delivering = detail.status !== 'draft' && detail.status !== 'cancelled';
  const row = (label: MessageKey, value: Html | string, id?: string): Html =>
    html`<tr>
      <th scope="row">${t(label)}</th>
      <td ${id ? html`id="${id}"` : ''}>${value}</td>
    </tr>`;
  const title = t('alerts.detail_title', { reference: detail.reference });
  const body = html`${STYLESHEET}
    <p>
      <a href="/console/alerts">${t('alerts.back_to_list')}</a>
      ${
        detail.incident
          ? html` ·
            <a href="/console/incidents/${detail.incident.id}"
              >${t('alerts.back_to_incident', { reference: detail.incident.reference })}</a
            >`
          : ''
      }
    </p>
    <h1>${title}</h1>
    ${twoPersonWarning(t, state.twoPersonOff)}
    ${state.notice ? html`<p class="notice ok" role="status" id="alert-notice">${t(state.notice)}</p>` : ''}
    ${isDraft ? '' : problemNotice(t, state.problem?.message)}
    <table class="report-detail">
      ${row('alerts.col_status', statusBadge(t, detail.status, 'alert-status'))}
      ${row('alerts.col_kind', alertKindLabel(t, detail.kind))}
      ${row(
        'alerts.col_incident',
        detail.incident
          ? html`<a href="/console/incidents/${detail.incident.id}">${detail.incident.reference}</a> ·
              ${incidentStatusLabel(t, detail.incident.status)}`
          : html`<span class="hint">${t('alerts.no_incident')}</span>`,
      )}
      ${detail.kind !== 'know_your_rights' ? row('alerts.col_area', detail.areaLabel) : ''}
      ${row('alerts.col_composed', html`${detail.composedBy.name} · ${formatTime(detail.composedAt, lang, page.timeZone)}`, 'alert-composer')}
      ${
        detail.approvedBy
          ? row(
              'alerts.col_approved',
              html`${detail.approvedBy.name} · ${formatTime(detail.approvedBy.at, lang, page.timeZone)}`,
              'alert-approver',
            )
          : ''
      }
      ${
        detail.cancelledBy
          ? row(
              'alerts.col_cancelled',
              html`${detail.cancelledBy.name} · ${formatTime(detail.cancelledBy.at, lang, page.timeZone)}`,
            )
          : ''
      }
      ${detail.recipients !== null ? row('alerts.col_recipients', String(detail.recipients)) : ''}
    </table>
    ${delivering ? progressSection(page, detail, state.renderedAt) : ''}
    ${previewSection(page.request, detail)} ${isDraft ? recipientsSection(t, detail) : ''}
    ${targetingSection(page, detail, state)}
    ${isDraft ? html`${approveSection(t, detail, state)} ${editSection(t, detail, state)} ${cancelSection(t, detail, state)}` : ''}`;
  return renderPage({
    ...page,
    title,
    body,
    console: true,
    ...(delivering ? { scripts: ['/assets/alerts-live.js'] } : {}),
  });
}
