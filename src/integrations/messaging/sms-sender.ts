// The one way the app sends a text. Which provider carries it (Twilio, or the console outbox when none is
// configured) is chosen once from config; callers never know.
import type { SmsProvider } from '../../config/config.ts';
import { textablePhone } from '../../phone/phone.ts';

export interface OutgoingSms {
  to: string;
  body: string;
  /** The case the text is about, if any: the console outbox shows it only to staff who may open the case. */
  caseId?: string;
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
 * The provider refused this text for good because of its recipient (or its length): an invalid number, a
 * country the account may not text, an unsubscribed or landline number. Trying again cannot help, so
 * callers treat it like a number that is not one, and carry on with the next recipient. Only Twilio's
 * numeric code is kept.
 */
export class RecipientRefusedError extends InvalidRecipientError {
  override name = 'RecipientRefusedError';
  readonly code: number;
  constructor(code: number, options?: ErrorOptions) {
    super();
    if (options?.cause !== undefined) this.cause = options.cause;
    this.message = `The SMS provider refused the text for its recipient (error ${code}).`;
    this.code = code;
  }
}

/**
 * The recipient's number is known to receive no texts (Twilio or the carrier said it is unknown, inactive
 * or a landline), so nothing was sent. An InvalidRecipientError, so callers settle it the same way.
 */
export class UnreachableRecipientError extends InvalidRecipientError {
  override name = 'UnreachableRecipientError';
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
