// Jobs of the alert subscriptions. No payload: nothing about a subscriber ever enters a job.
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';

/** Daily: deletes opted-out subscribers past AMPARO_SUBSCRIBER_PURGE_DAYS and stale web sign-ups. */
export const purgeSubscribersJob = defineJob<Record<string, never>>({
  name: 'subscriptions.purge',
  queue: { retryLimit: 3, expireInSeconds: 600 },
  parse: parseEmptyPayload('subscriptions.purge'),
});
