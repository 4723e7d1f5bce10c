// Jobs of the alert subscriptions. Payloads carry ids only: nothing about a subscriber ever enters a job.
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';
import { isUuid } from '../../http/ids.ts';

/** Daily: deletes opted-out subscribers past AMPARO_SUBSCRIBER_PURGE_DAYS and stale web sign-ups. */
export const purgeSubscribersJob = defineJob<Record<string, never>>({
  name: 'subscriptions.purge',
  queue: { retryLimit: 3, expireInSeconds: 600 },
  parse: parseEmptyPayload('subscriptions.purge'),
});

export interface SendCodePayload {
  /** The subscription_code_requests row: the number (encrypted) and what the form asked for. */
  requestId: string;
}

/**
 * Texts a web sign-up its code. The first run takes the request, so a retry never texts twice (it finds
 * nothing); retries only cover a failure before that.
 */
export const sendCodeJob = defineJob<SendCodePayload>({
  name: 'subscriptions.send-code',
  queue: { retryLimit: 3, retryDelay: 5, expireInSeconds: 120 },
  // Someone is looking at the page that says a code is on its way.
  pollingIntervalSeconds: 1,
  parse(data) {
    const { requestId, ...rest } = (data ?? {}) as Record<string, unknown>;
    if (typeof requestId !== 'string' || !isUuid(requestId) || Object.keys(rest).length > 0) {
      throw new Error('subscriptions.send-code takes exactly { requestId: <uuid> }.');
    }
    return { requestId };
  },
});
