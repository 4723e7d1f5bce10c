// The observation log's pages: the log (a short form on top for the people sent to the incident, the merged
// timeline below), an entry's edit form, and the timeline section on the incident page. Complete without
// JavaScript; with it, /assets/observations-log.js keeps entries written without signal and sends them later.
import type { FastifyRequest } from 'fastify';
import { OBSERVATION_KINDS, type ObservationKind } from '../../db/schema.ts';
import type { ConsolePage } from '../../http/console-page.ts';
import { csrfField, fieldError, formErrorSummary, type FormErrors } from '../../http/form.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { formatTime, zoneAbbreviation } from '../../i18n/time.ts';
import type { ObservationTimelineEntry } from './observations.service.ts';
import { MAX_OBSERVATION_CHARS, type ObservationField, OBSERVATION_FIELDS } from './observations.schemas.ts';

export interface EntryFormState {
  csrfToken: string;
  /** The id this form's entry will carry: sending the same form twice stores one entry. */
  clientId: string;
  values: Partial<Record<ObservationField, string>>;
  errors: FormErrors<ObservationField>;
}

export interface LogView {
  incidentId: string;
  reference: string;
  /** Whether this person writes in the log (sent to the incident); otherwise they only read it. */
  mayWrite: boolean;
  viewerId: string;
  entries: ObservationTimelineEntry[];
}

export function kindLabel(t: Translator, kind: ObservationKind): string {
  return t(`observations.kind_${kind}` as MessageKey);
}

function entryForm(
  page: ConsolePage,
  action: string,
  state: EntryFormState,
  submit: MessageKey,
  id: string,
): Html {
  const t = page.request.t;
  const { values, errors } = state;
  const invalid = (name: ObservationField): Html | string => (errors[name] ? html` aria-invalid="true"` : '');
  const described = (name: ObservationField, hint?: string): Html | string => {
    const ids = [hint, errors[name] ? `${name}-error` : undefined].filter(Boolean).join(' ');
    return ids ? html` aria-describedby="${ids}"` : '';
  };
  const zone = zoneAbbreviation(new Date(), page.request.lang, page.timeZone);
  return html`${formErrorSummary(t, OBSERVATION_FIELDS, errors, {
    idOf: (field) => (field === 'kind' ? 'kind-arrival' : field),
  })}
    <form method="post" action="${action}" class="field-form observation-form" id="${id}" novalidate
      data-pending-one="${t('observations.pending', { count: 1 })}"
      data-pending-other="${t('observations.pending', { count: 2 })}"
      data-kept-offline="${t('observations.kept_offline')}">
      ${csrfField(state.csrfToken)}
      <input type="hidden" name="client_id" value="${state.clientId}" />
      <fieldset class="observation-kinds"${invalid('kind')}${described('kind')}>
        <legend>${t('observations.kind_label')}</legend>
        ${fieldError(t, 'kind', errors.kind)}
        ${OBSERVATION_KINDS.map(
          (kind) =>
            html`<label class="choice"
              ><input type="radio" name="kind" id="kind-${kind}" value="${kind}"${values.kind === kind ? html` checked` : ''}>
              ${kindLabel(t, kind)}</label
            >`,
        )}
      </fieldset>
      <label for="text">${t('observations.text_label')}</label>${fieldError(t, 'text', errors.text)}
      <textarea id="text" name="text" rows="4" maxlength="${MAX_OBSERVATION_CHARS}"${invalid('text')}${described('text')}>${values.text ?? ''}</textarea>
      <label for="event_at">${t('observations.event_at_label')}</label>
      <span class="hint" id="event_at-hint">${t('observations.event_at_hint', { zone })}</span>
      ${fieldError(t, 'event_at', errors.event_at)}
      <input type="datetime-local" id="event_at" name="event_at" value="${values.event_at ?? ''}"${invalid('event_at')}${described('event_at', 'event_at-hint')} />
      <button type="submit" class="big">${t(submit)}</button>
    </form>`;
}

/** An entry's earlier texts, under a "edited" disclosure. */
function historyBlock(page: ConsolePage, entry: ObservationTimelineEntry): Html | string {
  const { t, lang } = page.request;
  if (!entry.edited) return '';
  return html`<details class="observation-history">
    <summary>${t('observations.edited')}</summary>
    <p class="hint">${t('observations.history')}</p>
    <ol>
      ${entry.history.map(
        (version) =>
          html`<li>
            ${t('observations.history_item', {
              time: formatTime(version.replacedAt, lang, page.timeZone),
              kind: kindLabel(t, version.kind),
              eventTime: formatTime(version.eventAt, lang, page.timeZone),
            })}
            <br /><span class="user-text">${version.text}</span>
          </li>`,
      )}
    </ol>
  </details>`;
}

