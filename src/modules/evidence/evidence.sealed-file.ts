// Files sealed at rest: an evidence original (up to AMPARO_EVIDENCE_MAX_BYTES, hundreds of MB) is never held in
// memory, so it is encrypted in fixed-size frames, each its own AES-256-GCM message:
//
//   header: "AEV1" | key version (uint32 BE)
//   frame:  iv (12) | tag (16) | ciphertext (FRAME_BYTES, the last frame shorter, possibly empty)
//
// Each frame's associated data names the file, the frame's number and whether it is the last one, so frames
// cannot be reordered, moved to another file, dropped from the end or added after it without failing to open.
// Frames sit at fixed places, so any byte range can be read by opening only the frames it covers (the
// remuxer reads the original that way, without a plaintext copy on disk).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Keyring } from '../../crypto/keyring.ts';

export const FRAME_BYTES = 256 * 1024;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const OVERHEAD = IV_BYTES + TAG_BYTES;
const SEALED_FRAME_BYTES = FRAME_BYTES + OVERHEAD;
export const HEADER_BYTES = 8;
const MAGIC = Buffer.from('AEV1', 'latin1');

export class SealedFileError extends Error {
  override name = 'SealedFileError';
}

function fileKey(keyring: Keyring, version: number): Buffer {
  return keyring.derive('evidence-file', version);
}

function frameData(fileId: string, index: number | string, final: boolean): Buffer {
  return Buffer.from(JSON.stringify(['evidence-frame', fileId, String(index), final]), 'utf8');
}

export function header(version: number): Buffer {
  const bytes = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(bytes, 0);
  bytes.writeUInt32BE(version, 4);
  return bytes;
}

function readVersion(bytes: Buffer): number {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 4).equals(MAGIC)) {
    throw new SealedFileError('Not a sealed evidence file.');
  }
  return bytes.readUInt32BE(4);
}

function sealFrame(key: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function openFrame(key: Buffer, aad: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < OVERHEAD) throw new SealedFileError('A sealed frame is cut short.');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(IV_BYTES, OVERHEAD));
    return Buffer.concat([decipher.update(sealed.subarray(OVERHEAD)), decipher.final()]);
  } catch {
    throw new SealedFileError('A sealed frame does not open: wrong key, file, place, or changed bytes.');
  }
}

/** A small value sealed whole (an upload's pending bytes, its description), bound to a file and a label. */
export function sealBlob(keyring: Keyring, fileId: string, label: string, plaintext: Buffer): Buffer {
  const version = keyring.currentVersion;
  return Buffer.concat([
    header(version),
    sealFrame(fileKey(keyring, version), frameData(fileId, label, true), plaintext),
  ]);
}

export function openBlob(keyring: Keyring, fileId: string, label: string, sealed: Buffer): Buffer {
  const version = readVersion(sealed);
  return openFrame(fileKey(keyring, version), frameData(fileId, label, true), sealed.subarray(HEADER_BYTES));
}

/**
 * Appends frames to a sealed file. Full frames go through `appendFrame`; `finish` writes the last (short or
 * empty) frame. The caller hands exactly FRAME_BYTES to appendFrame.
 */
export class FrameAppender {
  readonly #handle: FileHandle;
  readonly #key: Buffer;
  readonly #fileId: string;
  #index: number;

  private constructor(handle: FileHandle, key: Buffer, fileId: string, index: number) {
    this.#handle = handle;
    this.#key = key;
    this.#fileId = fileId;
    this.#index = index;
  }

  /** Opens a new sealed file (truncating it) or continues one that already holds `frames` full frames. */
  static async open(keyring: Keyring, file: string, fileId: string, frames?: number): Promise<FrameAppender> {
    if (frames === undefined) {
      const handle = await open(file, 'w', 0o600);
      const version = keyring.currentVersion;
      await handle.write(header(version));
      return new FrameAppender(handle, fileKey(keyring, version), fileId, 0);
    }
    const handle = await open(file, 'r+');
    const head = Buffer.alloc(HEADER_BYTES);
    await handle.read(head, 0, HEADER_BYTES, 0);
    // Anything past the frames the caller counts (a write cut off by a crash) is dropped.
    await handle.truncate(HEADER_BYTES + frames * SEALED_FRAME_BYTES);
    return new FrameAppender(handle, fileKey(keyring, readVersion(head)), fileId, frames);
  }

  get frames(): number {
    return this.#index;
  }

