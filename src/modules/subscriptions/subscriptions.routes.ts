// The public alert sign-up: /alerts takes a number, ZIP codes and a language and texts a code;
// /alerts/confirm takes the code back (double opt-in). Public forms with CSRF bound to the browser, rate
// limited like the report form; every error brings the form back filled in.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { normalizePhone } from '../../crypto/blind-index.ts';
import { PUBLIC } from '../../http/access.ts';
import type { HttpServices } from '../../http/app.ts';
import { ANONYMOUS_FORM_TOKEN_TTL_MS } from '../../http/csrf.ts';
import type { Html } from '../../http/html.ts';
import { htmlResponses } from '../../http/schemas.ts';
import { renderConfirm, renderConfirmed, renderSignup } from './subscriptions.pages.ts';
import {
  formBody,
  readConfirmForm,
  readSignupForm,
  validateSignupForm,
  type SignupErrors,
  type SignupForm,
} from './subscriptions.schemas.ts';
import { confirmOnWeb, signUpOnWeb } from './subscriptions.service.ts';

export function registerSubscriptionRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
): void {
  const networkName = context.config.networkName;
  const hotlineNumber = context.config.hotlineNumber;
  const rateLimit = { max: context.config.publicRateLimitPerMinute, timeWindow: '1 minute' };
  const page = (request: FastifyRequest) => ({ request, networkName });
  const send = (reply: FastifyReply, status: number, body: Html) =>
    reply.code(status).type('text/html; charset=utf-8').send(body.value);

  function signupPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    values: SignupForm,
    errors: SignupErrors = {},
    formExpired = false,
  ) {
    const csrfToken = services.csrf.issue(request.formBinding);
    return send(reply, status, renderSignup(page(request), { values, errors, csrfToken, formExpired }));
  }

  function confirmPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    state: { phone: string; code: string; error?: Parameters<typeof renderConfirm>[1]['error'] },
  ) {
    const csrfToken = services.csrf.issue(request.formBinding);
    return send(reply, status, renderConfirm(page(request), { ...state, csrfToken, hotlineNumber }));
  }

  app.get(
    '/alerts',
    { config: { access: PUBLIC }, schema: { response: htmlResponses() } },
    async (request, reply) =>
      signupPage(request, reply, 200, { phone: '', zips: '', language: request.lang }),
  );

  app.post(
    '/alerts',
    {
      config: { access: PUBLIC, csrf: 'handler', rateLimit },
      schema: { body: formBody, response: htmlResponses(403, 422) },
    },
    async (request, reply) => {
      const form = readSignupForm(request.body);
      const values = { phone: form.phone, zips: form.zips, language: form.language };
      const validation = validateSignupForm(values, request.lang);
      const verdict = services.csrf.verify(form.csrf, request.formBinding, ANONYMOUS_FORM_TOKEN_TTL_MS);
      if (verdict !== 'valid') {
        return signupPage(request, reply, 403, values, validation.ok ? {} : validation.errors, true);
      }
      if (!validation.ok) return signupPage(request, reply, 422, values, validation.errors);
      // Whether a code went out is not shown: the page must not tell who opted out or hit a cap.
      await signUpOnWeb(context, validation);
      return confirmPage(request, reply, 200, { phone: form.phone, code: '' });
    },
  );

  app.get(
    '/alerts/confirm',
    { config: { access: PUBLIC }, schema: { response: htmlResponses() } },
    async (request, reply) => confirmPage(request, reply, 200, { phone: '', code: '' }),
  );

  app.post(
    '/alerts/confirm',
    {
      config: { access: PUBLIC, csrf: 'handler', rateLimit },
      schema: { body: formBody, response: htmlResponses(403, 422) },
    },
    async (request, reply) => {
      const form = readConfirmForm(request.body);
      const state = { phone: form.phone, code: form.code };
      const verdict = services.csrf.verify(form.csrf, request.formBinding, ANONYMOUS_FORM_TOKEN_TTL_MS);
      if (verdict !== 'valid')
        return confirmPage(request, reply, 403, { ...state, error: 'alerts.form_expired' });
      const phone = normalizePhone(form.phone);
      if (phone === undefined)
        return confirmPage(request, reply, 422, { ...state, error: 'alerts.error_phone' });
      if (!/^\d{6}$/.test(form.code)) {
        return confirmPage(request, reply, 422, { ...state, error: 'alerts.error_code' });
      }
      const outcome = await confirmOnWeb(context, { phone, code: form.code });
      if (outcome === 'confirmed') return send(reply, 200, renderConfirmed(page(request)));
      return confirmPage(request, reply, 422, {
        ...state,
        error: outcome === 'expired' ? 'alerts.error_code_expired' : 'alerts.error_code',
      });
    },
  );
}
