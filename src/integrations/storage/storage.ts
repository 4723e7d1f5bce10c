// Where uploaded files live. Behind a small interface so a network can swap the local disk for another
// store later; callers hand in bytes that are already encrypted, so no store ever sees a photo.
export interface BlobStore {
  /** Writes the whole value under a key, durably, or not at all. */
  put(key: string, data: Buffer): Promise<void>;
  /** Reads a value; undefined when nothing is stored under the key. */
  get(key: string): Promise<Buffer | undefined>;
  /** Removes a value; removing a missing key is not an error, so retried deletions are safe. */
  delete(key: string): Promise<void>;
  /**
   * Keys of values written before the cutoff, for sweeping out files no record points to. Also clears away
   * half-written temporary files older than the cutoff (left by a crash in the middle of put()).
   */
  keysWrittenBefore(cutoff: Date): Promise<string[]>;
}

/** Keys are random and carry nothing about what they hold; anything else is refused. */
export const STORAGE_KEY_PATTERN = /^[a-f0-9]{32}$/;

export class InvalidStorageKeyError extends Error {
  override name = 'InvalidStorageKeyError';
}

export function assertStorageKey(key: string): void {
  // A key reaches a file path, so it must never be able to climb out of the store's directory.
  if (!STORAGE_KEY_PATTERN.test(key)) throw new InvalidStorageKeyError('Storage keys are 32 hex digits.');
}
