// The SMS webhook (access SIGNED_BY_TWILIO: checked before any handler) and the console's hotline text
// simulator. Handlers parse, call the service, present; the webhook's answer is TwiML, once per MessageSid.
import { randomInt } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { SIGNED_BY_TWILIO } from '../../http/access.ts';
import type { HttpServices } from '../../http/app.ts';
import { htmlResponses } from '../../http/schemas.ts';
import { message, response } from '../../integrations/twilio/twiml.ts';
import {
  answerOnce,
  EMPTY_TWIML,
  publishedUrl,
  sendTwiml,
  twimlResponses,
} from '../../integrations/twilio/webhook.ts';
import { TEXT_STATUS_PATH } from '../../integrations/twilio/status.ts';
import { recordIncomingText } from '../provider-retention/provider-retention.service.ts';
import { mayTextAnonymously } from '../../phone/phone.ts';
import { renderSimulator, SIMULATOR_PATH, type SimulatorState } from './sms.pages.ts';
import { useSimulator } from './sms.policy.ts';
import { parseIncomingSms, readSimulatorForm, validateSimulatorForm } from './sms.schemas.ts';
import { simulateText, takeIncomingText } from './sms.service.ts';

export const SMS_WEBHOOK_PATH = '/webhooks/twilio/sms';

function pretendNumber(): string {
  return `+1 312 555 01${String(randomInt(100)).padStart(2, '0')}`;
}

export function registerSmsRoutes(app: FastifyInstance, context: AppContext, services: HttpServices): void {
  // A reply reports its status like any text Amparo sends, so it is deleted at Twilio once final.
  const replyStatus = { action: publishedUrl(context.config.publicUrl, TEXT_STATUS_PATH) };
  app.post(
    SMS_WEBHOOK_PATH,
    { config: { access: SIGNED_BY_TWILIO }, schema: { response: twimlResponses() } },
    async (request, reply) => {
      const incoming = parseIncomingSms(request);
      const twiml = await answerOnce(
        context,
        `sms:${incoming.messageSid}`,
        context.clock.now(),
        async (trx) => {
          await recordIncomingText(trx, context, {
            messageSid: incoming.messageSid,
            mediaUrls: incoming.text.media.map((item) => item.url),
          });
          const answer = await takeIncomingText(context, trx, incoming.text);
          // The text is taken whoever sent it, but a reply goes only where a stranger may make Amparo text:
          // AMPARO_SMS_COUNTRIES, never a premium-rate, shared-cost or unassigned number.
          const mayReply = mayTextAnonymously(incoming.text.from, context.config.smsCountries);
          return answer === undefined || !mayReply ? EMPTY_TWIML : response(message(answer, replyStatus));
        },
      );
      return sendTwiml(reply, twiml);
    },
  );

  function showSimulator(
    request: FastifyRequest,
    reply: FastifyReply,
    state: Omit<SimulatorState, 'csrfToken' | 'replyWindowSeconds'>,
  ): FastifyReply {
    const page = { request, networkName: context.config.networkName };
    return reply.type('text/html; charset=utf-8').send(
      renderSimulator(page, {
        ...state,
        csrfToken: services.csrf.issue(request.principal!.csrfSecret),
        replyWindowSeconds: context.config.hotline.smsReplyWindowSeconds,
      }).value,
    );
  }

  app.get(
    SIMULATOR_PATH,
    { config: { access: useSimulator }, schema: { response: htmlResponses() } },
    async (request, reply) =>
      showSimulator(request, reply, { form: { phone: pretendNumber(), body: '', history: [] }, errors: {} }),
  );

  app.post(
    SIMULATOR_PATH,
    { config: { access: useSimulator }, schema: { response: htmlResponses() } },
    async (request, reply) => {
      const form = readSimulatorForm(request.body);
      const checked = validateSimulatorForm(form);
      if (!checked.ok) return showSimulator(request, reply.code(400), { form, errors: checked.errors });
      const answer = await simulateText(context, request.principal!.userId, {
        from: checked.from,
        body: form.body,
      });
      const history = [
        ...form.history,
        `> ${form.body}`,
        `< ${answer ?? request.t('sms.simulator_no_reply')}`,
      ];
      return showSimulator(request, reply, { form: { ...form, body: '', history }, errors: {} });
    },
  );
}
