// HTML for the incident board, an incident's page and the page where a report is grouped. Everything typed
// by a person (summaries, reasons) is interpolated through html``, which escapes it. Every form works
// without JavaScript; incidents-live.js only keeps the board current.
import type { FormErrors } from '../../http/form.ts';
import type { FastifyRequest } from 'fastify';
import type { Language } from '../../config/config.ts';
import {
  INCIDENT_AGENCIES,
  INCIDENT_TYPES,
  type IncidentAgency,
  type IncidentStatus,
  type IncidentType,
  type ReportActivity,
} from '../../db/schema.ts';
import { formatPoint } from '../../geo/geo.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { activityLabel, agencyLabel, shownStatus, simulatedTag } from '../reports/reports.pages.ts';
import { formatTime } from '../../i18n/time.ts';
import { fieldError, type FieldError } from '../../http/form.ts';
import { renderIncidentPageParts } from './incidents.page-parts.ts';
import { TRANSITIONS } from './incidents.lifecycle.ts';
import {
  frameKey,
  framePosition,
  isInsideFrame,
  markerPoint,
  renderMap,
  STATUS_COLOURS,
  MAP_SCRIPTS,
  MAP_STYLESHEET,
  MAP_TILES_ROUTE,
  tileOrigin,
  zipGroups,
  type MapFrame,
} from './incidents.map.ts';
import type { GroupableReport } from '../reports/reports.queries.ts';
import type { BoardRow } from './incidents.repository.ts';
import {
  boardQueryString,
  MAX_PLACE_NAME_CHARS,
  MAX_REASON_CHARS,
  MAX_SUMMARY_CHARS,
  STATUS_FILTERS,
  TIME_FILTERS,
  type BoardQuery,
} from './incidents.schemas.ts';
import type {
  BoardView,
  GroupingView,
  IncidentDetail,
  IncidentSuggestion,
  TimelineItem,
  TriageEntry,
} from './incidents.service.ts';

interface Page {
  request: FastifyRequest;
  networkName: string;
  timeZone: string;
}

type ReportRow = Omit<GroupableReport, 'location_ciphertext'>;

export const incidentStatusLabel = (t: Translator, status: IncidentStatus): string =>
  t(`incidents.status_${status}` as MessageKey);
export const incidentTypeLabel = (t: Translator, type: IncidentType): string =>
  t(`incidents.type_${type}` as MessageKey);
const incidentAgencyLabel = (t: Translator, agency: IncidentAgency): string => agencyLabel(t, agency);

const STYLESHEET = html`<link rel="stylesheet" href="/assets/incidents.css" />`;
const MAP_STYLES = html`<link rel="stylesheet" href="${MAP_STYLESHEET}" />`;

function options<T extends string>(all: readonly T[], selected: string, label: (value: T) => string): Html[] {
  return all.map(
    (value) =>
      html`<option value="${value}" ${value === selected ? html`selected` : ''}>${label(value)}</option>`,
  );
}

function statusBadge(t: Translator, status: IncidentStatus): Html {
  return html`<span class="status incident-status status-${status}">${incidentStatusLabel(t, status)}</span>`;
}

/** How a suggestion is described: how far, or that only the ZIP code matched. */
function suggestionNearness(t: Translator, suggestion: IncidentSuggestion): string {
  return suggestion.distanceMeters !== null
    ? t('incidents.distance_m', { meters: suggestion.distanceMeters })
    : t('incidents.same_zip');
}

// ---- the live board's rows, as the stream sends them -----------------------------------------------------

/** An incident as the live board receives it: labels in the reader's language, nothing sensitive. */
export interface LiveIncident {
  id: string;
  url: string;
  reference: string;
  status: IncidentStatus;
  statusLabel: string;
  colour: string;
  type: string;
  agency: string;
  zip: string;
  reports: number;
  /** "2 simulated" when the incident holds simulated reports (never counted in reports), else empty. */
  simulated: string;
  onWay: number;
  updated: string;
  /** True when the incident does not (or no longer) belongs on this board: merged, or filtered out. */
  hidden: boolean;
  /** The marker's place on this board's map, when it falls inside it. */
  x?: number;
  y?: number;
  /** Reports this incident holds: the board drops them from its triage queue. */
  groupedReports: string[];
}

export function presentIncident(
  row: BoardRow,
  t: Translator,
  lang: Language,
  timeZone: string,
  options: { frame: MapFrame | undefined; hidden: boolean; reportIds: string[] },
): LiveIncident {
  const point = markerPoint(row);
  const position = point && options.frame ? framePosition(options.frame, point) : undefined;
  return {
    id: row.id,
    url: `/console/incidents/${row.id}`,
    reference: row.reference,
    status: row.status,
    statusLabel: incidentStatusLabel(t, row.status),
    colour: STATUS_COLOURS[row.status],
    type: incidentTypeLabel(t, row.type),
    agency: incidentAgencyLabel(t, row.agency),
    zip: row.zip ?? '',
    reports: row.report_count,
    simulated: row.simulated_count > 0 ? t('incidents.simulated_count', { count: row.simulated_count }) : '',
    onWay: row.on_way_count,
    updated: formatTime(row.updated_at, lang, timeZone),
    hidden: options.hidden,
    ...(position && isInsideFrame(position) ? { x: position.x, y: position.y } : {}),
    groupedReports: options.reportIds,
  };
}

