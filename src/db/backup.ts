// Encrypted backups of the embedded database (the embedded PostgreSQL ships no pg_dump): a logical copy
// (logical-dump.ts), gzip-compressed, then encrypted in chunks.
//
// File format, version 1:
//   header, 64 bytes: magic "AMPAROBK" | format version (u8) | 3 zero bytes | master key version (u32 BE) |
//                     salt (32 random bytes) | key check (16 bytes)
//   chunks:           length (u32 BE; the top bit marks the final chunk) | ciphertext | GCM tag (16 bytes)
// The file key is HKDF-SHA256 over the keyring's 'backup' key (itself derived from the master key) with the
// file's salt, so every file has its own key. Each chunk holds at most 64 KiB of plaintext, sealed with
// AES-256-GCM under a nonce made from its index, with the whole header, its index and its final flag as
// associated data: a changed byte, a chunk moved or dropped, or a file cut after any chunk (which then was
// not marked final) fails to open. The key check tells a wrong master key from a damaged file.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import pg from 'pg';
import type { Keyring } from '../crypto/keyring.ts';
import { replaceDatabase } from './database-replace.ts';
import {
  checkCompatible,
  dumpDatabase,
  DumpError,
  loadDump,
  readDumpLines,
  sessionOf,
  type DumpHeader,
  type DumpOptions,
  type LoadSummary,
} from './logical-dump.ts';

const MAGIC = Buffer.from('AMPAROBK', 'ascii');
const FORMAT_VERSION = 1;
const HEADER_BYTES = 64;
const SALT_OFFSET = 16;
const SALT_BYTES = 32;
const CHECK_OFFSET = SALT_OFFSET + SALT_BYTES;
const CHECK_BYTES = 16;
const CHUNK_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const FINAL_FLAG = 0x8000_0000;

export type BackupProblem =
  | 'not_a_backup'
  | 'unsupported_version'
  | 'key_unavailable'
  | 'wrong_key'
  | 'damaged'
  | 'truncated'
  | 'incompatible';

/** A backup that cannot be restored, and why, in words an operator can act on. Never quotes contents. */
export class BackupError extends Error {
  override name = 'BackupError';
  readonly problem: BackupProblem;
  constructor(problem: BackupProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

interface FileKeys {
  key: Buffer;
  check: Buffer;
}

function fileKeys(keyring: Keyring, keyVersion: number, salt: Buffer): FileKeys {
  let base: Buffer;
  try {
    base = keyring.derive('backup', keyVersion);
  } catch {
    throw new BackupError(
      'key_unavailable',
      `This backup was made with master key version ${keyVersion}, which is not configured here. ` +
        'Add that key to AMPARO_MASTER_KEY (as version:key) to restore it.',
    );
  }
  return {
    key: Buffer.from(hkdfSync('sha256', base, salt, 'amparo:backup:v1:encryption', 32)),
    check: Buffer.from(hkdfSync('sha256', base, salt, 'amparo:backup:v1:key-check', CHECK_BYTES)),
  };
}

function nonce(index: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(BigInt(index), 4);
  return iv;
}

function associatedData(header: Buffer, index: number, final: boolean): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail.writeUInt8(final ? 1 : 0, 8);
  return Buffer.concat([header, tail]);
}

/** Encrypts a byte stream into the backup format under the keyring's current master key. */
export class BackupEncryptStream extends Transform {
  readonly #header: Buffer;
  readonly #key: Buffer;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #index = 0;

