// Intake under load, against a separate Amparo process, with autocannon:
//  (a) signed Twilio SMS webhooks, POST /webhooks/twilio/sms: every request a new MessageSid from a new
//      number, signed exactly as Twilio signs, carrying a first text that holds a whole report, so each one
//      checks the signature, claims its MessageSid, opens and closes a conversation, stores a report and
//      answers with its reference in TwiML;
//  (b) the public report form, POST /report (multipart) with the form's anti-forgery token and cookie, each
//      answered 303 to the confirmation page once committed.
// Each runs after a warm-up, for a fixed time at a fixed number of connections. Every answer is checked
// (status, and the reference in it): a wrong answer is counted, never passed off as speed. CPU per request is
// read from /proc: the Amparo process, and the PostgreSQL processes serving it (its embedded server's, or
// the backends connected to the bench's database).
//
// Run: npx node bench/intake.ts [--seconds=10] [--connections=10] [--warmup=3] [--only=sms|report]
//                               [--cpu-prof=DIR] [--count-statements]
//   Database: AMPARO_BENCH_DATABASE_URL (a superuser URL; a fresh database is created and dropped), else the
//   embedded default (an AMPARO_DATABASE_URL in the environment is not passed on).
//   --cpu-prof=DIR   Amparo runs with node --cpu-prof, writing its profile to DIR when it stops.
//   --count-statements  instead of timing, sends 200 requests of each kind one at a time through a counting
//                    proxy (bench/statement-counter.ts) and prints statements and round trips per request,
//                    by SQL text (needs AMPARO_BENCH_DATABASE_URL).
//   Two checkouts compared: run this file from each in turn, alternating, several rounds, e.g.
//     for i in 1 2 3; do (cd ../before && npx node bench/intake.ts); npx node bench/intake.ts; done
//
// The figures are for comparing within one run on a noisy, shared 2-core machine (client, server and
// PostgreSQL share it): read them as ratios between rounds of the same run, not as absolute capacity.
import autocannon from 'autocannon';
import { createHmac, randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { reportFormData } from '../test/support/amparo-process.ts';
import { startTwilioStandIn } from '../test/support/twilio-stand-in.ts';
import {
  startStatementCounter,
  tallyDifference,
  type StatementCounter,
  type StatementTally,
} from './statement-counter.ts';
import { cpuSeconds, freshPostgres, openPublicForm, startAmparo, type RunningAmparo } from './support.ts';

const options = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [name, value] = arg.replace(/^--/, '').split('=');
    return [name!, value ?? 'true'];
  }),
);
const SECONDS = Number(options.seconds ?? 10);
const CONNECTIONS = Number(options.connections ?? 10);
const WARMUP_SECONDS = Number(options.warmup ?? 3);
const ONLY = options.only as 'sms' | 'report' | undefined;
const CPU_PROFILE_DIR = options['cpu-prof'];
const COUNT_STATEMENTS = options['count-statements'] === 'true';
const COUNTED_REQUESTS = 200;
const DATABASE_URL = process.env.AMPARO_BENCH_DATABASE_URL || undefined;
const PUBLIC_URL = 'https://hotline.example.org';
const SMS_PATH = '/webhooks/twilio/sms';
const REFERENCE = /[23456789A-HJKMNP-Z]{8}/;

/** Signed as Twilio signs (HMAC-SHA1 over URL + sorted name/value pairs), independently of Amparo's code. */
function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((name) => name + params[name])
      .join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

interface Scenario {
  name: string;
  request: autocannon.Request;
  /** True when an answer is what a working Amparo gives. */
  check(status: number, body: string, headers: Record<string, string | undefined>): boolean;
}

