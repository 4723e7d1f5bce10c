// Field-level encryption: AES-256-GCM with a key per (table, column) derived from the master key, and
// associated data binding table, column and row, so a ciphertext copied to another row or column fails to
// decrypt. Stored form: "v<keyVersion>.<base64url(iv | tag | ciphertext)>".
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Database } from '../db/schema.ts';
import type { Keyring } from './keyring.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The encrypted columns of a table row type: `email` for `email_ciphertext`. */
type CiphertextColumnsOf<Row> = {
  [K in keyof Row]: K extends `${infer Column}_ciphertext` ? Column : never;
}[keyof Row];

/**
 * Fields encrypted with a (table, column, row) key that are not a `*_ciphertext` column of the row: files on
 * disk (photos, recordings) and values kept in JSON. Add an entry here, next to the schema, for a new one.
 */
interface EncryptedFilesByTable {
  report_photos: 'content';
  report_recordings: 'content';
  verifications: 'photo';
  case_hotline_messages: 'content';
}

/** Every table with at least one encrypted field. */
export type EncryptedTable =
  | {
      [T in keyof Database]: [CiphertextColumnsOf<Database[T]>] extends [never] ? never : T;
    }[keyof Database]
  | keyof EncryptedFilesByTable;

/** The encrypted fields of a table, as FieldRef.column names them (without the `_ciphertext` suffix). */
export type EncryptedColumn<T extends EncryptedTable> =
  | (T extends keyof Database ? CiphertextColumnsOf<Database[T]> : never)
  | (T extends keyof EncryptedFilesByTable ? EncryptedFilesByTable[T] : never);

/**
 * One encrypted field of one row. Typed against the schema: a table without encrypted fields, or a column
 * that is not one of that table's, does not compile. `FieldRef<'users'>` is a field of the users table;
 * `FieldRef` alone is any valid one. Each table's owning module exports the helpers that build its refs
 * (for example `userEmailField(userId)` in auth); no other module writes them as literals.
 */
export type FieldRef<T extends EncryptedTable = EncryptedTable> = {
  [K in T]: { readonly table: K; readonly column: EncryptedColumn<K>; readonly rowId: string };
}[T];

/** Builds a typed reference; owners use it in the helpers they export for their columns. */
export function fieldRef<T extends EncryptedTable>(
  table: T,
  column: EncryptedColumn<T>,
  rowId: string,
): FieldRef<T> {
  return { table, column, rowId };
}

export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

export class FieldCipher {
  readonly #keyring: Keyring;
  /**
   * Keys as KeyObjects, made once per (version, table, column): handing node:crypto a Buffer makes it build
   * a key object on every call, which cost more than the encryption itself.
   */
  readonly #keys = new Map<string, KeyObject>();

  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  encrypt(ref: FieldRef, plaintext: string | Buffer): string {
    const version = this.#keyring.currentVersion;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key(ref, version), iv);
    cipher.setAAD(associatedData(ref));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return `v${version}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  decryptBytes(ref: FieldRef, stored: string): Buffer {
    const match = /^v(\d+)\.([A-Za-z0-9_-]+)$/.exec(stored);
    if (!match?.[1] || !match[2])
      throw new DecryptionError(`Malformed ciphertext in ${ref.table}.${ref.column}.`);
    const raw = Buffer.from(match[2], 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES)
      throw new DecryptionError(`Truncated ciphertext in ${ref.table}.${ref.column}.`);
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.#key(ref, Number(match[1])),
        raw.subarray(0, IV_BYTES),
      );
      decipher.setAAD(associatedData(ref));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      // The message names the field, never the value: this can end up in an error log.
      throw new DecryptionError(
        `Cannot decrypt ${ref.table}.${ref.column}: wrong key, row or tampered value.`,
      );
    }
  }

  decrypt(ref: FieldRef, stored: string): string {
    return this.decryptBytes(ref, stored).toString('utf8');
  }

  encryptOptional(ref: FieldRef, plaintext: string | null | undefined): string | null {
    return plaintext === null || plaintext === undefined || plaintext === ''
      ? null
      : this.encrypt(ref, plaintext);
  }

  decryptOptional(ref: FieldRef, stored: string | null): string | null {
    return stored === null ? null : this.decrypt(ref, stored);
  }

  /** True when the value was encrypted under an older master key and should be re-encrypted. */
  needsRotation(stored: string): boolean {
    return !stored.startsWith(`v${this.#keyring.currentVersion}.`);
  }

  #key(ref: FieldRef, version: number): KeyObject {
    const purpose = `field:${ref.table}.${ref.column}`;
    const cacheKey = `${version}\0${purpose}`;
    let key = this.#keys.get(cacheKey);
    if (!key) {
      key = createSecretKey(this.#keyring.derive(purpose, version));
      this.#keys.set(cacheKey, key);
    }
    return key;
  }
}

function associatedData(ref: FieldRef): Buffer {
  // Length-prefixed so that ("a.b", "c") and ("a", "b.c") can never produce the same bytes.
  return Buffer.from(JSON.stringify([ref.table, ref.column, ref.rowId]), 'utf8');
}
