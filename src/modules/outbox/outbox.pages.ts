// The console outbox page. Message text is interpolated through html``, which escapes it.
import type { FastifyRequest } from 'fastify';
import type { SmsProvider } from '../../config/config.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import { formatTime } from '../../i18n/time.ts';
import { OUTBOX_PAGE_SIZE, type OutboxView } from './outbox.service.ts';

interface Page {
  request: FastifyRequest;
  networkName: string;
  timeZone: string;
  retentionDays: number;
}

export function renderOutbox(page: Page, view: OutboxView, provider: SmsProvider): Html {
  const { request } = page;
  const { entries, hidden } = view;
  const t = request.t;
  const body = html`<h1>${t('outbox.title')}</h1>
    <p>
      ${provider === 'console' ? t('outbox.intro', { count: OUTBOX_PAGE_SIZE }) : t('outbox.provider_twilio')}
      ${t('outbox.retention', { days: page.retentionDays })}
    </p>
    ${hidden > 0 ? html`<p class="hint" id="outbox-hidden">${t('outbox.hidden', { count: hidden })}</p>` : ''}
    ${
      entries.length === 0
        ? html`<p id="outbox-empty">${t('outbox.empty')}</p>`
        : html`<div class="table-scroll" tabindex="0" role="region" aria-label="${t('outbox.title')}"><table class="reports outbox">
            <thead>
              <tr>
                <th>${t('outbox.col_time')}</th>
                <th>${t('outbox.col_to')}</th>
                <th>${t('outbox.col_body')}</th>
                <th>${t('outbox.col_segments')}</th>
              </tr>
            </thead>
            <tbody>
              ${entries.map(
                (entry) =>
                  html`<tr data-id="${entry.id}">
                    <td>${formatTime(entry.createdAt, request.lang, page.timeZone)}</td>
                    <td class="phone">${entry.maskedTo}</td>
                    <td><span class="user-text">${entry.body}</span></td>
                    <td>${entry.segments}</td>
                  </tr>`,
              )}
            </tbody>
          </table></div>`
    }`;
  return renderPage({ ...page, title: t('outbox.title'), body, console: true });
}