function smsScenario(authToken: string, accountSid: string): Scenario {
  // A run-unique prefix: every request of every phase texts from a number Amparo has not seen.
  let sent = randomBytes(2).readUInt16BE(0) * 100_000;
  return {
    name: 'signed SMS webhooks',
    request: {
      method: 'POST',
      path: SMS_PATH,
      setupRequest(request) {
        const i = sent++;
        const sid = `SM${randomBytes(16).toString('hex')}`;
        const params: Record<string, string> = {
          AccountSid: accountSid,
          ApiVersion: '2010-04-01',
          MessageSid: sid,
          SmsSid: sid,
          SmsMessageSid: sid,
          SmsStatus: 'received',
          From: `+1${String(2_000_000_000 + i)}`,
          FromCity: 'CHICAGO',
          FromState: 'IL',
          FromZip: '60623',
          FromCountry: 'US',
          To: '+15550100199',
          ToCity: 'CHICAGO',
          ToState: 'IL',
          ToZip: '60601',
          ToCountry: 'US',
          Body:
            `ICE detaining people at 26th and Kedzie right now, ${(i % 5) + 2} agents and 2 vans, ` +
            `vests say POLICE ICE, I saw it from the bus stop`,
          NumMedia: '0',
          NumSegments: '1',
        };
        return {
          ...request,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': twilioSignature(authToken, `${PUBLIC_URL}${SMS_PATH}`, params),
          },
          body: new URLSearchParams(params).toString(),
        };
      },
    },
    check: (status, body) => status === 200 && /<Message>[^<]*/.test(body) && REFERENCE.test(body),
  };
}

async function reportScenario(running: RunningAmparo): Promise<Scenario> {
  const form = await openPublicForm(running.baseUrl);
  // Bodies are built once: the form's token stays valid for hours, and building multipart per request
  // would load the client, not the server.
  const bodies = await Promise.all(
    Array.from({ length: 90 }, async (_, i) => {
      const encoded = new Response(reportFormData(form.csrf, i));
      return {
        contentType: encoded.headers.get('content-type')!,
        body: Buffer.from(await encoded.arrayBuffer()),
      };
    }),
  );
  let sent = 0;
  return {
    name: 'public report POSTs',
    request: {
      method: 'POST',
      path: '/report',
      setupRequest(request) {
        const { body, contentType } = bodies[sent++ % bodies.length]!;
        return {
          ...request,
          headers: { cookie: form.cookie, accept: 'text/html', 'content-type': contentType },
          body,
        };
      },
    },
    check: (status, _body, headers) =>
      status === 303 && /^\/report\/received\?ref=[23456789A-HJKMNP-Z]{8}$/.test(headers.location ?? ''),
  };
}

// ---------------------------------------------------------------------------------------------------------
// CPU from /proc

interface ProcessStat {
  pid: number;
  ppid: number;
  comm: string;
  cpuMs: number;
}

async function readStat(pid: number): Promise<ProcessStat | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name, 0-based: ppid is 1, utime 11 and stime 12; USER_HZ is 100 on Linux.
    return { pid, ppid: Number(fields[1]), comm, cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 };
  } catch {
    return undefined; // gone
  }
}

async function commandLine(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
}

/**
 * The PostgreSQL processes serving this Amparo: an embedded server's (started by Amparo, or on a directory
 * inside Amparo's data directory, and every process under it), or the backends of the bench's own database
 * on a shared server (which name it in their command line).
 */
