// Public pages: short, plain HTML that works on any phone without JavaScript.
import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';

interface Page {
  request: FastifyRequest;
  networkName: string;
}

/** The number as dialled: digits and a leading +, whatever spacing the operator configured. */
export function dialable(number: string): string {
  return number.replace(/[^\d+]/g, '');
}

export function renderHome(page: Page, hotlineNumber: string | undefined): Html {
  const t = page.request.t;
  const body = html`<h1>${t('public.home_title')}</h1>
    <p>${t('public.home_intro')}</p>
    ${
      hotlineNumber
        ? html`<section>
            <h2>${t('public.hotline_heading')}</h2>
            <p>
              <a class="button" href="tel:${dialable(hotlineNumber)}"
                >${t('public.call', { number: hotlineNumber })}</a
              >
            </p>
            <p>
              <a class="button" href="sms:${dialable(hotlineNumber)}"
                >${t('public.text', { number: hotlineNumber })}</a
              >
            </p>
          </section>`
        : ''
    }
    <section>
      <h2>${t('public.online_heading')}</h2>
      <p>${t('public.online_intro')}</p>
      <p><a class="button" href="/report">${t('public.report_link')}</a></p>
    </section>
    <section>
      <h2>${t('public.rights_heading')}</h2>
      <p><a href="/rights">${t('public.rights_link')}</a></p>
    </section>`;
  return renderPage({ ...page, title: t('public.home_title'), body });
}

export function renderRights(page: Page): Html {
  const t = page.request.t;
  const body = html`<h1>${t('public.rights_title')}</h1>
    <p>${t('public.rights_coming')}</p>
    <ul class="rights">
      <li>${t('public.rights_silent')}</li>
      <li>${t('public.rights_door')}</li>
      <li>${t('public.rights_sign')}</li>
      <li>${t('public.rights_lawyer')}</li>
    </ul>
    <p>${t('public.rights_everyone')}</p>
    <p><a class="button" href="/report">${t('public.report_link')}</a></p>`;
  return renderPage({ ...page, title: t('public.rights_title'), body });
}
