// One LISTEN per process on a few channels, however many live pages are open. Notifications carry only ids;
// each is read back once here and the result handed to every subscriber.
import type { Logger } from 'pino';
import type { AmparoDatabase } from './database.ts';

export interface ChannelReader<Change> {
  channel: string;
  /** Reads what a notification's payload (an id) refers to; undefined when there is nothing to hand on. */
  read: (payload: string) => Promise<Change | undefined>;
}

type Unlisten = () => Promise<void>;

export class NotificationFanOut<Change> {
  readonly #database: Pick<AmparoDatabase, 'listen'>;
  readonly #logger: Pick<Logger, 'warn'>;
  readonly #readers: readonly ChannelReader<Change>[];
  /** Logged, without the payload, when a notification cannot be read back. */
  readonly #readFailure: string;
  readonly #listeners = new Set<(change: Change) => void>();
  #listening: Promise<Unlisten[]> | undefined;

  constructor(
    context: { database: Pick<AmparoDatabase, 'listen'>; logger: Pick<Logger, 'warn'> },
    readers: readonly ChannelReader<Change>[],
    readFailure: string,
  ) {
    this.#database = context.database;
    this.#logger = context.logger;
    this.#readers = readers;
    this.#readFailure = readFailure;
  }

  async subscribe(listener: (change: Change) => void): Promise<() => void> {
    await this.#listen();
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    const listening = this.#listening;
    this.#listening = undefined;
    if (!listening) return;
    try {
      for (const unlisten of await listening) await unlisten();
    } catch {
      // Listening never started, or the connection is already gone: nothing is left to release.
    }
  }

  #listen(): Promise<Unlisten[]> {
    this.#listening ??= (async () => {
      const started: Unlisten[] = [];
      try {
        for (const { channel, read } of this.#readers) {
          started.push(await this.#database.listen(channel, (payload) => void this.#deliver(read, payload)));
        }
        return started;
      } catch (error) {
        // Half a subscription would miss changes silently: release what started and let the next
        // subscriber try again.
        for (const unlisten of started) await unlisten();
        throw error;
      }
    })().catch((error: unknown) => {
      this.#listening = undefined;
      throw error;
    });
    return this.#listening;
  }

  async #deliver(read: ChannelReader<Change>['read'], payload: string): Promise<void> {
    if (this.#listeners.size === 0) return;
    try {
      const change = await read(payload);
      if (change === undefined) return;
      for (const listener of this.#listeners) listener(change);
    } catch (error) {
      this.#logger.warn({ err: error }, this.#readFailure);
    }
  }
}
