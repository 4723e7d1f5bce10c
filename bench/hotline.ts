// The hotline under load, against a separate Amparo process, on the embedded database and on PostgreSQL:
//  1. signed SMS webhooks per second and their latency (p50/p99): each text comes from its own number and
//     carries a whole report in one message, so every request verifies a signature, claims its MessageSid,
//     opens a conversation and answers in TwiML;
//  2. live console fan-out: 20 dispatchers' event streams are open; reports are sent through the public form
//     one at a time, and the time from sending each report to its row arriving on every stream is measured
//     (p50/p95/max over every report × stream).
// Run: node bench/hotline.ts [webhooks=2000] [concurrency=16] [reports=100]
//      (PostgreSQL figures need AMPARO_BENCH_DATABASE_URL or AMPARO_TEST_DATABASE_URL)
// Client and server share the machine's 2 cores: compare figures within one run, not across machines.
import { createHmac, randomBytes } from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { closeContext, createContext } from '../src/app/bootstrap.ts';
import { loadConfig } from '../src/config/config.ts';
import { createStaffSession } from '../test/support/staff.ts';
import { startTwilioStandIn } from '../test/support/twilio-stand-in.ts';
import {
  BENCH_DATABASE_URL,
  freshPostgres,
  makeAmparoHome,
  openPublicForm,
  quantile,
  startAmparo,
  submitReport,
  type RunningAmparo,
} from './support.ts';

const WEBHOOKS = Number(process.argv[2] ?? 2000);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const REPORTS = Number(process.argv[4] ?? 100);
const STREAMS = 20;
const PUBLIC_URL = 'https://hotline.example.org';

/** Signed as Twilio signs (HMAC-SHA1 over URL + sorted name/value pairs), independently of Amparo's code. */
function sign(authToken: string, url: string, params: Record<string, string>): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((name) => name + params[name])
      .join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

function twilioSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

interface Setup {
  env: Record<string, string>;
  dataDir: string;
  cookies: string[];
}

/**
 * Creates the database and 20 signed-in dispatchers before Amparo starts (an embedded database belongs to
 * one process at a time), using the same configuration the server will get.
 */
async function prepare(databaseUrl: string | undefined, twilioEnv: Record<string, string>): Promise<Setup> {
  const dir = await makeAmparoHome('amparo-hotline-bench-');
  const env: Record<string, string> = {
    AMPARO_DATA_DIR: path.join(dir, 'data'),
    AMPARO_MASTER_KEY_FILE: path.join(dir, 'master.key'),
    AMPARO_PUBLIC_URL: PUBLIC_URL,
    AMPARO_PUBLIC_RATE_LIMIT: '100000',
    // The reply cap would make most answers empty; the bench measures the full path, reply included.
    AMPARO_SMS_REPLY_WINDOW_SECONDS: '0',
    ...twilioEnv,
    ...(databaseUrl
      ? { AMPARO_DATABASE_URL: databaseUrl, AMPARO_MASTER_KEY: randomBytes(32).toString('base64') }
      : {}),
  };
  const context = await createContext({ config: loadConfig(env), logger: pino({ level: 'silent' }) });
  const cookies: string[] = [];
  try {
    for (let i = 0; i < STREAMS; i++)
      cookies.push((await createStaffSession(context, ['dispatcher'])).cookie);
  } finally {
    await closeContext(context);
  }
  return { env, dataDir: dir, cookies };
}

