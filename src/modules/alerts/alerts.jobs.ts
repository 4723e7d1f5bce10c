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

/**
 * Sends what is due of every alert being sent (the id says which alert prompted it); enqueued in the
 * approval's transaction, and by each run as its successor.
 */
export const fanOutAlertJob = defineJob<{ alertId: string }>({
  name: 'alerts.fan-out',
  // Its own queue, so a flood of report jobs never stands in front of an alert. A run gives up its turn
  // after 5 minutes (its successor carries on), well inside the expiry. The standard policy (no singleton)
  // means a job left active by a killed worker blocks nothing; the heartbeat lets pg-boss fail it within
  // about a minute instead of an expiry later, and the lock inside keeps runs one at a time.
  queue: { retryLimit: 20, retryDelay: 2, expireInSeconds: 900, heartbeatSeconds: 30 },
  // Approval to first text within half a second (pg-boss's shortest poll); an idle poll is one cheap query.
  pollingIntervalSeconds: 0.5,
  parse: parseAlertId('alerts.fan-out'),
});

/** Every minute: queues a fan-out for alerts whose worker died mid-way (rows left 'sending' or 'pending'). */
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
