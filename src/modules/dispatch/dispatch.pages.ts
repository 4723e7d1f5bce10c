// HTML for the staff profile, the roster, the dispatch panel and the dispatch page a responder opens from the
// text. The dispatch page is made for a phone in the street: one column, big buttons, no tables, no script.
// Everything typed by a person is interpolated through html``, which escapes it.
import { csrfField } from '../../http/form.ts';
import { noticeBlock, type Notice } from '../../http/layout.ts';
import type { FastifyRequest } from 'fastify';
import type { DistanceUnit, Language } from '../../config/config.ts';
import { formatDistance } from '../../geo/distance.ts';
import {
  IDENTIFIED_BY,
  REPORT_ACTIVITIES,
  REPORT_AGENCIES,
  VERIFICATION_OUTCOMES,
  type DispatchStatus,
  type IncidentAgency,
  type IncidentStatus,
  type IncidentType,
  type Role,
} from '../../db/schema.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { MAX_PHOTO_BYTES } from '../reports/photo.ts';
import { activityLabel } from '../reports/reports.pages.ts';
import { formatTime } from '../../i18n/time.ts';
import { fieldError, formErrorSummary, type FieldError } from '../../http/form.ts';
import { languageName as sharedLanguageName, NETWORK_LANGUAGES } from '../../i18n/languages.ts';
import type { CalloutBlock, CalloutPreview } from './dispatch.callout.ts';
import { CALLOUT_RADIUS_KM, LANGUAGE_BONUS_KM, type Suggestion } from './dispatch.ranking.ts';
import type { DispatchRow } from './dispatch.named.ts';
import type { RosterRow } from '../staff/staff.service.ts';
import {
  MAX_DISPLAY_NAME_CHARS,
  MAX_ETA_MINUTES,
  MAX_NOTES_CHARS,
  profileLanguageCodes,
  PROFILE_FIELDS,
  type ProfileField,
  type ProfileFormErrors,
  type ProfileFormValues,
  type VerificationField,
  type VerificationFormErrors,
  type VerificationFormValues,
  type VerificationTextField,
} from './dispatch.schemas.ts';
import {
  OPEN_DISPATCH_STATUSES,
  type DispatchPage,
  type OpenDispatchLink,
  type PanelView,
  type VerificationView,
} from './dispatch.service.ts';

export interface Page {
  request: FastifyRequest;
  networkName: string;
  timeZone: string;
  distanceUnit: DistanceUnit;
}

/** Kilometres as the network reads them (miles or kilometres). */
const distance = (page: Page, km: number): string =>
  formatDistance(km * 1000, page.distanceUnit, page.request.lang);

const time = (page: Page, date: Date): string => formatTime(date, page.request.lang, page.timeZone);

export const incidentStatusLabel = (t: Translator, status: IncidentStatus): string =>
  t(`dispatch.incident_status_${status}` as MessageKey);
export const incidentTypeLabel = (t: Translator, type: IncidentType): string =>
  t(`dispatch.incident_type_${type}` as MessageKey);
export const dispatchStatusLabel = (t: Translator, status: DispatchStatus): string =>
  t(`dispatch.status_${status}` as MessageKey);
const agencyLabel = (t: Translator, agency: IncidentAgency): string =>
  t(`verify.agency_${agency}` as MessageKey);
const roleLabel = (t: Translator, role: Role): string => t(`dispatch.role_${role}` as MessageKey);

/** "ht" → "Haitian Creole" in the reader's language (the shared list, else the runtime's name, else the code). */
export const languageName = sharedLanguageName;

const languageList = (codes: readonly string[], lang: Language): string =>
  codes.map((code) => languageName(code, lang)).join(', ');

// ---------------------------------------------------------------------------------------------------------
// Profile

export interface ProfileState {
  values: ProfileFormValues;
  errors: ProfileFormErrors;
  csrfToken: string;
  roles: readonly Role[];
  onShiftSince: Date | null;
  openDispatches: OpenDispatchLink[];
  notice?: Notice;
}

