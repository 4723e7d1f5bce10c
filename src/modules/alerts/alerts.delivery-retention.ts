// The daily clean-up of alert deliveries. Twilio keeps every message (number and body) until it is deleted,
// so each text in a final state is deleted there; and an alert's ledger, once the alert finished more than
// AMPARO_ALERT_DELIVERY_RETENTION_DAYS ago, is reduced to how many texts ended in each state.
import type { AppContext } from '../../app/context.ts';
import {
  TwilioApiError,
  twilioClientFor,
  type TwilioRestClient,
} from '../../integrations/twilio/rest-client.ts';
import { eachAtMost } from '../../jobs/each-at-most.ts';
import { handOverTexts } from '../provider-retention/provider-retention.service.ts';
import {
  alertsToReduce,
  markCopiesDeleted,
  reduceLedgerToCounts,
  twilioCopiesToDelete,
} from './alerts.ledger.repository.ts';

const DAY_MS = 24 * 3600_000;
/** A text still only 'sent' after a day will hear nothing more from its carrier. */
const SENT_SETTLES_AFTER_MS = DAY_MS;
/** Copies Twilio would not delete are given this long past retention before the ledger lets their SIDs go. */
const DELETION_GRACE_MS = 7 * DAY_MS;
const DELETIONS_AT_ONCE = 8;
const BATCH = 200;

export interface PurgeResult {
  copiesDeleted: number;
  copiesRefused: number;
  /** True when the time ran out with copies still to delete: the job runs again soon. */
  more: boolean;
  alertsReduced: number;
}

export async function purgeAlertDeliveries(
  context: Pick<AppContext, 'config' | 'db' | 'clock' | 'logger'>,
  options: { client?: TwilioRestClient | undefined; budgetMs?: number } = {},
): Promise<PurgeResult> {
  const { db, clock, logger } = context;
  const started = performance.now();
  const budgetMs = options.budgetMs ?? 20 * 60_000;
  const now = clock.now();
  const client = 'client' in options ? options.client : twilioClientFor(context);
  const result: PurgeResult = { copiesDeleted: 0, copiesRefused: 0, more: false, alertsReduced: 0 };

  if (client) {
    let after = '';
    for (;;) {
      if (performance.now() - started > budgetMs) {
        result.more = true;
        break;
      }
      const sids = await twilioCopiesToDelete(db, {
        after,
        limit: BATCH,
        sentBefore: new Date(now.getTime() - SENT_SETTLES_AFTER_MS),
      });
      if (sids.length === 0) break;
      after = sids.at(-1)!;
      const deleted: string[] = [];
      const refused: string[] = [];
      await eachAtMost(DELETIONS_AT_ONCE, sids, async (sid) => {
        try {
          await client.deleteMessage(sid);
          deleted.push(sid);
        } catch (error) {
          // Already gone is as good as deleted; anything else (not final yet, Twilio down, refused) goes to
          // the provider-retention ledger, which retries, redacts and shows what stays refused to admins.
          if (error instanceof TwilioApiError && error.status === 404) deleted.push(sid);
          else refused.push(sid);
        }
      });
      await handOverTexts(db, clock.now(), refused);
      result.copiesRefused += refused.length;
      await markCopiesDeleted(db, [...deleted, ...refused], clock.now());
      result.copiesDeleted += deleted.length;
    }
  }

  const retention = context.config.alerts.deliveryRetentionDays * DAY_MS;
  const alertIds = await alertsToReduce(db, {
    finishedBefore: new Date(now.getTime() - retention),
    giveUpBefore: new Date(now.getTime() - retention - DELETION_GRACE_MS),
  });
  for (const alertId of alertIds) {
    await db.transaction().execute((trx) => reduceLedgerToCounts(trx, alertId, now));
    result.alertsReduced++;
  }
  logger.info(
    {
      copiesDeleted: result.copiesDeleted,
      copiesRefused: result.copiesRefused,
      alertsReduced: result.alertsReduced,
      more: result.more,
    },
    'alert deliveries purged',
  );
  return result;
}