async function postgresProcesses(
  amparoPid: number,
  owned: { databaseName: string | undefined; dataDir: string },
): Promise<ProcessStat[]> {
  const stats = (
    await Promise.all(
      (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map((name) => readStat(Number(name))),
    )
  ).filter((stat): stat is ProcessStat => stat !== undefined);
  const byPid = new Map(stats.map((stat) => [stat.pid, stat]));
  const postgres = stats.filter((stat) => stat.comm === 'postgres');
  const roots = new Set([amparoPid]);
  for (const stat of postgres) {
    if ((await commandLine(stat.pid)).includes(owned.dataDir)) roots.add(stat.pid);
  }
  const underRoot = (stat: ProcessStat): boolean => {
    for (let pid = stat.pid; pid > 1; pid = byPid.get(pid)?.ppid ?? 0) if (roots.has(pid)) return true;
    return false;
  };
  const serving: ProcessStat[] = [];
  for (const stat of postgres) {
    const named = owned.databaseName && (await commandLine(stat.pid)).includes(` ${owned.databaseName} `);
    if (underRoot(stat) || named) serving.push(stat);
  }
  return serving;
}

/** PostgreSQL CPU over a measured span: polled, so backends that come and go are counted too. */
function postgresCpuMeter(amparoPid: number, owned: { databaseName: string | undefined; dataDir: string }) {
  const baseline = new Map<number, number>();
  const latest = new Map<number, number>();
  let started = false;
  const poll = async () => {
    for (const stat of await postgresProcesses(amparoPid, owned)) {
      if (!started) baseline.set(stat.pid, stat.cpuMs);
      latest.set(stat.pid, stat.cpuMs);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  let polling = Promise.resolve();
  return {
    async start() {
      await poll();
      started = true;
      timer = setInterval(() => {
        polling = polling.then(poll);
      }, 250);
    },
    /** CPU milliseconds used since start, and how many processes were seen. */
    async stop(): Promise<{ cpuMs: number; processes: number }> {
      clearInterval(timer);
      await polling;
      await poll();
      let cpuMs = 0;
      for (const [pid, last] of latest) cpuMs += last - (baseline.get(pid) ?? 0);
      return { cpuMs, processes: latest.size };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Running

interface Outcome {
  answered: number;
  wrong: number;
  errors: number;
  result: autocannon.Result;
}

async function fire(
  running: RunningAmparo,
  scenario: Scenario,
  load: { seconds: number; connections: number } | { amount: number; connections: number },
): Promise<Outcome> {
  let answered = 0;
  let wrong = 0;
  let firstWrong: string | undefined;
  const result = await autocannon({
    url: running.baseUrl,
    connections: load.connections,
    ...('seconds' in load ? { duration: load.seconds } : { amount: load.amount }),
    requests: [
      {
        ...scenario.request,
        onResponse(status, body, _context, headers) {
          answered += 1;
          if (!scenario.check(status, body, (headers ?? {}) as Record<string, string | undefined>)) {
            wrong += 1;
            firstWrong ??= `${status} ${body.slice(0, 200)}`;
          }
        },
      },
    ],
  });
  if (firstWrong) console.log(`    first wrong answer: ${firstWrong}`);
  return { answered, wrong, errors: result.errors + result.timeouts, result };
}

async function measure(
  running: RunningAmparo,
  scenario: Scenario,
  databaseName: string | undefined,
): Promise<void> {
  const amparoPid = await running.serverPid();
  const warm = await fire(running, scenario, { seconds: WARMUP_SECONDS, connections: CONNECTIONS });
  console.log(
    `  ${scenario.name}, warm-up: ${warm.answered} answered in ${WARMUP_SECONDS} s, ` +
      `${warm.wrong} wrong, ${warm.errors} errors/timeouts`,
  );
  const postgres = postgresCpuMeter(amparoPid, { databaseName, dataDir: path.dirname(running.dataDir) });
  await postgres.start();
  const amparoBefore = await cpuSeconds(amparoPid);
  const clientBefore = process.cpuUsage();
  const { answered, wrong, errors, result } = await fire(running, scenario, {
    seconds: SECONDS,
    connections: CONNECTIONS,
  });
  const clientCpu = process.cpuUsage(clientBefore);
  const amparoCpuMs = ((await cpuSeconds(amparoPid)) - amparoBefore) * 1000;
  const postgresCpu = await postgres.stop();
  const perRequest = (ms: number) => (answered === 0 ? 'n/a' : `${(ms / answered).toFixed(2)} ms`);
  console.log(
    `  ${scenario.name}: ${(answered / SECONDS).toFixed(0)}/s at ${CONNECTIONS} connections for ${SECONDS} s; ` +
      `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms\n` +
      `    ${answered} answered, ${wrong} wrong (bad status or body), ${errors} errors/timeouts\n` +
      `    CPU per request: Amparo ${perRequest(amparoCpuMs)}, PostgreSQL ${perRequest(postgresCpu.cpuMs)} ` +
      `(${postgresCpu.processes} processes), bench client ${perRequest((clientCpu.user + clientCpu.system) / 1000)}`,
  );
}

function printTally(name: string, tally: StatementTally, requests: number, background: StatementTally): void {
  console.log(
    `  ${name}: ${(tally.statements / requests).toFixed(1)} statements and ` +
      `${(tally.roundTrips / requests).toFixed(1)} round trips per request ` +
      `(${requests} requests, one at a time; the idle background over as long was ` +
      `${background.statements} statements)`,
  );
  const rows = [...tally.byText].sort((a, b) => b[1] - a[1]);
  for (const [text, count] of rows) {
    if (count / requests < 0.05) continue;
    console.log(`    ${(count / requests).toFixed(2)}  ${text.slice(0, 160)}`);
  }
}

async function countStatements(running: RunningAmparo, scenario: Scenario, counter: StatementCounter) {
  const one = { connections: 1 };
  const warm = await fire(running, scenario, { ...one, amount: 50 });
  if (warm.wrong + warm.errors > 0) throw new Error(`${scenario.name}: wrong answers while warming up`);
  const before = counter.snapshot();
  const started = performance.now();
  const run = await fire(running, scenario, { ...one, amount: COUNTED_REQUESTS });
  const tally = tallyDifference(counter.snapshot(), before);
  const elapsed = performance.now() - started;
  if (run.wrong + run.errors > 0) throw new Error(`${scenario.name}: wrong answers while counting`);
  // What Amparo's job worker sends on its own meanwhile (polling), over as long an idle span.
  const idleBefore = counter.snapshot();
  await new Promise((resolve) => setTimeout(resolve, elapsed));
  const background = tallyDifference(counter.snapshot(), idleBefore);
  printTally(scenario.name, tally, COUNTED_REQUESTS, background);
}

async function main(): Promise<void> {
  if (COUNT_STATEMENTS && !DATABASE_URL) {
    throw new Error('--count-statements needs AMPARO_BENCH_DATABASE_URL (a PostgreSQL it can proxy).');
  }
  // Not inherited: without a bench database, Amparo runs on its embedded default.
  delete process.env.AMPARO_DATABASE_URL;
  const database = DATABASE_URL ? await freshPostgres(DATABASE_URL) : undefined;
  const counter = COUNT_STATEMENTS && database ? await startStatementCounter(database.url) : undefined;
  const standIn = await startTwilioStandIn({ recordRequests: false });
  let running: RunningAmparo | undefined;
  try {
    running = await startAmparo({
      databaseUrl: counter?.url ?? database?.url,
      env: {
        AMPARO_PUBLIC_URL: PUBLIC_URL,
        // The most config allows: the limiter still runs on every request, as it would for real.
        AMPARO_PUBLIC_RATE_LIMIT: '100000',
        AMPARO_TWILIO_ACCOUNT_SID: standIn.accountSid,
        AMPARO_TWILIO_AUTH_TOKEN: standIn.authToken,
        AMPARO_TWILIO_API_BASE: standIn.baseUrl,
        AMPARO_TWILIO_FROM: '+15550100199',
        ...(CPU_PROFILE_DIR
          ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(CPU_PROFILE_DIR)}` }
          : {}),
      },
    });
    const databaseName = database ? new URL(database.url).pathname.slice(1) : undefined;
    console.log(
      `intake bench on ${database ? 'PostgreSQL (AMPARO_BENCH_DATABASE_URL)' : 'the embedded default'}, ` +
        `checkout ${path.resolve(import.meta.dirname, '..')}`,
    );
    const scenarios: Scenario[] = [];
    if (ONLY !== 'report') scenarios.push(smsScenario(standIn.authToken, standIn.accountSid));
    if (ONLY !== 'sms') scenarios.push(await reportScenario(running));
    for (const scenario of scenarios) {
      if (counter) await countStatements(running, scenario, counter);
      else await measure(running, scenario, databaseName);
    }
  } finally {
    await running?.stop();
    await standIn.close();
    await counter?.close();
    await database?.drop();
  }
}

await main();
