// The provider-retention sweep. It carries nothing: what to delete is in the ledger, which survives a crash
// (a copy claimed by a sweep that died is claimed again once its lease ends).
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';

/** Every minute: deletes at Twilio every copy that is due. */
export const sweepProviderCopiesJob = defineJob<Record<string, never>>({
  name: 'provider-retention.sweep',
  queue: { retryLimit: 1, expireInSeconds: 300 },
  parse: parseEmptyPayload('provider-retention.sweep'),
});
