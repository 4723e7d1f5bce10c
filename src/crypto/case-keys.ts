// Per-case data keys for detained people's cases. Each case gets its own random AES-256 key, wrapped by a key
// derived from the master key and kept as one small file per case in AMPARO_CASE_KEYS_DIR, never in the
// database. Destroying a case's key (deleting its file) therefore makes that case's contents unreadable in
// every copy of the database, backups and dumps included: they hold only ciphertext whose key is gone.
// The field format is the same as FieldCipher's, with associated data binding case, table, column and row.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { DecryptionError, type FieldRef } from './field-encryption.ts';
import type { Keyring } from './keyring.ts';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_PURPOSE = 'case-key-wrap';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The case's key was destroyed (its retention ran out) or never existed: its contents cannot be read. */
export class CaseKeyUnavailableError extends Error {
  override name = 'CaseKeyUnavailableError';
  constructor(caseId: string) {
    super(`The data key of case ${caseId} is not available (destroyed or never created).`);
  }
}

function seal(key: Buffer, plaintext: Buffer, associatedData: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function unseal(key: Buffer, sealed: Buffer, associatedData: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new DecryptionError('Truncated ciphertext.');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/** Where case keys live, wrapped: `<dir>/<caseId>.key` holding "v<masterVersion>.<base64url(iv|tag|key)>". */
export class CaseKeyStore {
  readonly #dir: string;
  readonly #keyring: Keyring;

  constructor(dir: string, keyring: Keyring) {
    this.#dir = dir;
    this.#keyring = keyring;
  }

  #file(caseId: string): string {
    // Only a UUID can name a file here, so no id can reach outside the directory.
    if (!UUID.test(caseId)) throw new Error('A case id must be a UUID.');
    return path.join(this.#dir, `${caseId}.key`);
  }

  /** Creates the key of a new case. Refuses to replace an existing one, which would orphan its data. */
  async create(caseId: string): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const version = this.#keyring.currentVersion;
    const wrapped = seal(this.#keyring.derive(WRAP_PURPOSE, version), randomBytes(KEY_BYTES), caseId);
    const handle = await open(this.#file(caseId), 'wx', 0o600);
    try {
      await handle.writeFile(`v${version}.${wrapped.toString('base64url')}\n`);
      // The case row commits after this; the key must already be on disk when it does.
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async #key(caseId: string): Promise<Buffer> {
    let stored: string;
    try {
      stored = (await readFile(this.#file(caseId), 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CaseKeyUnavailableError(caseId);
      throw error;
    }
    const match = /^v(\d+)\.([A-Za-z0-9_-]+)$/.exec(stored);
    if (!match?.[1] || !match[2]) throw new DecryptionError(`Malformed key file for case ${caseId}.`);
    try {
      return unseal(
        this.#keyring.derive(WRAP_PURPOSE, Number(match[1])),
        Buffer.from(match[2], 'base64url'),
        caseId,
      );
    } catch {
      throw new DecryptionError(
        `Cannot unwrap the key of case ${caseId}: wrong master key or tampered file.`,
      );
    }
  }

  async exists(caseId: string): Promise<boolean> {
    try {
      await readFile(this.#file(caseId));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Destroys a case's key. The file is overwritten before it is removed; on flash storage that is no
   * guarantee, which is why the key file is small and the README asks for short-lived key backups.
   */
  async destroy(caseId: string): Promise<void> {
    const file = this.#file(caseId);
    try {
      const handle = await open(file, 'r+');
      try {
        const { size } = await handle.stat();
        await handle.write(Buffer.alloc(size), 0, size, 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await rm(file, { force: true });
  }

  /** A cipher for one case's fields, holding the unwrapped key only as long as the caller keeps it. */
  async cipherFor(caseId: string): Promise<CaseCipher> {
    return new CaseCipher(caseId, await this.#key(caseId));
  }
}

/** Encrypts and decrypts one case's fields. Stored form: "c1.<base64url(iv | tag | ciphertext)>". */
export class CaseCipher {
  readonly caseId: string;
  readonly #key: Buffer;

  constructor(caseId: string, key: Buffer) {
    this.caseId = caseId;
    this.#key = key;
  }

  #associatedData(ref: FieldRef): string {
    return `case:${this.caseId}\0${ref.table}\0${ref.column}\0${ref.rowId}`;
  }

  encrypt(ref: FieldRef, plaintext: string): string {
    return `c1.${seal(this.#key, Buffer.from(plaintext, 'utf8'), this.#associatedData(ref)).toString('base64url')}`;
  }

  decrypt(ref: FieldRef, stored: string): string {
    const match = /^c1\.([A-Za-z0-9_-]+)$/.exec(stored);
    if (!match?.[1]) throw new DecryptionError(`Malformed ciphertext in ${ref.table}.${ref.column}.`);
    try {
      return unseal(this.#key, Buffer.from(match[1], 'base64url'), this.#associatedData(ref)).toString(
        'utf8',
      );
    } catch {
      throw new DecryptionError(
        `Cannot decrypt ${ref.table}.${ref.column}: wrong case, row or tampered value.`,
      );
    }
  }

  /** Structured values (a person, a hearing) are stored as one encrypted JSON document. */
  encryptJson(ref: FieldRef, value: unknown): string {
    return this.encrypt(ref, JSON.stringify(value));
  }

  decryptJson<T>(ref: FieldRef, stored: string): T {
    return JSON.parse(this.decrypt(ref, stored)) as T;
  }
}

const storesByKeyring = new WeakMap<Keyring, Map<string, CaseKeyStore>>();

/** The case key store of a running Amparo (one per keyring and directory). */
export function caseKeyStoreFor(context: {
  config: { cases: { keysDir: string } };
  secrets: { keyring: Keyring };
}): CaseKeyStore {
  const byDir = storesByKeyring.get(context.secrets.keyring) ?? new Map<string, CaseKeyStore>();
  storesByKeyring.set(context.secrets.keyring, byDir);
  let store = byDir.get(context.config.cases.keysDir);
  if (!store) {
    store = new CaseKeyStore(context.config.cases.keysDir, context.secrets.keyring);
    byDir.set(context.config.cases.keysDir, store);
  }
  return store;
}
