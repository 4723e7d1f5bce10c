// Jobs of the incidents module. Payloads carry nothing.
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';

/** Daily: deletes the observation logs and media of incidents past retention that nothing keeps. */
export const expireIncidentEvidenceJob = defineJob<Record<string, never>>({
  name: 'incidents.expire-evidence',
  queue: { retryLimit: 3, retryDelay: 300, expireInSeconds: 3600 },
  parse: parseEmptyPayload('incidents.expire-evidence'),
});
