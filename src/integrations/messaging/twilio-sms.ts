// The Twilio SMS provider: hands each text to Twilio's REST API and returns the message SID.
import type { SendMessageRequest, TwilioRestClient, TwilioSender } from '../twilio/rest-client.ts';
import { recipientNumber, type OutgoingSms, type SmsSender } from './sms-sender.ts';

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
    const sent = await this.#client.sendMessage(request);
    await this.#onSent?.(sent.sid);
    return { providerId: sent.sid };
  }
}
