// The auth module: staff sign-in with a mandatory second factor, server-side sessions, account links
// (first-run setup and invitations) and staff administration.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { PrincipalLoader } from '../../http/app.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { defineJob } from '../../jobs/jobs.ts';
import type { DomainModule } from '../index.ts';
import { registerAuthRoutes } from './auth.routes.ts';
import { ensureSetupInvite, SETUP_TTL_MS } from './invites.service.ts';
import { primeDummyHash } from './passwords.ts';
import { lookupSession, purgeExpiredSessions } from './sessions.service.ts';

type SessionResolver = (request: FastifyRequest) => Promise<StaffPrincipal | null>;

// PrincipalLoader.load() is handed only the request, so the module leaves its resolver on the app instance
// it registered with (an app-level decoration under a private symbol; requests are not decorated).
// Encapsulated child instances inherit it.
const SESSION_RESOLVER = Symbol('amparo.auth.sessionResolver');

function resolverFor(server: FastifyInstance): SessionResolver | undefined {
  return server.hasDecorator(SESSION_RESOLVER)
    ? server.getDecorator<SessionResolver>(SESSION_RESOLVER)
    : undefined;
}

export const principalLoader: PrincipalLoader = {
  async load(request) {
    const resolve = resolverFor(request.server);
    return resolve ? resolve(request) : null;
  },
};

export const sessionsPurgeJob = defineJob<Record<string, never>>({
  name: 'sessions.purge',
  queue: { retryLimit: 0, expireInSeconds: 300 },
  parse(data) {
    if (data !== null && typeof data === 'object' && Object.keys(data).length === 0) return {};
    throw new Error('sessions.purge takes no payload.');
  },
});

export const authModule: DomainModule = {
  name: 'auth',
  http: {
    name: 'auth',
    register(app, context, services) {
      const resolve: SessionResolver = async (request) => {
        // Only a full session (password and second factor) is a principal; a pending one is not.
        const lookup = await lookupSession(context, request.cookies[services.cookies.session]);
        return lookup.kind === 'full' ? lookup.principal : null;
      };
      app.decorate(SESSION_RESOLVER, resolve);
      registerAuthRoutes(app, context, services);
    },
  },
  registerJobs(context: AppContext) {
    context.jobs.register(
      sessionsPurgeJob,
      async () => {
        await purgeExpiredSessions(context);
      },
      { schedule: '*/15 * * * *' },
    );
  },
  async afterStart(context, announce) {
    await primeDummyHash();
    const link = await ensureSetupInvite(context);
    if (!link) return;
    announce(
      `No staff account exists yet. Open this link within ${SETUP_TTL_MS / 3_600_000} hours to create the ` +
        `first administrator account. It works once; keep it private.\n${link}`,
    );
  },
};
