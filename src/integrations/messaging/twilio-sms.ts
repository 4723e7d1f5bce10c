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
  recipientNumber,
  UnreachableRecipientError,
  type OutgoingSms,
  type SmsSender,
} from './sms-sender.ts';

/** Which numbers no text reaches; numbers in E.164. */
export interface RecipientReachability {
  isUnreachable(to: string): Promise<boolean>;
  markUnreachable(to: string, errorCode: number): Promise<void>;
}

export class TwilioSms implements SmsSender {
  readonly provider = 'twilio' as const;
  readonly #client: TwilioRestClient;
  readonly #sender: TwilioSender;
  readonly #statusCallback: string | undefined;
  readonly #reachability: RecipientReachability | undefined;

  constructor(
    client: TwilioRestClient,
    sender: TwilioSender,
    statusCallback?: string,
    reachability?: RecipientReachability,
  ) {
    this.#client = client;
    this.#sender = sender;
    this.#statusCallback = statusCallback;
    this.#reachability = reachability;
  }

  async send(message: OutgoingSms): Promise<{ providerId: string }> {
    const to = recipientNumber(message.to);
    if (await this.#reachability?.isUnreachable(to)) throw new UnreachableRecipientError();
    const request: SendMessageRequest = {
      ...this.#sender,
      to,
      body: message.body,
      ...(this.#statusCallback ? { statusCallback: this.#statusCallback } : {}),
    };
    try {
      const sent = await this.#client.sendMessage(request);
      return { providerId: sent.sid };
    } catch (error) {
      if (error instanceof TwilioApiError && isDeadNumberError(error.code)) {
        await this.#reachability?.markUnreachable(to, error.code!);
      }
      throw error;
    }
  }
}
