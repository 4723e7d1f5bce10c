// The incident's media page (send a file: resumable with JavaScript, a plain form without) and an item's page
// (its working copy, its SHA-256, the download of the original with a reason, and its chain of custody).
import { formatFileSize } from '../../i18n/size.ts';
import { html, type Html } from '../../http/html.ts';
import type { ConsolePage } from '../../http/console-page.ts';
import { csrfField } from '../../http/form.ts';
import { renderPage, type Notice, noticeBlock } from '../../http/layout.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import { formatTime } from '../../i18n/time.ts';
import type { EvidenceCustodyAction, EvidenceKind } from '../../db/schema.ts';
import type { CustodyEntry, EvidenceItemSummary } from './evidence.service.ts';

const STYLESHEETS = ['/assets/evidence.css'];

const KIND_KEYS: Record<EvidenceKind, MessageKey> = {
  photo: 'evidence.kind_photo',
  video: 'evidence.kind_video',
  audio: 'evidence.kind_audio',
  other: 'evidence.kind_other',
};

const ACTION_KEYS: Record<EvidenceCustodyAction, MessageKey> = {
  received: 'evidence.action_received',
  viewed: 'evidence.action_viewed',
  downloaded: 'evidence.action_downloaded',
  exported: 'evidence.action_exported',
};

export interface EvidenceListState {
  incidentId: string;
  items: EvidenceItemSummary[];
  csrfToken: string;
  mayAdd: boolean;
  smallFileMegabytes: number;
  notice?: Notice | undefined;
}

export function renderEvidenceList(page: ConsolePage, state: EvidenceListState): Html {
  const t = page.request.t;
  const when = (date: Date) => formatTime(date, page.request.lang, page.timeZone);
  const action = `/console/incidents/${state.incidentId}/evidence`;
  const body = html`    <h1>${t('evidence.title')}</h1>
    ${noticeBlock(state.notice)}
    ${
      state.mayAdd
        ? html`<p>${t('evidence.intro')}</p>
          <form
            method="post"
            action="${action}"
            enctype="multipart/form-data"
            class="evidence-send"
            id="evidence-form"
            data-uploads="${action}/uploads"
            data-csrf="${state.csrfToken}"
            data-progress="${t('evidence.progress', { percent: '{percent}' })}"
            data-paused="${t('evidence.paused')}"
            data-done="${t('evidence.done', { sha256: '{sha256}' })}"
            data-failed="${t('evidence.failed')}"
          >
            ${csrfField(state.csrfToken)}
            <label for="evidence-file">${t('evidence.file_label')}</label>
            <input id="evidence-file" name="file" type="file" accept="image/*,video/*,audio/*" required />
            <p class="hint" id="evidence-small">${t('evidence.small_only', { max: state.smallFileMegabytes })}</p>
            <progress id="evidence-progress" max="100" value="0" hidden></progress>
            <p id="evidence-status" role="status" aria-live="polite"></p>
            <button type="submit">${t('evidence.send')}</button>
          </form>`
        : ''
    }
    <h2>${t('evidence.count', { count: state.items.length })}</h2>
    ${
      state.items.length === 0
        ? html`<p>${t('evidence.none')}</p>`
        : html`<ul class="evidence-custody evidence-list" id="evidence-items">
          ${state.items.map(
            (item) => html`<li data-sha256="${item.sha256}">
              <p><a href="/console/evidence/${item.id}">${item.fileName}</a></p>
              <dl>
                <dt>${t('evidence.col_kind')}</dt>
                <dd>${t(KIND_KEYS[item.kind])}</dd>
                <dt>${t('evidence.col_received')}</dt>
                <dd>${when(item.receivedAt)}</dd>
                <dt>${t('evidence.col_by')}</dt>
                <dd>${item.observerName ?? ''}</dd>
              </dl>
            </li>`,
          )}
        </ul>`
    }`;
  return renderPage({
    ...page,
    title: t('evidence.title'),
    body,
    console: true,
    stylesheets: STYLESHEETS,
    scripts: state.mayAdd ? ['/assets/evidence/tus.min.js', '/assets/evidence-upload.js'] : [],
  });
}

