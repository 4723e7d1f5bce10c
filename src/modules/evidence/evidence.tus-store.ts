// The tus server's store for uploads in progress, sealed from the first byte: no plaintext of a partial upload
// ever touches the disk. Per upload, under <data>/evidence/uploads:
//   <id>.info  its description (size, tus metadata with the file's name: user data), sealed;
//   <id>.body  the whole frames received so far (evidence.sealed-file.ts), never a short one;
//   <id>.tail  the bytes after the last whole frame (less than one frame), sealed together with the number of
//              frames they follow, replaced atomically after every PATCH.
// The offset is frames × FRAME_BYTES + the tail's length. A crash between appending frames and replacing the
// tail leaves the old tail naming fewer frames: the extra frames are cut off and the phone resends them.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/server';
import type { Keyring } from '../../crypto/keyring.ts';
import {
  FrameAppender,
  PendingBytes,
  SealedFileError,
  fullFramesIn,
  openBlob,
  sealBlob,
  FRAME_BYTES,
} from './evidence.sealed-file.ts';

interface UploadInfo {
  size?: number;
  metadata?: Record<string, string | null>;
  creation_date?: string;
}

/**
 * @tus/server answers the errors it defines (ERRORS.*: a status and a body, not Error objects) with their
 * status; anything else becomes a 500.
 */
export function tusRefusal(refusal: { status_code: number; body: string }): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- the library's own error shape
  throw refusal;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class SealedUploadStore extends DataStore {
  readonly #keyring: Keyring;
  readonly #directory: string;

  constructor(keyring: Keyring, directory: string) {
    super();
    this.#keyring = keyring;
    this.#directory = directory;
    this.extensions = ['creation', 'creation-with-upload', 'termination'];
  }

  #file(id: string, suffix: 'info' | 'body' | 'tail'): string {
    if (!UUID.test(id)) tusRefusal(ERRORS.FILE_NOT_FOUND);
    return path.join(this.#directory, `${id}.${suffix}`);
  }

  /** Where the finished upload's frames are (the last, short frame still to be written by `finish`). */
  bodyPath(id: string): string {
    return this.#file(id, 'body');
  }

  override async create(upload: Upload): Promise<Upload> {
    await mkdir(this.#directory, { recursive: true, mode: 0o700 });
    const appender = await FrameAppender.open(this.#keyring, this.#file(upload.id, 'body'), upload.id);
    await appender.close();
    await this.#writeTail(upload.id, 0, Buffer.alloc(0));
    const info: UploadInfo = {
      ...(upload.size === undefined ? {} : { size: upload.size }),
      ...(upload.metadata ? { metadata: upload.metadata } : {}),
      ...(upload.creation_date ? { creation_date: upload.creation_date } : {}),
    };
    await writeFile(
      this.#file(upload.id, 'info'),
      sealBlob(this.#keyring, upload.id, 'info', Buffer.from(JSON.stringify(info), 'utf8')),
      { mode: 0o600 },
    );
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const info = await this.#readInfo(id);
    const { frames, tail } = await this.#readTail(id);
    return new Upload({
      id,
      offset: frames * FRAME_BYTES + tail.length,
      ...(info.size === undefined ? {} : { size: info.size }),
      ...(info.metadata ? { metadata: info.metadata } : {}),
      ...(info.creation_date ? { creation_date: info.creation_date } : {}),
    });
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const { frames, tail } = await this.#readTail(id);
    if (frames * FRAME_BYTES + tail.length !== offset) tusRefusal(ERRORS.INVALID_OFFSET);
    const appender = await FrameAppender.open(this.#keyring, this.#file(id, 'body'), id, frames);
    const pending = new PendingBytes(tail);
    let received = 0;
    let failed = false;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        received += chunk.length;
        for (const frame of pending.push(chunk)) await appender.appendFrame(frame);
      }
    } catch {
      // The phone lost its signal mid-request: what arrived is kept, and it resumes from there.
      failed = true;
    } finally {
      await appender.close();
      await this.#writeTail(id, appender.frames, pending.rest());
    }
    if (failed) tusRefusal(ERRORS.FILE_WRITE_ERROR);
    return offset + received;
  }

  /** The upload's last bytes, for the last frame; and its description. */
  async finishing(id: string): Promise<{ frames: number; tail: Buffer; info: UploadInfo }> {
    return { ...(await this.#readTail(id)), info: await this.#readInfo(id) };
  }

  /**
   * Removes the uploads nothing was written to since `before` (a phone that gave up, or a file dropped): their
   * sealed parts serve nobody, and a finished upload has left this directory already. Returns how many.
   */
  async removeAbandoned(before: Date): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.#directory);
    } catch {
      return 0;
    }
    const ids = new Set(
      names.flatMap((name) => {
        const match = /^(.+)\.(?:info|body|tail)$/.exec(name);
        return match && UUID.test(match[1]!) ? [match[1]!] : [];
      }),
    );
    let removed = 0;
    for (const id of ids) {
      const touched = await Promise.all(
        (['info', 'body', 'tail'] as const).map((suffix) =>
          stat(this.#file(id, suffix)).then(
            (stats) => stats.mtimeMs,
            () => 0,
          ),
        ),
      );
      if (Math.max(...touched) >= before.getTime()) continue;
      await this.remove(id);
      removed += 1;
    }
    return removed;
  }

  override async remove(id: string): Promise<void> {
    await Promise.all(
      (['info', 'body', 'tail'] as const).map((suffix) => rm(this.#file(id, suffix), { force: true })),
    );
  }

  async #readInfo(id: string): Promise<UploadInfo> {
    let sealed: Buffer;
    try {
      sealed = await readFile(this.#file(id, 'info'));
    } catch {
      tusRefusal(ERRORS.FILE_NOT_FOUND);
    }
    return JSON.parse(openBlob(this.#keyring, id, 'info', sealed).toString('utf8')) as UploadInfo;
  }

  async #readTail(id: string): Promise<{ frames: number; tail: Buffer }> {
    let stored: Buffer;
    try {
      stored = await readFile(this.#file(id, 'tail'));
    } catch {
      tusRefusal(ERRORS.FILE_NOT_FOUND);
    }
    const frames = stored.readUInt32BE(0);
    const { size } = await stat(this.#file(id, 'body'));
    if (fullFramesIn(size) < frames) throw new SealedFileError('An upload lost frames it had.');
    return { frames, tail: openBlob(this.#keyring, id, `tail:${frames}`, stored.subarray(4)) };
  }

  async #writeTail(id: string, frames: number, tail: Buffer): Promise<void> {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(frames, 0);
    const file = this.#file(id, 'tail');
    await writeFile(
      `${file}.new`,
      Buffer.concat([count, sealBlob(this.#keyring, id, `tail:${frames}`, tail)]),
      {
        mode: 0o600,
      },
    );
    await rename(`${file}.new`, file);
  }
}
