// Twilio signs every webhook: X-Twilio-Signature is the base64 HMAC-SHA1, keyed by the account's auth
// token, over the full URL Twilio called followed by each POST parameter's name and value, sorted by name.
// Callers pass the URL they published (AMPARO_PUBLIC_URL + path), never one rebuilt from the Host header,
// which the sender controls.
//
// What counts as "the URL Twilio called" is what Twilio's own library (validateRequest) accepts, so that a
// signature it takes is never refused here: the URL as written, with its port left out or the scheme's
// default port (:443, :80) written in, and, failing those, the URL in its WHATWG form (characters
// percent-encoded) likewise, and with its query re-encoded as Node's legacy querystring writes it. A name
// sent several times contributes each distinct value once, values sorted. The equivalence is tested against
// the official `twilio` package over thousands of random inputs (signature.property.test.ts).
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';

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

/** Sorted by UTF-16 code unit, as Twilio's own libraries do, so "To" and "body" order the same way. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let payload = url;
  for (const name of Object.keys(params).sort(byCodeUnit)) {
    const value = params[name];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      payload += name + value;
      continue;
    }
    // A repeated name: each distinct value once, in sorted order (not the order they arrived in).
    for (const item of [...new Set(value)].sort(byCodeUnit)) payload += name + item;
  }
  return createHmac('sha1', tokenKey(authToken)).update(payload, 'utf8').digest('base64');
}

/** Whether every value is a string or a list of strings: anything else was never a Twilio form. */
export function isFormParams(params: unknown): params is TwilioParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return false;
  for (const value of Object.values(params)) {
    if (typeof value === 'string') continue;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return false;
  }
  return true;
}

interface UrlParts {
  /** "https://" */
  scheme: string;
  /** "user:pass@" or "" */
  userInfo: string;
  host: string;
  /** ":8443" or "" */
  port: string;
  /** Path, query and fragment, exactly as written. */
  rest: string;
}

/**
 * Splits an absolute URL without normalising it: the path and query keep the exact characters that were
 * signed. Undefined for anything without a `scheme://`.
 */
function splitAuthority(url: string): UrlParts | undefined {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return undefined;
  const scheme = match[1]!;
  const authority = match[2]!;
  const at = authority.lastIndexOf('@');
  const hostPort = authority.slice(at + 1);
  // In an IPv6 literal ([::1]:8443) only a colon after the closing bracket starts the port.
  const colon = hostPort.indexOf(':', hostPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, at + 1),
    host: colon === -1 ? hostPort : hostPort.slice(0, colon),
    port: colon === -1 ? '' : hostPort.slice(colon),
    rest: url.slice(match[0].length),
  };
}

/** The URL without any port, and with the scheme's default port when it names none. */
function withAndWithoutPort(url: string): [string, string] {
  const parts = splitAuthority(url);
  if (!parts) return [url, url];
  const bare = parts.scheme + parts.userInfo + parts.host;
  const defaultPort = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return [bare + parts.rest, parts.port ? url : bare + defaultPort + parts.rest];
}

/** The query re-encoded the way Node's legacy querystring module writes it. */
function withLegacyQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1 || start === url.length - 1) return url;
  return `${url.slice(0, start)}?${stringifyQuery(parseQuery(url.slice(start + 1)))}`;
}

/** Every URL a signature may have been made over, most likely first, each once. */
export function signedUrlCandidates(url: string): string[] {
  const candidates = withAndWithoutPort(url);
  let normalized: string | undefined;
  try {
    normalized = new URL(url).toString();
  } catch {
    normalized = undefined;
  }
  if (normalized !== undefined) {
    const [bare, ported] = withAndWithoutPort(normalized);
    candidates.push(bare, ported, withLegacyQuery(bare), withLegacyQuery(ported));
  }
  return [...new Set(candidates)];
}

export function isValidTwilioSignature(
  authToken: string,
  url: string,
  params: TwilioParams,
  header: string | undefined,
): boolean {
  if (!header) return false;
  const given = Buffer.from(header, 'utf8');
  for (const candidate of signedUrlCandidates(url)) {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params), 'utf8');
    // timingSafeEqual needs equal lengths; a length mismatch reveals only that the header is malformed.
    if (expected.length === given.length && timingSafeEqual(expected, given)) return true;
  }
  return false;
}
