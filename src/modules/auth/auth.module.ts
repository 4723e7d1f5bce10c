// The auth module: staff sign-in with a mandatory second factor, server-side sessions, account links
// (first-run setup and invitations) and staff administration.
import type { AppContext } from '../../app/context.ts';
import type { FastifyInstance } from 'fastify';
import { cookieNames, type PrincipalLoader } from '../../http/app.ts';
import { endLiveStreams } from '../../http/event-stream.ts';
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';
import type { DomainModule } from '../../app/domain-module.ts';
import { activeAdminCount, twoAdminRuleIsOff } from './access-requests.service.ts';
import { registerAuthRoutes } from './auth.routes.ts';
import { decodeEndedSessions, onSessionsEnded, SESSIONS_ENDED_CHANNEL } from './sessions.ended.ts';
import { ensureSetupInvite, SETUP_TTL_MS } from './invites.service.ts';
import { primeDummyHash } from './passwords.ts';
import { lookupSession, purgeExpiredSessions } from './sessions.service.ts';

/** Finds the signed-in staff member behind a request: only a full session (password and second factor) counts. */
export function createPrincipalLoader(context: AppContext): PrincipalLoader {
  const cookie = cookieNames(context).session;
  return {
    async load(request) {
      // Requests a browser makes on its own (the live feed reconnecting) must not keep an unattended
      // session alive past the idle limit; only what a person does counts as activity.
      const touch = request.routeOptions.config.background !== true;
      const lookup = await lookupSession(context, request.cookies[cookie], { touch });
      if (lookup.kind !== 'full') return null;
      return { ...lookup.principal, accessApprovalWarning: await accessApprovalWarning(context) };
    },
  };
}

async function accessApprovalWarning(context: AppContext): Promise<'rule_off' | 'single_admin' | undefined> {
  if (twoAdminRuleIsOff(context.config)) return 'rule_off';
  return (await activeAdminCount(context)) <= 1 ? 'single_admin' : undefined;
}

/**
 * Ends live console streams of sessions that ended: at once for those ended in this process, through
 * PostgreSQL NOTIFY for those ended in another.
 */
async function endStreamsOfEndedSessions(app: FastifyInstance, context: AppContext): Promise<void> {
  const stopHere = onSessionsEnded((ended) => void endLiveStreams(ended));
  const unlisten = await context.database.listen(SESSIONS_ENDED_CHANNEL, (payload) => {
    const ended = decodeEndedSessions(payload);
    if (ended) endLiveStreams(ended);
  });
  app.addHook('onClose', async () => {
    stopHere();
    await unlisten();
  });
}

export const sessionsPurgeJob = defineJob<Record<string, never>>({
  name: 'sessions.purge',
  queue: { retryLimit: 0, expireInSeconds: 300 },
  parse: parseEmptyPayload('sessions.purge'),
});

export const authModule: DomainModule = {
  name: 'auth',
  tables: ['access_requests', 'invites', 'sessions', 'sign_in_failures', 'users'],
  navigation: [
    { href: '/console/users', label: 'console.nav_users', roles: ['admin'], position: 130 },
    { href: '/console/account', label: 'console.nav_account', roles: 'any', position: 170 },
  ],
  http: {
    name: 'auth',
    async register(app, context, services) {
      registerAuthRoutes(app, context, services);
      await endStreamsOfEndedSessions(app, context);
    },
  },
  registerJobs(context: AppContext) {
    if (twoAdminRuleIsOff(context.config)) {
      context.logger.warn(
        'AMPARO_ADMIN_TWO_PERSON_APPROVAL is off: an admin can grant legal or admin and join legal teams alone',
      );
    }
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
      {
        // Captured output ends up in a log: the link is not printed there.
        withheld:
          'No staff account exists yet. The setup link is shown only on a terminal, never in a log: run ' +
          '`amparo user setup` in a terminal to get one.',
      },
    );
  },
};