export function renderProfile(page: Page, state: ProfileState): Html {
  const t = page.request.t;
  const { values, errors } = state;
  const value = (name: ProfileField): string =>
    errors[name]?.key === 'profile.error_encoding' ? '' : (values[name] ?? '');
  const invalid = (name: ProfileField): Html | string => (errors[name] ? html` aria-invalid="true"` : '');
  const describedBy = (name: ProfileField): string =>
    [`${name}-hint`, errors[name] ? `${name}-error` : ''].filter(Boolean).join(' ');
  const label = (name: ProfileField, key: MessageKey, hint: MessageKey): Html =>
    html`<label for="${name}"
        >${t(key)} <span class="hint" id="${name}-hint">${t(hint)}</span></label
      >${fieldError(t, name, errors[name])}`;
  const isResponder = state.roles.includes('responder');

  const body = html`<h1>${t('profile.title')}</h1>
    <p>${t('profile.intro')}</p>
    ${noticeBlock(state.notice)}
    ${formErrorSummary(t, PROFILE_FIELDS, errors, {
      // The shift has one checkbox and no id of its own: its message is where to look.
      idOf: (field) => (field === 'on_shift' ? 'on_shift-error' : field),
      intro: t('profile.errors_intro'),
    })}
    <form method="post" action="/console/profile" class="field-form" novalidate>
      ${csrfField(state.csrfToken)}
      ${label('display_name', 'profile.display_name', 'profile.display_name_hint')}
      <input type="text" id="display_name" name="display_name" autocomplete="name"
        maxlength="${MAX_DISPLAY_NAME_CHARS}" value="${value('display_name')}"
        aria-describedby="${describedBy('display_name')}"${invalid('display_name')}>

      ${label('phone', 'profile.phone', 'profile.phone_hint')}
      <input type="tel" id="phone" name="phone" autocomplete="tel" maxlength="32" value="${value('phone')}"
        aria-describedby="${describedBy('phone')}"${invalid('phone')}>

      ${languagesField(page, value('languages'), errors.languages)}

      ${label('home_zips', 'profile.home_zips', 'profile.home_zips_hint')}
      <input type="text" id="home_zips" name="home_zips" inputmode="numeric" value="${value('home_zips')}"
        aria-describedby="${describedBy('home_zips')}"${invalid('home_zips')}>

      <fieldset>
        <legend>${t('profile.shift')}</legend>
        ${fieldError(t, 'on_shift', errors.on_shift)}
        <label class="choice"
          ><input type="checkbox" name="on_shift" value="yes"${value('on_shift') !== '' ? html` checked` : ''}>
          ${t('profile.on_shift')}</label
        >
        ${
          state.onShiftSince
            ? html`<span class="hint">${t('profile.on_shift_since', { when: time(page, state.onShiftSince) })}</span>`
            : ''
        }
      </fieldset>
      <button type="submit">${t('profile.save')}</button>
    </form>
    ${
      isResponder
        ? html`<h2>${t('profile.my_dispatches')}</h2>
            ${
              state.openDispatches.length === 0
                ? html`<p id="no-dispatches">${t('profile.no_dispatches')}</p>`
                : html`<ul class="dispatch-links">
                    ${state.openDispatches.map(
                      (d) =>
                        html`<li>
                          <a href="/console/dispatches/${d.id}">${d.reference}</a>
                          ${d.zip ? html` · ${t('dispatch.zip')} ${d.zip}` : ''} ·
                          ${dispatchStatusLabel(t, d.status)} · ${time(page, d.createdAt)}
                        </li>`,
                    )}
                  </ul>`
            }`
        : ''
    }`;
  return renderPage({ ...page, title: t('profile.title'), body, console: true });
}

/**
 * Languages as boxes to tick, by name: what the person already has first, in their order (a code typed before
 * the list existed stays, shown as it is), then the common ones, the rest behind "More languages". Which of
 * English and Spanish the texts come in is asked apart, and saved as the first of them.
 */