/** The merged timeline: every observer's entries in the order things happened. */
export function renderObservationTimeline(
  page: ConsolePage,
  incidentId: string,
  entries: readonly ObservationTimelineEntry[],
  editableBy?: string,
): Html {
  const { t, lang } = page.request;
  if (entries.length === 0)
    return html`<p class="hint" id="observations-empty">${t('observations.timeline_empty')}</p>`;
  return html`<p class="hint">${t('observations.timeline_count', { count: entries.length })}</p>
    <ol class="timeline observation-timeline" id="observation-timeline">
      ${entries.map(
        (entry) =>
          html`<li id="entry-${entry.id}" class="observation-entry">
            <time datetime="${entry.eventAt.toISOString()}">${formatTime(entry.eventAt, lang, page.timeZone)}</time>
            · <strong>${kindLabel(t, entry.kind)}</strong> ·
            <span class="actor">${t('observations.by', { name: entry.authorName ?? t('observations.unknown_author') })}</span>
            ${entry.edited ? html`· <span class="badge-edited">${t('observations.edited')}</span>` : ''}
            <br /><span class="user-text">${entry.text}</span>
            <br /><span class="hint">${t('observations.written_at', {
              time: formatTime(entry.writtenAt, lang, page.timeZone),
            })}</span>
            ${historyBlock(page, entry)}
            ${
              editableBy === entry.authorId
                ? html`<a class="edit-entry" href="/console/incidents/${incidentId}/log/${entry.id}/edit"
                    >${t('observations.edit')}</a
                  >`
                : ''
            }
          </li>`,
      )}
    </ol>`;
}

export function renderLogPage(page: ConsolePage, view: LogView, state: EntryFormState): Html {
  const t = page.request.t;
  const body = html`<h1>${t('observations.log_title', { reference: view.reference })}</h1>
    ${
      view.mayWrite
        ? html`<p>${t('observations.log_intro')}</p>
            <p class="notice" id="observations-pending" role="status" hidden></p>
            ${entryForm(page, `/console/incidents/${view.incidentId}/log`, state, 'observations.save', 'observation-form')}`
        : html`<p class="hint" id="observations-read-only">${t('observations.read_only')}</p>`
    }
    <section aria-labelledby="observations-heading">
      <h2 id="observations-heading">${t('observations.timeline_heading')}</h2>
      ${renderObservationTimeline(page, view.incidentId, view.entries, view.mayWrite ? view.viewerId : undefined)}
    </section>`;
  return renderPage({
    ...page,
    title: t('observations.log_title', { reference: view.reference }),
    body,
    console: true,
    stylesheets: ['/assets/observations.css'],
    ...(view.mayWrite ? { scripts: ['/assets/observations-queue.js', '/assets/observations-log.js'] } : {}),
  });
}

export function renderEditPage(
  page: ConsolePage,
  view: { incidentId: string; reference: string; entryId: string },
  state: EntryFormState,
): Html {
  const t = page.request.t;
  const body = html`<h1>${t('observations.edit_title', { reference: view.reference })}</h1>
    <p class="hint">${t('observations.edit_hint')}</p>
    ${entryForm(page, `/console/incidents/${view.incidentId}/log/${view.entryId}`, state, 'observations.save_change', 'observation-edit-form')}
    <p><a href="/console/incidents/${view.incidentId}/log">${t('observations.back_to_log')}</a></p>`;
  return renderPage({
    ...page,
    title: t('observations.edit_title', { reference: view.reference }),
    body,
    console: true,
    stylesheets: ['/assets/observations.css'],
  });
}

/** The section on the incident page: the merged timeline and the way to the log. */
export function renderIncidentObservations(
  request: FastifyRequest,
  page: ConsolePage,
  incidentId: string,
  entries: readonly ObservationTimelineEntry[],
): Html {
  const t = request.t;
  return html`<section aria-labelledby="observations-heading" id="observations">
    <h2 id="observations-heading">${t('observations.timeline_heading')}</h2>
    ${renderObservationTimeline(page, incidentId, entries)}
    <p><a class="button secondary" href="/console/incidents/${incidentId}/log">${t('observations.open_log')}</a></p>
  </section>`;
}
