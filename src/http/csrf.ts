// Anti-forgery tokens for every state-changing form: "<issued-at>.<nonce>.<mac>", where the MAC (keyed from
// the master key) binds the token to the signed-in session's secret, or for forms filled before signing in
// (the public report form, sign-in) to a random per-browser cookie. Tokens expire, and an expired token on
// a public form brings the form back with everything typed, never a lost report.
import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Clock } from '../app/context.ts';

export type CsrfVerdict = 'valid' | 'expired' | 'invalid';

export const ANONYMOUS_FORM_TOKEN_TTL_MS = 4 * 60 * 60 * 1000;
export const SESSION_FORM_TOKEN_TTL_MS = 12 * 60 * 60 * 1000;

export class CsrfTokens {
  readonly #key: KeyObject;
  readonly #clock: Clock;

  constructor(key: Buffer, clock: Clock) {
    // A KeyObject once, rather than a Buffer node:crypto turns into one on every token.
    this.#key = createSecretKey(key);
    this.#clock = clock;
  }

  issue(binding: string): string {
    const issuedAt = this.#clock.now().getTime().toString(36);
    const nonce = randomBytes(12).toString('base64url');
    return `${issuedAt}.${nonce}.${this.#mac(binding, issuedAt, nonce)}`;
  }

  verify(token: unknown, binding: string | undefined, maxAgeMs: number): CsrfVerdict {
    if (typeof token !== 'string' || !binding) return 'invalid';
    const [issuedAt, nonce, mac, ...rest] = token.split('.');
    if (!issuedAt || !nonce || !mac || rest.length > 0) return 'invalid';
    const expected = Buffer.from(this.#mac(binding, issuedAt, nonce));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    const age = this.#clock.now().getTime() - parseInt(issuedAt, 36);
    return age >= 0 && age <= maxAgeMs ? 'valid' : 'expired';
  }

  #mac(binding: string, issuedAt: string, nonce: string): string {
    return createHmac('sha256', this.#key).update(`${binding}\n${issuedAt}\n${nonce}`).digest('base64url');
  }
}
