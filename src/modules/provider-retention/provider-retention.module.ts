// Provider retention: the ledger of every message, call, attachment and recording Twilio holds for Amparo
// (by SID only), their deletion there once final and no longer needed, and the admins' page about them.
import type { DomainModule } from '../../app/domain-module.ts';
import { registerSenderParts } from '../../integrations/messaging/create-sms-sender.ts';
import { sweepProviderCopiesJob } from './provider-retention.jobs.ts';
import { registerProviderRetentionRoutes } from './provider-retention.routes.ts';
import { deleteDueCopies, recordSentText } from './provider-retention.service.ts';

// Every text sent through Twilio is noted by SID, so the sweep deletes it there once final.
registerSenderParts({ recordSentText });

export const providerRetentionModule: DomainModule = {
  name: 'provider-retention',
  tables: ['provider_copies'],
  navigation: [
    { href: '/console/provider-copies', label: 'provider_copies.nav', roles: ['admin'], position: 150 },
  ],
  http: {
    name: 'provider-retention',
    register(app, context, services) {
      registerProviderRetentionRoutes(app, context, services);
    },
  },
  registerJobs(context) {
    context.jobs.register(
      sweepProviderCopiesJob,
      async () => {
        await deleteDueCopies(context);
      },
      { schedule: '* * * * *' },
    );
  },
};
