// The pacer on a simulated clock: caps held over every 1-second window, even spacing, lanes taking turns.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Pacer, WindowCap, type PacingClock } from './alerts.rate.ts';

/** Simulated time; `lateness` makes every timer fire that much late, as a busy event loop does. */
class SimulatedClock implements PacingClock {
  time = 0;
  readonly lateness: number;
  constructor(lateness = 0) {
    this.lateness = lateness;
  }
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.time += ms + this.lateness;
    return Promise.resolve();
  }
}

/** The most events that fall within any half-open 1-second window [t, t + 1000). */
function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 1000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

async function pace(pacer: Pacer, clock: SimulatedClock, count: number) {
  const sends: { at: number; lane: number }[] = [];
  for (let i = 0; i < count; i++) {
    const lane = await pacer.next();
    sends.push({ at: clock.now(), lane });
  }
  return sends;
}

describe('alert pacing', () => {
  test('a total cap of 100/s: never more than 100 in any second, 10 ms apart, and no slower', async () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer({ totalPerSecond: 100, senders: 1, perSenderPerSecond: 0 }, clock);
    const sends = await pace(pacer, clock, 1000);
    assert.equal(busiestSecond(sends.map((s) => s.at)), 100);
    // Arriving at the provider up to 10 ms late, unevenly, they still never exceed 100 in a second.
    let seed = 7;
    const jitter = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 10;
    assert.ok(busiestSecond(sends.map((s) => s.at + jitter())) <= 100);
    for (let i = 1; i < sends.length; i++) {
      assert.ok(sends[i]!.at - sends[i - 1]!.at >= 10 - 1e-9, `text ${i} came too soon after the one before`);
    }
    // 1,000 texts at 100/s: the last leaves about 10 s after the first (each 100 take 1.01 s, the slack
    // that keeps arrivals under the cap).
    assert.ok(sends.at(-1)!.at >= 9990 && sends.at(-1)!.at <= 10_100, `took ${sends.at(-1)!.at} ms`);
  });

  test('late timers are caught up without ever exceeding the cap in a window', async () => {
    const clock = new SimulatedClock(3);
    const pacer = new Pacer({ totalPerSecond: 100, senders: 1, perSenderPerSecond: 0 }, clock);
    const sends = await pace(pacer, clock, 2000);
    assert.ok(busiestSecond(sends.map((s) => s.at)) <= 100);
    // Timers 3 ms late on a 10 ms spacing still keep the rate: within 2 % of 100/s.
    const rate = (sends.length - 1) / (sends.at(-1)!.at / 1000);
    assert.ok(rate > 98 && rate <= 100, `rate ${rate}`);
  });

  test('after a pause in sending, the window still holds: no burst to make up for lost time', async () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer({ totalPerSecond: 50, senders: 1, perSenderPerSecond: 0 }, clock);
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      await pacer.next();
      times.push(clock.now());
    }
    clock.time += 700; // nothing to send for a while
    for (let i = 0; i < 200; i++) {
      await pacer.next();
      times.push(clock.now());
    }
    assert.ok(busiestSecond(times) <= 50, `busiest second ${busiestSecond(times)}`);
  });

  test('a sender pool: each number under its own cap, used in turn, the total cap on top', async () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer({ totalPerSecond: 100, senders: 3, perSenderPerSecond: 10 }, clock);
    assert.equal(pacer.ceiling, 30);
    const sends = await pace(pacer, clock, 300);
    for (let lane = 0; lane < 3; lane++) {
      const mine = sends.filter((s) => s.lane === lane).map((s) => s.at);
      assert.equal(mine.length, 100, `lane ${lane} carried an even share`);
      assert.ok(busiestSecond(mine) <= 10, `lane ${lane} went over its cap`);
    }
    assert.ok(busiestSecond(sends.map((s) => s.at)) <= 30);
    // 300 texts over 3 numbers at 10/s each: about 10 s, not more.
    assert.ok(sends.at(-1)!.at < 10_200, `took ${sends.at(-1)!.at} ms`);
  });

  test('the total cap binds when it is below the pool’s', async () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer({ totalPerSecond: 20, senders: 4, perSenderPerSecond: 10 }, clock);
    assert.equal(pacer.ceiling, 20);
    const sends = await pace(pacer, clock, 200);
    assert.equal(busiestSecond(sends.map((s) => s.at)), 20);
    const perLane = [0, 1, 2, 3].map((lane) => sends.filter((s) => s.lane === lane).length);
    assert.deepEqual(perLane, [50, 50, 50, 50]);
  });

  test('uncapped: no waiting at all, lanes in turn', async () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer({ totalPerSecond: 0, senders: 2, perSenderPerSecond: 0 }, clock);
    assert.equal(pacer.ceiling, Infinity);
    const sends = await pace(pacer, clock, 10);
    assert.equal(clock.now(), 0);
    assert.deepEqual(
      sends.map((s) => s.lane),
      [0, 1, 0, 1, 0, 1, 0, 1, 0, 1],
    );
  });

  test('pause holds everything back for the time asked', async () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer({ totalPerSecond: 0, senders: 1, perSenderPerSecond: 0 }, clock);
    await pacer.next();
    pacer.pause(1000);
    await pacer.next();
    assert.equal(clock.now(), 1000);
  });

  test('a cap is a whole number per second', () => {
    assert.throws(() => new WindowCap(0));
    assert.throws(() => new WindowCap(1.5));
  });
});
