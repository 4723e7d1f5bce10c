// Two web processes and two job workers on one PostgreSQL database, as a network outgrowing one machine runs
// Amparo: a report posted to one web process reaches a dispatcher's live console served by the other; a
// client's rate limit is one limit across both web processes; killing the worker that is sending an alert
// (SIGKILL, mid-send) misses nobody, and no more texts go twice than were in flight.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import {
  addSubscribers,
  approveAlert,
  eventually,
  startCountingStandIn,
} from '../../src/modules/alerts/alerts.delivery.test-helpers.ts';
import {
  openPublicForm,
  reportFormData,
  startAmparo,
  type RunningAmparo,
} from '../support/amparo-process.ts';
import { createStaffSession } from '../support/staff.ts';
import { createTestContext, type TestContext } from '../support/test-context.ts';
import type { TwilioStandIn } from '../support/twilio-stand-in.ts';

const RATE_LIMIT = 4;
const RECIPIENTS = 2000;
const IN_FLIGHT = 20;

describe('two web processes and two workers on one database', () => {
  let t: TestContext;
  let standIn: TwilioStandIn;
  let received: Map<string, number>;
  const processes: RunningAmparo[] = [];
  let webA: RunningAmparo;
  let webB: RunningAmparo;
  let workers: RunningAmparo[];

  before(async () => {
    let sending: Record<string, string>;
    ({
      standIn,
      received,
      env: sending,
    } = await startCountingStandIn({ sendLatencyMs: 40, inFlight: IN_FLIGHT }));
    const env = {
      ...sending,
      AMPARO_PUBLIC_RATE_LIMIT: String(RATE_LIMIT),
      // Each test speaks for its own client address, as a reverse proxy in front of both would pass it on.
      AMPARO_TRUST_PROXY: '1',
    };
    t = await createTestContext({ env });
    // Only to enqueue (approval queues the fan-out); the workers below run the jobs.
    await t.context.jobs.start({ work: false });
    const shared = {
      databaseUrl: t.databaseUrl,
      env: { ...env, AMPARO_MASTER_KEY: t.context.config.masterKey!, AMPARO_LOG_LEVEL: 'warn' },
    };
    const started = await Promise.all([
      startAmparo({ ...shared, command: 'serve' }),
      startAmparo({ ...shared, command: 'serve' }),
      startAmparo({ ...shared, command: 'worker' }),
      startAmparo({ ...shared, command: 'worker' }),
    ]);
    processes.push(...started);
    [webA, webB] = [started[0], started[1]];
    workers = started.slice(2);
  });
  after(async () => {
    for (const running of processes) {
      try {
        process.kill(-running.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await running.cleanUp();
    }
    await t.close();
    await standIn.close();
  });

  test('a report posted to one web process appears on a console stream served by the other', async () => {
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const abort = new AbortController();
    try {
      const stream = await fetch(`${webB.baseUrl}/console/reports/events`, {
        headers: { cookie: dispatcher.cookie, accept: 'text/event-stream' },
        signal: abort.signal,
      });
      assert.equal(stream.status, 200);
      const reader = stream.body!.getReader();
      const decoder = new TextDecoder();
      let received = '';
      // The stream says hello once it listens; the report is sent only then.
      while (!received.includes('\n\n')) received += decoder.decode((await reader.read()).value);

      const reference = await postReport(webA, '198.51.100.1');
      assert.ok(reference, 'web process A acknowledged the report');
      while (!received.includes(reference)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        received += decoder.decode(value, { stream: true });
      }
      const event = received.split('\n\n').find((chunk) => chunk.includes(reference))!;
      assert.match(event, /^event: report/m, 'as a report event on the stream from web process B');
    } finally {
      abort.abort();
    }
  });

  test(
    'disabling someone on one web process ends their console stream on the other',
    { timeout: 60_000 },
    async () => {
      const dispatcher = await createStaffSession(t.context, ['dispatcher']);
      const admin = await createStaffSession(t.context, ['admin']);
      const abort = new AbortController();
      try {
        const stream = await fetch(`${webB.baseUrl}/console/reports/events`, {
          headers: { cookie: dispatcher.cookie, accept: 'text/event-stream' },
          signal: abort.signal,
        });
        assert.equal(stream.status, 200);
        const reader = stream.body!.getReader();
        const decoder = new TextDecoder();
        let received = '';
        while (!received.includes('\n\n')) received += decoder.decode((await reader.read()).value);

        const disabled = await fetch(`${webA.baseUrl}/console/users/${dispatcher.userId}/disable`, {
          method: 'POST',
          headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: admin.csrfToken }).toString(),
          redirect: 'manual',
        });
        assert.equal(disabled.status, 303);
        // Web process B hears it (NOTIFY amparo_sessions_ended) and ends the stream; before, it stayed open for
        // up to its 10-minute lifetime, and this read would wait out the test's timeout.
        for (;;) {
          const { done } = await reader.read();
          if (done) break;
        }
      } finally {
        abort.abort();
      }
    },
  );

  test('a client gets one rate limit across both web processes', async () => {
    const client = '198.51.100.2';
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT + 2; i++) {
      const web = i % 2 === 0 ? webA : webB;
      statuses.push((await postReport(web, client)) ? 303 : 429);
    }
    assert.deepEqual(statuses, [...Array<number>(RATE_LIMIT).fill(303), 429, 429]);
    assert.ok(await postReport(webB, '198.51.100.3'), 'another client is not held back');
  });

  test('killing the worker that is sending an alert misses nobody', async (context) => {
    const people = await addSubscribers(
      t.context,
      Array.from({ length: RECIPIENTS }, (_, i) => ({
        phone: `+1773${String(3000000 + i)}`,
        language: i % 3 === 0 ? 'es' : 'en',
        zips: ['60623'],
      })),
    );
    const { alertId } = await approveAlert(t.context, { zips: ['60623'] });
    await eventually(() => received.size >= RECIPIENTS / 4, 'a quarter of the texts', 60_000);

    // The sender is whichever worker holds the fan-out lock: find its process through its connection's name.
    const { rows } = await sql<{ name: string }>`
      select a.application_name as name from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and a.datname = current_database()
        and a.application_name like 'amparo[%]'`.execute(t.context.db);
    const senderPid = Number(/amparo\[(\d+)\]/.exec(rows[0]?.name ?? '')?.[1]);
    const sender = workers.find((worker) => worker.child.pid === senderPid);
    assert.ok(sender, 'one of the two workers holds the fan-out lock');
    process.kill(-sender.child.pid!, 'SIGKILL');
    await new Promise((resolve) => sender.child.once('exit', resolve));
    const atKill = received.size;
    assert.ok(atKill < RECIPIENTS, 'killed before the end');

    await eventually(
      async () => {
        const alert = await t.context.db
          .selectFrom('alerts')
          .select('status')
          .where('id', '=', alertId)
          .executeTakeFirstOrThrow();
        return alert.status === 'sent';
      },
      'the other worker to finish the alert (the dead run’s claims wait out their 30 s lease)',
      120_000,
    );
    const missed = people.filter((person) => !received.has(person.phone)).length;
    const twice = [...received.values()].filter((count) => count > 1).length;
    context.diagnostic(`killed at ${atKill} of ${RECIPIENTS}; ${missed} missed, ${twice} twice`);
    assert.equal(missed, 0, 'nobody missed');
    assert.ok(twice <= IN_FLIGHT, `${twice} texts went twice; at most ${IN_FLIGHT} were in flight`);
    assert.equal([...received.values()].filter((count) => count > 2).length, 0);
  });
});

/** Posts a report as the given client; the reference when acknowledged, undefined when refused (429). */
async function postReport(web: RunningAmparo, client: string): Promise<string | undefined> {
  const form = await openPublicForm(web.baseUrl);
  const res = await fetch(`${web.baseUrl}/report`, {
    method: 'POST',
    body: reportFormData(form.csrf, 1),
    headers: { cookie: form.cookie, accept: 'text/html', 'x-forwarded-for': client },
    redirect: 'manual',
  });
  await res.arrayBuffer();
  if (res.status === 429) return undefined;
  assert.equal(res.status, 303, `the report was acknowledged or refused, not ${res.status}`);
  return new URL(res.headers.get('location')!, web.baseUrl).searchParams.get('ref') ?? undefined;
}
