// Jobs the voice module causes. Payloads carry a recording's id and nothing else.
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';
import { isUuid } from '../../http/ids.ts';

export interface FetchRecordingPayload {
  recordingId: string;
}

/**
 * Copies a call recording from Twilio into Amparo's encrypted store, then deletes it at Twilio. Twilio may
 * call back before the recording is ready to download, so failures are retried with growing delays.
 */
export const fetchRecordingJob = defineJob<FetchRecordingPayload>({
  name: 'voice.fetch-recording',
  queue: { retryLimit: 12, retryDelay: 10, retryBackoff: true, retryDelayMax: 1800, expireInSeconds: 300 },
  parse(data) {
    const { recordingId, ...rest } = (data ?? {}) as Record<string, unknown>;
    if (typeof recordingId !== 'string' || !isUuid(recordingId) || Object.keys(rest).length > 0) {
      throw new Error('voice.fetch-recording takes exactly { recordingId: <uuid> }.');
    }
    return { recordingId };
  },
});

/** Hourly: forgets calls (and the callers' numbers they hold) once Twilio can no longer retry them. */
export const purgeCallsJob = defineJob<Record<string, never>>({
  name: 'voice.purge-calls',
  queue: { retryLimit: 1, expireInSeconds: 600 },
  parse: parseEmptyPayload('voice.purge-calls'),
});
