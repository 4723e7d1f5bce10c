// The console outbox: where texts wait for staff to read them when the console SMS provider is in use. Texts
// are deleted AMPARO_OUTBOX_RETENTION_DAYS after they were written, like any other copy of a message.
import type { AppContext } from '../../app/context.ts';
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';
import type { DomainModule } from '../../app/domain-module.ts';
import { registerSenderParts } from '../../integrations/messaging/create-sms-sender.ts';
import { OUTBOX_PAGE_ROLES } from './outbox.policy.ts';
import { registerOutboxRoutes } from './outbox.routes.ts';
import { ConsoleOutbox } from './outbox.sender.ts';
import { purgeOutbox } from './outbox.service.ts';

// Without an SMS account, texts are kept here for staff to read instead of sent.
registerSenderParts({ consoleOutbox: (context) => new ConsoleOutbox(context) });

export const outboxPurgeJob = defineJob<Record<string, never>>({
  name: 'outbox.purge',
  queue: { retryLimit: 0, expireInSeconds: 300 },
  parse: parseEmptyPayload('outbox.purge'),
});

export const outboxModule: DomainModule = {
  name: 'outbox',
  tables: ['sms_outbox'],
  navigation: [
    { href: '/console/outbox', label: 'console.nav_outbox', roles: OUTBOX_PAGE_ROLES, position: 40 },
  ],
  http: {
    name: 'outbox',
    register(app, context) {
      registerOutboxRoutes(app, context);
    },
  },
  registerJobs(context: AppContext) {
    context.jobs.register(
      outboxPurgeJob,
      async () => {
        const deleted = await purgeOutbox(context);
        context.logger.info({ job: outboxPurgeJob.name, deleted }, 'outbox purged');
      },
      { schedule: '23 * * * *' },
    );
  },
};
