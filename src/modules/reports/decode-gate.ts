// At most a few image decodes at once, a bounded line of waiting ones, and a time limit. A decode takes a
// core and memory in proportion to the image's pixels; without a gate, a handful of large photos posted at
// once (by anyone: the report form, an MMS, the verification form) take every core and hundreds of megabytes
// each, and the rest of Amparo stops answering. With it, the excess waits its turn or is told to try again,
// and every other request keeps its usual speed.

export interface DecodeGateOptions {
  /** Decodes running at once. */
  concurrency: number;
  /** Decodes waiting for a turn, at most; one more is refused at once rather than the line growing. */
  queueLimit: number;
  /** How long a decode may run, and how long one may wait for its turn. */
  timeoutMs: number;
}

/** Every place is taken and the line is full, or the wait for a turn ran out: try again in a moment. */
export class DecodeBusyError extends Error {
  override name = 'DecodeBusyError';
}

/** The decode ran past its time limit. */
export class DecodeTimeoutError extends Error {
  override name = 'DecodeTimeoutError';
}

export interface DecodeGateState {
  running: number;
  waiting: number;
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

export class DecodeGate {
  readonly #options: DecodeGateOptions;
  #running = 0;
  readonly #waiting: Waiter[] = [];

  constructor(options: DecodeGateOptions) {
    if (options.concurrency < 1 || options.queueLimit < 0 || options.timeoutMs <= 0) {
      throw new RangeError('A decode gate needs at least one place, a queue limit and a time limit.');
    }
    this.#options = options;
  }

  get state(): DecodeGateState {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  get timeoutMs(): number {
    return this.#options.timeoutMs;
  }

  /**
   * Runs work when a place is free. The caller is answered at the time limit even if the work has not
   * stopped, but the place stays taken until it has, so the limit on decodes at once holds for memory too.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.#takePlace();
    let timer: NodeJS.Timeout | undefined;
    const finished = work().finally(() => {
      clearTimeout(timer);
      this.#leavePlace();
    });
    const limit = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new DecodeTimeoutError('The decode ran past its time limit.')),
        this.timeoutMs,
      );
    });
    // Once answered by the timer, the work's own outcome still settles: nothing may go unhandled.
    finished.catch(() => undefined);
    return Promise.race([finished, limit]);
  }

  async #takePlace(): Promise<void> {
    if (this.#running < this.#options.concurrency) {
      this.#running += 1;
      return;
    }
    if (this.#waiting.length >= this.#options.queueLimit) {
      throw new DecodeBusyError('Every decode place is taken and the queue is full.');
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: resolve,
        timer: setTimeout(() => {
          const index = this.#waiting.indexOf(waiter);
          if (index !== -1) this.#waiting.splice(index, 1);
          reject(new DecodeBusyError('No decode place came free in time.'));
        }, this.timeoutMs),
      };
      this.#waiting.push(waiter);
    });
  }

  #leavePlace(): void {
    const next = this.#waiting.shift();
    if (next) {
      // The place passes straight to the next in line: the count of running decodes never dips and rises.
      clearTimeout(next.timer);
      next.start();
    } else {
      this.#running -= 1;
    }
  }
}
