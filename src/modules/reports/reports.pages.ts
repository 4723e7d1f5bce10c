// HTML for the report form, its confirmation, and the console's list and detail pages. Everything a reporter
// typed is interpolated through html``, which escapes it, so report text can never become markup.
import type { FastifyRequest } from 'fastify';
import type { Language } from '../../config/config.ts';
import {
  REPORT_ACTIVITIES,
  REPORT_AGENCIES,
  REPORT_SEEN_WHEN,
  REPORT_SOURCES,
  REPORT_STATUSES,
  type ReportActivity,
  type ReportAgency,
  type ReportChannel,
  type ReportSeenWhen,
  type ReportSource,
  type ReportStatus,
} from '../../db/schema.ts';
import { fieldError } from '../../http/form.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { formatTime } from '../../i18n/time.ts';
import { MAX_PHOTO_BYTES } from './photo.ts';
import type { ReportListRow } from './reports.repository.ts';
import {
  MAX_DETAILS_CHARS,
  MAX_LOCATION_CHARS,
  MAX_UNIFORM_CHARS,
  type ReportFormErrors,
  type ReportFormField,
  type ReportFormValues,
  type ReportTextField,
} from './reports.schemas.ts';
import type { ReportDetail } from './reports.service.ts';
import type { ReportIncidentLabel } from './reports.sections.ts';

// A voicemail or an unfinished text conversation may not have collected every field.
export const activityLabel = (t: Translator, value: ReportActivity | null): string =>
  value === null ? t('console.not_given') : t(`report.activity_${value}` as MessageKey);
export const seenWhenLabel = (t: Translator, value: ReportSeenWhen | null): string =>
  value === null ? t('console.not_given') : t(`report.seen_when_${value}` as MessageKey);
export const agencyLabel = (t: Translator, value: ReportAgency): string =>
  t(`report.agency_${value}` as MessageKey);
export const statusLabel = (t: Translator, value: ReportStatus): string =>
  t(`console.status_${value}` as MessageKey);
const sourceLabel = (t: Translator, value: ReportSource | null): string =>
  value === null ? t('console.not_given') : t(`console.source_${value}` as MessageKey);
const channelLabel = (t: Translator, value: ReportChannel): string =>
  t(`console.channel_${value}` as MessageKey);

interface Page {
  request: FastifyRequest;
  networkName: string;
  timeZone: string;
}

export interface ReportFormState {
  values: ReportFormValues;
  errors: ReportFormErrors;
  csrfToken: string;
  /** The anti-forgery token had expired or did not match: the reporter has to send again. */
  formExpired?: boolean;
  /** A photo was sent with a form that came back; browsers cannot refill a file input. */
  photoDropped?: boolean;
}

