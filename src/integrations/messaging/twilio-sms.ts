// The Twilio SMS provider: hands each text to Twilio's REST API and returns the message SID. A number known
// to receive no texts is not sent to, and one Twilio refuses for good (invalid, not a mobile, a landline)
// becomes known as such (`RecipientReachability`, kept by the sms module).
import { isDeadNumberError } from '../twilio/error-codes.ts';
import {
  TwilioApiError,
  type SendMessageRequest,
  type TwilioRestClient,
  type TwilioSender,
} from '../twilio/rest-client.ts';
import {
  RecipientRefusedError,
  recipientNumber,
  UnreachableRecipientError,
  type OutgoingSms,
  type SmsSender,
} from './sms-sender.ts';

/**
 * Twilio's refusals of a send that no retry can change (its error dictionary): 21211 invalid 'To',
 * 21408 the account may not text that country (geo permissions), 21610 the recipient unsubscribed
 * (STOP), 21612 no route between these numbers, 21614 not a mobile number, 21617 body over 1,600
 * characters, 21635 a landline.
 */
const RECIPIENT_REFUSALS = new Set([21211, 21408, 21610, 21612, 21614, 21617, 21635]);

/** Which numbers no text reaches; numbers in E.164. */
export interface RecipientReachability {
  isUnreachable(to: string): Promise<boolean>;
  markUnreachable(to: string, errorCode: number): Promise<void>;
}

export interface TwilioSmsOptions {
  /** Where Twilio reports each text's fate. */
  statusCallback?: string;
  /** Notes each accepted text (its SID) before send resolves, so it can be deleted there later. */
  onSent?: (sid: string) => Promise<void>;
  reachability?: RecipientReachability;
}

export class TwilioSms implements SmsSender {
  readonly provider = 'twilio' as const;
  readonly #client: TwilioRestClient;
  readonly #sender: TwilioSender;
  readonly #options: TwilioSmsOptions;

  constructor(client: TwilioRestClient, sender: TwilioSender, options: TwilioSmsOptions = {}) {
    this.#client = client;
    this.#sender = sender;
    this.#options = options;
  }

  async send(message: OutgoingSms): Promise<{ providerId: string }> {
    const { statusCallback, onSent, reachability } = this.#options;
    const to = recipientNumber(message.to);
    if (await reachability?.isUnreachable(to)) throw new UnreachableRecipientError();
    const request: SendMessageRequest = {
      ...this.#sender,
      to,
      body: message.body,
      ...(statusCallback ? { statusCallback } : {}),
    };
    let sent;
    try {
      sent = await this.#client.sendMessage(request);
    } catch (error) {
      if (error instanceof TwilioApiError && error.code !== undefined) {
        if (isDeadNumberError(error.code)) await reachability?.markUnreachable(to, error.code);
        if (RECIPIENT_REFUSALS.has(error.code)) throw new RecipientRefusedError(error.code, { cause: error });
      }
      throw error;
    }
    await onSent?.(sent.sid);
    return { providerId: sent.sid };
  }
}
