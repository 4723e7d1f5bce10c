// The Twilio SMS provider: hands each text to Twilio's REST API and returns the message SID.
import type { SendMessageRequest, TwilioRestClient, TwilioSender } from '../twilio/rest-client.ts';
import { recipientNumber, type OutgoingSms, type SmsSender } from './sms-sender.ts';

export class TwilioSms implements SmsSender {
  readonly provider = 'twilio' as const;
  readonly #client: TwilioRestClient;
  readonly #sender: TwilioSender;
  readonly #statusCallback: string | undefined;

  constructor(client: TwilioRestClient, sender: TwilioSender, statusCallback?: string) {
    this.#client = client;
    this.#sender = sender;
    this.#statusCallback = statusCallback;
  }

  async send(message: OutgoingSms): Promise<{ providerId: string }> {
    const request: SendMessageRequest = {
      ...this.#sender,
      to: recipientNumber(message.to),
      body: message.body,
      ...(this.#statusCallback ? { statusCallback: this.#statusCallback } : {}),
    };
    const sent = await this.#client.sendMessage(request);
    return { providerId: sent.sid };
  }
}
