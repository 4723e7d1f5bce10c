// Pacing alert texts: at most a configured number per second in total and per sender number, held over
// every 1-second window (not on average: a carrier or a benchmark counting a window sees no burst above
// the cap), and spread evenly over the sender pool. Each cap spaces texts one interval apart and keeps the
// times of its last N texts, so the N+1th can never fall within a second (and a little) of the first. A
// late timer may catch up one interval, never more.

/** Time for pacing: monotonic milliseconds, and a way to wait. Tests pass a simulated one. */
export interface PacingClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realPacingClock: PacingClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const WINDOW_MS = 1000;
/**
 * Texts reach the provider with a few milliseconds' jitter; holding the cap over a window this much longer
 * than a second keeps their arrivals under it too, at a cost of 1 % at 100/s.
 */
const WINDOW_SLACK_MS = 10;

/** One cap: at most `perSecond` events in any 1-second window, one interval apart. */
export class WindowCap {
  readonly perSecond: number;
  readonly #interval: number;
  /** When each of the last `perSecond` events happened, oldest at #head. */
  readonly #recent: Float64Array;
  #head = 0;
  #next = -Infinity;

  constructor(perSecond: number) {
    if (!Number.isInteger(perSecond) || perSecond < 1) throw new Error('A cap is a whole number per second.');
    this.perSecond = perSecond;
    this.#interval = WINDOW_MS / perSecond;
    this.#recent = new Float64Array(perSecond).fill(-Infinity);
  }

  /** How long from `now` until the next event may happen (0: at once). */
  wait(now: number): number {
    return Math.max(0, this.#next - now, this.#recent[this.#head]! + WINDOW_MS + WINDOW_SLACK_MS - now);
  }

  take(now: number): void {
    this.#recent[this.#head] = now;
    this.#head = (this.#head + 1) % this.#recent.length;
    // A text at most one interval behind its slot keeps the grid (a late timer catches up); after a
    // longer quiet spell the grid starts again from now, so idle time is never saved up as a burst.
    this.#next = (now - this.#next <= this.#interval ? this.#next : now) + this.#interval;
  }
}

export interface PacerOptions {
  /** Texts per second in total; 0 for no cap. */
  totalPerSecond: number;
  /** How many lanes texts are spread over (sender numbers; 1 when the provider picks the number). */
  senders: number;
  /** Texts per second per lane; 0 for no cap. */
  perSenderPerSecond: number;
}

export class Pacer {
  readonly #clock: PacingClock;
  readonly #total: WindowCap | undefined;
  readonly #lanes: (WindowCap | undefined)[];
  #lastLane = -1;
  #pausedUntil = -Infinity;

  constructor(options: PacerOptions, clock: PacingClock = realPacingClock) {
    if (!Number.isInteger(options.senders) || options.senders < 1) throw new Error('A pacer needs a lane.');
    this.#clock = clock;
    this.#total = options.totalPerSecond > 0 ? new WindowCap(options.totalPerSecond) : undefined;
    this.#lanes = Array.from({ length: options.senders }, () =>
      options.perSenderPerSecond > 0 ? new WindowCap(options.perSenderPerSecond) : undefined,
    );
  }

  /** Texts per second this pacer lets through at most; Infinity when nothing caps it. */
  get ceiling(): number {
    const lanes = this.#lanes.reduce((sum, lane) => sum + (lane ? lane.perSecond : Infinity), 0);
    return Math.min(lanes, this.#total?.perSecond ?? Infinity);
  }

  /** Waits until a text may go now, counts it, and says which lane (sender) it goes from. */
  async next(): Promise<number> {
    for (;;) {
      const now = this.#clock.now();
      const shared = Math.max(this.#total?.wait(now) ?? 0, this.#pausedUntil - now);
      let best = -1;
      let bestWait = Infinity;
      // Starting after the last lane used, so lanes that are all ready take turns.
      for (let step = 1; step <= this.#lanes.length; step++) {
        const lane = (this.#lastLane + step) % this.#lanes.length;
        const wait = this.#lanes[lane]?.wait(now) ?? 0;
        if (wait < bestWait) {
          best = lane;
          bestWait = wait;
          if (wait === 0) break;
        }
      }
      const wait = Math.max(shared, bestWait);
      if (wait > 0) {
        await this.#clock.sleep(wait);
        continue;
      }
      this.#total?.take(now);
      this.#lanes[best]?.take(now);
      this.#lastLane = best;
      return best;
    }
  }

  /** Holds every text back for a while: the provider said it is receiving too many. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + ms);
  }
}