export function renderReportForm(page: Page, state: ReportFormState): Html {
  const { request } = page;
  const t = request.t;
  const { values, errors } = state;
  // A value the parser could not read is garbage: showing it again would only invite sending it again.
  const value = (name: ReportTextField): string =>
    errors[name]?.key === 'report.error_encoding' ? '' : (values[name] ?? '');
  const describedBy = (name: ReportFormField, hint: boolean): string =>
    [hint ? `${name}-hint` : '', errors[name] ? `${name}-error` : ''].filter(Boolean).join(' ');
  const error = (name: ReportFormField): Html | string => fieldError(t, name, errors[name]);
  const invalid = (name: ReportFormField): Html | string => (errors[name] ? html` aria-invalid="true"` : '');
  const label = (name: ReportFormField, key: MessageKey, required: boolean, hint?: MessageKey): Html =>
    html`<label for="${name}"
        >${t(key)}
        <span class="hint-inline">(${t(required ? 'report.required' : 'report.optional')})</span>
        ${hint ? html`<span class="hint" id="${name}-hint">${t(hint)}</span>` : ''}</label
      >${error(name)}`;
  const options = <T extends string>(all: readonly T[], selected: string, text: (v: T) => string): Html[] =>
    all.map((v) => html`<option value="${v}" ${v === selected ? html` selected` : ''}>${text(v)}</option>`);
  const hasErrors = Object.keys(errors).length > 0;

  const body = html`<h1>${t('report.title')}</h1>
    <p>${t('report.intro')}</p>
    ${state.formExpired ? html`<p class="notice error" role="alert">${t('report.csrf_expired')}</p>` : ''}
    ${hasErrors ? html`<p class="notice error" role="alert">${t('report.errors_intro')}</p>` : ''}
    ${state.photoDropped ? html`<p class="notice">${t('report.photo_reattach')}</p>` : ''}
    <form method="post" action="/report" enctype="multipart/form-data" class="report-form" novalidate>
      <input type="hidden" name="_csrf" value="${state.csrfToken}">

      ${label('activity', 'report.activity', true)}
      <select id="activity" name="activity" required${invalid('activity')}>
        <option value="">${t('report.activity_choose')}</option>
        ${options(REPORT_ACTIVITIES, value('activity'), (v) => activityLabel(t, v))}
      </select>

      ${label('location', 'report.location', true, 'report.location_hint')}
      <textarea id="location" name="location" rows="2" required maxlength="${MAX_LOCATION_CHARS}"
        aria-describedby="${describedBy('location', true)}"${invalid('location')}
        data-use-location="${t('report.use_location')}"
        data-approximate="${t('report.location_approximate')}"
        data-unavailable="${t('report.location_unavailable')}">${value('location')}</textarea>

      ${label('zip', 'report.zip', false, 'report.zip_hint')}
      <input type="text" id="zip" name="zip" inputmode="numeric" autocomplete="postal-code" maxlength="5"
        pattern="[0-9]{5}" value="${value('zip')}" aria-describedby="${describedBy('zip', true)}"${invalid('zip')}>

      ${label('seen_when', 'report.seen_when', true)}
      <select id="seen_when" name="seen_when" required${invalid('seen_when')}>
        ${options(REPORT_SEEN_WHEN, value('seen_when'), (v) => seenWhenLabel(t, v))}
      </select>

      ${label('agents_count', 'report.agents_count', false, 'report.count_hint')}
      <input type="number" id="agents_count" name="agents_count" inputmode="numeric" min="0" max="1000"
        value="${value('agents_count')}" aria-describedby="${describedBy('agents_count', true)}"${invalid('agents_count')}>

      ${label('vehicles_count', 'report.vehicles_count', false, 'report.count_hint')}
      <input type="number" id="vehicles_count" name="vehicles_count" inputmode="numeric" min="0" max="1000"
        value="${value('vehicles_count')}" aria-describedby="${describedBy('vehicles_count', true)}"${invalid('vehicles_count')}>

      ${label('uniform', 'report.uniform', false, 'report.uniform_hint')}
      <input type="text" id="uniform" name="uniform" maxlength="${MAX_UNIFORM_CHARS}" value="${value('uniform')}"
        aria-describedby="${describedBy('uniform', true)}"${invalid('uniform')}>

      ${label('agency', 'report.agency', false)}
      <select id="agency" name="agency"${invalid('agency')}>
        ${options(REPORT_AGENCIES, value('agency'), (v) => agencyLabel(t, v))}
      </select>

      <fieldset${invalid('source')}>
        <legend>${t('report.source')} (${t('report.required')})</legend>
        ${error('source')}
        ${REPORT_SOURCES.map(
          (v) =>
            html`<label
              ><input
                type="radio"
                name="source"
                value="${v}"
                required${value('source') === v ? html` checked` : ''}
              />
              ${t(`report.source_${v}`)}</label
            >`,
        )}
      </fieldset>

      ${label('details', 'report.details', false, 'report.details_hint')}
      <textarea id="details" name="details" rows="5" maxlength="${MAX_DETAILS_CHARS}"
        aria-describedby="${describedBy('details', true)}"${invalid('details')}>${value('details')}</textarea>

      <fieldset>
        ${label('callback_phone', 'report.phone', false, 'report.phone_hint')}
        <input type="tel" id="callback_phone" name="callback_phone" autocomplete="tel" maxlength="32"
          value="${value('callback_phone')}" aria-describedby="${describedBy('callback_phone', true)}"${invalid('callback_phone')}>
        ${error('callback_consent')}
        <label class="checkbox"><input type="checkbox" name="callback_consent" value="yes"${
          value('callback_consent') !== '' ? html` checked` : ''
        }${invalid('callback_consent')}> ${t('report.consent')}</label>
      </fieldset>

      ${label('photo', 'report.photo', false, 'report.photo_hint')}
      <input type="file" id="photo" name="photo" accept="image/jpeg,image/png" data-max-bytes="${MAX_PHOTO_BYTES}"
        aria-describedby="${describedBy('photo', true)}"${invalid('photo')}>

      <button type="submit">${t('report.submit')}</button>
    </form>`;
  return renderPage({
    ...page,
    title: t('report.title'),
    body,
    scripts: ['/assets/report-location.js'],
  });
}

