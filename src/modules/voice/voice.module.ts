// Voice intake: the hotline's phone menu over Twilio, recordings that become reports (copied into the
// encrypted store and deleted at Twilio), their playback, and the legal team's follow-up tasks.
import type { AppContext } from '../../app/context.ts';
import { TwilioRestClient } from '../../integrations/twilio/rest-client.ts';
import {
  purgeWebhookReceipts,
  purgeWebhookReceiptsJob,
  RECEIPT_RETENTION_HOURS,
} from '../../integrations/twilio/webhook.ts';
import type { DomainModule } from '../index.ts';
import { reportsDeps } from '../reports/reports.module.ts';
import { fetchRecording, type RecordingDeps } from './recordings.service.ts';
import { fetchRecordingJob, purgeCallsJob } from './voice.jobs.ts';
import { deleteCallsStartedBefore } from './voice.repository.ts';
import { registerVoiceRoutes } from './voice.routes.ts';
import { VoiceScript } from './voice.script.ts';

export function recordingDeps(context: AppContext): RecordingDeps {
  const { accountSid, authToken, apiBase } = context.config.twilio;
  return {
    context,
    // The same encrypted store as report photos: one place to back up, sweep and expire.
    store: reportsDeps(context).store,
    twilio: accountSid && authToken ? new TwilioRestClient({ accountSid, authToken, apiBase }) : undefined,
  };
}

export const voiceModule: DomainModule = {
  name: 'voice',
  http: {
    name: 'voice',
    register(app, context, services) {
      registerVoiceRoutes(app, context, services, {
        voice: { context, script: new VoiceScript(context.config) },
        recordings: recordingDeps(context),
      });
    },
  },
  registerJobs(context) {
    const deps = recordingDeps(context);
    context.jobs.register(fetchRecordingJob, async ({ recordingId }) => {
      const outcome = await fetchRecording(deps, recordingId);
      context.logger.info({ job: fetchRecordingJob.name, recordingId, outcome }, 'recording fetched');
    });
    context.jobs.register(
      purgeCallsJob,
      async () => {
        const cutoff = new Date(context.clock.now().getTime() - RECEIPT_RETENTION_HOURS * 3600_000);
        const removed = await deleteCallsStartedBefore(context.db, cutoff);
        if (removed > 0) context.logger.info({ job: purgeCallsJob.name, removed }, 'old calls forgotten');
      },
      { schedule: '41 * * * *' },
    );
    // Receipts of every Twilio webhook (texts too); registering it twice, should another module also do so,
    // only replaces the same handler.
    context.jobs.register(
      purgeWebhookReceiptsJob,
      async () => {
        const removed = await purgeWebhookReceipts(context.db, context.clock.now());
        if (removed > 0)
          context.logger.info({ job: purgeWebhookReceiptsJob.name, removed }, 'old webhook receipts purged');
      },
      { schedule: '43 * * * *' },
    );
  },
};
