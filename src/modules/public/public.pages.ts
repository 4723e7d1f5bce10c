// Public pages: short, plain HTML that works on any phone without JavaScript.
import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import { translate } from '../../i18n/i18n.ts';
import { displayPhone } from '../../phone/phone.ts';
import { RIGHTS_POINTS } from './rights.ts';

interface Page {
  request: FastifyRequest;
  networkName: string;
}

/** The number as dialled: digits and a leading +, whatever spacing the operator configured. */
export function dialable(number: string): string {
  return number.replace(/[^\d+]/g, '');
}

/** Call and text buttons, the number shown as people write it. */
function hotlineButtons(page: Page, hotlineNumber: string): Html {
  const t = page.request.t;
  const shown = displayPhone(hotlineNumber);
  return html`<p>
      <a class="button" href="tel:${dialable(hotlineNumber)}">${t('public.call', { number: shown })}</a>
    </p>
    <p>
      <a class="button" href="sms:${dialable(hotlineNumber)}">${t('public.text', { number: shown })}</a>
    </p>`;
}

/** The way to community alerts, and what they are, in one line. */
export function alertsLink(page: Page): Html {
  const t = page.request.t;
  return html`<p>${t('public.alerts_line')}</p>
    <p><a href="/alerts">${t('public.alerts_signup')}</a></p>`;
}

export function renderHome(page: Page, hotlineNumber: string | undefined): Html {
  const t = page.request.t;
  const body = html`<h1>${t('public.home_title')}</h1>
    <p>${t('public.home_intro')}</p>
    ${
      hotlineNumber
        ? html`<section>
            <h2>${t('public.hotline_heading')}</h2>
            ${hotlineButtons(page, hotlineNumber)}
          </section>`
        : ''
    }
    <section>
      <h2>${t('public.online_heading')}</h2>
      <p>${t('public.online_intro')}</p>
      <p><a class="button" href="/report">${t('public.report_link')}</a></p>
    </section>
    <section>
      <h2>${t('public.alerts_link')}</h2>
      ${alertsLink(page)}
    </section>
    <section>
      <h2>${t('public.rights_heading')}</h2>
      <p><a href="/rights">${t('public.rights_link')}</a></p>
    </section>`;
  return renderPage({ ...page, title: t('public.home_title'), body });
}

/**
 * The card prints alone, wallet sized (rights.css): the points in the reader's language on the front, and
 * on the back, in English, what to hand the agent, as on the ILRC red cards.
 */
function rightsCard(page: Page, hotlineNumber: string | undefined): Html {
  const t = page.request.t;
  return html`<div class="rights-card">
    <div class="card-side">
      <p class="card-title">${t('rights.card_front_title')}</p>
      <ul>
        ${RIGHTS_POINTS.map((point) => html`<li>${t(point.line)}</li>`)}
      </ul>
      ${
        hotlineNumber
          ? html`<p class="card-hotline">${t('rights.card_hotline', { hotline: displayPhone(hotlineNumber) })}</p>`
          : ''
      }
    </div>
    <div class="card-side" lang="en">
      <p class="card-title">${translate('en', 'rights.card_back_title')}</p>
      <p>${translate('en', 'rights.card_statement')}</p>
    </div>
  </div>`;
}

export function renderRights(page: Page, hotlineNumber: string | undefined): Html {
  const t = page.request.t;
  const english = page.request.lang === 'en';
  const body = html`<h1>${t('rights.title')}</h1>
    <p>${t('rights.intro')}</p>
    <p class="notice" id="not-legal-advice">${t('rights.not_advice')}</p>
    <p><a href="#rights-card">${t('public.card_link')}</a></p>
    <ol class="rights-points">
      ${RIGHTS_POINTS.map(
        (point) => html`<li>
          <h2>${t(point.line)}</h2>
          <p>${t(point.more)}</p>
        </li>`,
      )}
    </ol>
    <section aria-labelledby="legal-help">
      <h2 id="legal-help">${t('rights.help_heading')}</h2>
      ${
        hotlineNumber
          ? html`<p>${t('rights.help_intro', { network: page.networkName })}</p>
              ${hotlineButtons(page, hotlineNumber)}`
          : html`<p>${t('rights.help_no_phone')}</p>
              <p><a class="button" href="/report">${t('public.report_link')}</a></p>`
      }
    </section>
    <section class="rights-card-section" id="rights-card" aria-labelledby="card-heading">
      <h2 id="card-heading">${t('rights.card_heading')}</h2>
      <p>${t('rights.card_print')}</p>
      ${rightsCard(page, hotlineNumber)}
      ${
        english
          ? ''
          : html`<p>${t('rights.card_statement_intro')}</p>
              <blockquote>${t('rights.card_statement')}</blockquote>`
      }
    </section>`;
  return renderPage({ ...page, title: t('rights.title'), body, stylesheets: ['/assets/rights.css'] });
}