  constructor(keyring: Keyring) {
    super();
    const version = keyring.currentVersion;
    const salt = randomBytes(SALT_BYTES);
    const keys = fileKeys(keyring, version, salt);
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt8(FORMAT_VERSION, 8);
    header.writeUInt32BE(version, 12);
    salt.copy(header, SALT_OFFSET);
    keys.check.copy(header, CHECK_OFFSET);
    this.#header = header;
    this.#key = keys.key;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    // A chunk is sealed only once more data is known to follow it: the last one must carry the final flag.
    if (this.#pendingBytes > CHUNK_BYTES) {
      let buffered = Buffer.concat(this.#pending);
      while (buffered.length > CHUNK_BYTES) {
        this.#seal(buffered.subarray(0, CHUNK_BYTES), false);
        buffered = buffered.subarray(CHUNK_BYTES);
      }
      this.#pending = [buffered];
      this.#pendingBytes = buffered.length;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.#seal(Buffer.concat(this.#pending), true);
    this.#pending = [];
    callback();
  }

  #seal(plaintext: Buffer, final: boolean): void {
    if (this.#index === 0) this.push(this.#header);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce(this.#index));
    cipher.setAAD(associatedData(this.#header, this.#index, final));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE((plaintext.length | (final ? FINAL_FLAG : 0)) >>> 0);
    this.push(Buffer.concat([length, body, cipher.getAuthTag()]));
    this.#index += 1;
  }
}

/** Reads exactly n bytes from an async byte source, or fewer at its end. */
class ByteReader {
  readonly #source: AsyncIterator<Buffer>;
  #buffered: Buffer = Buffer.alloc(0);
  #ended = false;
  constructor(source: AsyncIterable<Buffer>) {
    this.#source = source[Symbol.asyncIterator]();
  }
  async read(n: number): Promise<Buffer> {
    while (this.#buffered.length < n && !this.#ended) {
      const next = await this.#source.next();
      if (next.done) this.#ended = true;
      else this.#buffered = Buffer.concat([this.#buffered, next.value]);
    }
    const out = this.#buffered.subarray(0, n);
    this.#buffered = this.#buffered.subarray(out.length);
    return out;
  }
}

/**
 * Decrypts a backup's bytes, yielding only plaintext whose chunk has been authenticated. Throws a
 * BackupError for a wrong key, a damaged or a truncated file.
 */
export async function* decryptBackup(
  source: AsyncIterable<Buffer>,
  keyring: Keyring,
): AsyncGenerator<Buffer> {
  const reader = new ByteReader(source);
  const header = await reader.read(HEADER_BYTES);
  if (header.length < MAGIC.length || !header.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new BackupError('not_a_backup', 'This file is not an Amparo backup.');
  }
  if (header.length < HEADER_BYTES) throw new BackupError('truncated', 'The backup file is cut off.');
  const version = header.readUInt8(8);
  if (version !== FORMAT_VERSION) {
    throw new BackupError(
      'unsupported_version',
      `This backup is in format version ${version}; this Amparo reads version ${FORMAT_VERSION}.`,
    );
  }
  const keys = fileKeys(keyring, header.readUInt32BE(12), header.subarray(SALT_OFFSET, CHECK_OFFSET));
  if (!timingSafeEqual(keys.check, header.subarray(CHECK_OFFSET, CHECK_OFFSET + CHECK_BYTES))) {
    throw new BackupError(
      'wrong_key',
      'This backup cannot be opened with this master key: it was made with another one (or its header is damaged).',
    );
  }
  for (let index = 0; ; index++) {
    const lengthBytes = await reader.read(4);
    if (lengthBytes.length === 0) {
      throw new BackupError('truncated', 'The backup file is cut off: its last part is missing.');
    }
    if (lengthBytes.length < 4) throw new BackupError('truncated', 'The backup file is cut off.');
    const word = lengthBytes.readUInt32BE(0);
    const final = (word & FINAL_FLAG) !== 0;
    const length = word & ~FINAL_FLAG;
    if (length > CHUNK_BYTES) throw new BackupError('damaged', 'The backup file is damaged or was altered.');
    const sealed = await reader.read(length + TAG_BYTES);
    if (sealed.length < length + TAG_BYTES) throw new BackupError('truncated', 'The backup file is cut off.');
    const decipher = createDecipheriv('aes-256-gcm', keys.key, nonce(index));
    decipher.setAAD(associatedData(header, index, final));
    decipher.setAuthTag(sealed.subarray(length));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(sealed.subarray(0, length)), decipher.final()]);
    } catch {
      throw new BackupError('damaged', 'The backup file is damaged or was altered (a part fails its check).');
    }
    if (plaintext.length > 0) yield plaintext;
    if (final) break;
  }
  if ((await reader.read(1)).length > 0) {
    throw new BackupError('damaged', 'The backup file is damaged or was altered (data after its end).');
  }
}

async function* splitLines(source: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of source) {
    const text = rest + decoder.write(chunk);
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    yield* lines;
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}

/** Feeds a backup's dump lines to `consume`, decrypting and decompressing on the way. */
async function readBackupLines<T>(
  file: string,
  keyring: Keyring,
  consume: (lines: AsyncIterable<string>) => Promise<T>,
): Promise<T> {
  let result: T | undefined;
  try {
    await pipeline(
      createReadStream(file),
      (source: AsyncIterable<Buffer>) => decryptBackup(source, keyring),
      createGunzip(),
      async (source: AsyncIterable<Buffer>) => {
        result = await consume(splitLines(source));
      },
    );
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('Z_')) {
      throw new BackupError('damaged', 'The backup file is damaged (its contents do not decompress).');
    }
    if (error instanceof DumpError) throw new BackupError('damaged', error.message);
    throw error;
  }
  return result as T;
}

export interface BackupContents {
  header: DumpHeader;
  tables: number;
  rows: number;
}

/** Reads a whole backup without touching any database: wrong key, damage and truncation show here. */
export async function verifyBackup(options: { file: string; keyring: Keyring }): Promise<BackupContents> {
  return readBackupLines(options.file, options.keyring, async (lines) => {
    let header: DumpHeader | undefined;
    let rows = 0;
    for await (const item of readDumpLines(lines)) {
      if (item.kind === 'header') header = item.header;
      if (item.kind === 'row') rows += 1;
    }
    return { header: header!, tables: header!.tables.length, rows };
  });
}

export interface WriteBackupOptions {
  file: string;
  keyring: Keyring;
  /** Dump lines, without newlines. */
  lines: AsyncIterable<string>;
}

export interface BackupSummary {
  file: string;
  bytes: number;
  tables: number;
  rows: number;
}

/**
 * Writes lines as an encrypted backup: to a temporary file beside the target (mode 0600), flushed to disk,
 * then renamed over it, so the file named is always either the previous backup or a whole new one.
 */
export async function writeBackup(options: WriteBackupOptions): Promise<BackupSummary> {
  const target = path.resolve(options.file);
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.partial`,
  );
  let tables = 0;
  let rows = 0;
  let bytes = 0;
  try {
    await pipeline(
      options.lines,
      async function* (lines: AsyncIterable<string>) {
        for await (const line of lines) {
          if (line.startsWith('R ')) rows += 1;
          else if (line.startsWith('T ')) tables += 1;
          yield `${line}\n`;
        }
      },
      createGzip(),
      new BackupEncryptStream(options.keyring),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          bytes += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(temporary, { flags: 'wx', mode: 0o600 }),
    );
    await chmod(temporary, 0o600);
    const handle = await open(temporary, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
    const directory = await open(path.dirname(target), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { file: target, bytes, tables, rows };
}

export interface BackupDatabaseOptions extends DumpOptions {
  /** The database to back up; any user that can read every table of public and pgboss. */
  connectionString: string;
  file: string;
  keyring: Keyring;
}

/** `amparo backup FILE`: a consistent copy of a running database, while it keeps taking writes. */
export async function backupDatabase(options: BackupDatabaseOptions): Promise<BackupSummary> {
  const client = new pg.Client({ connectionString: options.connectionString });
  client.on('error', () => {});
  await client.connect();
  try {
    return await writeBackup({
      file: options.file,
      keyring: options.keyring,
      lines: dumpDatabase(sessionOf(client), options),
    });
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Restores a backup into an existing, empty database (superuser connection): checked whole first, so a
 * wrong key, a damaged or a cut-off file is refused before anything is written.
 */
export async function restoreBackupInto(options: {
  connectionString: string;
  file: string;
  keyring: Keyring;
}): Promise<LoadSummary> {
  const contents = await verifyBackup(options);
  await checkBackupCompatible(contents.header);
  return readBackupLines(options.file, options.keyring, (lines) =>
    loadDump({ connectionString: options.connectionString, lines }),
  );
}

async function checkBackupCompatible(header: DumpHeader): Promise<void> {
  try {
    await checkCompatible(header);
  } catch (error) {
    if (error instanceof DumpError) throw new BackupError('incompatible', error.message);
    throw error;
  }
}

export interface RestoreDatabaseOptions {
  /** A superuser's connection to another database on the same server (e.g. the "postgres" database). */
  adminConnectionString: string;
  /** The database Amparo runs on; created if absent, replaced if present (Amparo must be stopped). */
  databaseName: string;
  file: string;
  keyring: Keyring;
  /** What becomes of the database being replaced. */
  previous: 'drop' | 'keep';
}

export interface RestoreSummary extends LoadSummary {
  previousKeptAs: string | null;
}

/**
 * `amparo restore FILE`: checks the whole file, loads it into a scratch database, and only when that fully
 * succeeded gives it the live database's name. Any failure leaves the live database as it was.
 */
export async function restoreDatabase(options: RestoreDatabaseOptions): Promise<RestoreSummary> {
  const contents = await verifyBackup(options);
  await checkBackupCompatible(contents.header);
  let summary: LoadSummary | undefined;
  const { previousKeptAs } = await replaceDatabase({
    adminConnectionString: options.adminConnectionString,
    databaseName: options.databaseName,
    previous: options.previous,
    load: async (connectionString) => {
      summary = await readBackupLines(options.file, options.keyring, (lines) =>
        loadDump({ connectionString, lines }),
      );
    },
  });
  return { ...summary!, previousKeptAs };
}
