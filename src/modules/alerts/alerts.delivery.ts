// Fan-out of approved alerts over the delivery ledger. Approval fills the ledger and queues the fan-out in
// its own transaction; one run at a time, across every worker, sends every alert being sent (taking turns)
// under the configured rate caps; a successor job queued at the start of each run, and a resume job every
// minute, carry on after a crash or when a run's time is up. Texts' fates come back by status callback;
// a daily job deletes the copies at Twilio and reduces old ledgers to counts.
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database } from '../../db/schema.ts';
import { alertTextProvider, type AlertTextProvider } from './alerts.delivery-provider.ts';
import { progressSignals } from './alerts.delivery-progress.ts';
import { purgeAlertDeliveries } from './alerts.delivery-retention.ts';
import { defaultFanOutSettings, FanOutRun, type FanOutSettings, type RunEnd } from './alerts.delivery-run.ts';
import { fanOutAlertJob, purgeAlertDeliveriesJob, resumeAlertsJob } from './alerts.jobs.ts';
import {
  alertsNeedingFanOut,
  applyEarlyStatuses,
  forgetEarlyStatuses,
  isFanOutRunning,
  markAlertSending,
  notifyAlertProgress,
  fillDeliveryLedger,
  sendingAlerts,
  withFanOutLock,
} from './alerts.ledger.repository.ts';
import type { PacingClock } from './alerts.rate.ts';

export {
  alertDeliveryProgress,
  ALERT_PROGRESS_CHANNEL,
  type AlertDeliveryProgress,
} from './alerts.delivery-progress.ts';
export { recordAlertTextStatus } from './alerts.delivery-status.ts';

/**
 * Called inside the approval's transaction: one pending ledger row per recipient, the alert 'sending' (or
 * 'sent' at once when nobody is reached), and the fan-out job, all committed together or not at all.
 */
export async function queueAlertDelivery(
  context: Pick<AppContext, 'clock' | 'jobs'>,
  trx: Transaction<Database>,
  alert: { id: string; target_zips: string[] },
): Promise<number> {
  const now = context.clock.now();
  const recipients = await fillDeliveryLedger(trx, alert.id, alert.target_zips, now);
  await markAlertSending(trx, alert.id, recipients, now);
  if (recipients > 0) await context.jobs.sendInTransaction(trx, fanOutAlertJob, { alertId: alert.id });
  await notifyAlertProgress(trx, alert.id);
  return recipients;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** After the provider refused our account, runs wait this long (per process) before trying again. */
const HALT_BACKOFF_MS = MINUTE_MS;
const haltedUntil = new WeakMap<object, number>();

export interface FanOutOptions {
  provider?: AlertTextProvider;
  settings?: Partial<FanOutSettings>;
  pacingClock?: PacingClock;
  /** Queue a successor job at the start of each run (default true; off in tests that drive runs by hand). */
  successor?: boolean;
}

export type FanOutResult = RunEnd | 'busy' | 'idle' | 'held';

async function enqueueFanOut(context: Pick<AppContext, 'db' | 'jobs'>, alertId: string): Promise<void> {
  await context.db
    .transaction()
    .execute((trx) => context.jobs.sendInTransaction(trx, fanOutAlertJob, { alertId }));
}

/**
 * Sends what is due of every alert being sent, or returns 'busy' at once when another run (here or in
 * another worker) holds the fan-out lock: that run picks up every alert being sent, this one included.
 */
export async function fanOutAlerts(context: AppContext, options: FanOutOptions = {}): Promise<FanOutResult> {
  if ((haltedUntil.get(context.db) ?? -Infinity) > performance.now()) return 'held';
  const provider = options.provider ?? alertTextProvider(context);
  const settings: FanOutSettings = { ...defaultFanOutSettings(context), ...options.settings };
  const signals = progressSignals(context);
  // A run that ends with nothing left looks once more after letting the lock go: an alert approved in its
  // last moments found the lock taken and left its job to this run.
  for (let round = 0; round < 3; round++) {
    const end = await withFanOutLock(context.database, async (checkLock) => {
      const alerts = await sendingAlerts(context.db);
      if (alerts.length === 0) return 'idle' as const;
      // Waiting behind this job in the queue: after a crash a restarted worker takes it up at once, and
      // when this run's time is up it carries on.
      if (options.successor !== false) await enqueueFanOut(context, alerts[0]!.id);
      const run = new FanOutRun({
        context,
        provider,
        settings,
        checkLock,
        onProgress: (alertId) => signals.changed(alertId),
        ...(options.pacingClock ? { pacingClock: options.pacingClock } : {}),
      });
      const started = performance.now();
      const ended = await run.run();
      context.logger.info(
        { run: run.runId, end: ended, ms: Math.round(performance.now() - started), ...run.tally },
        'alert fan-out run ended',
      );
      return ended;
    });
    if (end === undefined) return 'busy';
    if (end === 'halted') haltedUntil.set(context.db, performance.now() + HALT_BACKOFF_MS);
    if (end !== 'finished') return end;
    if ((await sendingAlerts(context.db)).length === 0) return 'finished';
  }
  return 'finished';
}

/**
 * Every minute: applies status callbacks that overtook their SIDs, and queues a fan-out when an alert being
 * sent has rows due, claims left by a run that is gone, or nothing left (a run died before marking it sent)
 * and no run is going.
 */
export async function resumeAlertDeliveries(
  context: AppContext,
): Promise<'queued' | 'running' | 'nothing' | 'held'> {
  const { db, clock } = context;
  const now = clock.now();
  for (const alertId of await applyEarlyStatuses(db, now)) progressSignals(context).changed(alertId);
  await forgetEarlyStatuses(db, new Date(now.getTime() - DAY_MS));
  if ((haltedUntil.get(db) ?? -Infinity) > performance.now()) return 'held';
  const settings = defaultFanOutSettings(context);
  const alerts = await alertsNeedingFanOut(db, new Date(now.getTime() - settings.leaseMs), now);
  if (alerts.length === 0) return 'nothing';
  if (await isFanOutRunning(context.database)) return 'running';
  await enqueueFanOut(context, alerts[0]!);
  return 'queued';
}

export function registerAlertDeliveryJobs(context: AppContext): void {
  context.jobs.register(fanOutAlertJob, async () => {
    await fanOutAlerts(context);
  });
  context.jobs.register(
    resumeAlertsJob,
    async () => {
      await resumeAlertDeliveries(context);
    },
    { schedule: '* * * * *' },
  );
  context.jobs.register(
    purgeAlertDeliveriesJob,
    async () => {
      const result = await purgeAlertDeliveries(context);
      if (result.more) {
        await context.db
          .transaction()
          .execute((trx) =>
            context.jobs.sendInTransaction(trx, purgeAlertDeliveriesJob, {}, { startAfter: 60 }),
          );
      }
    },
    { schedule: '23 4 * * *' },
  );
}
