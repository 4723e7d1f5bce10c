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

/** Paces `count` texts, each answered `transit(i)` ms after it was handed over (0: at once). */
async function pace(pacer: Pacer, clock: SimulatedClock, count: number, transit = (_i: number) => 0) {
  const sends: { at: number; lane: number; arrived: number }[] = [];
  for (let i = 0; i < count; i++) {
    const text = (await pacer.next())!;
    const at = clock.now();
    const arrived = at + transit(i);
    sends.push({ at, lane: text.lane, arrived });
    pacer.answered(text, arrived);
  }
  return sends;
}

/** A repeatable spread of numbers in [0, 1). */
function randoms(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 48271) % 2147483647) / 2147483647;
}

describe('alert pacing', () => {
  test('a total cap of 100/s: never more than 100 in any second, 10 ms apart, and no slower', async () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer({ totalPerSecond: 100, senders: 1, perSenderPerSecond: 0 }, clock);
    const sends = await pace(pacer, clock, 1000);
    assert.equal(busiestSecond(sends.map((s) => s.at)), 100);
    for (let i = 1; i < sends.length; i++) {
      assert.ok(sends[i]!.at - sends[i - 1]!.at >= 10 - 1e-9, `text ${i} came too soon after the one before`);
    }
    // 1,000 texts at 100/s: the last leaves 9.99 s after the first.
    assert.ok(Math.abs(sends.at(-1)!.at - 9990) < 1, `took ${sends.at(-1)!.at} ms`);
  });

  test('late timers are caught up without ever exceeding the cap in a window', async () => {
    const clock = new SimulatedClock(3);
    const pacer = new Pacer({ totalPerSecond: 100, senders: 1, perSenderPerSecond: 0 }, clock);
    const sends = await pace(pacer, clock, 2000);
    assert.ok(busiestSecond(sends.map((s) => s.at)) <= 100);
    // Timers 3 ms late on a 10 ms spacing still keep the rate: within 1 % of 100/s.
    const rate = (sends.length - 1) / (sends.at(-1)!.at / 1000);
    assert.ok(rate > 99 && rate <= 100, `rate ${rate}`);
  });

  test('counted where they arrive, after an uneven way there, texts still never exceed the cap', async () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer({ totalPerSecond: 100, senders: 1, perSenderPerSecond: 0 }, clock);
    // The first text is slow (a connection opened), the rest take 0 to 40 ms.
    const random = randoms(11);
    const sends = await pace(pacer, clock, 1000, (i) => (i === 0 ? 60 : random() * 40));
    assert.ok(
      busiestSecond(sends.map((s) => s.arrived)) <= 100,
      `${busiestSecond(sends.map((s) => s.arrived))}`,
    );
    const rate = (sends.length - 1) / (sends.at(-1)!.at / 1000);
    assert.ok(rate > 96, `rate ${rate}`);
  });

  test('without answers, each text is taken to arrive within 100 ms: still under the cap', async () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer({ totalPerSecond: 50, senders: 1, perSenderPerSecond: 0 }, clock);
    const random = randoms(5);
    const handedOver: number[] = [];
    for (let i = 0; i < 300; i++) {
      await pacer.next(); // never answered: a provider that takes its time
      handedOver.push(clock.now());
    }
    assert.ok(busiestSecond(handedOver.map((at) => at + random() * 100)) <= 50);
  });

  test('after a pause in sending, the window still holds: no burst to make up for lost time', async () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer({ totalPerSecond: 50, senders: 1, perSenderPerSecond: 0 }, clock);
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      pacer.answered((await pacer.next())!);
      times.push(clock.now());
    }
    clock.time += 700; // nothing to send for a while
    for (let i = 0; i < 200; i++) {
      pacer.answered((await pacer.next())!);
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

  test('a sender whose queue is full sends at half its pace, after a back-off, while the others keep theirs', async () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer({ totalPerSecond: 0, senders: 3, perSenderPerSecond: 4 }, clock);
    await pace(pacer, clock, 12);
    const slowedAt = clock.now();
    pacer.slowLane(1);
    assert.equal(pacer.laneGap(1), 500, 'twice its 250 ms interval');
    const after = await pace(pacer, clock, 60);
    const lane1 = after.filter((s) => s.lane === 1).map((s) => s.at);
    assert.ok(lane1[0]! >= slowedAt + 500, 'nothing from it during the back-off');
    for (let i = 1; i < lane1.length; i++) assert.ok(lane1[i]! - lane1[i - 1]! >= 500 - 1e-9);
    assert.ok(busiestSecond(lane1) <= 2, `lane 1 sent ${busiestSecond(lane1)} in a second`);
    for (const lane of [0, 2]) {
      assert.equal(busiestSecond(after.filter((s) => s.lane === lane).map((s) => s.at)), 4, `lane ${lane}`);
    }
    // Full again: slower again, down to one a minute at most.
    pacer.slowLane(1);
    assert.equal(pacer.laneGap(1), 1000);
    for (let i = 0; i < 10; i++) pacer.slowLane(1);
    assert.equal(pacer.laneGap(1), 60_000);
  });

  test('a lane taken out of the pool sends nothing more; with none left, next() says so', async () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer({ totalPerSecond: 0, senders: 3, perSenderPerSecond: 0 }, clock);
    pacer.removeLane(1);
    const sends = await pace(pacer, clock, 6);
    assert.deepEqual(
      sends.map((s) => s.lane),
      [0, 2, 0, 2, 0, 2],
    );
    assert.equal(pacer.lanesLeft, 2);
    pacer.removeLane(0);
    pacer.removeLane(2);
    assert.equal(await pacer.next(), undefined);
  });

  test('a cap is a whole number per second', () => {
    assert.throws(() => new WindowCap(0));
    assert.throws(() => new WindowCap(1.5));
  });
});
