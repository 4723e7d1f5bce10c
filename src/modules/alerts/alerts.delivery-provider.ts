// Where alert texts go: Twilio (from each number of the sender pool, or through a messaging service, with
// a status callback) or, without Twilio, the console outbox. Every answer is reduced to what the ledger
// needs: sent with the provider's id, or why not, classified so the fan-out knows whether to retry.
import type { AppContext } from '../../app/context.ts';
import { consoleSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { InvalidRecipientError, type SmsSender } from '../../integrations/messaging/sms-sender.ts';
import {
  isDeadNumberError,
  isUnusableSenderError,
  SENDER_QUEUE_FULL,
  UNSUBSCRIBED_CODE,
} from '../../integrations/twilio/error-codes.ts';
import type { TwilioRestClient } from '../../integrations/twilio/rest-client.ts';
import { TwilioApiError, twilioClientFor } from '../../integrations/twilio/rest-client.ts';
import { STATUS_PATH } from '../../integrations/twilio/status.ts';
import { publishedUrl } from '../../integrations/twilio/webhook.ts';

export type SendOutcome =
  | { kind: 'sent'; providerSid: string }
  /**
   * This recipient can never get it (invalid number, landline, blocked, unsubscribed at the carrier);
   * `dead`: the number itself is gone, so nothing more is sent to it.
   */
  | { kind: 'undeliverable'; code: number | null; unsubscribed: boolean; dead: boolean }
  /** Worth another try later: the provider was busy, down or unreachable. */
  | { kind: 'retry'; code: number | null; slowDown: boolean }
  /** The sender's queue at Twilio is full: try again later, and send slower from that number. */
  | { kind: 'sender_busy'; code: number }
  /** The sender number cannot be used (not ours, cannot text): the others carry on without it. */
  | { kind: 'sender_unusable'; code: number }
  /** Refused for a reason another try will not change, and not about the recipient's number. */
  | { kind: 'failed'; code: number | null }
  /** The provider refuses our account, credentials or sender: nothing can go until someone fixes it. */
  | { kind: 'halt'; code: number | null };

export interface AlertTextProvider {
  readonly name: 'twilio' | 'console';
  /** One entry per sender lane: a pool number, or null where the provider picks (messaging service, outbox). */
  readonly senders: readonly (string | null)[];
  /** Whether the per-sender rate applies (only to numbers Amparo picks itself). */
  readonly pacesSenders: boolean;
  send(text: { to: string; body: string; sender: string | null }): Promise<SendOutcome>;
}

/** Twilio's codes for a recipient that cannot receive texts (21610: the person texted STOP to the carrier). */
const RECIPIENT_CODES = new Set([
  21211, // invalid To number
  21217, // number does not appear valid
  21408, // texting that region is not enabled
  21421, // invalid phone number
  21610, // the recipient unsubscribed (STOP)
  21612, // cannot route to this number
  21614, // not a mobile number
  21635, // a landline
  30004, // message blocked
  30005, // unknown or inactive destination
  30006, // landline or unreachable carrier
]);

/** Codes that say our account or credentials are at fault, whoever the recipient and sender. */
const ACCOUNT_CODES = new Set([
  20003, // authentication
  20005, // account not active
  21703, // messaging service cannot be used
  21704, // messaging service has no sender numbers
]);

export function classifyTwilioError(error: TwilioApiError): SendOutcome {
  const { status, code } = error;
  const known = code ?? null;
  if (status === undefined) return { kind: 'retry', code: known, slowDown: false };
  if (code !== undefined && RECIPIENT_CODES.has(code)) {
    return {
      kind: 'undeliverable',
      code,
      unsubscribed: code === UNSUBSCRIBED_CODE,
      dead: isDeadNumberError(code),
    };
  }
  if (code === SENDER_QUEUE_FULL) return { kind: 'sender_busy', code };
  if (code !== undefined && isUnusableSenderError(code)) return { kind: 'sender_unusable', code };
  if (status === 401 || status === 403 || (code !== undefined && ACCOUNT_CODES.has(code))) {
    return { kind: 'halt', code: code ?? status };
  }
  if (status === 429 || code === 20429) return { kind: 'retry', code: code ?? status, slowDown: true };
  if (status >= 500) return { kind: 'retry', code: code ?? status, slowDown: false };
  return { kind: 'failed', code: code ?? status };
}

class TwilioAlertTexts implements AlertTextProvider {
  readonly name = 'twilio' as const;
  readonly senders: readonly (string | null)[];
  readonly pacesSenders: boolean;
  readonly #client: TwilioRestClient;
  readonly #messagingServiceSid: string | undefined;
  readonly #statusCallback: string;

  constructor(context: Pick<AppContext, 'config'>, client: TwilioRestClient) {
    const { twilio, alerts, publicUrl } = context.config;
    this.#client = client;
    // A messaging service spreads texts over its own pool and paces it; Amparo then caps only the total.
    this.#messagingServiceSid = twilio.messagingServiceSid;
    const pool = alerts.senders.length > 0 ? alerts.senders : twilio.from ? [twilio.from] : [];
    if (!this.#messagingServiceSid && pool.length === 0) {
      throw new Error('Twilio is the SMS provider but no sender number or messaging service is configured.');
    }
    this.senders = this.#messagingServiceSid ? [null] : pool;
    this.pacesSenders = !this.#messagingServiceSid;
    this.#statusCallback = publishedUrl(publicUrl, STATUS_PATH);
  }

  async send(text: { to: string; body: string; sender: string | null }): Promise<SendOutcome> {
    const route = this.#messagingServiceSid
      ? { messagingServiceSid: this.#messagingServiceSid }
      : { from: text.sender! };
    try {
      const sent = await this.#client.sendMessage({
        ...route,
        to: text.to,
        body: text.body,
        statusCallback: this.#statusCallback,
      });
      return { kind: 'sent', providerSid: sent.sid };
    } catch (error) {
      if (error instanceof TwilioApiError) return classifyTwilioError(error);
      throw error;
    }
  }
}

class OutboxAlertTexts implements AlertTextProvider {
  readonly name = 'console' as const;
  readonly senders = [null];
  readonly pacesSenders = false;
  readonly #outbox: SmsSender;

  constructor(context: Pick<AppContext, 'db' | 'secrets' | 'clock'>) {
    this.#outbox = consoleSmsSender(context);
  }

  async send(text: { to: string; body: string }): Promise<SendOutcome> {
    try {
      const { providerId } = await this.#outbox.send({ to: text.to, body: text.body });
      return { kind: 'sent', providerSid: providerId };
    } catch (error) {
      if (error instanceof InvalidRecipientError)
        return { kind: 'undeliverable', code: null, unsubscribed: false, dead: false };
      return { kind: 'retry', code: null, slowDown: false };
    }
  }
}

/** The provider alert texts go through, chosen from config as every other text's is. */
export function alertTextProvider(
  context: Pick<AppContext, 'config' | 'db' | 'secrets' | 'clock'>,
): AlertTextProvider {
  const client = context.config.smsProvider === 'twilio' ? twilioClientFor(context) : undefined;
  return client ? new TwilioAlertTexts(context, client) : new OutboxAlertTexts(context);
}
