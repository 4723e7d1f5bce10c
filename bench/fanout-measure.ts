// bench/fanout's instruments: what the stand-in received (when, for whom, from which sender), how a rate
// held over 1-second windows, and the worker's memory and CPU while it sends.
import { readdir, readFile } from 'node:fs/promises';
import type { StoredMessage } from '../test/support/twilio-stand-in.ts';
import { cpuSeconds, peakResidentMiB, quantile, residentMiB } from './support.ts';

export interface Receipt {
  /** performance.now() when the stand-in accepted the message. */
  at: number;
  to: string;
  from: string | null;
}

/** Every message the stand-in accepted during one scenario, and how many times each number got one. */
export class Receipts {
  readonly list: Receipt[] = [];
  readonly perNumber = new Map<string, number>();
  #waiters: (() => void)[] = [];

  record(message: StoredMessage): void {
    this.list.push({ at: performance.now(), to: message.to, from: message.from });
    this.perNumber.set(message.to, (this.perNumber.get(message.to) ?? 0) + 1);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  get distinct(): number {
    return this.perNumber.size;
  }

  /** Messages beyond the first per number. */
  get extra(): number {
    return this.list.length - this.perNumber.size;
  }

  get numbersReceivingTwice(): number {
    let count = 0;
    for (const times of this.perNumber.values()) if (times > 1) count++;
    return count;
  }

  /** Resolves at the next receipt, or after `ms`. */
  async next(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Waits until `count` different numbers have received a message. Gives up when nothing new arrives for
   * `stallMs` (a stuck fan-out), returning false.
   */
  async waitForDistinct(count: number, stallMs: number): Promise<boolean> {
    let lastProgress = performance.now();
    let lastDistinct = this.distinct;
    while (this.distinct < count) {
      await this.next(250);
      if (this.distinct !== lastDistinct) {
        lastDistinct = this.distinct;
        lastProgress = performance.now();
      } else if (performance.now() - lastProgress > stallMs) {
        return false;
      }
    }
    return true;
  }

  /** Waits until no message has arrived for `quietMs` (late duplicates after the last new number). */
  async waitForQuiet(quietMs: number): Promise<void> {
    for (;;) {
      const last = this.list.at(-1)?.at ?? 0;
      const wait = last + quietMs - performance.now();
      if (wait <= 0) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

export interface WindowStats {
  /** Full 1-second windows from the first receipt (the last, partial one is left out). */
  windows: number;
  min: number;
  median: number;
  max: number;
  /** The most messages in any 1-second span, wherever it starts. */
  slidingMax: number;
  /** Messages per second from the first receipt to the last. */
  mean: number;
}

/** How evenly `times` (milliseconds) spread over 1-second windows. */
export function windowStats(times: readonly number[]): WindowStats {
  const sorted = [...times].sort((a, b) => a - b);
  if (sorted.length < 2) return { windows: 0, min: NaN, median: NaN, max: NaN, slidingMax: NaN, mean: NaN };
  const first = sorted[0]!;
  const last = sorted.at(-1)!;
  const windows = Math.floor((last - first) / 1000);
  const counts = new Array<number>(windows).fill(0);
  for (const at of sorted) {
    const k = Math.floor((at - first) / 1000);
    if (k < windows) counts[k]!++;
  }
  let slidingMax = 0;
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + 1000) end++;
    slidingMax = Math.max(slidingMax, end - start);
  }
  const ordered = [...counts].sort((a, b) => a - b);
  return {
    windows,
    min: ordered[0] ?? NaN,
    median: quantile(ordered, 0.5),
    max: ordered.at(-1) ?? NaN,
    slidingMax,
    mean: ((sorted.length - 1) / (last - first)) * 1000,
  };
}

export interface ProcessUsage {
  /** Resident memory when sampling started, the most seen while sampling (every 50 ms), and VmHWM. */
  startMiB: number;
  sampledPeakMiB: number;
  lifetimePeakMiB: number;
  /** CPU seconds the process used while sampled. */
  cpuSeconds: number;
}

/** Samples a process's resident memory until stopped; survives the process dying (SIGKILL). */
export function sampleProcess(pid: number): { stop(): Promise<ProcessUsage> } {
  let peak = 0;
  let hwm = 0;
  let cpuEnd = 0;
  let stopped = false;
  const usage = (async () => {
    const startMiB = await residentMiB(pid);
    const cpuStart = await cpuSeconds(pid);
    peak = startMiB;
    cpuEnd = cpuStart;
    while (!stopped) {
      try {
        peak = Math.max(peak, await residentMiB(pid));
        hwm = await peakResidentMiB(pid);
        cpuEnd = await cpuSeconds(pid);
      } catch {
        break; // the process is gone
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return { startMiB, cpuStart };
  })();
  return {
    async stop() {
      stopped = true;
      const { startMiB, cpuStart } = await usage;
      return { startMiB, sampledPeakMiB: peak, lifetimePeakMiB: hwm, cpuSeconds: cpuEnd - cpuStart };
    },
  };
}

export interface MachineUsage {
  /** CPU seconds used by this bench process (the stand-in, mostly). */
  benchCpuSeconds: number;
  /** CPU seconds used by every PostgreSQL process on the machine (other users' queries included). */
  postgresCpuSeconds: number;
  /** How busy all cores were, in percent of their capacity. */
  machineBusyPercent: number;
}

/** CPU seconds so far of every PostgreSQL process, by pid. */
async function postgresCpu(): Promise<Map<number, number>> {
  const byPid = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readFile(`/proc/${entry}/comm`, 'utf8')).trim() === 'postgres')
        byPid.set(Number(entry), await cpuSeconds(Number(entry)));
    } catch {
      // gone meanwhile
    }
  }
  return byPid;
}

async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const ticks = line.split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = ticks[3]! + ticks[4]!; // idle + iowait
  return { busy: total - idle, total };
}

/**
 * Where the machine's CPU went between start and stop: this process, PostgreSQL, all cores. PostgreSQL's
 * connections come and go, so its processes are read every second and each one's last reading counts (a
 * connection that closes between readings loses at most a second of its time; the pools keep theirs open).
 * Reading /proc more often would itself cost this process noticeable CPU.
 */
export async function sampleMachine(): Promise<{ stop(): Promise<MachineUsage> }> {
  const bench = process.cpuUsage();
  const machine = await machineTicks();
  const first = await postgresCpu();
  const last = new Map(first);
  let stopped = false;
  const polling = (async () => {
    while (!stopped) {
      await new Promise((r) => setTimeout(r, 1000));
      for (const [pid, seconds] of await postgresCpu()) last.set(pid, seconds);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await polling;
      for (const [pid, seconds] of await postgresCpu()) last.set(pid, seconds);
      const benchUsed = process.cpuUsage(bench);
      const machineNow = await machineTicks();
      let postgres = 0;
      for (const [pid, seconds] of last) postgres += seconds - (first.get(pid) ?? 0);
      return {
        benchCpuSeconds: (benchUsed.user + benchUsed.system) / 1e6,
        postgresCpuSeconds: postgres,
        machineBusyPercent: (100 * (machineNow.busy - machine.busy)) / (machineNow.total - machine.total),
      };
    },
  };
}
