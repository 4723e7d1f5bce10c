// Twilio signs every webhook: X-Twilio-Signature is the base64 HMAC-SHA1, keyed by the account's auth
// token, over the full URL Twilio called followed by each POST parameter's name and value, sorted by name.
// Callers pass the URL they published (AMPARO_PUBLIC_URL + path), never one rebuilt from the Host header,
// which the sender controls.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/** POST parameters as parsed from the form; a name sent several times keeps every value, in order. */
export type TwilioParams = Record<string, string | readonly string[] | undefined>;

/** The auth token as a KeyObject, made once: node:crypto would otherwise build one per webhook. */
const tokenKeys = new Map<string, KeyObject>();
function tokenKey(authToken: string): KeyObject {
  let key = tokenKeys.get(authToken);
  if (!key) {
    // A process knows one auth token (two while it is rotated), so this never grows.
    if (tokenKeys.size >= 4) tokenKeys.clear();
    key = createSecretKey(Buffer.from(authToken, 'utf8'));
    tokenKeys.set(authToken, key);
  }
  return key;
}

export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let payload = url;
  // Sorted by code unit, as Twilio's own libraries do, so names such as "To" and "body" order the same way.
  for (const name of Object.keys(params).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const value = params[name];
    if (value === undefined) continue;
    for (const item of typeof value === 'string' ? [value] : value) payload += name + item;
  }
  return createHmac('sha1', tokenKey(authToken)).update(payload, 'utf8').digest('base64');
}

export function isValidTwilioSignature(
  authToken: string,
  url: string,
  params: TwilioParams,
  header: string | undefined,
): boolean {
  if (!header) return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params), 'utf8');
  const given = Buffer.from(header, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch reveals only that the header is malformed.
  return expected.length === given.length && timingSafeEqual(expected, given);
}
