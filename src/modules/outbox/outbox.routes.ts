// The console outbox page: parse, authorize (outbox.policy.ts), call the service, present.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { htmlResponses } from '../../http/schemas.ts';
import { renderOutbox } from './outbox.pages.ts';
import { viewOutbox } from './outbox.policy.ts';
import { readOutbox } from './outbox.service.ts';

export function registerOutboxRoutes(app: FastifyInstance, context: AppContext): void {
  const { networkName, smsProvider } = context.config;
  app.get(
    '/console/outbox',
    { config: { access: viewOutbox }, schema: { response: htmlResponses() } },
    async (request, reply) => {
      const view = await readOutbox(context, request.principal!);
      return reply.type('text/html; charset=utf-8').send(
        renderOutbox(
          {
            request,
            networkName,
            timeZone: context.config.timeZone,
            retentionDays: context.config.outbox.retentionDays,
          },
          view,
          smsProvider,
        ).value,
      );
    },
  );
}