function languagesField(page: Page, current: string, error: FieldError | undefined): Html {
  const { t, lang } = page.request;
  const chosen = profileLanguageCodes(current);
  const box = (code: string): Html =>
    html`<label class="choice"
      ><input type="checkbox" name="languages" value="${code}"${chosen.includes(code) ? html` checked` : ''}>
      ${languageName(code, lang)}</label
    >`;
  const others = NETWORK_LANGUAGES.filter((language) => !chosen.includes(language.code));
  const byName = (a: { code: string }, b: { code: string }): number =>
    languageName(a.code, lang).localeCompare(languageName(b.code, lang), lang);
  const more = others.filter((language) => !language.common).sort(byName);
  const textsIn = chosen.find((code) => code === 'en' || code === 'es') ?? lang;
  return html`<fieldset id="languages" aria-describedby="languages-hint${error ? ' languages-error' : ''}">
    <legend>${t('profile.languages')}</legend>
    <p class="hint" id="languages-hint">${t('profile.languages_hint')}</p>
    ${fieldError(t, 'languages', error)} ${chosen.map(box)}
    ${others.filter((language) => language.common).map((language) => box(language.code))}
    <details>
      <summary>${t('profile.more_languages')}</summary>
      ${more.map((language) => box(language.code))}
    </details>
  </fieldset>
  <fieldset>
    <legend>${t('profile.texts_in')}</legend>
    ${(['en', 'es'] as const).map(
      (code) =>
        html`<label class="choice"
          ><input type="radio" name="texts_in" value="${code}"${textsIn === code ? html` checked` : ''}>
          ${languageName(code, lang)}</label
        >`,
    )}
  </fieldset>`;
}

// ---------------------------------------------------------------------------------------------------------
// Roster

