// Text intake on the hotline number: the Twilio SMS webhook, the conversation that gathers a report, MMS
// photos, the console's text simulator, and the jobs that send owed replies, close abandoned conversations and purge webhook receipts.
import type { DomainModule } from '../../app/domain-module.ts';
import { SIMULATOR_ROLES } from './sms.policy.ts';
import { purgeWebhookReceipts, purgeWebhookReceiptsJob } from '../../integrations/twilio/webhook.ts';
import { reportsDeps } from '../reports/reports.module.ts';
import { registerStoredFiles } from '../reports/reports.attachments.ts';
import { fetchMediaJob, sendOwedReplyJob, sweepConversationsJob } from './sms.jobs.ts';
import { fetchSmsMedia } from './sms.media.ts';
import { mediaStorageKeysAmong } from './sms.repository.ts';
import { registerSmsRoutes } from './sms.routes.ts';
import { sendOwedReply, sweepConversations } from './sms.service.ts';

// Texted photos live in the report store: its orphan sweep must see the keys sms_media still names.
registerStoredFiles('sms', mediaStorageKeysAmong);

export const smsModule: DomainModule = {
  name: 'sms',
  tables: ['sms_conversations', 'sms_media'],
  navigation: [
    { href: '/console/hotline/simulator', label: 'sms.simulator_nav', roles: SIMULATOR_ROLES, position: 110 },
  ],
  http: {
    name: 'sms',
    register(app, context, services) {
      registerSmsRoutes(app, context, services);
    },
  },
  registerJobs(context) {
    context.jobs.register(sendOwedReplyJob, async ({ conversationId }) => {
      const outcome = await sendOwedReply(context, conversationId);
      context.logger.info({ job: sendOwedReplyJob.name, conversationId, outcome }, 'owed SMS reply');
    });
    context.jobs.register(fetchMediaJob, async ({ mediaId }) => {
      const outcome = await fetchSmsMedia(context, reportsDeps(context).store, mediaId);
      context.logger.info({ job: fetchMediaJob.name, mediaId, outcome }, 'MMS attachment');
    });
    context.jobs.register(
      sweepConversationsJob,
      async () => {
        const { abandoned, deleted } = await sweepConversations(context);
        if (abandoned > 0 || deleted > 0) {
          context.logger.info(
            { job: sweepConversationsJob.name, abandoned, deleted },
            'SMS conversations swept',
          );
        }
      },
      { schedule: '* * * * *' },
    );
    // Answers go once Twilio can no longer retry (48 hours), hashed keys after the replay window.
    context.jobs.register(
      purgeWebhookReceiptsJob,
      async () => {
        const removed = await purgeWebhookReceipts(
          context.db,
          context.clock.now(),
          context.config.webhookReceipts.keyDays,
        );
        context.logger.info({ job: purgeWebhookReceiptsJob.name, ...removed }, 'webhook receipts purged');
      },
      { schedule: '23 * * * *' },
    );
  },
};