/** A triage-queue row as the live board receives it. */
export interface LiveTriageRow {
  id: string;
  url: string;
  reference: string;
  /** "Simulated" for a report made with the console's text simulator, else empty. */
  simulated: string;
  received: string;
  activity: string;
  zip: string;
  agency: string;
  groupUrl: string;
  groupLabel: string;
  suggestions: {
    reference: string;
    url: string;
    status: string;
    type: string;
    nearness: string;
    addUrl: string;
    addLabel: string;
  }[];
}

export function presentTriage(
  entry: TriageEntry,
  t: Translator,
  lang: Language,
  timeZone: string,
): LiveTriageRow {
  const { report } = entry;
  return {
    id: report.id,
    url: `/console/reports/${report.id}`,
    reference: report.reference,
    simulated: report.simulated ? t('console.simulated') : '',
    received: formatTime(report.created_at, lang, timeZone),
    activity: activityLabel(t, report.activity),
    zip: report.zip ?? '',
    agency: agencyLabel(t, report.agency),
    groupUrl: `/console/incidents/new?report=${report.id}`,
    groupLabel: t('incidents.group_report'),
    suggestions: entry.suggestions.map((suggestion) => ({
      reference: suggestion.reference,
      url: `/console/incidents/${suggestion.id}`,
      status: incidentStatusLabel(t, suggestion.status),
      type: incidentTypeLabel(t, suggestion.type),
      nearness: suggestionNearness(t, suggestion),
      addUrl: `/console/incidents/${suggestion.id}/reports`,
      addLabel: t('incidents.add_to', { reference: suggestion.reference }),
    })),
  };
}

// ---- forms shared by several pages -----------------------------------------------------------------------

function addReportForm(
  t: Translator,
  csrfToken: string,
  reportId: string,
  suggestion: Pick<IncidentSuggestion, 'id' | 'reference'>,
): Html {
  return html`<form method="post" action="/console/incidents/${suggestion.id}/reports" class="inline-form">
    <input type="hidden" name="_csrf" value="${csrfToken}" />
    <input type="hidden" name="report_id" value="${reportId}" />
    <button type="submit" class="secondary">${t('incidents.add_to', { reference: suggestion.reference })}</button>
  </form>`;
}

function suggestionList(
  t: Translator,
  csrfToken: string,
  reportId: string,
  suggestions: IncidentSuggestion[],
): Html {
  return html`<ul class="suggestions">
    ${suggestions.map(
      (suggestion) =>
        html`<li>
          <a href="/console/incidents/${suggestion.id}">${suggestion.reference}</a>
          ${statusBadge(t, suggestion.status)} ${incidentTypeLabel(t, suggestion.type)} ·
          ${suggestionNearness(t, suggestion)} ${addReportForm(t, csrfToken, reportId, suggestion)}
        </li>`,
    )}
  </ul>`;
}

// ---- the board --------------------------------------------------------------------------------------------

export interface BoardPageState {
  view: BoardView;
  filters: BoardQuery;
  zipError: boolean;
  csrfToken: string;
  renderedAt: Date;
  tileTemplate: string | undefined;
  /** True when the network's map file (AMPARO_MAP_PMTILES) is in place: the street map draws over the outline. */
  mapFile?: boolean;
}

/** What the street map's script needs for one marker: where, what colour, what it says, where it links. */
interface MapMarkerData {
  url: string;
  reference: string;
  label: string;
  colour: string;
  lat: number;
  lon: number;
}

function filterForm(t: Translator, filters: BoardQuery, zipError: boolean): Html {
  const statusOption = (value: (typeof STATUS_FILTERS)[number]): string =>
    value === 'open'
      ? t('incidents.filter_open')
      : value === 'all'
        ? t('incidents.filter_all')
        : incidentStatusLabel(t, value);
  return html`<form method="get" action="/console/incidents" class="board-filters">
    <label
      >${t('incidents.filter_status')}
      <select name="status">
        ${options(STATUS_FILTERS, filters.status, statusOption)}
      </select></label
    >
    <label
      >${t('incidents.field_type')}
      <select name="type">
        <option value="">${t('incidents.filter_any')}</option>
        ${options(INCIDENT_TYPES, filters.type, (v) => incidentTypeLabel(t, v))}
      </select></label
    >
    <label
      >${t('incidents.field_agency')}
      <select name="agency">
        <option value="">${t('incidents.filter_any')}</option>
        ${options(INCIDENT_AGENCIES, filters.agency, (v) => incidentAgencyLabel(t, v))}
      </select></label
    >
    <label
      >${t('incidents.field_zip')}
      <input
        type="text"
        name="zip"
        inputmode="numeric"
        maxlength="5"
        pattern="[0-9]{5}"
        value="${filters.zip}"
        ${zipError ? html`aria-invalid="true" aria-describedby="zip-error"` : ''}
      />${zipError ? fieldError(t, 'zip', { key: 'incidents.error_zip' }) : ''}</label
    >
    <label
      >${t('incidents.filter_time')}
      <select name="time">
        ${options(TIME_FILTERS, filters.time, (v) => t(`incidents.time_${v}` as MessageKey))}
      </select></label
    >
    <button type="submit">${t('incidents.filter_apply')}</button>
    <a href="/console/incidents">${t('incidents.filter_reset')}</a>
  </form>`;
}

function legend(t: Translator): Html {
  const shown: IncidentStatus[] = [
    'reported',
    'verifying',
    'confirmed',
    'active',
    'concluded',
    'false_alarm',
  ];
  return html`<ul class="map-legend" aria-label="${t('incidents.map_legend')}">
    ${shown.map(
      (status) =>
        html`<li>
          <svg viewBox="0 0 12 12" width="12" height="12" aria-hidden="true">
            <circle cx="6" cy="6" r="5" fill="${STATUS_COLOURS[status]}" />
          </svg>
          ${status === 'false_alarm' ? t('incidents.legend_settled') : incidentStatusLabel(t, status)}
        </li>`,
    )}
  </ul>`;
}

