// Texts from responders: "1" (on my way, optionally with minutes, e.g. "1 15"), "2" (can't go). The SMS
// webhook asks here first; a number that is not a responder with an open dispatch falls through to intake.
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import { normalizePhone } from '../../phone/phone.ts';
import type { Database } from '../../db/schema.ts';
import { translate } from '../../i18n/i18n.ts';
import { parseKeyword } from '../sms/sms.conversation.ts';
import { textLanguage } from './dispatch.message.ts';
import { findResponderByPhone } from '../staff/staff.service.ts';
import { parseResponderText } from './dispatch.schemas.ts';
import { answerDispatch, findOpenDispatchFor } from './dispatch.service.ts';

export interface ResponderText {
  /** The sender in E.164. */
  from: string;
  /** The sender's phone blind index, when the caller has it already (the SMS webhook does). */
  phoneIndex?: string;
  body: string;
}

/**
 * Handles a text if it is a responder's answer to a dispatch, inside the webhook's transaction, and returns
 * the reply to send; undefined means "not a dispatch answer", and the hotline treats it as a report.
 */
export async function answerResponderText(
  context: AppContext,
  trx: Transaction<Database>,
  text: ResponderText,
): Promise<string | undefined> {
  // Keywords (STOP, HELP, START, EN/ES…) belong to the hotline whoever sends them: a responder who texts STOP
  // is opted out like anyone else. The SMS module's own reading is used, so the two never disagree.
  if (parseKeyword(text.body) !== undefined) return undefined;
  let phoneIndex = text.phoneIndex;
  if (phoneIndex === undefined) {
    const from = normalizePhone(text.from);
    if (!from) return undefined;
    phoneIndex = context.secrets.blindIndex.phone(from);
  }
  const responder = await findResponderByPhone(trx, phoneIndex);
  if (!responder) return undefined;
  const dispatch = await findOpenDispatchFor(trx, responder.userId);
  if (!dispatch) return undefined;

  const language = textLanguage(responder.languages, context.config.defaultLanguage);
  const ref = dispatch.reference;
  const choices = translate(language, 'dispatch_sms.reply_help', { ref });
  const answer = parseResponderText(text.body);
  if (!answer) return choices;
  const etaMinutes = answer.kind === 'on_way' ? answer.etaMinutes : null;
  const outcome = await answerDispatch(context, trx, {
    dispatchId: dispatch.id,
    responderId: responder.userId,
    answer: answer.kind,
    etaMinutes,
    via: 'sms',
  });
  if (outcome !== 'changed') return choices;
  if (answer.kind === 'declined') return translate(language, 'dispatch_sms.reply_declined', { ref });
  return etaMinutes === null
    ? translate(language, 'dispatch_sms.reply_on_way', { ref })
    : translate(language, 'dispatch_sms.reply_on_way_eta', { ref, eta: etaMinutes });
}
