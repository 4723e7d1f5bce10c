// Jobs of case tracking. No payload: the reminder worker finds what is due in the database.
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';

/** Every minute: sends the hearing and locator reminders that have fallen due. */
export const sendCaseRemindersJob = defineJob<Record<string, never>>({
  name: 'case-tracking.send-reminders',
  // A run that overlaps the next minute's is harmless (claims are exclusive); one stuck longer is cut off.
  queue: { retryLimit: 1, expireInSeconds: 300 },
  parse: parseEmptyPayload('case-tracking.send-reminders'),
});
