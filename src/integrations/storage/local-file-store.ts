// A BlobStore on the local disk. Writes go to a temporary file that is flushed and then renamed into place,
// and the directory is flushed too, so a crash leaves either the whole file or none of it.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { assertStorageKey, STORAGE_KEY_PATTERN, type BlobStore } from './storage.ts';

export class LocalFileStore implements BlobStore {
  readonly #directory: string;
  #ready: Promise<void> | undefined;

  constructor(directory: string) {
    this.#directory = directory;
  }

  async put(key: string, data: Buffer): Promise<void> {
    assertStorageKey(key);
    await this.#ensureDirectory();
    const target = this.#path(key);
    const temporary = path.join(this.#directory, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await this.#syncDirectory();
  }

  async get(key: string): Promise<Buffer | undefined> {
    assertStorageKey(key);
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertStorageKey(key);
    await rm(this.#path(key), { force: true });
    await this.#syncDirectory().catch(() => {
      // The directory may not exist yet when nothing was ever stored; there is nothing to flush then.
    });
  }

  async keysWrittenBefore(cutoff: Date): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.#directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const keys: string[] = [];
    for (const name of names) {
      const isKey = STORAGE_KEY_PATTERN.test(name);
      if (!isKey && !name.startsWith('.tmp-')) continue;
      const written = await stat(path.join(this.#directory, name)).catch(() => undefined);
      if (!written || written.mtime >= cutoff) continue;
      if (isKey) keys.push(name);
      else await rm(path.join(this.#directory, name), { force: true });
    }
    return keys;
  }

  #path(key: string): string {
    return path.join(this.#directory, key);
  }

  #ensureDirectory(): Promise<void> {
    this.#ready ??= mkdir(this.#directory, { recursive: true, mode: 0o700 }).then(
      () => undefined,
      (error: unknown) => {
        // Let the next write try again (the disk may have been remounted) instead of failing forever.
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }

  /** A rename is only durable once the directory entry itself reaches the disk. */
  async #syncDirectory(): Promise<void> {
    const handle = await open(this.#directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
