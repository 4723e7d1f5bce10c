// A real crash: a worker process SIGKILLed halfway through a fan-out, then started again. Nobody is missed,
// and no more texts go twice than were in flight (the simulated crash in alerts.delivery.test.ts covers the
// ledger itself).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAmparo, type RunningAmparo } from '../../../test/support/amparo-process.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import type { TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import {
  addSubscribers,
  approveAlert,
  eventually,
  startCountingStandIn,
} from './alerts.delivery.test-helpers.ts';

const RECIPIENTS = 3000;
const IN_FLIGHT = 20;

describe('alert fan-out across a worker killed with SIGKILL', () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let received: Map<string, number>;
  const workers: RunningAmparo[] = [];
  let workerEnv: Record<string, string>;

  before(async () => {
    let env: Record<string, string>;
    ({ standIn, received, env } = await startCountingStandIn({ sendLatencyMs: 5, inFlight: IN_FLIGHT }));
    t = await createTestApp({ env });
    workerEnv = { ...env, AMPARO_MASTER_KEY: t.context.config.masterKey! };
  });
  after(async () => {
    for (const worker of workers) {
      try {
        process.kill(-worker.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await t.close();
    await standIn.close();
  });

  test('nobody is missed and at most the in-flight texts go twice', async (context) => {
    const people = await addSubscribers(
      t.context,
      Array.from({ length: RECIPIENTS }, (_, i) => ({
        phone: `+1773${String(2000000 + i)}`,
        language: i % 3 === 0 ? 'es' : 'en',
        zips: ['60623'],
      })),
    );
    const { alertId } = await approveAlert(t.context, { zips: ['60623'] });

    const first = await startAmparo({ command: 'worker', databaseUrl: t.databaseUrl, env: workerEnv });
    workers.push(first);
    await eventually(() => received.size >= RECIPIENTS / 3, 'a third of the texts', 60_000);
    process.kill(-first.child.pid!, 'SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const atKill = received.size;
    assert.ok(atKill < RECIPIENTS, 'killed before the end');
    await sleep(200); // nothing more arrives from the dead worker

    const restarted = performance.now();
    const second = await startAmparo({ command: 'worker', databaseUrl: t.databaseUrl, env: workerEnv });
    workers.push(second);
    // The successor job the killed run queued is taken up at once: no waiting for pg-boss to give up on
    // the dead worker's job.
    await eventually(() => received.size > atKill, 'sending to resume', 20_000);
    const resumedAfter = performance.now() - restarted;
    await eventually(
      async () => {
        const alert = await t.context.db
          .selectFrom('alerts')
          .select('status')
          .where('id', '=', alertId)
          .executeTakeFirstOrThrow();
        return alert.status === 'sent';
      },
      'the alert to be sent (the dead run’s claims wait out the 30 s lease)',
      120_000,
    );
    await second.stop();

    const missed = people.filter((p) => !received.has(p.phone)).length;
    const twice = [...received.values()].filter((count) => count > 1).length;
    const thrice = [...received.values()].filter((count) => count > 2).length;
    context.diagnostic(
      `killed at ${atKill} of ${RECIPIENTS}; resumed ${Math.round(resumedAfter)} ms after the restart; ` +
        `${missed} missed, ${twice} twice`,
    );
    assert.equal(missed, 0, 'nobody missed');
    assert.ok(twice <= IN_FLIGHT, `${twice} texts went twice; at most ${IN_FLIGHT} were in flight`);
    assert.equal(thrice, 0);
    const rows = await t.context.db
      .selectFrom('alert_deliveries')
      .select(['status'])
      .where('alert_id', '=', alertId)
      .execute();
    assert.equal(rows.filter((row) => row.status === 'sent').length, RECIPIENTS);
  });
});
