// The public front door: what to do when you see enforcement, and the basics of your rights.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { PUBLIC } from '../../http/access.ts';
import { htmlResponses } from '../../http/schemas.ts';
import { renderHome, renderRights } from './public.pages.ts';

export function registerPublicRoutes(app: FastifyInstance, context: AppContext): void {
  const { networkName, hotlineNumber } = context.config;
  app.get(
    '/',
    { config: { access: PUBLIC }, schema: { response: htmlResponses() } },
    async (request, reply) =>
      reply.type('text/html; charset=utf-8').send(renderHome({ request, networkName }, hotlineNumber).value),
  );
  app.get(
    '/rights',
    { config: { access: PUBLIC }, schema: { response: htmlResponses() } },
    async (request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(renderRights({ request, networkName }, hotlineNumber).value),
  );
}