export function renderBoard(page: Page, state: BoardPageState): Html {
  const { request } = page;
  const { t, lang } = request;
  const { view, filters } = state;
  const query = boardQueryString(filters);
  const incidents = view.incidents.map((row) =>
    presentIncident(row, t, lang, page.timeZone, { frame: view.frame, hidden: false, reportIds: [] }),
  );
  const triage = view.triage.map((entry) => presentTriage(entry, t, lang, page.timeZone));
  const events = `/console/incidents/events?${new URLSearchParams({
    ...Object.fromEntries(new URLSearchParams(query)),
    since: String(state.renderedAt.getTime()),
    frame: frameKey(view.frame),
  }).toString()}`;
  const origin = tileOrigin(state.tileTemplate);
  // Without street tiles, incidents with a ZIP code are counted at its centre, labelled: one unlabelled dot
  // per incident says nothing at city zoom. Incidents without a ZIP code keep their own marker.
  const grouped = origin === undefined;
  const groups = grouped
    ? zipGroups(view.incidents, (zip, count) => ({
        url: `/console/incidents?${boardQueryString({ ...filters, zip })}`,
        label: t('incidents.map_zip_label', { zip, count }),
      }))
    : undefined;
  const markers = view.incidents.flatMap((row, i) => {
    const point = markerPoint(row);
    const live = incidents[i]!;
    return point
      ? [
          {
            id: row.id,
            url: live.url,
            label: `${live.reference} · ${live.statusLabel}`,
            status: row.status,
            point,
            zip: row.zip,
          },
        ]
      : [];
  });
  const markerData: MapMarkerData[] = markers.map((marker) => ({
    url: marker.url,
    reference: marker.label.split(' · ')[0]!,
    label: marker.label,
    colour: STATUS_COLOURS[marker.status],
    lat: Number(marker.point.lat.toFixed(4)),
    lon: Number(marker.point.lon.toFixed(4)),
  }));
  const outlineMap = renderMap({
    frame: view.frame,
    markers: grouped
      ? markers.filter((marker) => !marker.zip || !groups!.some((g) => g.zip === marker.zip))
      : markers,
    ...(groups ? { zipGroups: groups } : {}),
    tileTemplate: state.tileTemplate,
    title: t('incidents.map_title'),
  });
  const body = html`${STYLESHEET}${state.mapFile ? MAP_STYLES : ''}
    <h1>${t('incidents.board_title')}</h1>
    ${filterForm(t, filters, state.zipError)}
    <p class="list-tools">
      <a href="/console/incidents${query ? `?${query}` : ''}">${t('incidents.refresh')}</a>
      <span
        class="live-indicator"
        id="live-indicator"
        hidden
        data-live="${t('incidents.live')}"
        data-lost="${t('incidents.live_lost')}"
      ></span>
    </p>
    <div class="board" id="incident-board" data-events="${events}">
      <section class="board-map" aria-labelledby="map-heading">
        <h2 id="map-heading">${t('incidents.map_heading')}</h2>
        ${
          state.mapFile
            ? html`<div
                class="street-map"
                id="board-map"
                data-tiles="${MAP_TILES_ROUTE}"
                data-lang="${lang}"
                data-markers="${JSON.stringify(markerData)}"
                data-label="${t('incidents.map_title')}"
              >
                ${outlineMap}
              </div>`
            : outlineMap
        }
        ${legend(t)}
        <p class="hint">
          ${state.mapFile ? t('incidents.map_file_credit') : t('incidents.map_credit')}
          ${origin ? html` · ${t('incidents.map_tiles_credit', { host: new URL(origin).host })}` : ''}
        </p>
        ${state.mapFile || origin ? '' : html`<p class="hint map-setup">${t('incidents.map_setup_note')}</p>`}
      </section>
      <section class="board-list" aria-labelledby="incidents-heading">
        <h2 id="incidents-heading">${t('incidents.list_heading')}</h2>
        <div class="table-scroll" tabindex="0" role="group" aria-labelledby="incidents-heading">
          <table class="incidents">
            <thead>
              <tr>
                <th>${t('incidents.col_reference')}</th>
                <th>${t('incidents.col_status')}</th>
                <th>${t('incidents.field_type')}</th>
                <th>${t('incidents.field_agency')}</th>
                <th>${t('incidents.field_zip')}</th>
                <th>${t('incidents.col_reports')}</th>
                <th>${t('incidents.col_on_way')}</th>
                <th>${t('incidents.col_updated')}</th>
              </tr>
            </thead>
            <tbody id="incident-rows">
              ${incidents.map(
                (row, i) =>
                  html`<tr data-id="${row.id}" data-changed="${view.incidents[i]!.changed_at.getTime()}">
                    <td><a href="${row.url}">${row.reference}</a></td>
                    <td><span class="status incident-status status-${row.status}">${row.statusLabel}</span></td>
                    <td>${row.type}</td>
                    <td>${row.agency}</td>
                    <td>${row.zip}</td>
                    <td>${row.reports}${row.simulated ? html` <span class="tag simulated">${row.simulated}</span>` : ''}</td>
                    <td>${row.onWay}</td>
                    <td>${row.updated}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <p id="no-incidents" ${incidents.length > 0 ? html`hidden` : ''}>${t('incidents.none')}</p>
      </section>
    </div>
    <section aria-labelledby="triage-heading">
      <h2 id="triage-heading">${t('incidents.triage_heading')}</h2>
      <p class="hint">${t('incidents.triage_hint')}</p>
      <div class="table-scroll" tabindex="0" role="group" aria-labelledby="triage-heading">
        <table class="triage">
          <thead>
            <tr>
              <th>${t('console.col_reference')}</th>
              <th>${t('console.col_received')}</th>
              <th>${t('console.col_activity')}</th>
              <th>${t('console.col_zip')}</th>
              <th>${t('console.col_agency')}</th>
              <th>${t('incidents.col_suggestions')}</th>
              <th>${t('incidents.col_actions')}</th>
            </tr>
          </thead>
          <tbody id="triage-rows" data-csrf="${state.csrfToken}">
            ${triage.map(
              (row, i) =>
                html`<tr data-id="${row.id}">
                  <td><a href="${row.url}">${row.reference}</a> ${row.simulated ? simulatedTag(t) : ''}</td>
                  <td>${row.received}</td>
                  <td>${row.activity}</td>
                  <td>${row.zip}</td>
                  <td>${row.agency}</td>
                  <td>
                    ${
                      view.triage[i]!.suggestions.length > 0
                        ? suggestionList(t, state.csrfToken, row.id, view.triage[i]!.suggestions)
                        : ''
                    }
                  </td>
                  <td><a href="${row.groupUrl}">${row.groupLabel}</a></td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p id="no-triage" ${triage.length > 0 ? html`hidden` : ''}>${t('incidents.triage_none')}</p>
    </section>`;
  return renderPage({
    ...page,
    title: t('incidents.board_title'),
    body,
    console: true,
    scripts: ['/assets/incidents-live.js', ...(state.mapFile ? MAP_SCRIPTS : [])],
  });
}

// ---- one incident -----------------------------------------------------------------------------------------

/** Languages staff read about most, named the way a dispatcher would say them. */
const LANGUAGE_NAMES: Record<string, Record<Language, string>> = {
  en: { en: 'English', es: 'Inglés' },
  es: { en: 'Spanish', es: 'Español' },
};

/** A language's name in the reader's language ("Spanish", "Español"), never its code. */
export function languageName(code: string, reader: Language): string {
  const known = LANGUAGE_NAMES[code.toLowerCase()];
  if (known) return known[reader];
  try {
    const name = new Intl.DisplayNames([reader], { type: 'language', fallback: 'none' }).of(code);
    if (name) return name.charAt(0).toLocaleUpperCase(reader) + name.slice(1);
  } catch {
    // Not a language tag Intl knows: say so in words rather than show the code.
  }
  return reader === 'es' ? 'Otro idioma' : 'Another language';
}

export type DetailForm = 'status' | 'merge' | 'split' | 'place';

/** A form on the incident page that came back: which one, what was wrong, what was typed. */
export interface DetailProblem {
  form: DetailForm;
  errors: FormErrors<string>;
  values: Record<string, string>;
  /** A problem with the whole form rather than one field. */
  message?: FieldError;
}

function timelineText(t: Translator, item: TimelineItem): Html {
  const report = item.report
    ? html` <a href="/console/reports/${item.report.id}">${item.report.reference}</a>`
    : '';
  const related = item.related
    ? html` <a href="/console/incidents/${item.related.id}">${item.related.reference}</a>`
    : '';
  switch (item.kind) {
    case 'created':
      return html`${t('incidents.event_created')}${report}`;
    case 'report_linked':
      return html`${t('incidents.event_report_linked')}${report}`;
    case 'report_moved_out':
      return html`${t('incidents.event_report_moved_out')}${report} →${related}`;
    case 'status_changed':
      return html`${t('incidents.event_status_changed')}:
      ${item.fromStatus ? incidentStatusLabel(t, item.fromStatus) : ''} →
      ${item.toStatus ? incidentStatusLabel(t, item.toStatus) : ''}`;
    case 'merged_from':
      return html`${t('incidents.event_merged_from')}${related}`;
    case 'merged_into':
      return html`${t('incidents.event_merged_into')}${related}`;
    case 'split_from':
      return html`${t('incidents.event_split_from')}${related}`;
    case 'split_into':
      return html`${t('incidents.event_split_into')}${related}`;
    case 'dispatched':
      return html`${t('incidents.event_dispatched')}`;
    case 'verified':
      return html`${t('incidents.event_verified')}`;
    case 'dispatch_on_way':
      return html`${t('incidents.event_dispatch_on_way')}`;
    case 'dispatch_declined':
      return html`${t('incidents.event_dispatch_declined')}`;
    case 'dispatch_cancelled':
      return html`${t('incidents.event_dispatch_cancelled')}`;
    case 'dispatch_arrived':
      return html`${t('incidents.event_dispatch_arrived')}`;
    case 'alert_approved':
      return html`${t('alerts.event_alert_approved')}`;
    default:
      // Kinds other modules add (dispatch answers and the like) are shown by name until they get words.
      return html`${item.kind.replaceAll('_', ' ')}${report}${related}`;
  }
}

function dispatchSection(t: Translator, incident: IncidentDetail): Html {
  const counts = incident.dispatches.byStatus;
  const onTheWay = counts.on_way;
  // The crowd cap counts everyone going or already there, as the dispatch panel does.
  const covering = counts.on_way + counts.arrived;
  return html`<section aria-labelledby="dispatch-heading">
    <h2 id="dispatch-heading">${t('incidents.dispatch_heading')}</h2>
    <p>
      ${t('incidents.dispatch_summary', {
        on_way: onTheWay,
        sent: counts.sent,
        arrived: counts.arrived,
        declined: counts.declined,
      })}
    </p>
    ${
      covering >= incident.dispatches.crowdCap
        ? html`<p class="notice">${t('incidents.crowd_cap_reached', { count: covering, cap: incident.dispatches.crowdCap })}</p>`
        : ''
    }
    <p><a class="button" href="/console/incidents/${incident.id}/dispatch">${t('incidents.dispatch_link')}</a></p>
  </section>`;
}

function statusSection(
  t: Translator,
  incident: IncidentDetail,
  csrfToken: string,
  problem?: DetailProblem,
): Html {
  const mine = problem?.form === 'status' ? problem : undefined;
  const canBeConfirmed = TRANSITIONS[incident.status].includes('confirmed');
  return html`<section aria-labelledby="status-heading">
    <h2 id="status-heading">${t('incidents.status_heading')}</h2>
    <p>${statusBadge(t, incident.status)}</p>
    ${canBeConfirmed ? html`<p class="hint">${t('incidents.confirm_hint')}</p>` : ''}
    ${mine?.message ? html`<p class="notice error" role="alert">${t(mine.message.key, mine.message.params)}</p>` : ''}
    ${
      incident.nextStatuses.length === 0
        ? html`<p>${t('incidents.status_final')}</p>`
        : html`<form method="post" action="/console/incidents/${incident.id}/status" id="status-form">
          <input type="hidden" name="_csrf" value="${csrfToken}" />
          <label for="status-to">${t('incidents.status_to')}</label>
          ${fieldError(t, 'status-to', mine?.errors.to)}
          <select id="status-to" name="to" required>
            <option value="">${t('incidents.choose')}</option>
            ${options(incident.nextStatuses, mine?.values.to ?? '', (v) => incidentStatusLabel(t, v))}
          </select>
          <label for="status-reason"
            >${t('incidents.reason')} <span class="hint">${t('incidents.reason_hint')}</span></label
          >
          ${fieldError(t, 'status-reason', mine?.errors.reason)}
          <textarea id="status-reason" name="reason" rows="2" required maxlength="${MAX_REASON_CHARS}">
${mine?.values.reason ?? ''}</textarea
          >
          <button type="submit">${t('incidents.status_submit')}</button>
        </form>`
    }
  </section>`;
}

function reportsSection(
  page: Page,
  incident: IncidentDetail,
  csrfToken: string,
  problem?: DetailProblem,
): Html {
  const { t, lang } = page.request;
  const mine = problem?.form === 'split' ? problem : undefined;
  const channel = (value: ReportRow['channel']) => t(`console.channel_${value}` as MessageKey);
  return html`<section aria-labelledby="reports-heading">
    <h2 id="reports-heading">
      ${t('incidents.reports_heading', { count: incident.reports.filter((report) => !report.simulated).length })}
    </h2>
    <form method="post" action="/console/incidents/${incident.id}/split" id="split-form">
      <input type="hidden" name="_csrf" value="${csrfToken}" />
      ${mine?.message ? html`<p class="notice error" role="alert">${t(mine.message.key, mine.message.params)}</p>` : ''}
      ${fieldError(t, 'split-reports', mine?.errors.report_ids)}
      <div class="table-scroll" tabindex="0" role="group" aria-labelledby="reports-heading">
        <table class="incident-reports">
          <thead>
            <tr>
              <th><span class="visually-hidden">${t('incidents.split_choose')}</span></th>
              <th>${t('console.col_reference')}</th>
              <th>${t('console.col_received')}</th>
              <th>${t('console.channel')}</th>
              <th>${t('console.col_activity')}</th>
              <th>${t('console.col_zip')}</th>
              <th>${t('console.col_agency')}</th>
              <th>${t('console.col_status')}</th>
            </tr>
          </thead>
          <tbody>
            ${incident.reports.map(
              (report) =>
                html`<tr>
                  <td>
                    <input
                      type="checkbox"
                      name="report_ids"
                      value="${report.id}"
                      aria-label="${t('incidents.split_choose_report', { reference: report.reference })}"
                    />
                  </td>
                  <td>
                    <a href="/console/reports/${report.id}">${report.reference}</a>
                    ${report.simulated ? simulatedTag(t) : ''}
                  </td>
                  <td>${formatTime(report.created_at, lang, page.timeZone)}</td>
                  <td>${channel(report.channel)}</td>
                  <td>${activityLabel(t, report.activity)}</td>
                  <td>${report.zip ?? ''}</td>
                  <td>${agencyLabel(t, report.agency)}</td>
                  <td>
                    <span class="status">
                      ${shownStatus(t, report.status, { reference: incident.reference, status: incident.status })}
                    </span>
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${
        incident.reports.length === 0
          ? html`<p>${t('incidents.reports_none')}</p>`
          : html`<details ${mine ? html`open` : ''}>
            <summary>${t('incidents.split_heading')}</summary>
            <p class="hint">${t('incidents.split_hint')}</p>
            <label for="split-type">${t('incidents.field_type')}</label>
            ${fieldError(t, 'split-type', mine?.errors.type)}
            <select id="split-type" name="type">
              ${options(INCIDENT_TYPES, mine?.values.type ?? incident.type, (v) => incidentTypeLabel(t, v))}
            </select>
            <label for="split-agency">${t('incidents.field_agency')}</label>
            <select id="split-agency" name="agency">
              ${options(INCIDENT_AGENCIES, mine?.values.agency ?? incident.agency, (v) => incidentAgencyLabel(t, v))}
            </select>
            <label for="split-reason">${t('incidents.reason_optional')}</label>
            ${fieldError(t, 'split-reason', mine?.errors.reason)}
            <textarea id="split-reason" name="reason" rows="2" maxlength="${MAX_REASON_CHARS}">
${mine?.values.reason ?? ''}</textarea
            >
            <button type="submit" class="secondary">${t('incidents.split_submit')}</button>
          </details>`
      }
    </form>
  </section>`;
}

function mergeSection(
  t: Translator,
  incident: IncidentDetail,
  csrfToken: string,
  problem?: DetailProblem,
): Html {
  const mine = problem?.form === 'merge' ? problem : undefined;
  return html`<section aria-labelledby="merge-heading">
    <h2 id="merge-heading">${t('incidents.merge_heading')}</h2>
    <p class="hint">${t('incidents.merge_hint')}</p>
    ${mine?.message ? html`<p class="notice error" role="alert">${t(mine.message.key, mine.message.params)}</p>` : ''}
    ${
      incident.mergeTargets.length === 0
        ? html`<p>${t('incidents.merge_none')}</p>`
        : html`<form method="post" action="/console/incidents/${incident.id}/merge" id="merge-form">
          <input type="hidden" name="_csrf" value="${csrfToken}" />
          <label for="merge-target">${t('incidents.merge_target')}</label>
          ${fieldError(t, 'merge-target', mine?.errors.target)}
          <select id="merge-target" name="target" required>
            <option value="">${t('incidents.choose')}</option>
            ${incident.mergeTargets.map(
              (target) =>
                html`<option value="${target.id}" ${mine?.values.target === target.id ? html`selected` : ''}>
                  ${target.reference} · ${incidentTypeLabel(t, target.type)} · ${target.zip ?? '—'} ·
                  ${incidentStatusLabel(t, target.status)}
                </option>`,
            )}
          </select>
          <label for="merge-reason">${t('incidents.reason_optional')}</label>
          ${fieldError(t, 'merge-reason', mine?.errors.reason)}
          <textarea id="merge-reason" name="reason" rows="2" maxlength="${MAX_REASON_CHARS}">
${mine?.values.reason ?? ''}</textarea
          >
          <button type="submit" class="secondary">${t('incidents.merge_submit')}</button>
        </form>`
    }
  </section>`;
}

function timelineSection(page: Page, incident: IncidentDetail): Html {
  const { t, lang } = page.request;
  return html`<section aria-labelledby="timeline-heading">
    <h2 id="timeline-heading">${t('incidents.timeline_heading')}</h2>
    <ol class="timeline">
      ${incident.timeline.map(
        (item) =>
          html`<li>
            <time datetime="${item.at.toISOString()}">${formatTime(item.at, lang, page.timeZone)}</time> ·
            <span class="actor">${item.actor ?? t('incidents.actor_system')}</span> · ${timelineText(t, item)}
            ${
              item.note
                ? html`<br /><span class="hint">${t('incidents.reason_label')}:</span>
                  <span class="user-text">${item.note}</span>`
                : ''
            }
          </li>`,
      )}
    </ol>
  </section>`;
}

/**
 * Where the incident is: the place in words (what responders are texted) and the point. With JavaScript and a
 * map file, a click on the map fills the point; without, the dispatcher types it. Either way one form posts.
 */
function placeSection(
  page: Page & { mapFile?: boolean; sections?: Html },
  incident: IncidentDetail,
  csrfToken: string,
  problem?: DetailProblem,
): Html {
  const { t } = page.request;
  const mine = problem?.form === 'place' ? problem : undefined;
  const errors = mine?.errors ?? {};
  const values = mine?.values ?? {
    place_name: incident.placeName ?? '',
    point: incident.point ? formatPoint(incident.point) : '',
  };
  const invalid = (name: string): Html | string =>
    errors[name] ? html`aria-invalid="true" aria-describedby="${name}-error"` : '';
  return html`<section aria-labelledby="place-heading" class="incident-place">
    <h2 id="place-heading">${t('incidents.place_heading')}</h2>
    ${
      page.mapFile
        ? html`<div
            class="place-map"
            id="place-map"
            data-tiles="${MAP_TILES_ROUTE}"
            data-point="${incident.point ? formatPoint(incident.point) : ''}"
            data-status-colour="${STATUS_COLOURS[incident.status]}"
            data-lang="${page.request.lang}"
            role="region"
            aria-label="${t('incidents.place_map_label')}"
          ></div>
          <p class="hint">${t('incidents.place_map_hint')}</p>`
        : ''
    }
    <form method="post" action="/console/incidents/${incident.id}/place" id="place-form">
      <input type="hidden" name="_csrf" value="${csrfToken}" />
      <label for="place_name">${t('incidents.field_place_name')}
        <span class="hint">${t('incidents.place_name_hint')}</span></label>
      ${fieldError(t, 'place_name', errors.place_name)}
      <input type="text" id="place_name" name="place_name" value="${values.place_name ?? ''}"
        maxlength="${MAX_PLACE_NAME_CHARS}" autocomplete="off" ${invalid('place_name')} />
      <label for="point">${t('incidents.field_point')}
        <span class="hint">${t('incidents.point_words_hint')}</span></label>
      ${fieldError(t, 'point', errors.point)}
      <input type="text" id="point" name="point" value="${values.point ?? ''}" maxlength="64"
        inputmode="decimal" autocomplete="off" ${invalid('point')} />
      <button type="submit">${t('incidents.place_submit')}</button>
    </form>
  </section>`;
}

export function renderIncidentDetail(
  page: Page & { mapFile?: boolean; sections?: Html },
  incident: IncidentDetail,
  csrfToken: string,
  problem?: DetailProblem,
): Html {
  const { t, lang } = page.request;
  const row = (label: MessageKey, value: Html | string): Html =>
    html`<tr>
      <th scope="row">${t(label)}</th>
      <td>${value}</td>
    </tr>`;
  const notGiven = html`<span class="hint">${t('console.not_given')}</span>`;
  const body = html`${STYLESHEET}${page.mapFile ? MAP_STYLES : ''}
    <p><a href="/console/incidents">${t('incidents.back_to_board')}</a></p>
    <h1>${t('incidents.incident_title', { reference: incident.reference })}</h1>
    ${problem ? html`<p class="notice error" role="alert">${t('incidents.form_problem')}</p>` : ''}
    <table class="report-detail">
      ${row('incidents.col_status', statusBadge(t, incident.status))}
      ${row('incidents.field_type', incidentTypeLabel(t, incident.type))}
      ${row('incidents.field_agency', incidentAgencyLabel(t, incident.agency))}
      ${row('incidents.field_summary', incident.summary ? html`<span class="user-text">${incident.summary}</span>` : notGiven)}
      ${row('incidents.field_zip', incident.zip ?? notGiven)}
      ${row('incidents.field_place_name', incident.placeName ? html`<span class="user-text">${incident.placeName}</span>` : notGiven)}
      ${row('incidents.field_language', languageName(incident.reporterLanguage, lang))}
      ${row('incidents.field_created', formatTime(incident.createdAt, lang, page.timeZone))}
      ${row('incidents.col_updated', formatTime(incident.updatedAt, lang, page.timeZone))}
    </table>
    <p>
      <a class="button" href="/console/incidents/${incident.id}/alerts/new" id="alert-community"
        >${t('alerts.alert_the_community')}</a
      >
    </p>
    ${placeSection(page, incident, csrfToken, problem)}
    ${dispatchSection(t, incident)} ${statusSection(t, incident, csrfToken, problem)}
    ${reportsSection(page, incident, csrfToken, problem)} ${mergeSection(t, incident, csrfToken, problem)}
    ${renderIncidentPageParts(page.request, incident)} ${page.sections ?? ''}
    ${timelineSection(page, incident)}`;
  return renderPage({
    ...page,
    title: t('incidents.incident_title', { reference: incident.reference }),
    body,
    console: true,
    ...(page.mapFile ? { scripts: [...MAP_SCRIPTS] } : {}),
  });
}

// ---- grouping a report ------------------------------------------------------------------------------------

export interface GroupingPageState {
  view: GroupingView;
  csrfToken: string;
  radiusMeters: number;
  windowMinutes: number;
  errors?: FormErrors<string>;
  values?: Record<string, string>;
  message?: FieldError;
}

/** A sensible starting type from what the reporter said they saw; the dispatcher can change it. */
function typeFromActivity(activity: ReportActivity | null): IncidentType | '' {
  switch (activity) {
    case 'vehicle_stop':
      return 'vehicle_stop';
    case 'checkpoint':
      return 'street';
    case 'raid':
    case 'detaining':
    case 'questioning':
    case 'watching':
    case 'other':
    case null:
      return '';
  }
}

/**
 * Every other open incident, so a report the suggestions cannot place (no ZIP code, far off, late) can
 * still be added where the dispatcher knows it belongs.
 */
function openIncidentsSection(page: Page, state: GroupingPageState): Html {
  const { t, lang } = page.request;
  const { view } = state;
  const hint = view.point ? 'incidents.open_hint_nearest' : 'incidents.open_hint_recent';
  return html`<section aria-labelledby="open-heading" id="open-incidents">
    <h2 id="open-heading">${t('incidents.open_heading')}</h2>
    <p class="hint">${t(hint)}</p>
    ${
      view.others.length === 0
        ? html`<p>${t('incidents.open_none')}</p>`
        : html`<ul class="suggestions">
          ${view.others.map(
            (choice) =>
              html`<li>
                <a href="/console/incidents/${choice.id}">${choice.reference}</a>
                ${statusBadge(t, choice.status)} ${incidentTypeLabel(t, choice.type)} ·
                ${choice.zip ?? t('console.not_given')} ·
                ${
                  choice.distanceMeters !== null
                    ? t('incidents.distance_about', { km: (choice.distanceMeters / 1000).toFixed(1) })
                    : t('incidents.updated_at', { when: formatTime(choice.updatedAt, lang, page.timeZone) })
                }
                ${addReportForm(t, state.csrfToken, view.report.id, choice)}
              </li>`,
          )}
        </ul>`
    }
  </section>`;
}

export function renderGroupingPage(page: Page, state: GroupingPageState): Html {
  const { t, lang } = page.request;
  const { view } = state;
  const { report } = view;
  const errors = state.errors ?? {};
  const values = state.values ?? {
    type: typeFromActivity(report.activity),
    agency: report.agency,
    point: view.pointIsPrecise && view.point ? formatPoint(view.point) : '',
    place_name: '',
    zip: report.zip ?? '',
    summary: '',
  };
  const invalid = (name: string): Html | string =>
    errors[name] ? html`aria-invalid="true" aria-describedby="${name}-error"` : '';
  const body = html`${STYLESHEET}
    <p><a href="/console/reports/${report.id}">${t('incidents.back_to_report')}</a> ·
      <a href="/console/incidents">${t('incidents.back_to_board')}</a></p>
    <h1>${t('incidents.group_title', { reference: report.reference })}</h1>
    <p>
      ${formatTime(report.created_at, lang, page.timeZone)} · ${activityLabel(t, report.activity)} ·
      ${report.zip ?? t('console.not_given')} · ${agencyLabel(t, report.agency)}
    </p>
    ${state.message ? html`<p class="notice error" role="alert">${t(state.message.key, state.message.params)}</p>` : ''}
    ${
      view.incident
        ? html`<p class="notice ok">
          ${t('incidents.report_in_incident')}
          <a href="/console/incidents/${view.incident.id}">${view.incident.reference}</a>
          ${statusBadge(t, view.incident.status)}
        </p>`
        : html`<section aria-labelledby="suggestions-heading">
            <h2 id="suggestions-heading">${t('incidents.suggestions_heading')}</h2>
            <p class="hint">
              ${t('incidents.suggestions_hint', { meters: state.radiusMeters, minutes: state.windowMinutes })}
            </p>
            ${
              view.suggestions.length > 0
                ? suggestionList(t, state.csrfToken, report.id, view.suggestions)
                : html`<p>${t('incidents.suggestions_none')}</p>`
            }
          </section>
          ${openIncidentsSection(page, state)}
          <section aria-labelledby="create-heading">
            <h2 id="create-heading">${t('incidents.create_heading')}</h2>
            ${
              Object.keys(errors).length > 0
                ? html`<p class="notice error" role="alert">${t('incidents.form_problem')}</p>`
                : ''
            }
            <form method="post" action="/console/incidents" id="create-form">
              <input type="hidden" name="_csrf" value="${state.csrfToken}" />
              <input type="hidden" name="report_id" value="${report.id}" />
              <label for="type">${t('incidents.field_type')}</label>
              ${fieldError(t, 'type', errors.type)}
              <select id="type" name="type" required ${invalid('type')}>
                <option value="">${t('incidents.choose')}</option>
                ${options(INCIDENT_TYPES, values.type ?? '', (v) => incidentTypeLabel(t, v))}
              </select>
              <label for="agency">${t('incidents.field_agency')}</label>
              ${fieldError(t, 'agency', errors.agency)}
              <select id="agency" name="agency" ${invalid('agency')}>
                ${options(INCIDENT_AGENCIES, values.agency ?? 'unknown', (v) => incidentAgencyLabel(t, v))}
              </select>
              <label for="point"
                >${t('incidents.field_point')}
                <span class="hint"
                  >${t(view.pointIsPrecise ? 'incidents.point_hint' : 'incidents.point_hint_zip')}</span
                ></label
              >
              ${fieldError(t, 'point', errors.point)}
              <input type="text" id="point" name="point" value="${values.point ?? ''}" maxlength="64"
                inputmode="decimal" ${invalid('point')} />
              <label for="place_name"
                >${t('incidents.field_place_name')} <span class="hint">${t('incidents.place_name_hint')}</span></label
              >
              ${fieldError(t, 'place_name', errors.place_name)}
              <input type="text" id="place_name" name="place_name" value="${values.place_name ?? ''}"
                maxlength="${MAX_PLACE_NAME_CHARS}" autocomplete="off" ${invalid('place_name')} />
              <label for="zip">${t('incidents.field_zip')}</label>
              ${fieldError(t, 'zip', errors.zip)}
              <input type="text" id="zip" name="zip" inputmode="numeric" maxlength="5" pattern="[0-9]{5}"
                value="${values.zip ?? ''}" ${invalid('zip')} />
              <label for="summary"
                >${t('incidents.field_summary')} <span class="hint">${t('incidents.summary_hint')}</span></label
              >
              ${fieldError(t, 'summary', errors.summary)}
              <textarea id="summary" name="summary" rows="2" maxlength="${MAX_SUMMARY_CHARS}" ${invalid('summary')}>
${values.summary ?? ''}</textarea
              >
              <button type="submit">${t('incidents.create_submit')}</button>
            </form>
          </section>`
    }`;
  return renderPage({
    ...page,
    title: t('incidents.group_title', { reference: report.reference }),
    body,
    console: true,
  });
}

/** The section the report page shows: the report's incident, or where it might belong and a way to group it. */
export function renderReportIncidentSection(t: Translator, view: GroupingView, csrfToken: string): Html {
  const { report } = view;
  return html`<section class="report-incident" aria-labelledby="report-incident-heading">
    <h2 id="report-incident-heading">${t('incidents.report_section_heading')}</h2>
    ${
      view.incident
        ? html`<p>
          ${t('incidents.report_in_incident')}
          <a href="/console/incidents/${view.incident.id}">${view.incident.reference}</a>
          ${statusBadge(t, view.incident.status)}
        </p>`
        : html`${
            view.suggestions.length > 0
              ? html`<p>${t('incidents.report_suggested')}</p>
                ${suggestionList(t, csrfToken, report.id, view.suggestions)}`
              : html`<p class="hint">${t('incidents.suggestions_none')}</p>`
          }
          <p>
            <a href="/console/incidents/new?report=${report.id}#open-incidents">${t('incidents.choose_open')}</a> ·
            <a href="/console/incidents/new?report=${report.id}">${t('incidents.new_from_report')}</a>
          </p>`
    }
  </section>`;
}
