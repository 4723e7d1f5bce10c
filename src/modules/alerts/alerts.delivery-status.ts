// Twilio's status callbacks for alert texts (StatusCallback on each text, posted to /webhooks/twilio/status,
// signature-checked by the app). A final status moves the ledger row forward only, so a retried or late
// callback changes nothing, and no webhook receipt is written: 100,000 texts must not leave 100,000
// receipts. A final status that overtakes the fan-out's record of the SID is kept aside and applied as
// soon as the SID is recorded.
import type { AppContext } from '../../app/context.ts';
import { isPermanentDeliveryError } from '../../integrations/twilio/error-codes.ts';
import { progressSignals } from './alerts.delivery-progress.ts';
import {
  forgetEarlyStatus,
  recordFinalStatus,
  rememberEarlyStatus,
  type FinalStatus,
} from './alerts.ledger.repository.ts';

/**
 * Twilio's message statuses that end a text's story, as ledger states. 'sent' needs nothing: the fan-out
 * records every text Twilio accepted as sent. 'undelivered' is the carrier giving up: failed, unless its
 * ErrorCode says this text can never arrive (an unknown, inactive or landline number, filtering):
 * undeliverable.
 */
const FINAL: Partial<Record<string, 'delivered' | 'failed'>> = {
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
};

const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/i;

export type AlertTextStatusOutcome = { alertId: string } | 'unchanged' | 'unknown' | 'ignored';

export async function recordAlertTextStatus(
  context: Pick<AppContext, 'db' | 'clock' | 'logger'>,
  notice: { messageSid: string; status: string; errorCode?: number | null },
): Promise<AlertTextStatusOutcome> {
  const final = FINAL[notice.status];
  if (final === undefined || !MESSAGE_SID.test(notice.messageSid)) return 'ignored';
  const errorCode = final === 'delivered' ? null : (notice.errorCode ?? null);
  const status: FinalStatus =
    final === 'failed' && isPermanentDeliveryError(errorCode) ? 'undeliverable' : final;
  const { db } = context;
  const now = context.clock.now();
  let moved = await recordFinalStatus(db, notice.messageSid, status, errorCode, now);
  if (moved === 'unknown') {
    await rememberEarlyStatus(db, notice.messageSid, status, errorCode, now);
    // Then look again: the fan-out records SIDs first and looks for early statuses after (its next batch),
    // so of the two, whichever looks last sees what the other wrote, and none is left behind.
    moved = await recordFinalStatus(db, notice.messageSid, status, errorCode, now);
    if (moved !== 'unknown') await forgetEarlyStatus(db, notice.messageSid);
  }
  if (typeof moved === 'object') progressSignals(context).changed(moved.alertId);
  return moved;
}
