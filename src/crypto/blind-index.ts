// Blind indexes: a keyed HMAC of a normalized value, so exact-match lookups (is this phone number already
// subscribed? which user has this email?) work without storing the value. The key is derived from the
// master key, which never enters the database. Blind indexes do not rotate with the master key: version 1
// of the master key is their root, and a rotation keeps it configured.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Database } from '../db/schema.ts';
import type { Keyring } from './keyring.ts';

/** The columns of a table row type that hold a blind index: `email` for `email_index`. */
type IndexColumnsOf<Row> = {
  [K in keyof Row]: K extends `${infer Column}_index` ? Column : never;
}[keyof Row];

/** A column-bound index name, checked against the schema: `${table}.${column}` where `${column}_index` exists. */
type ColumnIndex<T extends keyof Database, C extends IndexColumnsOf<Database[T]>> = `${T}.${C & string}`;

/**
 * Every purpose a blind index is computed for. A column-bound one is only made by the table's owning module,
 * which exports a helper for it (auth's `userEmailIndex`, reports' `reportCallbackPhoneIndex`); renaming the
 * column in the schema stops this from compiling. `phone` is the one index shared by every phone column.
 */
export type BlindIndexPurpose =
  | ColumnIndex<'users', 'email'>
  | ColumnIndex<'reports', 'callback_phone'>
  | ColumnIndex<'cases', 'a_number'>
  | ColumnIndex<'cases', 'name_dob'>
  | ColumnIndex<'cases', 'names'>
  | ColumnIndex<'case_status_codes', 'code'>
  | ColumnIndex<'followup_tasks', 'detained_name'>
  | 'phone'
  | 'subscribe-client'
  | 'subscribe-prefix'
  | 'subscribe-number'
  | 'twilio-delivery-key'
  | 'status-lookup-number'
  | `alerts-code:${string}`;

export class BlindIndexer {
  readonly #keyring: Keyring;
  /** One KeyObject per purpose: node:crypto would otherwise build one from the Buffer on every HMAC. */
  readonly #keys = new Map<string, KeyObject>();

  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  index(purpose: BlindIndexPurpose, normalizedValue: string): string {
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
