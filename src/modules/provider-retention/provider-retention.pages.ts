// The admins' page about copies at Twilio: counts only (no SID, number or text), and Twilio's answer for
// each kind of refusal, so an admin can take it up with Twilio. Everything goes through html``.
import type { FastifyRequest } from 'fastify';
import type { SmsProvider } from '../../config/config.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import type { CopiesSummary } from './provider-retention.service.ts';

interface Page {
  request: FastifyRequest;
  networkName: string;
}

const KIND_KEYS: Record<CopiesSummary['failures'][number]['kind'], MessageKey> = {
  message: 'provider_copies.kind_message',
  call: 'provider_copies.kind_call',
  media: 'provider_copies.kind_media',
  recording: 'provider_copies.kind_recording',
};

export function renderProviderCopies(
  page: Page,
  summary: CopiesSummary,
  provider: SmsProvider,
  csrfToken: string,
  retried: number | undefined,
): Html {
  const t = page.request.t;
  const rows: [MessageKey, number][] = [
    ['provider_copies.waiting', summary.waiting],
    ['provider_copies.due', summary.due],
    ['provider_copies.retrying', summary.retrying],
    ['provider_copies.failed', summary.failed],
  ];
  const body = html`<h1>${t('provider_copies.title')}</h1>
    ${
      retried === undefined
        ? ''
        : html`<p class="notice ok" role="status">${t('provider_copies.retried', { count: retried })}</p>`
    }
    <p>${t(provider === 'twilio' ? 'provider_copies.intro' : 'provider_copies.intro_console')}</p>
    <dl class="verification" id="provider-copies">
      ${rows.map(
        ([key, count]) => html`<dt>${t(key)}</dt>
          <dd data-count="${key.split('.')[1]}">${count}</dd>`,
      )}
    </dl>
    ${
      summary.failed === 0
        ? ''
        : html`<h2>${t('provider_copies.failures_title')}</h2>
          <p>${t('provider_copies.failures_intro')}</p>
          <table class="reports provider-failures">
            <thead>
              <tr>
                <th scope="col">${t('provider_copies.col_kind')}</th>
                <th scope="col">${t('provider_copies.col_answer')}</th>
                <th scope="col">${t('provider_copies.col_count')}</th>
              </tr>
            </thead>
            <tbody>
              ${summary.failures.map(
                (failure) => html`<tr>
                  <td>${t(KIND_KEYS[failure.kind])}</td>
                  <td><code>${failure.error}</code></td>
                  <td>${failure.count}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          <form method="post" action="/console/provider-copies/retry">
            <input type="hidden" name="_csrf" value="${csrfToken}" />
            <button type="submit">${t('provider_copies.retry')}</button>
          </form>`
    }`;
  return renderPage({ ...page, title: t('provider_copies.title'), body, console: true });
}
