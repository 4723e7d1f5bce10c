// What every console page is rendered with: the request, the network's name, and its time zone, read on each
// request because the zone can be chosen at setup while the server runs (see src/modules/settings).
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';

export interface ConsolePage {
  request: FastifyRequest;
  networkName: string;
  timeZone: string;
}

export function consolePageOf(context: Pick<AppContext, 'config'>): (request: FastifyRequest) => ConsolePage {
  return (request) => ({
    request,
    networkName: context.config.networkName,
    timeZone: context.config.timeZone,
  });
}
