// The console's hotline text simulator. Everything typed is interpolated through html``, which escapes it.
import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { SimulatorErrors, SimulatorForm } from './sms.schemas.ts';

export const SIMULATOR_PATH = '/console/hotline/simulator';

interface Page {
  request: FastifyRequest;
  networkName: string;
}

export interface SimulatorState {
  form: SimulatorForm;
  errors: SimulatorErrors;
  csrfToken: string;
  replyWindowSeconds: number;
}

function transcriptLine(request: FastifyRequest, line: string): Html {
  const sent = line.startsWith('> ');
  const who = sent ? request.t('sms.simulator_you') : request.t('sms.simulator_hotline');
  return html`<li class="${sent ? 'sent' : 'answered'}">
    <strong>${who}:</strong> <span class="user-text">${line.slice(2)}</span>
  </li>`;
}

export function renderSimulator(page: Page, state: SimulatorState): Html {
  const { request } = page;
  const t = request.t;
  const { form, errors } = state;
  const error = (key: SimulatorErrors['phone']) =>
    key ? html`<p class="field-error" role="alert">${t(key)}</p>` : '';
  const body = html`<h1>${t('sms.simulator_title')}</h1>
    <p>${t('sms.simulator_intro')}</p>
    <p>${t('sms.simulator_window', { seconds: state.replyWindowSeconds })}</p>
    ${
      form.history.length > 0
        ? html`<ol class="sms-transcript" id="sms-transcript">
          ${form.history.map((line) => transcriptLine(request, line))}
        </ol>`
        : ''
    }
    <form method="post" action="${SIMULATOR_PATH}" class="simulator">
      <input type="hidden" name="_csrf" value="${state.csrfToken}" />
      ${form.history.map((line) => html`<input type="hidden" name="history" value="${line}" />`)}
      <p>
        <label for="sim-phone">${t('sms.simulator_phone')}</label>
        <input id="sim-phone" name="phone" type="tel" value="${form.phone}" required autocomplete="off" />
        <small>${t('sms.simulator_phone_hint')}</small>
        ${error(errors.phone)}
      </p>
      <p>
        <label for="sim-body">${t('sms.simulator_body')}</label>
        <textarea id="sim-body" name="body" rows="3" maxlength="1600" required autofocus></textarea>
        ${error(errors.body)}
      </p>
      <p><button type="submit">${t('sms.simulator_send')}</button></p>
    </form>`;
  return renderPage({ ...page, title: t('sms.simulator_title'), body, console: true });
}
