// Telling the console that an alert's delivery moved: pg_notify on 'amparo_alerts' with the alert id only.
// A fan-out records hundreds of batches a second and Twilio calls back once or twice per text, so signals
// are thinned to a few per second per alert, and the last change is never left unsignalled.
import type { AppContext } from '../../app/context.ts';
import { countDeliveries, notifyAlertProgress, purgedCounts } from './alerts.ledger.repository.ts';
import type { Database } from '../../db/schema.ts';
import type { Kysely } from 'kysely';

export { ALERT_PROGRESS_CHANNEL } from './alerts.ledger.repository.ts';

const MIN_GAP_MS = 250;

interface Pending {
  last: number;
  timer: NodeJS.Timeout | undefined;
}

export class ProgressSignals {
  readonly #context: Pick<AppContext, 'db' | 'logger'>;
  readonly #alerts = new Map<string, Pending>();

  constructor(context: Pick<AppContext, 'db' | 'logger'>) {
    this.#context = context;
  }

  /** Signals at once if the last signal for this alert is old enough, else once when it is. */
  changed(alertId: string): void {
    const now = performance.now();
    let known = this.#alerts.get(alertId);
    if (!known) {
      this.#forgetQuiet(now);
      known = { last: -Infinity, timer: undefined };
      this.#alerts.set(alertId, known);
    }
    if (known.timer) return;
    const wait = known.last + MIN_GAP_MS - now;
    if (wait <= 0) {
      known.last = now;
      this.#send(alertId);
      return;
    }
    const pending = known;
    pending.timer = setTimeout(() => {
      pending.timer = undefined;
      pending.last = performance.now();
      this.#send(alertId);
    }, wait);
    pending.timer.unref();
  }

  #send(alertId: string): void {
    notifyAlertProgress(this.#context.db, alertId).catch((error: unknown) => {
      // The database closing under a late signal is harmless; anything else is worth a line (no payload).
      this.#context.logger.debug(
        { err: error instanceof Error ? error.name : 'error' },
        'alert progress signal lost',
      );
    });
  }

  #forgetQuiet(now: number): void {
    if (this.#alerts.size < 1000) return;
    for (const [alertId, pending] of this.#alerts) {
      if (!pending.timer && now - pending.last > 10_000) this.#alerts.delete(alertId);
    }
  }
}

const signals = new WeakMap<object, ProgressSignals>();

/** The process's signaller for this database. */
export function progressSignals(context: Pick<AppContext, 'db' | 'logger'>): ProgressSignals {
  let found = signals.get(context.db);
  if (!found) {
    found = new ProgressSignals(context);
    signals.set(context.db, found);
  }
  return found;
}

export interface AlertDeliveryProgress {
  queued: number;
  sending: number;
  sent: number;
  delivered: number;
  failed: number;
  undeliverable: number;
  total: number;
}

/** Where an alert's delivery stands; after the ledger is purged, from the counts it left. */
export async function alertDeliveryProgress(
  db: Kysely<Database>,
  alertId: string,
): Promise<AlertDeliveryProgress> {
  const purged = await purgedCounts(db, alertId);
  if (purged.purged) {
    const counts = purged.counts ?? { sent: 0, delivered: 0, failed: 0, undeliverable: 0 };
    const queued = counts.unsent ?? 0;
    return {
      queued,
      sending: 0,
      sent: counts.sent,
      delivered: counts.delivered,
      failed: counts.failed,
      undeliverable: counts.undeliverable,
      total: queued + counts.sent + counts.delivered + counts.failed + counts.undeliverable,
    };
  }
  const counts = await countDeliveries(db, alertId);
  return {
    queued: counts.pending,
    sending: counts.sending,
    sent: counts.sent,
    delivered: counts.delivered,
    failed: counts.failed,
    undeliverable: counts.undeliverable,
    total:
      counts.pending + counts.sending + counts.sent + counts.delivered + counts.failed + counts.undeliverable,
  };
}
