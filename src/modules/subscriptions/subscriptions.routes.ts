// The public alert sign-up: /alerts takes a number, ZIP codes and a language, checks the browser's proof of
// work and queues a texted code; /alerts/confirm takes the code back (double opt-in). Public forms with CSRF
// bound to the browser, rate limited like the report form; every error brings the form back filled in.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { PUBLIC } from '../../http/access.ts';
import type { HttpServices } from '../../http/app.ts';
import { ANONYMOUS_FORM_TOKEN_TTL_MS } from '../../http/csrf.ts';
import { ProofOfWork } from '../../http/proof-of-work.ts';
import { htmlResponses } from '../../http/schemas.ts';
import { sendHtml } from '../../http/html-reply.ts';
import { describeSmsCountries, normalizePhone } from '../../phone/phone.ts';
import { renderConfirm, renderConfirmed, renderSignup, type SignupNotice } from './subscriptions.pages.ts';
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
  const proofOfWork = new ProofOfWork({
    keyring: context.secrets.keyring,
    clock: context.clock,
    db: context.db,
    maxCounter: context.config.subscriptions.proofOfWork,
  });
  const page = (request: FastifyRequest) => ({ request, networkName });

  async function signupPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    values: SignupForm,
    errors: SignupErrors = {},
    notice?: SignupNotice,
  ) {
    const csrfToken = services.csrf.issue(request.formBinding);
    const challenge = await proofOfWork.challenge();
    return sendHtml(
      reply,
      renderSignup(page(request), { values, errors, csrfToken, challenge, hotlineNumber, notice }),
      status,
    );
  }

  function confirmPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    state: { phone: string; code: string; error?: Parameters<typeof renderConfirm>[1]['error'] },
  ) {
    const csrfToken = services.csrf.issue(request.formBinding);
    return sendHtml(reply, renderConfirm(page(request), { ...state, csrfToken, hotlineNumber }), status);
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
      schema: { body: formBody, response: htmlResponses(403, 422, 429) },
    },
    async (request, reply) => {
      const form = readSignupForm(request.body);
      const values = { phone: form.phone, zips: form.zips, language: form.language };
      const validation = validateSignupForm(values, request.lang, {
        allowed: context.config.smsCountries,
        places: describeSmsCountries(context.config.smsCountries, request.lang),
      });
      const verdict = services.csrf.verify(form.csrf, request.formBinding, ANONYMOUS_FORM_TOKEN_TTL_MS);
      if (verdict !== 'valid') {
        const errors = validation.ok ? {} : validation.errors;
        return signupPage(request, reply, 403, values, errors, 'alerts.form_expired');
      }
      if (!validation.ok) return signupPage(request, reply, 422, values, validation.errors);
      const proof = await proofOfWork.spend(form.proof);
      if (proof !== 'valid') {
        const notice = proof === 'missing' ? 'alerts.error_no_proof' : 'alerts.error_proof';
        return signupPage(request, reply, 422, values, {}, notice);
      }
      // The same answer, after the same work, whether or not the number once sent STOP.
      const outcome = await signUpOnWeb(context, { ...validation, clientAddress: request.ip });
      if (outcome === 'over_cap') return signupPage(request, reply, 429, values, {}, 'alerts.error_over_cap');
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
      if (outcome === 'confirmed') return sendHtml(reply, renderConfirmed(page(request)), 200);
      return confirmPage(request, reply, 422, {
        ...state,
        error: outcome === 'expired' ? 'alerts.error_code_expired' : 'alerts.error_code',
      });
    },
  );
}
