// Jobs of community alerts. Payloads carry an alert id at most: never a number, a body or a recipient.
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';

function parseAlertId(jobName: string): (data: unknown) => { alertId: string } {
  return (data) => {
    if (data !== null && typeof data === 'object' && Object.keys(data).length === 1) {
      const { alertId } = data as { alertId?: unknown };
      if (typeof alertId === 'string' && /^[0-9a-f-]{36}$/.test(alertId)) return { alertId };
    }
    throw new Error(`${jobName} takes exactly { alertId }.`);
  };
}

/** Sends an approved alert's pending ledger rows; enqueued in the approval's transaction. */
export const fanOutAlertJob = defineJob<{ alertId: string }>({
  name: 'alerts.fan-out',
  // Its own queue, so a flood of report jobs never stands in front of an alert.
  queue: { retryLimit: 20, retryDelay: 2, expireInSeconds: 3600 },
  parse: parseAlertId('alerts.fan-out'),
});

/** Every minute: re-queues alerts whose worker died mid-fan-out (rows left 'sending' or 'pending'). */
export const resumeAlertsJob = defineJob<Record<string, never>>({
  name: 'alerts.resume',
  queue: { retryLimit: 1, expireInSeconds: 300 },
  parse: parseEmptyPayload('alerts.resume'),
});

/** Deletes delivered alert texts' bodies at Twilio, and reduces old ledgers to counts. */
export const purgeAlertDeliveriesJob = defineJob<Record<string, never>>({
  name: 'alerts.purge-deliveries',
  queue: { retryLimit: 3, expireInSeconds: 1800 },
  parse: parseEmptyPayload('alerts.purge-deliveries'),
});
