// Voice intake: the hotline's phone menu over Twilio, recordings that become reports (copied into the
// encrypted store and deleted at Twilio), their playback, and the legal team's follow-up tasks.
import type { AppContext } from '../../app/context.ts';
import { TwilioRestClient } from '../../integrations/twilio/rest-client.ts';
import type { DomainModule } from '../../app/domain-module.ts';
import { FOLLOWUP_ROLES } from './voice.policy.ts';
import { registerReportCalls, registerStoredFiles } from '../reports/reports.attachments.ts';
import { reportsDeps } from '../reports/reports.module.ts';
import { fetchRecording, type RecordingDeps } from './recordings.service.ts';
import { fetchRecordingJob, purgeCallsJob } from './voice.jobs.ts';
import { registerVoiceRoutes } from './voice.routes.ts';
import {
  findRecordingStorageKeys,
  findRecordingSummary,
  hasFollowupForReport,
  hasOpenFollowupForReport,
  listReportsWithOpenFollowups,
  referencedRecordingKeys,
} from './voice.repository.ts';
import { VoiceScript } from './voice.script.ts';
import { forgetOldCalls } from './voice.service.ts';

// A report's recordings and follow-up tasks, as the report page, expiry and the orphan sweep see them.
registerReportCalls({
  hasFollowup: hasFollowupForReport,
  hasOpenFollowup: hasOpenFollowupForReport,
  reportsWithOpenFollowups: listReportsWithOpenFollowups,
  recordingSummary: findRecordingSummary,
  recordingStorageKeys: findRecordingStorageKeys,
});
registerStoredFiles('voice', referencedRecordingKeys);

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
  tables: ['followup_tasks', 'report_recordings', 'voice_calls'],
  navigation: [
    { href: '/console/followups', label: 'voice.followups_nav', roles: FOLLOWUP_ROLES, position: 50 },
  ],
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
        const removed = await forgetOldCalls(context);
        if (removed > 0) context.logger.info({ job: purgeCallsJob.name, removed }, 'old calls forgotten');
      },
      { schedule: '41 * * * *' },
    );
  },
};
