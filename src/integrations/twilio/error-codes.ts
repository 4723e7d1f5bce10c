// What Twilio's error codes mean for the texts Amparo sends, from Twilio's error dictionary
// (https://www.twilio.com/docs/api/errors). Two places report them: the REST API's answer to a send (21xxx,
// about the request: the To, the From, the account), and a status callback's ErrorCode once the carrier
// has had its say (30xxx, about delivery).

/**
 * Delivery errors after which this text will never arrive, whatever another try does: the row is
 * undeliverable (not failed, which means Amparo gave up on a transient fault).
 */
const PERMANENT_DELIVERY_ERRORS = new Set([
  30003, // unreachable destination handset (off, no service, cannot take SMS)
  30004, // message blocked (by the recipient or their carrier)
  30005, // unknown destination handset: the number is unknown or no longer in service
  30006, // landline or unreachable carrier
  30007, // filtered by the carrier as spam or abuse
]);

/**
 * Errors that say the number itself can never get a text (dead, unknown, a landline): nothing more is
 * sent to it until it writes in or asks to subscribe. From a status callback (30005, 30006) or the send's
 * own answer (21211, 21614, 21635).
 */
const DEAD_NUMBER_ERRORS = new Set([
  21211, // invalid 'To' phone number
  21614, // 'To' is not a valid mobile number (a landline, or no such number)
  21635, // 'To' cannot be a landline
  30005, // unknown destination handset: unknown, inactive, or no longer in service
  30006, // landline or unreachable carrier
]);

/**
 * Errors on a send that say the From number cannot be used (not ours, not able to text, not a Twilio
 * number): a pool of senders goes on without it.
 */
const UNUSABLE_SENDER_ERRORS = new Set([
  21212, // invalid 'From' number
  21606, // 'From' is not a message-capable Twilio number for this destination or account
  21659, // 'From' is not a Twilio phone number (or a short code of another country)
  21660, // 'From' belongs to another account
]);

/** The From number's queue at Twilio is full (10 hours of texts at its rate): send slower from it. */
export const SENDER_QUEUE_FULL = 21611;

/** The recipient texted STOP to Twilio's opt-out handling. */
export const UNSUBSCRIBED_CODE = 21610;

export function isPermanentDeliveryError(code: number | null | undefined): boolean {
  return code !== null && code !== undefined && PERMANENT_DELIVERY_ERRORS.has(code);
}

export function isDeadNumberError(code: number | null | undefined): boolean {
  return code !== null && code !== undefined && DEAD_NUMBER_ERRORS.has(code);
}

export function isUnusableSenderError(code: number | null | undefined): boolean {
  return code !== null && code !== undefined && UNUSABLE_SENDER_ERRORS.has(code);
}

/** A status callback's ErrorCode as a number, or null when absent or not one of Twilio's codes. */
export function parseErrorCode(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,6}$/.test(value)) return null;
  return Number(value);
}
