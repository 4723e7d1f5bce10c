// The one way the app sends a text. Which provider carries it (Twilio, or the console outbox when none is
// configured) is chosen once from config; callers never know.
import type { SmsProvider } from '../../config/config.ts';
import { textablePhone } from '../../phone/phone.ts';

export interface OutgoingSms {
  to: string;
  body: string;
}

export interface SmsSender {
  readonly provider: SmsProvider;
  /** Resolves once the provider has accepted the text; providerId identifies it there (a Twilio SID). */
  send(message: OutgoingSms): Promise<{ providerId: string }>;
}

/**
 * The recipient is not a number Amparo texts: not a phone number, in no assigned range, premium rate or
 * shared cost. The message never quotes it: errors end up in logs.
 */
export class InvalidRecipientError extends Error {
  override name = 'InvalidRecipientError';
  constructor() {
    super('The recipient of a text is not a number Amparo texts (invalid, premium rate or shared cost).');
  }
}

/**
 * The recipient in E.164, the form both providers store and Twilio expects. The last guard on every text,
 * whoever typed the number: forms refuse such numbers first, with a message, and callers that text numbers
 * an anonymous person gave also hold them to AMPARO_SMS_COUNTRIES.
 */
export function recipientNumber(to: string): string {
  const textable = textablePhone(to);
  if (!textable.ok) throw new InvalidRecipientError();
  return textable.e164;
}