export function renderRoster(page: Page, rows: RosterRow[]): Html {
  const { request } = page;
  const t = request.t;
  const onShift = rows.filter((row) => row.on_shift);
  const offShift = rows.filter((row) => !row.on_shift);
  const name = (row: RosterRow): string => row.display_name || t('dispatch.no_name');
  const body = html`<h1>${t('roster.title')}</h1>
    <p>${t('roster.intro')}</p>
    <h2>${t('roster.on_shift', { count: onShift.length })}</h2>
    ${
      onShift.length === 0
        ? html`<p id="roster-empty">${t('roster.nobody')}</p>`
        : html`<div class="table-scroll">
            <table class="roster" id="roster-on-shift">
              <thead>
                <tr>
                  <th>${t('roster.col_name')}</th>
                  <th>${t('roster.col_roles')}</th>
                  <th>${t('roster.col_languages')}</th>
                  <th>${t('roster.col_zips')}</th>
                  <th>${t('roster.col_since')}</th>
                  <th>${t('roster.col_reachable')}</th>
                </tr>
              </thead>
              <tbody>
                ${onShift.map(
                  (row) =>
                    html`<tr data-id="${row.user_id}">
                      <td>${name(row)}</td>
                      <td>${row.roles.map((role) => roleLabel(t, role)).join(', ')}</td>
                      <td>${languageList(row.languages, request.lang)}</td>
                      <td>${row.home_zips.join(', ')}</td>
                      <td>${row.on_shift_since ? time(page, row.on_shift_since) : ''}</td>
                      <td>${row.has_phone ? t('dispatch.yes') : html`<strong>${t('roster.no_phone')}</strong>`}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
    <h2>${t('roster.off_shift', { count: offShift.length })}</h2>
    ${
      offShift.length === 0
        ? ''
        : html`<p id="roster-off-shift">
            ${offShift.map(
              (row, i) =>
                html`${i > 0 ? ', ' : ''}${name(row)} (${row.roles.map((r) => roleLabel(t, r)).join(', ')})`,
            )}
          </p>`
    }`;
  return renderPage({ ...page, title: t('roster.title'), body, console: true });
}

// ---------------------------------------------------------------------------------------------------------
// Dispatch panel

function explainSuggestion(page: Page, s: Suggestion, reporterLanguage: string): Html {
  const { t, lang } = page.request;
  const away =
    s.distanceKm === null
      ? t('dispatch.distance_unknown')
      : t('dispatch.distance', { distance: distance(page, s.distanceKm), zip: s.nearestZip ?? '' });
  return html`${away}${
    s.sharesLanguage
      ? html` · <strong>${t('dispatch.shares_language', { language: languageName(reporterLanguage, lang) })}</strong>`
      : ''
  }`;
}

function etaText(page: Page, d: DispatchRow): string {
  const t = page.request.t;
  if (d.status !== 'on_way' || d.eta_minutes === null || d.responded_at === null) return '';
  const expected = new Date(d.responded_at.getTime() + d.eta_minutes * 60_000);
  return t('dispatch.eta', { minutes: d.eta_minutes, when: time(page, expected) });
}

const CALLOUT_BLOCK_KEYS: Record<CalloutBlock, MessageKey> = {
  at_cap: 'dispatch.callout_block_at_cap',
  all_asked: 'dispatch.callout_block_all_asked',
  no_place: 'dispatch.callout_block_no_place',
  nobody_nearby: 'dispatch.callout_block_nobody_nearby',
};

/** The one-press callout: who it would text now, or why it would text nobody. */
function calloutSection(page: Page, id: string, callout: CalloutPreview, csrfToken: string): Html {
  const t = page.request.t;
  const params = {
    distance: distance(page, CALLOUT_RADIUS_KM),
    cap: callout.cap,
    onTheWay: callout.onTheWay,
    awaiting: callout.awaiting,
  };
  return html`<section id="callout" aria-labelledby="callout-heading">
    <h2 id="callout-heading">${t('dispatch.callout_heading')}</h2>
    <p class="hint">${t('dispatch.callout_explain', params)}</p>
    ${
      callout.block
        ? html`<p class="notice" role="status" id="callout-blocked" data-block="${callout.block}">
            ${t(CALLOUT_BLOCK_KEYS[callout.block], params)}
          </p>`
        : html`<p>${t('dispatch.callout_will_text')}</p>
            <ol id="callout-picks">
              ${callout.picks.map(
                (s) =>
                  html`<li data-id="${s.userId}">
                    ${t('dispatch.callout_pick', {
                      name: s.displayName || t('dispatch.no_name'),
                      distance: distance(page, s.distanceKm ?? 0),
                    })}
                  </li>`,
              )}
            </ol>
            <form method="post" action="/console/incidents/${id}/callout" class="inline-form" id="callout-form">
              ${csrfField(csrfToken)}
              <button type="submit">${t('dispatch.callout_button', { count: callout.picks.length })}</button>
            </form>`
    }
  </section>`;
}

/** The panel and what its callout would do right now. */
export interface PanelPage extends PanelView {
  callout: CalloutPreview;
}

export function renderPanel(page: Page, view: PanelPage, csrfToken: string, notice?: Notice): Html {
  const { request } = page;
  const t = request.t;
  const { incident } = view;
  const id = incident.id;
  const sendForm = (s: Suggestion): Html =>
    html`<form method="post" action="/console/incidents/${id}/dispatch" class="inline-form send-form">
      ${csrfField(csrfToken)}
      <input type="hidden" name="responder_id" value="${s.userId}" />
      ${
        view.atCap
          ? html`<label class="choice"
              ><input type="checkbox" name="confirm_over_cap" value="yes" required />
              ${t('dispatch.confirm_over_cap')}</label
            >`
          : ''
      }
      <button type="submit">${t('dispatch.send')}</button>
    </form>`;

  const standDownForm = (d: DispatchRow): Html =>
    html`<form method="post" action="/console/dispatches/${d.id}/cancel" class="inline-form stand-down-form">
      ${csrfField(csrfToken)}
      <button
        type="submit"
        class="secondary"
        aria-label="${t('dispatch.stand_down_label', { name: d.responder_name || t('dispatch.no_name') })}"
      >
        ${t('dispatch.stand_down')}
      </button>
    </form>`;

  const body = html`<p>
      <a href="/console/incidents/${id}">${t('dispatch.back_to_incident')}</a> ·
      <a href="/console/incidents/${id}/dispatch">${t('dispatch.refresh')}</a>
    </p>
    <h1>${t('dispatch.panel_title', { reference: incident.reference })}</h1>
    <p>
      <span class="status">${incidentStatusLabel(t, incident.status)}</span>
      ${incidentTypeLabel(t, incident.type)} · ${agencyLabel(t, incident.agency)}
      ${incident.zip ? html` · ${t('dispatch.zip')} ${incident.zip}` : ''} ·
      ${t('dispatch.reporter_language', { language: languageName(incident.reporter_language, request.lang) })}
    </p>
    ${noticeBlock(notice)}
    ${
      incident.merged_into
        ? html`<p class="notice" role="status">
            ${t('dispatch.merged')} <a href="/console/incidents/${incident.merged_into}/dispatch">${t('dispatch.merged_link')}</a>
          </p>`
        : !view.canDispatch
          ? html`<p class="notice" role="status">${t('dispatch.closed')}</p>`
          : ''
    }
    ${
      view.atCap
        ? html`<p class="notice error" role="alert" id="crowd-cap">
            ${t('dispatch.crowd_cap_reached', { count: view.onTheWay, cap: view.crowdCap })}
          </p>`
        : html`<p class="hint" id="crowd-count">
            ${t('dispatch.crowd_count', { count: view.onTheWay, cap: view.crowdCap })}
          </p>`
    }
    ${view.canDispatch ? calloutSection(page, id, view.callout, csrfToken) : ''}
    <h2>${t('dispatch.sent_heading')}</h2>
    ${
      view.dispatches.length === 0
        ? html`<p id="no-dispatches">${t('dispatch.none_sent')}</p>`
        : html`<div class="table-scroll">
            <table id="dispatches">
              <thead>
                <tr>
                  <th>${t('dispatch.col_responder')}</th>
                  <th>${t('dispatch.col_status')}</th>
                  <th>${t('dispatch.col_eta')}</th>
                  <th>${t('dispatch.col_sent')}</th>
                  <th>${t('dispatch.col_text')}</th>
                  <th>${t('dispatch.col_action')}</th>
                </tr>
              </thead>
              <tbody>
                ${view.dispatches.map(
                  (d) =>
                    html`<tr data-id="${d.id}" data-status="${d.status}">
                      <td><a href="/console/dispatches/${d.id}">${d.responder_name || t('dispatch.no_name')}</a></td>
                      <td><span class="status">${dispatchStatusLabel(t, d.status)}</span></td>
                      <td>${etaText(page, d)}</td>
                      <td>${time(page, d.created_at)}</td>
                      <td>${d.provider_id ? t('dispatch.text_sent') : t('dispatch.text_pending')}</td>
                      <td>${OPEN_DISPATCH_STATUSES.includes(d.status) ? standDownForm(d) : ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
    ${
      view.canDispatch
        ? html`<h2>${t('dispatch.suggestions_heading')}</h2>
            <p class="hint">
              ${t(
                view.placeSource === 'point'
                  ? 'dispatch.ranking_from_point'
                  : view.placeSource === 'zip'
                    ? 'dispatch.ranking_from_zip'
                    : 'dispatch.ranking_no_place',
              )}
              ${t('dispatch.ranking_language', {
                distance: distance(page, LANGUAGE_BONUS_KM),
                language: languageName(incident.reporter_language, request.lang),
              })}
            </p>
            ${
              view.suggestions.length === 0
                ? html`<p id="no-suggestions">${t('dispatch.no_suggestions')}</p>`
                : html`<div class="table-scroll">
                    <table id="suggestions">
                      <thead>
                        <tr>
                          <th>${t('dispatch.col_rank')}</th>
                          <th>${t('dispatch.col_responder')}</th>
                          <th>${t('dispatch.col_why')}</th>
                          <th>${t('dispatch.col_languages')}</th>
                          <th></th>
                        </tr>
                      </thead>
                      <tbody>
                        ${view.suggestions.map(
                          (s, i) =>
                            html`<tr data-id="${s.userId}">
                              <td>${i + 1}</td>
                              <td>${s.displayName || t('dispatch.no_name')}</td>
                              <td>${explainSuggestion(page, s, incident.reporter_language)}</td>
                              <td>${languageList(s.languages, request.lang)}</td>
                              <td>${sendForm(s)}</td>
                            </tr>`,
                        )}
                      </tbody>
                    </table>
                  </div>`
            }`
        : ''
    }`;
  return renderPage({
    ...page,
    title: t('dispatch.panel_title', { reference: incident.reference }),
    body,
    console: true,
  });
}

// ---------------------------------------------------------------------------------------------------------
// The dispatch page (responder, phone-sized)

export interface DispatchPageState {
  csrfToken: string;
  notice?: Notice;
  /** The answer form as typed, with its problem. */
  eta?: string;
  answerError?: FieldError;
  values: VerificationFormValues;
  errors: VerificationFormErrors;
  formExpired?: boolean;
  photoDropped?: boolean;
}

function whereBlock(page: Page, data: DispatchPage): Html {
  const t = page.request.t;
  const { incident, point } = data;
  const items: Html[] = [];
  if (incident.zip) items.push(html`<li>${t('dispatch.zip')} ${incident.zip}</li>`);
  for (const location of data.locations) items.push(html`<li class="user-text">${location}</li>`);
  if (point) {
    const coordinates = `${point.lat.toFixed(5)},${point.lon.toFixed(5)}`;
    // geo: opens the phone's own map app; the page itself loads nothing from anywhere.
    items.push(
      html`<li><a href="geo:${coordinates}?q=${coordinates}">${t('verify.open_map')}</a> (${coordinates})</li>`,
    );
  }
  return html`<h2>${t('verify.where')}</h2>
    ${items.length === 0 ? html`<p>${t('verify.where_unknown')}</p>` : html`<ul class="where">${items}</ul>`}
    ${data.summary ? html`<p class="user-text">${data.summary}</p>` : ''}`;
}

function answerStatus(page: Page, d: DispatchRow): Html {
  const t = page.request.t;
  const eta = etaText(page, d);
  return html`<p id="dispatch-status">
    ${t('verify.your_status')}: <strong>${dispatchStatusLabel(t, d.status)}</strong>${eta ? html` · ${eta}` : ''}
  </p>`;
}

function answerForms(page: Page, data: DispatchPage, state: DispatchPageState): Html {
  const t = page.request.t;
  const { dispatch } = data;
  const action = `/console/dispatches/${dispatch.id}/answer`;
  const canAnswer = dispatch.status === 'sent' || dispatch.status === 'on_way';
  if (!canAnswer) return answerStatus(page, dispatch);
  const error = state.answerError;
  return html`${answerStatus(page, dispatch)}
    <form method="post" action="${action}" class="field-form" id="answer-on-way" novalidate>
      ${csrfField(state.csrfToken)}
      <label for="eta"
        >${t('verify.eta')} <span class="hint" id="eta-hint">${t('verify.eta_hint')}</span></label
      >${fieldError(t, 'eta', error)}
      <input type="number" id="eta" name="eta" inputmode="numeric" min="0" max="${MAX_ETA_MINUTES}"
        value="${state.eta ?? ''}" aria-describedby="eta-hint${error ? ' eta-error' : ''}"${error ? html` aria-invalid="true"` : ''}>
      <button type="submit" name="answer" value="on_way">
        ${t(dispatch.status === 'on_way' ? 'verify.update_eta' : 'verify.on_my_way')}
      </button>
    </form>
    <form method="post" action="${action}" class="field-form" id="answer-arrived">
      ${csrfField(state.csrfToken)}
      <button type="submit" name="answer" value="arrived">${t('verify.arrived')}</button>
    </form>
    <form method="post" action="${action}" class="field-form" id="answer-declined">
      ${csrfField(state.csrfToken)}
      <button type="submit" name="answer" value="declined" class="secondary">${t('verify.cannot_go')}</button>
    </form>`;
}

function verificationForm(page: Page, data: DispatchPage, state: DispatchPageState): Html {
  const t = page.request.t;
  const { values, errors } = state;
  const value = (name: VerificationTextField): string =>
    errors[name]?.key === 'verify.error_encoding' ? '' : (values[name] ?? '');
  const invalid = (name: VerificationField): Html | string =>
    errors[name] ? html` aria-invalid="true"` : '';
  const error = (name: VerificationField): Html | string => fieldError(t, name, errors[name]);
  const optional = html`<span class="hint-inline">(${t('verify.optional')})</span>`;
  const radio = (name: VerificationTextField, option: string, text: string): Html =>
    html`<label class="choice"
      ><input type="radio" name="${name}" value="${option}"${value(name) === option ? html` checked` : ''}>
      ${text}</label
    >`;
  const identified = new Set(values.identified_by ?? []);
  const hasErrors = Object.keys(errors).length > 0;

  // The action's #verify brings a phone back to the form, not the top of the page, when it returns with problems.
  return html`<h2 id="verify">${t('verify.heading')}</h2>
    ${state.formExpired ? html`<p class="notice error" role="alert">${t('verify.form_expired')}</p>` : ''}
    ${hasErrors ? html`<p class="notice error" role="alert">${t('verify.errors_intro')}</p>` : ''}
    ${state.photoDropped ? html`<p class="notice">${t('verify.photo_reattach')}</p>` : ''}
    <form method="post" action="/console/dispatches/${data.dispatch.id}#verify" enctype="multipart/form-data"
      class="field-form" id="verification-form" novalidate>
      ${csrfField(state.csrfToken)}
      <fieldset${invalid('anyone_present')}>
        <legend>${t('verify.anyone_present')}</legend>
        ${error('anyone_present')}
        ${radio('anyone_present', 'yes', t('verify.present_yes'))}
        ${radio('anyone_present', 'no', t('verify.present_no'))}
      </fieldset>

      <label for="agency">${t('verify.agency')}</label>${error('agency')}
      <select id="agency" name="agency"${invalid('agency')}>
        ${REPORT_AGENCIES.map(
          (a) =>
            html`<option value="${a}"${value('agency') === a ? html` selected` : ''}>${agencyLabel(t, a)}</option>`,
        )}
      </select>

      <fieldset${invalid('identified_by')}>
        <legend>${t('verify.identified_by')} ${optional}</legend>
        ${error('identified_by')}
        ${IDENTIFIED_BY.map(
          (way) =>
            html`<label class="choice"
              ><input type="checkbox" name="identified_by" value="${way}"${identified.has(way) ? html` checked` : ''}>
              ${t(`verify.identified_${way}` as MessageKey)}</label
            >`,
        )}
      </fieldset>

      <label for="activity">${t('verify.activity')} ${optional}</label>${error('activity')}
      <select id="activity" name="activity"${invalid('activity')}>
        <option value="">${t('verify.activity_none')}</option>
        ${REPORT_ACTIVITIES.map(
          (a) =>
            html`<option value="${a}"${value('activity') === a ? html` selected` : ''}>${activityLabel(t, a)}</option>`,
        )}
      </select>

      <label for="agents_count">${t('verify.agents_count')} ${optional}</label>${error('agents_count')}
      <input type="number" id="agents_count" name="agents_count" inputmode="numeric" min="0" max="1000"
        value="${value('agents_count')}"${invalid('agents_count')}>

      <label for="vehicles_count">${t('verify.vehicles_count')} ${optional}</label>${error('vehicles_count')}
      <input type="number" id="vehicles_count" name="vehicles_count" inputmode="numeric" min="0" max="1000"
        value="${value('vehicles_count')}"${invalid('vehicles_count')}>

      <label for="notes"
        >${t('verify.notes')} ${optional} <span class="hint" id="notes-hint">${t('verify.notes_hint')}</span></label
      >${error('notes')}
      <textarea id="notes" name="notes" rows="4" maxlength="${MAX_NOTES_CHARS}" aria-describedby="notes-hint"${invalid('notes')}>${value('notes')}</textarea>

      <fieldset${invalid('outcome')}>
        <legend>${t('verify.outcome')}</legend>
        ${error('outcome')}
        ${VERIFICATION_OUTCOMES.map((o) => radio('outcome', o, t(`verify.outcome_${o}` as MessageKey)))}
      </fieldset>

      <label for="photo"
        >${t('verify.photo')} ${optional} <span class="hint" id="photo-hint">${t('verify.photo_hint')}</span></label
      >${error('photo')}
      <input type="file" id="photo" name="photo" accept="image/jpeg,image/png" data-max-bytes="${MAX_PHOTO_BYTES}"
        aria-describedby="photo-hint"${invalid('photo')}>

      <button type="submit">${t('verify.save')}</button>
    </form>`;
}

function verificationSummary(page: Page, dispatchId: string, v: VerificationView): Html {
  const t = page.request.t;
  const item = (label: MessageKey, value: Html | string | number): Html =>
    html`<dt>${t(label)}</dt>
      <dd>${value}</dd>`;
  const none = t('verify.not_given');
  return html`<h2>${t('verify.recorded_heading')}</h2>
    <dl class="verification" id="verification">
      ${item('verify.outcome', html`<strong>${t(`verify.outcome_${v.outcome}` as MessageKey)}</strong>`)}
      ${item('verify.recorded_at', time(page, v.createdAt))}
      ${item('verify.anyone_present', t(v.anyonePresent ? 'verify.present_yes' : 'verify.present_no'))}
      ${item('verify.agency', agencyLabel(t, v.agency))}
      ${item(
        'verify.identified_by',
        v.identifiedBy.length === 0
          ? none
          : v.identifiedBy.map((way) => t(`verify.identified_${way}` as MessageKey)).join(', '),
      )}
      ${item('verify.activity', v.activity ? activityLabel(t, v.activity) : none)}
      ${item('verify.agents_count', v.agentsCount ?? none)}
      ${item('verify.vehicles_count', v.vehiclesCount ?? none)}
      ${item('verify.notes', v.notes ? html`<span class="user-text">${v.notes}</span>` : none)}
    </dl>
    ${
      v.photo
        ? html`<p>
              <img class="report-photo" src="/console/dispatches/${dispatchId}/photo" alt="${t('verify.photo_alt')}" />
            </p>
            ${v.photo.sha256 ? html`<p class="hint">${t('verify.photo_sha256')}: <code>${v.photo.sha256}</code></p>` : ''}`
        : ''
    }`;
}

export function renderDispatchPage(page: Page, data: DispatchPage, state: DispatchPageState): Html {
  const t = page.request.t;
  const { dispatch, incident } = data;
  const isResponder = data.viewer === 'responder';
  const canVerify = isResponder && OPEN_DISPATCH_STATUSES.includes(dispatch.status);
  const body = html`<p>
      ${
        isResponder
          ? html`<a href="/console/profile">${t('verify.back_to_profile')}</a>`
          : html`<a href="/console/incidents/${incident.id}/dispatch">${t('verify.back_to_panel')}</a>`
      }
    </p>
    <h1>${t('verify.title', { reference: incident.reference })}</h1>
    <p id="incident-status">
      <span class="status">${t('verify.incident_status', { status: incidentStatusLabel(t, incident.status) })}</span>
    </p>
    <p class="notice error" role="note"><strong>${t('verify.safety')}</strong></p>
    ${noticeBlock(state.notice)}
    ${
      isResponder && dispatch.status !== 'cancelled'
        ? html`<p><a href="/console/incidents/${incident.id}/evidence" id="dispatch-evidence"
              >${t('evidence.dispatch_link')}</a
            ></p>`
        : ''
    }
    ${
      isResponder
        ? ''
        : html`<p id="dispatch-overview">
            ${t('verify.responder', { name: dispatch.responder_name || t('dispatch.no_name') })} ·
            <span class="status">${dispatchStatusLabel(t, dispatch.status)}</span>
            ${etaText(page, dispatch) ? html` · ${etaText(page, dispatch)}` : ''}
          </p>`
    }
    ${whereBlock(page, data)}
    ${isResponder ? html`<h2>${t('verify.answer_heading')}</h2>${answerForms(page, data, state)}` : ''}
    ${
      isResponder && dispatch.status !== 'declined'
        ? html`<p>
            <a class="button" id="observation-log-link" href="/console/incidents/${incident.id}/log"
              >${t('observations.open_log')}</a
            >
          </p>`
        : ''
    }
    ${
      data.verification
        ? verificationSummary(page, dispatch.id, data.verification)
        : canVerify
          ? verificationForm(page, data, state)
          : dispatch.status === 'cancelled'
            ? html`<p id="dispatch-closed" class="notice" role="status">${t('verify.called_off')}</p>`
            : dispatch.status === 'declined'
              ? html`<p id="dispatch-closed">${t('verify.closed', { status: dispatchStatusLabel(t, dispatch.status) })}</p>`
              : ''
    }`;
  return renderPage({
    ...page,
    title: t('verify.title', { reference: incident.reference }),
    body,
    console: true,
  });
}
