// The Twilio SMS provider: hands each text to Twilio's REST API and returns the message SID.
import {
  TwilioApiError,
  type SendMessageRequest,
  type TwilioRestClient,
  type TwilioSender,
} from '../twilio/rest-client.ts';
import { RecipientRefusedError, recipientNumber, type OutgoingSms, type SmsSender } from './sms-sender.ts';

/**
 * Twilio's refusals of a send that no retry can change (its error dictionary): 21211 invalid 'To',
 * 21408 the account may not text that country (geo permissions), 21610 the recipient unsubscribed
 * (STOP), 21612 no route between these numbers, 21614 not a mobile number, 21617 body over 1,600
 * characters, 21635 a landline.
 */
const RECIPIENT_REFUSALS = new Set([21211, 21408, 21610, 21612, 21614, 21617, 21635]);

export class TwilioSms implements SmsSender {
  readonly provider = 'twilio' as const;
  readonly #client: TwilioRestClient;
  readonly #sender: TwilioSender;
  readonly #statusCallback: string | undefined;
  readonly #onSent: ((sid: string) => Promise<void>) | undefined;

  /** `onSent` notes each accepted text (its SID) before send resolves, so it can be deleted there later. */
  constructor(
    client: TwilioRestClient,
    sender: TwilioSender,
    statusCallback?: string,
    onSent?: (sid: string) => Promise<void>,
  ) {
    this.#client = client;
    this.#sender = sender;
    this.#statusCallback = statusCallback;
    this.#onSent = onSent;
  }

  async send(message: OutgoingSms): Promise<{ providerId: string }> {
    const request: SendMessageRequest = {
      ...this.#sender,
      to: recipientNumber(message.to),
      body: message.body,
      ...(this.#statusCallback ? { statusCallback: this.#statusCallback } : {}),
    };
    let sent;
    try {
      sent = await this.#client.sendMessage(request);
    } catch (error) {
      if (error instanceof TwilioApiError && error.code !== undefined && RECIPIENT_REFUSALS.has(error.code)) {
        throw new RecipientRefusedError(error.code, { cause: error });
      }
      throw error;
    }
    await this.#onSent?.(sent.sid);
    return { providerId: sent.sid };
  }
}