export interface ReceivedState {
  reference: string | undefined;
  photoNotKept?: MessageKey | undefined;
  /** A phone number was given, with consent, for a call back. */
  callback: boolean;
  /** A dispatcher is on shift now. */
  onDuty: boolean;
}

/** The thank-you page: only what is true (a call back only when a number was given, "now" only on shift). */
export function renderReceived(page: Page, state: ReceivedState): Html {
  const t = page.request.t;
  const { reference, photoNotKept } = state;
  return renderPage({
    ...page,
    title: t('report.received_title'),
    body: html`<h1>${t('report.received_title')}</h1>
      ${photoNotKept ? html`<p class="notice error" id="photo-not-kept">${t(photoNotKept)}</p>` : ''}
      ${
        reference
          ? html`<p>${t('report.received_reference')}:</p>
              <p class="reference">${reference}</p>
              <p>${t(state.callback ? 'report.received_callback' : 'report.received_keep_code')}</p>`
          : ''
      }
      <p class="notice ok">
        ${t(state.onDuty ? 'report.received_on_duty' : 'report.received_off_duty')}
        ${t('report.received_checked')}
      </p>
      <p>${t('report.received_safety')}</p>
      <section>
        <h2>${t('public.alerts_link')}</h2>
        <p>${t('public.alerts_line')}</p>
        <p><a href="/alerts">${t('public.alerts_signup')}</a></p>
      </section>
      <p>
        <a href="/report">${t('report.received_another')}</a> ·
        <a href="/rights">${t('public.rights_link')}</a>
      </p>`,
  });
}

/** A list row as the live console receives it: labels already in the reader's language, nothing sensitive. */
export interface LiveRow {
  id: string;
  url: string;
  reference: string;
  /** "Simulated" for a report made with the console's text simulator, else empty. */
  simulated: string;
  received: string;
  activity: string;
  zip: string;
  agency: string;
  source: string;
  photo: string;
  status: string;
}

/**
 * What a report's status is in truth: inside an incident, a report nobody set aside (spam, duplicate) is
 * where its incident is (verifying, confirmed, false alarm…), not "needs verification" for ever.
 */
export function shownStatus(
  t: Translator,
  status: ReportStatus,
  incident: ReportIncidentLabel | undefined,
): string {
  if (incident && (status === 'new' || status === 'needs_verification')) {
    return t('console.status_in_incident', {
      reference: incident.reference,
      status: t(`incidents.status_${incident.status}` as MessageKey),
    });
  }
  return statusLabel(t, status);
}

/** The mark every list and page puts on a simulated report. */
export function simulatedTag(t: Translator): Html {
  return html`<span class="tag simulated">${t('console.simulated')}</span>`;
}

