// The decode gate on its own: places, the order of the line, a full line refused at once, the time limit.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecodeBusyError, DecodeGate, DecodeTimeoutError } from './decode-gate.ts';

/** Work that ends when the test says so. */
function controlled<T>(value: T) {
  let finish!: () => void;
  const started = { yes: false };
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    started,
    finish,
    work: async () => {
      started.yes = true;
      await done;
      return value;
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('decode gate', () => {
  test('runs at most N at once, the rest in arrival order, and refuses at once when the line is full', async () => {
    const gate = new DecodeGate({ concurrency: 2, queueLimit: 2, timeoutMs: 60_000 });
    const jobs = [1, 2, 3, 4].map((n) => controlled(n));
    const order: number[] = [];
    const results = jobs.map((job, i) => gate.run(job.work).then((v) => (order.push(i + 1), v)));
    await settle();
    assert.deepEqual(
      jobs.map((job) => job.started.yes),
      [true, true, false, false],
    );
    assert.deepEqual(gate.state, { running: 2, waiting: 2 });

    // A fifth finds every place taken and the line full: refused now, not queued.
    await assert.rejects(
      gate.run(async () => 5),
      DecodeBusyError,
    );

    jobs[1]!.finish();
    await settle();
    assert.equal(jobs[2]!.started.yes, true, 'the first in line takes the free place');
    assert.equal(jobs[3]!.started.yes, false);
    assert.deepEqual(gate.state, { running: 2, waiting: 1 });
    for (const job of jobs) job.finish();
    assert.deepEqual(await Promise.all(results), [1, 2, 3, 4]);
    assert.deepEqual(order, [2, 1, 3, 4]);
    assert.deepEqual(gate.state, { running: 0, waiting: 0 });
  });

  test('a decode past the time limit is answered, and keeps its place until it really stops', async () => {
    const gate = new DecodeGate({ concurrency: 1, queueLimit: 0, timeoutMs: 20 });
    const stuck = controlled('late');
    await assert.rejects(gate.run(stuck.work), DecodeTimeoutError);
    assert.deepEqual(gate.state, { running: 1, waiting: 0 }, 'the memory it holds is still held');
    await assert.rejects(
      gate.run(async () => 'next'),
      DecodeBusyError,
    );
    stuck.finish();
    await settle();
    assert.equal(await gate.run(async () => 'next'), 'next');
  });

  test('a wait for a place that runs out is refused as busy, and leaves the line', async () => {
    const gate = new DecodeGate({ concurrency: 1, queueLimit: 4, timeoutMs: 20 });
    const long = controlled('first');
    const first = gate.run(long.work);
    first.catch(() => undefined);
    await assert.rejects(
      gate.run(async () => 'second'),
      DecodeBusyError,
    );
    assert.equal(gate.state.waiting, 0);
    long.finish();
  });
});
