// What SMS pumping through the web sign-up can still get, measured with the default caps and a clock the
// test moves: one anonymous client trying as hard as the rate limit lets it, for a whole day, with a new
// number from a new block every time (and foreign, premium and repeated numbers mixed in); then many clients
// at once for an hour, against the total cap. Every refused attempt is counted too. The figures are printed
// for the closing note; the assertions are the caps' arithmetic:
//   one client:   AMPARO_SUBSCRIBE_CAP_PER_CLIENT_PER_HOUR (10) an hour, 24 × 10 = 240 a day;
//   all clients:  AMPARO_SUBSCRIBE_CAP_PER_HOUR (500) an hour, 24 × 500 = 12,000 a day, all to +1 numbers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { challengeIn, sendQueuedSignupCodes, solveProofOfWork } from './subscriptions.test-helpers.ts';

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;

/** Numbers no block repeats: area codes 201-989 with exchange 2xx. */
function numberSource() {
  let issued = 0;
  const areas = [201, 212, 224, 305, 312, 415, 503, 617, 630, 708, 713, 773, 815, 847, 872, 909];
  return (): string => {
    issued += 1;
    const area = areas[issued % areas.length]!;
    const exchange = 200 + Math.floor(issued / areas.length);
    return `+1${area}${exchange}${String(1000 + (issued % 9000)).padStart(4, '0')}`;
  };
}

async function attempt(t: TestApp, phone: string, address: string): Promise<number> {
  const page = await t.app.inject({
    url: '/alerts',
    headers: { accept: 'text/html' },
    remoteAddress: address,
  });
  const form = page.cookies.find((c) => c.name.endsWith('amparo_form'))!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const altcha = await solveProofOfWork(challengeIn(page.body));
  const res = await t.app.inject({
    method: 'POST',
    url: '/alerts',
    remoteAddress: address,
    payload: new URLSearchParams({ _csrf: csrf, phone, zips: '60623', language: 'en', altcha }).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: `${form.name}=${form.value}`,
      accept: 'text/html',
    },
  });
  return res.statusCode;
}

async function textsSent(t: TestApp): Promise<number> {
  await sendQueuedSignupCodes(t.context);
  const rows = await t.context.db.selectFrom('sms_outbox').select('id').execute();
  return rows.length;
}

describe('SMS pumping through the web sign-up, measured with the default caps', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-12-08T00:00:00Z')),
      // Only the proof of work is made cheap (a browser solves the default in about a second); every cap
      // and the rate limit are the defaults.
      env: { AMPARO_SMS_PROVIDER: 'console', AMPARO_SUBSCRIBE_PROOF_OF_WORK: '20' },
    });
  });
  after(async () => t.close());

  test('one anonymous client: at most 10 codes an hour and 240 a day, however it tries', async () => {
    const next = numberSource();
    const client = '203.0.113.77';
    const repeated = '+13125550142';
    const perHour: number[] = [];
    const outcomes = new Map<number, number>();
    let attempts = 0;
    let sentBefore = 0;
    for (let hour = 0; hour < 24; hour += 1) {
      // 40 attempts an hour, 20 a minute (the rate limit): new numbers, and a foreign, a premium and a
      // repeated number every 10.
      for (let i = 0; i < 40; i += 1) {
        if (i % 20 === 0 && i > 0) t.clock.advance(MINUTE_MS);
        const kind = i % 10;
        const phone =
          kind === 3 ? '+2348031234567' : kind === 6 ? '+19007654321' : kind === 9 ? repeated : next();
        const status = await attempt(t, phone, client);
        outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
        attempts += 1;
      }
      const sent = await textsSent(t);
      perHour.push(sent - sentBefore);
      sentBefore = sent;
      t.clock.advance(HOUR_MS - MINUTE_MS);
    }
    const day = perHour.reduce((sum, n) => sum + n, 0);
    console.log(
      `one client, ${attempts} attempts in 24 h: ${day} codes texted; most in one hour ${Math.max(...perHour)}; ` +
        `answers ${JSON.stringify(Object.fromEntries(outcomes))}`,
    );
    assert.ok(
      perHour.every((n) => n === 10),
      `10 every hour: ${perHour.join(' ')}`,
    );
    assert.equal(day, 240);
    assert.equal(outcomes.get(200), 240);
  });

  test('every client together: at most 500 codes an hour (12,000 a day), only to +1 numbers', async () => {
    const next = numberSource();
    t.clock.advance(2 * HOUR_MS);
    const before = await textsSent(t);
    // 60 clients, 10 new numbers each, in one hour: 600 attempts, each within its client's cap.
    let accepted = 0;
    for (let client = 0; client < 60; client += 1) {
      for (let i = 0; i < 10; i += 1) {
        if ((await attempt(t, next(), `198.51.${100 + Math.floor(client / 200)}.${client + 1}`)) === 200) {
          accepted += 1;
        }
      }
      t.clock.advance(45_000);
    }
    const sent = (await textsSent(t)) - before;
    console.log(`60 clients, 600 attempts in 45 minutes: ${sent} codes texted (total cap 500 an hour)`);
    assert.equal(accepted, 500);
    assert.equal(sent, 500);
  });
});
