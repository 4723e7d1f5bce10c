// Community alert subscriptions: the public /alerts sign-up with its texted code (sent by a job), and the
// daily purge of opted-out numbers. Sign-up by SMS keyword goes through the hotline's text intake
// (sms.service.ts).
import type { DomainModule } from '../../app/domain-module.ts';
import { registerOptOutHandler } from '../opt-outs/opt-outs.service.ts';
import { purgeSubscribersJob, sendCodeJob } from './subscriptions.jobs.ts';
import { registerSubscriptionRoutes } from './subscriptions.routes.ts';
import { purgeOldSubscribers, sendSignupCode } from './subscriptions.service.ts';
import { markSubscriberOptedOut } from './subscriptions.repository.ts';

// An opt-out, whoever learnt of it, ends the number's subscription in the same transaction.
registerOptOutHandler('subscriptions', markSubscriberOptedOut);

export const subscriptionsModule: DomainModule = {
  name: 'subscriptions',
  tables: ['subscribers', 'subscription_code_requests', 'subscription_signups'],
  http: {
    name: 'subscriptions',
    register(app, context, services) {
      registerSubscriptionRoutes(app, context, services);
    },
  },
  registerJobs(context) {
    // Not logged per run: whether a code went out says whether the number once sent STOP.
    context.jobs.register(sendCodeJob, async ({ requestId }) => {
      await sendSignupCode(context, requestId);
    });
    context.jobs.register(
      purgeSubscribersJob,
      async () => {
        const removed = await purgeOldSubscribers(context);
        context.logger.info({ job: purgeSubscribersJob.name, ...removed }, 'subscribers purged');
      },
      { schedule: '41 3 * * *' },
    );
  },
};