  async appendFrame(plaintext: Buffer): Promise<void> {
    if (plaintext.length !== FRAME_BYTES) throw new SealedFileError('Only whole frames are appended.');
    const sealed = sealFrame(this.#key, frameData(this.#fileId, this.#index, false), plaintext);
    await this.#handle.write(sealed, 0, sealed.length, HEADER_BYTES + this.#index * SEALED_FRAME_BYTES);
    this.#index += 1;
  }

  async finish(last: Buffer): Promise<void> {
    if (last.length >= FRAME_BYTES) throw new SealedFileError('The last frame must be short.');
    const sealed = sealFrame(this.#key, frameData(this.#fileId, this.#index, true), last);
    await this.#handle.write(sealed, 0, sealed.length, HEADER_BYTES + this.#index * SEALED_FRAME_BYTES);
    await this.#handle.sync();
    await this.close();
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}

/** Full frames a sealed file being written holds (its last, short frame not yet written). */
export function fullFramesIn(fileBytes: number): number {
  return Math.max(0, Math.floor((fileBytes - HEADER_BYTES) / SEALED_FRAME_BYTES));
}

/** Seals a stream of any chunk sizes into a new file; returns the plaintext's length. */
export async function sealStream(
  keyring: Keyring,
  file: string,
  fileId: string,
  source: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>,
): Promise<number> {
  const appender = await FrameAppender.open(keyring, file, fileId);
  const pending = new PendingBytes();
  let total = 0;
  try {
    for await (const chunk of source) {
      total += chunk.length;
      for (const frame of pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        await appender.appendFrame(frame);
      }
    }
    await appender.finish(pending.rest());
  } catch (error) {
    await appender.close().catch(() => undefined);
    throw error;
  }
  return total;
}

/** Collects bytes into whole frames; what is left over stays for the next push. */
export class PendingBytes {
  #parts: Buffer[] = [];
  #length = 0;

  constructor(initial?: Buffer) {
    if (initial && initial.length > 0) this.#parts.push(initial);
    this.#length = initial?.length ?? 0;
  }

  get length(): number {
    return this.#length;
  }

  *push(chunk: Buffer): Generator<Buffer> {
    this.#parts.push(chunk);
    this.#length += chunk.length;
    while (this.#length >= FRAME_BYTES) {
      const all = Buffer.concat(this.#parts);
      yield all.subarray(0, FRAME_BYTES);
      const rest = all.subarray(FRAME_BYTES);
      this.#parts = rest.length > 0 ? [Buffer.from(rest)] : [];
      this.#length = rest.length;
    }
  }

  rest(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

/** A finished sealed file, opened for reading: its plaintext size, ranges, or the whole as a stream. */
export class SealedReader {
  readonly #handle: FileHandle;
  readonly #key: Buffer;
  readonly #fileId: string;
  readonly #lastIndex: number;
  readonly size: number;

  private constructor(handle: FileHandle, key: Buffer, fileId: string, fileBytes: number) {
    this.#handle = handle;
    this.#key = key;
    this.#fileId = fileId;
    const body = fileBytes - HEADER_BYTES;
    this.#lastIndex = Math.floor(body / SEALED_FRAME_BYTES);
    const lastSealed = body - this.#lastIndex * SEALED_FRAME_BYTES;
    if (lastSealed < OVERHEAD) throw new SealedFileError('The sealed file has no last frame.');
    this.size = this.#lastIndex * FRAME_BYTES + (lastSealed - OVERHEAD);
  }

  static async open(keyring: Keyring, file: string, fileId: string): Promise<SealedReader> {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const head = Buffer.alloc(HEADER_BYTES);
      await handle.read(head, 0, HEADER_BYTES, 0);
      return new SealedReader(handle, fileKey(keyring, readVersion(head)), fileId, size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async frame(index: number): Promise<Buffer> {
    const final = index === this.#lastIndex;
    const length = final ? this.size - index * FRAME_BYTES + OVERHEAD : SEALED_FRAME_BYTES;
    const sealed = Buffer.alloc(length);
    const { bytesRead } = await this.#handle.read(
      sealed,
      0,
      length,
      HEADER_BYTES + index * SEALED_FRAME_BYTES,
    );
    if (bytesRead !== length) throw new SealedFileError('The sealed file is cut short.');
    return openFrame(this.#key, frameData(this.#fileId, index, final), sealed);
  }

  /** The plaintext bytes [start, end). */
  async read(start: number, end: number): Promise<Buffer> {
    const stop = Math.min(end, this.size);
    if (stop <= start) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for (let index = Math.floor(start / FRAME_BYTES); index * FRAME_BYTES < stop; index += 1) {
      const frame = await this.frame(index);
      const from = Math.max(0, start - index * FRAME_BYTES);
      const to = Math.min(frame.length, stop - index * FRAME_BYTES);
      parts.push(frame.subarray(from, to));
    }
    return Buffer.concat(parts);
  }

  /** The whole plaintext, frame by frame; closes the file at the end (or when the stream is destroyed). */
  stream(): Readable {
    return Readable.from(this.#frameByFrame(), { objectMode: false });
  }

  async *#frameByFrame(): AsyncGenerator<Buffer> {
    try {
      for (let index = 0; index <= this.#lastIndex; index += 1) {
        const frame = await this.frame(index);
        if (frame.length > 0) yield frame;
      }
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
  }
}