export interface EvidenceItemState {
  item: EvidenceItemSummary;
  custody: CustodyEntry[];
  csrfToken: string;
  reasonError?: boolean;
}

function workingCopy(page: ConsolePage, item: EvidenceItemSummary): Html {
  const t = page.request.t;
  const src = `/console/evidence/${item.id}/view`;
  if (item.workingCopy === 'pending') {
    return html`<p class="notice" id="evidence-working-pending">${t('evidence.working_copy_pending')}</p>`;
  }
  if (!item.workingContentType) return html`<p>${t('evidence.no_working_copy')}</p>`;
  if (item.kind === 'photo') return html`<img src="${src}" alt="${item.fileName}" />`;
  if (item.kind === 'video') return html`<video src="${src}" controls preload="metadata"></video>`;
  return html`<audio src="${src}" controls preload="metadata"></audio>`;
}

export function renderEvidenceItem(page: ConsolePage, state: EvidenceItemState): Html {
  const t = page.request.t;
  const { item } = state;
  const when = (date: Date) => formatTime(date, page.request.lang, page.timeZone);
  const body = html`    <p><a href="/console/incidents/${item.incidentId}/evidence">${t('evidence.back')}</a></p>
    <h1>${t('evidence.item_title')}</h1>
    <div class="evidence-view">${workingCopy(page, item)}</div>
    <dl class="verification">
      <dt>${t('evidence.file_name')}</dt>
      <dd>${item.fileName}</dd>
      <dt>${t('evidence.col_kind')}</dt>
      <dd>${t(KIND_KEYS[item.kind])}</dd>
      <dt>${t('evidence.size')}</dt>
      <dd>${t('evidence.size_value', { size: formatFileSize(item.size, page.request.lang), bytes: item.size })}</dd>
      <dt>${t('evidence.col_received')}</dt>
      <dd>${when(item.receivedAt)}</dd>
      <dt>${t('evidence.col_by')}</dt>
      <dd>${item.observerName ?? ''}</dd>
      <dt>${t('evidence.sha256')}</dt>
      <dd class="evidence-hash" id="evidence-sha256">${item.sha256}</dd>
    </dl>
    <h2>${t('evidence.download_title')}</h2>
    <form method="post" action="/console/evidence/${item.id}/download" class="evidence-send">
      ${csrfField(state.csrfToken)}
      <label for="evidence-reason">${t('evidence.reason')}</label>
      <p class="hint" id="evidence-reason-hint">${t('evidence.reason_hint')}</p>
      ${state.reasonError ? html`<p class="error" id="evidence-reason-error">${t('evidence.error_reason')}</p>` : ''}
      <input
        id="evidence-reason"
        name="reason"
        type="text"
        maxlength="300"
        required
        aria-describedby="evidence-reason-hint"
      />
      <button type="submit">${t('evidence.download')}</button>
    </form>
    <h2>${t('evidence.custody_title')}</h2>
    <ol class="evidence-custody" id="evidence-custody">
      ${state.custody.map(
        (entry) => html`<li data-action="${entry.action}">
          <dl>
            <dt>${t('evidence.col_action')}</dt>
            <dd>${t(ACTION_KEYS[entry.action])}</dd>
            <dt>${t('evidence.col_who')}</dt>
            <dd>${entry.actorName ?? ''}</dd>
            <dt>${t('evidence.col_when')}</dt>
            <dd>${when(entry.at)}</dd>
            ${
              entry.reason === null
                ? ''
                : html`<dt>${t('evidence.col_why')}</dt>
                  <dd>${entry.reason}</dd>`
            }
            <dt>${t('evidence.col_hash')}</dt>
            <dd class="evidence-hash">${entry.sha256}</dd>
          </dl>
        </li>`,
      )}
    </ol>`;
  return renderPage({
    ...page,
    title: t('evidence.item_title'),
    body,
    console: true,
    stylesheets: STYLESHEETS,
  });
}
