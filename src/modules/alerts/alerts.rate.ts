// Pacing alert texts: at most a configured number per second in total and per sender number, held over
// every 1-second window (not on average: a carrier or a benchmark counting a window sees no burst above
// the cap), and spread evenly over the sender pool. Each cap spaces texts one interval apart, and keeps,
// for each of its last N texts, a time by which that text had surely reached the provider: the moment its
// answer came back (the provider answers after it has the text), or, until then, the hand-over plus
// MAX_TRANSIT_MS. The N+1th text is handed over only a second after that, so even counted where they
// arrive, with whatever jitter the way there adds, no second holds more than N. A late timer may catch up
// one interval, never more.

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
/** How long a text is assumed to take to reach the provider until its answer says it has. */
export const MAX_TRANSIT_MS = 100;

/** One cap: at most `perSecond` texts in any 1-second window, one interval apart. */
export class WindowCap {
  readonly perSecond: number;
  readonly #interval: number;
  /** For each of the last `perSecond` texts, when it had surely arrived; oldest at #head. */
  readonly #arrived: Float64Array;
  /** Which text (by sequence number) each slot holds, so a late answer never touches a reused slot. */
  readonly #sequence: Float64Array;
  #head = 0;
  #count = 0;
  #next = -Infinity;

  constructor(perSecond: number) {
    if (!Number.isInteger(perSecond) || perSecond < 1) throw new Error('A cap is a whole number per second.');
    this.perSecond = perSecond;
    this.#interval = WINDOW_MS / perSecond;
    this.#arrived = new Float64Array(perSecond).fill(-Infinity);
    this.#sequence = new Float64Array(perSecond).fill(-1);
  }

  /** How long from `now` until the next text may be handed over (0: at once). */
  wait(now: number): number {
    return Math.max(0, this.#next - now, this.#arrived[this.#head]! + WINDOW_MS - now);
  }

  /** Counts a text handed over now; returns its sequence number, for `arrived`. */
  take(now: number): number {
    const sequence = this.#count++;
    this.#arrived[this.#head] = now + MAX_TRANSIT_MS;
    this.#sequence[this.#head] = sequence;
    this.#head = (this.#head + 1) % this.#arrived.length;
    // A text at most one interval behind its slot keeps the grid (a late timer catches up); after a
    // longer quiet spell the grid starts again from now, so idle time is never saved up as a burst.
    this.#next = (now - this.#next <= this.#interval ? this.#next : now) + this.#interval;
    return sequence;
  }

  /** The provider answered about this text at `at`: it had the text by then. */
  arrived(sequence: number, at: number): void {
    const slot = sequence % this.#arrived.length;
    if (this.#sequence[slot] === sequence) this.#arrived[slot] = Math.min(this.#arrived[slot]!, at);
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

/** A text the pacer let through: its lane (sender), and what `answered` needs to know. */
export interface PacedText {
  lane: number;
  total: number;
  inLane: number;
}

/** The longest a slowed sender waits between its texts, and before trying again after its queue was full. */
export const MAX_SENDER_GAP_MS = 60_000;

export class Pacer {
  readonly #clock: PacingClock;
  readonly #total: WindowCap | undefined;
  readonly #lanes: (WindowCap | undefined)[];
  /** Lanes taken out of the pool (a sender number Twilio refuses). */
  readonly #removed: boolean[];
  /** Extra spacing a lane keeps between its texts once the provider said its queue is full (0: none). */
  readonly #laneGap: number[];
  /** A lane sends nothing before this (its spacing, or a back-off). */
  readonly #laneNotBefore: number[];
  #lastLane = -1;
  #pausedUntil = -Infinity;

  constructor(options: PacerOptions, clock: PacingClock = realPacingClock) {
    if (!Number.isInteger(options.senders) || options.senders < 1) throw new Error('A pacer needs a lane.');
    this.#clock = clock;
    this.#total = options.totalPerSecond > 0 ? new WindowCap(options.totalPerSecond) : undefined;
    this.#lanes = Array.from({ length: options.senders }, () =>
      options.perSenderPerSecond > 0 ? new WindowCap(options.perSenderPerSecond) : undefined,
    );
    this.#removed = this.#lanes.map(() => false);
    this.#laneGap = this.#lanes.map(() => 0);
    this.#laneNotBefore = this.#lanes.map(() => -Infinity);
  }

  /** Texts per second this pacer lets through at most; Infinity when nothing caps it. */
  get ceiling(): number {
    const lanes = this.#lanes.reduce((sum, lane) => sum + (lane ? lane.perSecond : Infinity), 0);
    return Math.min(lanes, this.#total?.perSecond ?? Infinity);
  }

  /** Lanes still in the pool. */
  get lanesLeft(): number {
    return this.#removed.filter((removed) => !removed).length;
  }

  /**
   * Waits until a text may be handed over now, counts it, and says which lane (sender) it goes from;
   * undefined once no lane is left.
   */
  async next(): Promise<PacedText | undefined> {
    for (;;) {
      if (this.lanesLeft === 0) return undefined;
      const now = this.#clock.now();
      const shared = Math.max(this.#total?.wait(now) ?? 0, this.#pausedUntil - now);
      let best = -1;
      let bestWait = Infinity;
      // Starting after the last lane used, so lanes that are all ready take turns.
      for (let step = 1; step <= this.#lanes.length; step++) {
        const lane = (this.#lastLane + step) % this.#lanes.length;
        if (this.#removed[lane]) continue;
        const wait = Math.max(this.#lanes[lane]?.wait(now) ?? 0, this.#laneNotBefore[lane]! - now);
        if (wait < bestWait) {
          best = lane;
          bestWait = wait;
          if (wait === 0) break;
        }
      }
      const wait = Math.max(shared, bestWait);
      if (wait > 0) {
        // A lane removed or slowed meanwhile is seen on waking.
        await this.#clock.sleep(wait);
        continue;
      }
      this.#lastLane = best;
      if (this.#laneGap[best]! > 0) this.#laneNotBefore[best] = now + this.#laneGap[best]!;
      return { lane: best, total: this.#total?.take(now) ?? -1, inLane: this.#lanes[best]?.take(now) ?? -1 };
    }
  }

  /** The provider answered about this text (whatever it said): it had arrived by then. */
  answered(text: PacedText, at = this.#clock.now()): void {
    this.#total?.arrived(text.total, at);
    this.#lanes[text.lane]?.arrived(text.inLane, at);
  }

  /** Holds every text back for a while: the provider said it is receiving too many. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + ms);
  }

  /**
   * The provider said this lane's queue is full: from now on it sends at most half as often as it did
   * (each time again, down to one text a minute), and nothing for that long first, while the other lanes
   * carry on.
   */
  slowLane(lane: number): void {
    const interval = this.#lanes[lane] ? 1000 / this.#lanes[lane].perSecond : 0;
    const gap = Math.min(MAX_SENDER_GAP_MS, Math.max(2 * this.#laneGap[lane]!, 2 * interval, 100));
    this.#laneGap[lane] = gap;
    this.#laneNotBefore[lane] = Math.max(this.#laneNotBefore[lane]!, this.#clock.now() + gap);
  }

  /** Takes a lane out of the pool: no text goes from it again in this pacer's life. */
  removeLane(lane: number): void {
    this.#removed[lane] = true;
  }

  /** The gap a lane keeps between its texts (0 unless slowed). */
  laneGap(lane: number): number {
    return this.#laneGap[lane] ?? 0;
  }
}
