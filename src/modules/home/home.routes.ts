// The home page at /console: what needs this staff member now, for every role they hold. Parse, authorize
// (home.policy.ts), read (home.service.ts), present (home.pages.ts).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { HttpServices } from '../../http/app.ts';
import { htmlResponses } from '../../http/schemas.ts';
import { enterHome, homePanelsFor } from './home.policy.ts';
import { renderHome } from './home.pages.ts';
import { loadHome } from './home.service.ts';

export function registerHomeRoutes(app: FastifyInstance, context: AppContext, services: HttpServices): void {
  const networkName = context.config.networkName;
  const timeZone = context.config.timeZone;

  app.get(
    '/console',
    { config: { access: enterHome }, schema: { response: htmlResponses() } },
    async (request, reply) => {
      const principal = request.principal!;
      const view = await loadHome(context, principal);
      const panels = homePanelsFor(principal.roles);
      // The incidents board's stream carries new reports and every incident change (dispatches and alerts
      // touch their incident): the one existing stream that says when the dispatch panels may have changed.
      const events =
        panels.triage || panels.incidents || panels.onTheWay ? ['/console/incidents/events'] : [];
      const csrfToken = services.csrf.issue(principal.csrfSecret);
      return reply
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(renderHome({ request, networkName, timeZone }, view, csrfToken, events).value);
    },
  );
}
