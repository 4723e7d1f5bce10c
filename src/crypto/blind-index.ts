// Blind indexes: a keyed HMAC of a normalized value, so exact-match lookups (is this phone number already
// subscribed? which user has this email?) work without storing the value. The key is derived from the
// master key, which never enters the database. Blind indexes do not rotate with the master key: version 1
// of the master key is their root, and a rotation keeps it configured.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Keyring } from './keyring.ts';

export class BlindIndexer {
  readonly #keyring: Keyring;
  /** One KeyObject per purpose: node:crypto would otherwise build one from the Buffer on every HMAC. */
  readonly #keys = new Map<string, KeyObject>();

  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  index(purpose: string, normalizedValue: string): string {
    let key = this.#keys.get(purpose);
    if (!key) {
      key = createSecretKey(this.#keyring.derive(`blind-index:${purpose}`, 1));
      this.#keys.set(purpose, key);
    }
    return createHmac('sha256', key).update(normalizedValue, 'utf8').digest('base64url');
  }

  /**
   * The one index for a phone number across the hotline's tables (conversations, calls, opt-outs, staff
   * profiles, subscribers), so that STOP from a number is honoured everywhere and a responder's reply is
   * recognised. Pass a number already in E.164 (normalizePhone in src/phone/phone.ts).
   */
  phone(e164: string): string {
    return this.index('phone', e164);
  }
}

/** Lower-cases and trims an email address for lookups. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
