// Every opt-out goes through here, whoever learnt of it first: the hotline's own STOP words, Twilio's handling
// of its keywords (the webhook's OptOutType, or its default words), and Twilio refusing a text with 21610
// because the person unsubscribed at Twilio. An opt-out stops every automatic text (sms_opt_outs) and every
// alert (the subscriber row); when Twilio is the one blocking, that is kept too (sms_provider_blocks), so a
// later resubscription Twilio does not know about can be shown to staff instead of failing in silence.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database } from '../../db/schema.ts';
import { normalizePhone } from '../../phone/phone.ts';
import type { OutgoingSms, SmsSender } from '../../integrations/messaging/sms-sender.ts';
import { isUnsubscribedRefusal } from '../../integrations/twilio/rest-client.ts';
import { recordOptOut, recordProviderBlock } from './opt-outs.repository.ts';

export {
  clearUnreachable,
  recordOptOut,
  recordUnreachable,
  removeOptOut,
  removeProviderBlock,
} from './opt-outs.repository.ts';

/**
 * What else an opt-out stops, inside the same transaction: the subscriptions module registers the one that
 * ends the number's subscription (so this module does not import it), when its module file loads.
 */
export type OptOutHandler = (db: Kysely<Database>, phoneIndex: string, at: Date) => Promise<void>;

const optOutHandlers = new Map<string, OptOutHandler>();

/** Registering a name again replaces its handler, so loading the modules more than once calls nobody twice. */
export function registerOptOutHandler(name: string, handler: OptOutHandler): void {
  optOutHandlers.set(name, handler);
}

/** Opts a number out of everything, inside the caller's transaction. */
export async function optOutNumber(
  db: Kysely<Database>,
  phoneIndex: string,
  at: Date,
  options: { blockedByProvider: boolean },
): Promise<void> {
  await recordOptOut(db, phoneIndex, at);
  for (const handler of optOutHandlers.values()) await handler(db, phoneIndex, at);
  if (options.blockedByProvider) await recordProviderBlock(db, phoneIndex, at);
}

type SenderContext = Pick<AppContext, 'db' | 'secrets' | 'clock'>;

/**
 * The configured sender, with one addition: a text Twilio refuses with 21610 (the person unsubscribed at
 * Twilio, whatever Amparo knew) records the opt-out before the refusal goes on to the caller, so replies,
 * dispatch texts, family texts, reminders and sign-up codes all stop at once, not after a retry each.
 */
class OptOutOnRefusal implements SmsSender {
  readonly #sender: SmsSender;
  readonly #context: SenderContext;

  constructor(sender: SmsSender, context: SenderContext) {
    this.#sender = sender;
    this.#context = context;
  }

  get provider() {
    return this.#sender.provider;
  }

  async send(message: OutgoingSms): Promise<{ providerId: string }> {
    try {
      return await this.#sender.send(message);
    } catch (error) {
      const to = normalizePhone(message.to);
      if (isUnsubscribedRefusal(error) && to !== undefined) {
        const { db, secrets, clock } = this.#context;
        const phoneIndex = secrets.blindIndex.phone(to);
        await db
          .transaction()
          .execute((trx) => optOutNumber(trx, phoneIndex, clock.now(), { blockedByProvider: true }));
      }
      throw error;
    }
  }
}

export function optingOutOnRefusal(sender: SmsSender, context: SenderContext): SmsSender {
  return new OptOutOnRefusal(sender, context);
}