async function webhooks(running: RunningAmparo, authToken: string, accountSid: string): Promise<void> {
  const url = `${PUBLIC_URL}/webhooks/twilio/sms`;
  async function post(i: number): Promise<number> {
    const params: Record<string, string> = {
      AccountSid: accountSid,
      ApiVersion: '2010-04-01',
      MessageSid: twilioSid('SM'),
      SmsSid: twilioSid('SM'),
      From: `+1312${String(1_000_000 + i).padStart(7, '0')}`,
      To: '+15550100199',
      Body: `ICE detaining people at 26th and Kedzie right now, ${(i % 5) + 2} agents, vests say POLICE ICE, I saw it`,
      NumMedia: '0',
      NumSegments: '1',
    };
    const started = performance.now();
    const res = await fetch(`${running.baseUrl}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': sign(authToken, url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    const text = await res.text();
    if (res.status !== 200 || !text.includes('<Response')) {
      throw new Error(`webhook ${i} answered ${res.status}`);
    }
    return performance.now() - started;
  }
  async function run(count: number, offset: number): Promise<number[]> {
    const latencies: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) latencies.push(await post(offset + next++));
      }),
    );
    return latencies.sort((a, b) => a - b);
  }
  await run(100, 0);
  const started = performance.now();
  const latencies = await run(WEBHOOKS, 1000);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `  signed SMS webhooks: ${WEBHOOKS} at concurrency ${CONCURRENCY} in ${seconds.toFixed(1)} s = ` +
      `${(WEBHOOKS / seconds).toFixed(0)}/s; latency p50 ${quantile(latencies, 0.5).toFixed(1)} ms, ` +
      `p99 ${quantile(latencies, 0.99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
  );
}

/** One dispatcher's open console stream: calls onReference for every report row that arrives. */
async function openStream(
  baseUrl: string,
  cookie: string,
  onReference: (reference: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch(`${baseUrl}/console/reports/events`, {
    headers: { cookie, accept: 'text/event-stream' },
    signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`event stream answered ${res.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body.getReader();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (data) onReference((JSON.parse(data) as { reference: string }).reference);
        }
      }
    } catch {
      // aborted at the end of the run
    }
  })();
}

async function fanOut(running: RunningAmparo, cookies: string[]): Promise<void> {
  const controller = new AbortController();
  // Arrival times by reference. A row can arrive before the form's answer names its reference (the
  // notification fires at COMMIT, the 303 follows), so every arrival is kept and matched afterwards.
  const arrivals = new Map<string, number[]>();
  let wake: (() => void) | undefined;
  for (const cookie of cookies) {
    await openStream(
      running.baseUrl,
      cookie,
      (reference) => {
        const times = arrivals.get(reference) ?? [];
        times.push(performance.now());
        arrivals.set(reference, times);
        wake?.();
      },
      controller.signal,
    );
  }
  const form = await openPublicForm(running.baseUrl);
  const latencies: number[] = [];
  try {
    for (let i = 0; i < REPORTS; i++) {
      const sentAt = performance.now();
      const reference = await submitReport(running.baseUrl, form, i);
      if (!reference) throw new Error(`report ${i} was not acknowledged`);
      const deadline = sentAt + 10_000;
      while ((arrivals.get(reference)?.length ?? 0) < cookies.length && performance.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      const times = arrivals.get(reference) ?? [];
      if (times.length < cookies.length) {
        console.log(
          `  report ${i}: only ${times.length} of ${cookies.length} streams received it within 10 s`,
        );
      }
      latencies.push(...times.map((at) => at - sentAt));
      arrivals.delete(reference);
    }
  } finally {
    controller.abort();
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `  report → ${cookies.length} console streams: ${latencies.length} deliveries of ${REPORTS} reports; ` +
      `p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p95 ${quantile(latencies, 0.95).toFixed(1)} ms, ` +
      `max ${latencies.at(-1)!.toFixed(1)} ms (from sending the form)`,
  );
}

async function measure(label: string, databaseUrl?: string): Promise<void> {
  const standIn = await startTwilioStandIn();
  const twilioEnv = {
    AMPARO_TWILIO_ACCOUNT_SID: standIn.accountSid,
    AMPARO_TWILIO_AUTH_TOKEN: standIn.authToken,
    AMPARO_TWILIO_API_BASE: standIn.baseUrl,
    AMPARO_TWILIO_FROM: '+15550100199',
  };
  const setup = await prepare(databaseUrl, twilioEnv);
  const running = await startAmparo({ databaseUrl, dataDir: setup.dataDir, env: setup.env });
  try {
    console.log(`${label}:`);
    if (WEBHOOKS > 0) await webhooks(running, standIn.authToken, standIn.accountSid);
    await fanOut(running, setup.cookies);
  } finally {
    await running.stop();
    await standIn.close();
  }
}

await measure('embedded PostgreSQL');
if (BENCH_DATABASE_URL) {
  const database = await freshPostgres(BENCH_DATABASE_URL);
  try {
    await measure('PostgreSQL', database.url);
  } finally {
    await database.drop();
  }
} else {
  console.log('PostgreSQL: skipped (set AMPARO_BENCH_DATABASE_URL)');
}
