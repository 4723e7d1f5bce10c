// Jobs the hotline's text intake causes. Payloads carry row ids only: never a number or a text.
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';
import { isUuid } from '../../http/ids.ts';

function idPayload<Field extends string>(
  jobName: string,
  field: Field,
): (data: unknown) => Record<Field, string> {
  return (data) => {
    const { [field]: id, ...rest } = (data ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || !isUuid(id) || Object.keys(rest).length > 0) {
      throw new Error(`${jobName} takes exactly { ${field}: <uuid> }.`);
    }
    return { [field]: id } as Record<Field, string>;
  };
}

/**
 * Sends the reply a conversation is owed once the number's reply window has passed (a text that arrived
 * inside the window was stored without an answer). Sent with the conversation as singleton key, throttled
 * to one per window, so a burst of texts does not pile up jobs; a job with nothing left to send is a no-op.
 */
export const sendOwedReplyJob = defineJob<{ conversationId: string }>({
  name: 'sms.send-owed-reply',
  queue: { retryLimit: 5, retryDelay: 30, retryBackoff: true },
  parse: idPayload('sms.send-owed-reply', 'conversationId'),
});

/** Downloads one MMS attachment from Twilio, keeps it (checked, stripped, encrypted), deletes Twilio's copy. */
export const fetchMediaJob = defineJob<{ mediaId: string }>({
  name: 'sms.fetch-media',
  queue: { retryLimit: 8, retryDelay: 30, retryBackoff: true },
  parse: idPayload('sms.fetch-media', 'mediaId'),
});

/**
 * Every minute: conversations silent for the configured timeout become partial reports, and closed
 * conversations past their short retention are deleted.
 */
export const sweepConversationsJob = defineJob<Record<string, never>>({
  name: 'sms.sweep-conversations',
  queue: { retryLimit: 1, expireInSeconds: 300 },
  parse: parseEmptyPayload('sms.sweep-conversations'),
});