export function presentListRow(
  row: ReportListRow,
  t: Translator,
  lang: Language,
  timeZone: string,
  incident?: ReportIncidentLabel,
): LiveRow {
  return {
    id: row.id,
    url: `/console/reports/${row.id}`,
    reference: row.reference,
    simulated: row.simulated ? t('console.simulated') : '',
    received: formatTime(row.created_at, lang, timeZone),
    activity: activityLabel(t, row.activity),
    zip: row.zip ?? '',
    agency: agencyLabel(t, row.agency),
    source: sourceLabel(t, row.source),
    photo: t(row.has_photo ? 'console.yes' : 'console.no'),
    status: shownStatus(t, row.status, incident),
  };
}

/** The console's front page for roles without the report queue (responders, legal, for now). */
export function renderConsoleList(
  page: Page,
  rows: ReportListRow[],
  show: 'open' | 'all',
  renderedAt: Date,
  /** The incidents holding these reports, by incident id. */
  incidents: ReadonlyMap<string, ReportIncidentLabel> = new Map(),
): Html {
  const { request } = page;
  const t = request.t;
  const live = rows.map((row) =>
    presentListRow(
      row,
      t,
      request.lang,
      page.timeZone,
      row.incident_id ? incidents.get(row.incident_id) : undefined,
    ),
  );
  const body = html`<h1>${t('console.reports_title')}</h1>
    <p class="list-tools">
      ${
        show === 'open'
          ? html`<strong>${t('console.filter_open')}</strong> ·
              <a href="/console/reports?show=all">${t('console.filter_all')}</a>`
          : html`<a href="/console/reports">${t('console.filter_open')}</a> ·
              <strong>${t('console.filter_all')}</strong>`
      }
      · <a href="${show === 'all' ? '/console/reports?show=all' : '/console/reports'}">${t('console.refresh')}</a>
      <span
        class="live-indicator"
        id="live-indicator"
        hidden
        data-live="${t('console.live')}"
        data-lost="${t('console.live_lost')}"
      ></span>
    </p>
    <table class="reports">
      <thead>
        <tr>
          <th>${t('console.col_reference')}</th>
          <th>${t('console.col_received')}</th>
          <th>${t('console.col_activity')}</th>
          <th>${t('console.col_zip')}</th>
          <th>${t('console.col_agency')}</th>
          <th>${t('console.col_source')}</th>
          <th>${t('console.col_photo')}</th>
          <th>${t('console.col_status')}</th>
        </tr>
      </thead>
      <tbody
        id="report-rows"
        data-events="/console/reports/events?since=${String(renderedAt.getTime())}"
      >
        ${live.map(
          (row) =>
            html`<tr data-id="${row.id}">
              <td><a href="${row.url}">${row.reference}</a> ${row.simulated ? simulatedTag(t) : ''}</td>
              <td>${row.received}</td>
              <td>${row.activity}</td>
              <td>${row.zip}</td>
              <td>${row.agency}</td>
              <td>${row.source}</td>
              <td>${row.photo}</td>
              <td><span class="status">${row.status}</span></td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${rows.length === 0 ? html`<p id="no-reports">${t('console.no_reports')}</p>` : ''}`;
  return renderPage({
    ...page,
    title: t('console.reports_title'),
    body,
    console: true,
    scripts: ['/assets/console-live.js'],
  });
}

export function renderReportDetail(
  page: Page,
  report: ReportDetail,
  csrfToken: string,
  /** The incident this report is in, or may belong to (from the incidents module). */
  sections: Html | string = '',
): Html {
  const { request } = page;
  const t = request.t;
  const orNot = (value: string | number | null): Html | string | number =>
    value === null || value === '' ? html`<span class="hint">${t('console.not_given')}</span>` : value;
  const row = (label: MessageKey, value: Html | string | number): Html =>
    html`<tr>
      <th scope="row">${t(label)}</th>
      <td>${value}</td>
    </tr>`;
  const body = html`<p><a href="/console/reports">${t('console.back_to_list')}</a></p>
    <h1>${t('console.report_title', { reference: report.reference })} ${report.simulated ? simulatedTag(t) : ''}</h1>
    ${report.simulated ? html`<p class="notice" id="simulated-report">${t('console.simulated_notice')}</p>` : ''}
    <p>
      <span class="status" id="report-status">${shownStatus(t, report.status, report.incident)}</span>
      ${formatTime(report.createdAt, request.lang, page.timeZone)} · ${t('console.channel')}:
      ${channelLabel(t, report.channel)}
    </p>
    <table class="report-detail">
      ${row('report.activity', activityLabel(t, report.activity))}
      ${row('report.location', report.location === null ? orNot(null) : html`<span class="user-text">${report.location}</span>`)}
      ${row('report.zip', orNot(report.zip))}
      ${row('report.seen_when', seenWhenLabel(t, report.seenWhen as ReportSeenWhen | null))}
      ${row('report.agents_count', orNot(report.agentsCount))}
      ${row('report.vehicles_count', orNot(report.vehiclesCount))}
      ${row('report.uniform', orNot(report.uniform))} ${row('report.agency', agencyLabel(t, report.agency))}
      ${row('report.source', report.source === null ? orNot(null) : t(`report.source_${report.source}`))}
      ${row('report.details', report.details ? html`<span class="user-text">${report.details}</span>` : orNot(null))}
      ${row('console.callback_phone', report.forLegalIntake ? html`<span class="hint">${t('voice.callback_for_intake')}</span>` : report.callbackPhone ? html`<a href="tel:${report.callbackPhone}">${report.callbackPhone}</a>` : orNot(null))}
    </table>
    ${
      report.photo
        ? html`<h2>${t('report.photo')}</h2>
            <p>
              <img
                class="report-photo"
                src="/console/reports/${report.id}/photo"
                alt="${t('console.photo_alt')}"
              />
            </p>
            <p class="hint">${t('console.photo_sha256')}: <code>${report.photo.originalSha256}</code></p>`
        : ''
    }
    ${report.recording ? renderRecording(t, report.id, report.recording) : ''}
    ${report.forLegalIntake ? html`<p class="notice" id="for-legal-intake">${t('voice.recording_restricted')}</p>` : ''}
    ${sections}
    <h2>${t('console.status_heading')}</h2>
    ${
      report.statusChangedAt
        ? html`<p class="hint">
            ${t('console.status_changed', { when: formatTime(report.statusChangedAt, request.lang, page.timeZone) })}
          </p>`
        : ''
    }
    <div class="status-actions">
      ${REPORT_STATUSES.filter((status) => status !== report.status).map(
        (status) =>
          html`<form method="post" action="/console/reports/${report.id}/status" class="inline-form">
            <input type="hidden" name="_csrf" value="${csrfToken}" />
            <input type="hidden" name="status" value="${status}" />
            <button type="submit" class="secondary">${t(`console.set_status_${status}`)}</button>
          </form>`,
      )}
    </div>`;
  return renderPage({
    ...page,
    title: t('console.report_title', { reference: report.reference }),
    body,
    console: true,
  });
}

/** The voicemail player; preload="none" so that only pressing play fetches (and audits) the recording. */
function renderRecording(
  t: Translator,
  reportId: string,
  recording: NonNullable<ReportDetail['recording']>,
): Html {
  const src = `/console/reports/${reportId}/recording`;
  return html`<h2>${t('voice.recording_heading')}</h2>
    ${
      recording.stored
        ? html`<p><audio controls preload="none" src="${src}"></audio></p>
            <p><a href="${src}">${t('voice.recording_link')}</a></p>
            ${recording.durationSeconds === null ? '' : html`<p class="hint">${t('voice.recording_duration', { seconds: recording.durationSeconds })}</p>`}
            <p class="hint">${t('voice.recording_sha256')}: <code>${recording.sha256 ?? ''}</code></p>`
        : html`<p class="hint">${t('voice.recording_pending')}</p>`
    }`;
}
