// Numbers no text can reach. A status callback (for any text: alert, reply, dispatch, family) whose
// ErrorCode says the number is dead notes it, once per callback (a replay of it weeks later, after the
// number wrote in again, changes nothing); every sender then skips it. A text from the number, or a
// sign-up for it, makes it reachable again.
import type { AppContext } from '../../app/context.ts';
import { normalizePhone } from '../../phone/phone.ts';
import { isDeadNumberError } from '../../integrations/twilio/error-codes.ts';
import { answerOnce, EMPTY_TWIML } from '../../integrations/twilio/webhook.ts';
import { recordUnreachable } from './opt-outs.repository.ts';

export async function noteDeliveryError(
  context: Pick<AppContext, 'db' | 'secrets' | 'clock'>,
  notice: { messageSid: string; errorCode: number | null; to: string | undefined },
): Promise<void> {
  const { errorCode } = notice;
  if (errorCode === null || !isDeadNumberError(errorCode) || notice.to === undefined) return;
  const to = normalizePhone(notice.to);
  if (to === undefined) return;
  const now = context.clock.now();
  const phoneIndex = context.secrets.blindIndex.phone(to);
  await answerOnce(context, `status:${notice.messageSid}:${errorCode}`, now, async (trx) => {
    await recordUnreachable(trx, phoneIndex, errorCode, now);
    return EMPTY_TWIML;
  });
}
