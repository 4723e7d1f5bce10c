// Small pieces the case-tracking pages and case sections share: notices, field errors, the CSRF field.
import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../../http/html.ts';

export interface Page {
  request: FastifyRequest;
  networkName: string;
  timeZone: string;
}

export { csrfField } from '../../http/form.ts';

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

export function noticeBlock(notice: Notice | undefined): Html | string {
  if (!notice) return '';
  return html`<p class="notice ${notice.kind}" role="${notice.kind === 'error' ? 'alert' : 'status'}">
    ${notice.text}
  </p>`;
}

/** Line breaks a person typed (addresses, notes), kept on the page without trusting any markup. */
export function multiline(text: string): Html {
  const lines = text.split('\n');
  return html`${lines.map((line, i) => html`${i > 0 ? html`<br />` : ''}${line}`)}`;
}
