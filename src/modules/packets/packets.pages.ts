// The export page (choose items one by one, download the packet), the legal holds on the same page, and the
// network's signing key page. Everything goes through html``; no JavaScript is needed.
import { formatFileSize } from '../../i18n/size.ts';
import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { PacketScope } from './packets.access.ts';
import { HOLD_REASON_MAX, type LegalHoldView } from './packets.holds.ts';
import { kindLabel, type PacketChoices } from './packets.service.ts';

interface Page {
  request: FastifyRequest;
  networkName: string;
  formatWhen: (date: Date) => string;
}

export type PacketNotice = 'held' | 'lifted' | 'reason_missing' | undefined;

function noticeBlock(page: Page, notice: PacketNotice): Html | string {
  const t = page.request.t;
  switch (notice) {
    case undefined:
      return '';
    case 'held':
      return html`<p class="notice ok" role="status">${t('packets.hold_set')}</p>`;
    case 'lifted':
      return html`<p class="notice ok" role="status">${t('packets.hold_lifted')}</p>`;
    case 'reason_missing':
      return html`<div class="error-summary" role="alert" tabindex="-1">
        <h2>${t('packets.problem')}</h2>
        <ul>
          <li><a href="#hold-reason">${t('packets.hold_reason_required')}</a></li>
        </ul>
      </div>`;
  }
}

export function renderPacketPage(
  page: Page,
  view: {
    scope: PacketScope;
    basePath: string;
    choices: PacketChoices;
    holds: LegalHoldView[];
    fingerprint: string;
    csrfToken: string;
    notice: PacketNotice;
  },
): Html {
  const t = page.request.t;
  const { scope, choices } = view;
  const title = t('packets.title', { reference: scope.incident.reference });
  const body = html`<h1>${title}</h1>
    ${noticeBlock(page, view.notice)}
    <p>${t('packets.intro')}</p>
    <form method="post" action="${view.basePath}" id="packet-form">
      <input type="hidden" name="_csrf" value="${view.csrfToken}" />
      <fieldset>
        <legend><h2>${t('packets.items_legend')}</h2></legend>
        <p class="hint">${t('packets.items_hint')}</p>
        ${
          choices.items.length === 0
            ? html`<p id="no-items">${t('packets.no_items')}</p>`
            : html`<ul class="checkbox-list packet-items">
              ${choices.items.map(
                (item) => html`<li>
                  <input type="checkbox" name="item" value="${item.id}" id="item-${item.id}" />
                  <label for="item-${item.id}">
                    <strong>${item.originalFileName}</strong>
                    <span class="hint"
                      >${t('packets.item_line', {
                        kind: kindLabel(t, item.kind),
                        size: formatFileSize(item.size, page.request.lang),
                        when: page.formatWhen(item.receivedAt),
                        observer: item.observerName,
                      })}</span
                    >
                    <code class="hash">SHA-256 ${item.sha256}</code>
                  </label>
                </li>`,
              )}
            </ul>`
        }
      </fieldset>
      <p>${t('packets.timeline_included', { count: choices.timeline.length })}</p>
      <button type="submit" class="button">${t('packets.download')}</button>
    </form>
    <p class="hint">
      ${t('packets.key_fingerprint')} <code class="fingerprint">${view.fingerprint}</code>
      <a href="/console/signing-key">${t('packets.key_page_link')}</a>
    </p>
    <h2 id="holds">${t('packets.holds_title')}</h2>
    <p>${t(scope.caseRow ? 'packets.holds_intro_case' : 'packets.holds_intro')}</p>
    ${
      view.holds.length === 0
        ? html`<p id="no-holds">${t('packets.no_holds')}</p>`
        : html`<ul class="holds">
          ${view.holds.map(
            (hold) => html`<li>
              <p>
                <strong>${t(hold.on === 'case' ? 'packets.hold_on_case' : 'packets.hold_on_incident')}</strong>
                ${t('packets.hold_by', { name: hold.setBy, when: page.formatWhen(hold.setAt) })}
              </p>
              <p>${hold.reason}</p>
              <form method="post" action="/console/holds/${hold.id}/lift">
                <input type="hidden" name="_csrf" value="${view.csrfToken}" />
                <button type="submit" class="secondary">${t('packets.hold_lift')}</button>
              </form>
            </li>`,
          )}
        </ul>`
    }
    <form method="post" action="${view.basePath}/holds" id="hold-form">
      <input type="hidden" name="_csrf" value="${view.csrfToken}" />
      <label for="hold-reason">${t('packets.hold_reason')}</label>
      <p class="hint" id="hold-reason-hint">${t('packets.hold_reason_hint')}</p>
      <textarea
        id="hold-reason"
        name="reason"
        rows="3"
        maxlength="${HOLD_REASON_MAX}"
        aria-describedby="hold-reason-hint"
        required
      ></textarea>
      <button type="submit" class="button">${t('packets.hold_set_button')}</button>
    </form>`;
  return renderPage({ ...page, title, body, console: true });
}

export function renderSigningKeyPage(page: Page, key: { publicKeyHex: string; fingerprint: string }): Html {
  const t = page.request.t;
  const body = html`<h1>${t('packets.key_title')}</h1>
    <p>${t('packets.key_intro')}</p>
    <dl class="verification" id="signing-key">
      <dt>${t('packets.key_fingerprint')}</dt>
      <dd><code class="fingerprint">${key.fingerprint}</code></dd>
      <dt>${t('packets.key_public')}</dt>
      <dd><code class="hash">${key.publicKeyHex}</code></dd>
    </dl>
    <p>${t('packets.key_verify_hint')}</p>
    <pre class="hash">amparo evidence verify PACKET.zip --key ${key.publicKeyHex}</pre>`;
  return renderPage({ ...page, title: t('packets.key_title'), body, console: true });
}
