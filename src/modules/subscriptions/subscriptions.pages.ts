// The public /alerts pages: plain forms that work on any phone. What was typed comes back on every error.
// The sign-up form asks the browser for a proof of work (src/http/assets/proof-of-work.js) before Amparo
// texts a code, so without JavaScript it is not shown: the page says to sign up by texting ALERTS instead,
// which cannot be used to make Amparo text anyone else.
import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { ProofOfWorkChallenge } from '../../http/proof-of-work.ts';
import { displayPhone } from '../../phone/phone.ts';
import type { SignupErrors, SignupForm } from './subscriptions.schemas.ts';

interface Page {
  request: FastifyRequest;
  networkName: string;
}

/** Why the form came back with nothing sent, besides a field's error. */
export type SignupNotice =
  'alerts.form_expired' | 'alerts.error_proof' | 'alerts.error_no_proof' | 'alerts.error_over_cap';

function errorLine(id: string, text: string | undefined): Html | string {
  return text ? html`<p class="field-error" id="${id}-error">${text}</p>` : '';
}

/** "Text ALERTS 60623 to (312) 555-0100" (the number as people write it): the way in that needs no form. */
function byText(page: Page, hotlineNumber: string | undefined, key: 'by_text' | 'no_javascript'): string {
  const t = page.request.t;
  return hotlineNumber
    ? t(`alerts.${key}`, { hotline: displayPhone(hotlineNumber) })
    : t(`alerts.${key}_no_phone`);
}

export function renderSignup(
  page: Page,
  state: {
    values: SignupForm;
    errors: SignupErrors;
    csrfToken: string;
    challenge: ProofOfWorkChallenge;
    hotlineNumber: string | undefined;
    notice?: SignupNotice;
  },
): Html {
  const t = page.request.t;
  const error = (field: 'phone' | 'zips') => {
    const problem = state.errors[field];
    return problem ? t(problem.key, problem.params) : undefined;
  };
  const language =
    state.values.language === 'es' || state.values.language === 'en'
      ? state.values.language
      : page.request.lang;
  const notice = state.notice
    ? state.notice === 'alerts.error_over_cap' || state.notice === 'alerts.error_no_proof'
      ? html`<p class="notice error" role="alert">${t(state.notice)} ${byText(page, state.hotlineNumber, 'by_text')}</p>`
      : html`<p class="notice error" role="alert">${t(state.notice)}</p>`
    : '';
  const body = html`<h1>${t('alerts.page_title')}</h1>
    <p>${t('alerts.page_intro')}</p>
    <p id="alerts-by-text">${byText(page, state.hotlineNumber, 'by_text')}</p>
    ${notice}
    <noscript><p class="notice" id="alerts-no-javascript">${byText(page, state.hotlineNumber, 'no_javascript')}</p></noscript>
    <p class="notice" id="alerts-no-proof" hidden>${byText(page, state.hotlineNumber, 'no_javascript')}</p>
    <form id="alerts-form" method="post" action="/alerts" novalidate hidden
      data-challenge="${JSON.stringify(state.challenge)}" data-working="${t('alerts.proof_working')}"
      data-failed="${t('alerts.proof_failed')}">
      <input type="hidden" name="_csrf" value="${state.csrfToken}">
      <input type="hidden" name="altcha" value="">
      <label for="phone">${t('alerts.phone')}</label>
      <p class="hint" id="phone-hint">${t('alerts.phone_hint')}</p>
      ${errorLine('phone', error('phone'))}
      <input type="tel" id="phone" name="phone" autocomplete="tel" maxlength="40" value="${state.values.phone}"
        aria-describedby="phone-hint${error('phone') ? ' phone-error' : ''}"${error('phone') ? html` aria-invalid="true"` : ''}>
      <label for="zips">${t('alerts.zips')}</label>
      <p class="hint" id="zips-hint">${t('alerts.zips_hint')}</p>
      ${errorLine('zips', error('zips'))}
      <input type="text" id="zips" name="zips" inputmode="numeric" maxlength="100" value="${state.values.zips}"
        aria-describedby="zips-hint${error('zips') ? ' zips-error' : ''}"${error('zips') ? html` aria-invalid="true"` : ''}>
      <label for="language">${t('alerts.language')}</label>
      <select id="language" name="language">
        <option value="en"${language === 'en' ? html` selected` : ''}>English</option>
        <option value="es"${language === 'es' ? html` selected` : ''}>Español</option>
      </select>
      <p class="hint" id="proof-status" role="status"></p>
      <button type="submit">${t('alerts.submit')}</button>
    </form>`;
  return renderPage({
    ...page,
    title: t('alerts.page_title'),
    body,
    scripts: ['/assets/proof-of-work.js'],
  });
}

export function renderConfirm(
  page: Page,
  state: {
    phone: string;
    code: string;
    csrfToken: string;
    hotlineNumber: string | undefined;
    error?: 'alerts.error_code' | 'alerts.error_code_expired' | 'alerts.error_phone' | 'alerts.form_expired';
  },
): Html {
  const t = page.request.t;
  const body = html`<h1>${t('alerts.confirm_title')}</h1>
    <p>
      ${
        state.hotlineNumber
          ? t('alerts.confirm_intro', { hotline: displayPhone(state.hotlineNumber) })
          : t('alerts.confirm_intro_no_phone')
      }
    </p>
    ${state.error ? html`<p class="notice error" role="alert">${t(state.error)}</p>` : ''}
    <form method="post" action="/alerts/confirm" novalidate>
      <input type="hidden" name="_csrf" value="${state.csrfToken}">
      <label for="phone">${t('alerts.phone')}</label>
      <input type="tel" id="phone" name="phone" autocomplete="tel" maxlength="40" value="${state.phone}">
      <label for="code">${t('alerts.code')}</label>
      <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="10"
        value="${state.code}">
      <button type="submit">${t('alerts.confirm_submit')}</button>
    </form>
    <p><a href="/alerts">${t('alerts.start_again')}</a></p>`;
  return renderPage({ ...page, title: t('alerts.confirm_title'), body });
}

export function renderConfirmed(page: Page): Html {
  const t = page.request.t;
  const body = html`<h1>${t('alerts.confirmed_title')}</h1>
    <p>${t('alerts.confirmed')}</p>`;
  return renderPage({ ...page, title: t('alerts.confirmed_title'), body });
}
