// The status callback of every text Amparo sends except alerts (signed by Twilio, checked by the app before
// any handler), and the admins' page about copies at Twilio. Handlers parse, call the service, present.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { SIGNED_BY_TWILIO } from '../../http/access.ts';
import type { HttpServices } from '../../http/app.ts';
import { htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { TEXT_STATUS_PATH } from '../../integrations/twilio/status.ts';
import { EMPTY_TWIML, sendTwiml, twimlResponses } from '../../integrations/twilio/webhook.ts';
import { renderProviderCopies } from './provider-retention.pages.ts';
import { retryProviderCopies, viewProviderCopies } from './provider-retention.policy.ts';
import { recordTextStatus, retryFailedDeletions, summarizeCopies } from './provider-retention.service.ts';

const textStatusBody = {
  type: 'object',
  properties: {
    MessageSid: { type: 'string', maxLength: 64 },
    MessageStatus: { type: 'string', maxLength: 32 },
  },
} as const;

const retriedQuery = {
  type: 'object',
  properties: { retried: { type: 'integer', minimum: 0, maximum: 10_000_000 } },
} as const;

export const PROVIDER_COPIES_PATH = '/console/provider-copies';

export function registerProviderRetentionRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
): void {
  app.post<{ Body: { MessageSid?: string; MessageStatus?: string } }>(
    TEXT_STATUS_PATH,
    { config: { access: SIGNED_BY_TWILIO }, schema: { body: textStatusBody, response: twimlResponses() } },
    async (request, reply) => {
      const { MessageSid: messageSid, MessageStatus: status } = request.body;
      // No receipt: the ledger's write is the same whether a callback comes once or five times.
      if (messageSid && status) await recordTextStatus(context, { messageSid, status });
      return sendTwiml(reply, EMPTY_TWIML);
    },
  );

  app.get<{ Querystring: { retried?: number } }>(
    PROVIDER_COPIES_PATH,
    {
      config: { access: viewProviderCopies },
      schema: { querystring: retriedQuery, response: htmlResponses() },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const summary = await summarizeCopies(context);
      const page = renderProviderCopies(
        { request, networkName: context.config.networkName },
        summary,
        context.config.smsProvider,
        services.csrf.issue(principal.csrfSecret),
        request.query.retried,
      );
      return reply.type('text/html; charset=utf-8').send(page.value);
    },
  );

  app.post(
    `${PROVIDER_COPIES_PATH}/retry`,
    {
      config: { access: retryProviderCopies },
      schema: { response: { ...htmlResponses(), ...redirectResponse } },
    },
    async (request, reply) => {
      const count = await retryFailedDeletions(context, request.principal!.userId);
      return reply.redirect(`${PROVIDER_COPIES_PATH}?retried=${count}`, 303);
    },
  );
}
