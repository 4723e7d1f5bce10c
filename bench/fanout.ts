// Community alert fan-out under load, on the embedded default (the PostgreSQL server Amparo runs itself) and on a
// PostgreSQL server given by URL.
//
// Setup, per backend: 100,000 subscribers over metro Chicago (numbers encrypted and blind-indexed as the
// subscriptions module stores them; 55 % English, 45 % Spanish; some opted out, unconfirmed, or stopped at
// the hotline), an incident confirmed by a responder's verification, and draft alerts composed by one
// dispatcher. A coordinator approves each through the console (POST, as a browser would), and Amparo's own
// processes send through a Twilio-compatible stand-in on loopback. Scenarios:
//  1. uncapped: an alert to the whole metro area (~95 % of subscribers): time from approval to every text
//     accepted by the stand-in, texts per second, the worker's memory and CPU; and, timed separately on the
//     same data, selecting the recipients (filling the ledger, rolled back);
//  2. capped: AMPARO_ALERT_RATE_PER_SECOND=100 on a smaller alert (Evanston, ~3,000): texts per 1-second
//     window, min/median/max over full windows and the most in any 1-second span;
//  3. crash: an uncapped alert to the metro area, the worker killed with SIGKILL halfway and started again:
//     recipients missed (in the ledger, never received) and texts received twice, against
//     AMPARO_ALERT_IN_FLIGHT.
//
// Processes. On the embedded default `amparo start` serves the console and sends, as `npm start` does (the
// crash kills it, and its successor adopts the database server it left running). On PostgreSQL `amparo serve` takes the approval and `amparo worker` sends, so the memory and
// CPU figures are the sender's alone. The stand-in runs inside this bench process, not a child of its
// own: it is already apart from the measured worker (whose /proc figures are what is reported), the
// receipts it times need no inter-process hop, and a third process would only add IPC on 2 cores. The
// bench itself does nothing else while a fan-out runs.
//
// Run:  node bench/fanout.ts [--subscribers 100000] [--rate-group 3000] [--quick]
//         [--backend embedded|postgres|both] [--scenarios uncapped,capped,crash] [--in-flight N]
//         [--callbacks] [--undelivered 0.02] [--provider-latency-ms 0] [--profile DIR]
//       --quick: 10,000 subscribers and 1,000 in the capped alert.
//       --callbacks: the stand-in sends signed status callbacks (sent, delivered) to the console process.
//       --profile DIR: the sending process writes a V8 CPU profile (--cpu-prof) there.
//       PostgreSQL figures need AMPARO_BENCH_DATABASE_URL or AMPARO_TEST_DATABASE_URL; a database of its
//       own is created and dropped.
// Everything shares the machine's cores: compare figures within one run, not across machines.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { closeContext, createContext } from '../src/app/bootstrap.ts';
import type { AppContext } from '../src/app/context.ts';
import { loadConfig } from '../src/config/config.ts';
import { queueAlertDelivery } from '../src/modules/alerts/alerts.delivery.ts';
import { loadModules } from '../src/modules/index.ts';
import { countAlertRecipientsByLanguage } from '../src/modules/subscriptions/subscriptions.queries.ts';
import type { StaffSession } from '../test/support/staff.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../test/support/twilio-stand-in.ts';
import {
  INCIDENT_ZIP,
  insertDraftAlert,
  METRO_ZIPS,
  RATE_ZIPS,
  seedConfirmedIncident,
  seedStaff,
  seedSubscribers,
  type DraftAlert,
  type Population,
  type Staff,
} from './fanout-seed.ts';
import {
  Receipts,
  sampleMachine,
  sampleProcess,
  type MachineUsage,
  windowStats,
  type ProcessUsage,
  type WindowStats,
} from './fanout-measure.ts';
import {
  BENCH_DATABASE_URL,
  freshPostgres,
  makeAmparoHome,
  startAmparo,
  type RunningAmparo,
} from './support.ts';

const { values: args } = parseArgs({
  options: {
    subscribers: { type: 'string' },
    'rate-group': { type: 'string' },
    quick: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'both' },
    scenarios: { type: 'string', default: 'uncapped,capped,crash' },
    'in-flight': { type: 'string' },
    rate: { type: 'string', default: '100' },
    callbacks: { type: 'boolean', default: false },
    undelivered: { type: 'string', default: '0' },
    'provider-latency-ms': { type: 'string', default: '0' },
    profile: { type: 'string' },
  },
});
const SUBSCRIBERS = Number(args.subscribers ?? (args.quick ? 10_000 : 100_000));
const RATE_GROUP = Number(args['rate-group'] ?? (args.quick ? 1_000 : 3_000));
const RATE = Number(args.rate);
const SCENARIOS = new Set(args.scenarios.split(','));
const IN_FLIGHT = args['in-flight'];
const PUBLIC_URL = 'https://hotline.example.org';
/** A pool of sender numbers, as a network with many long codes would have. */
const SENDERS = Array.from({ length: 20 }, (_, i) => `+1312555${String(100 + i).padStart(4, '0')}`);
/** Per sender in the capped run: 20 × 10/s leaves the total cap as the one that binds. */
const RATE_PER_SENDER = 10;
/** A fan-out that receives nothing new for this long is reported stuck. */
const STALL_MS = 60_000;
/** After a restart, resuming may wait for the every-minute resume job. */
const RESUME_STALL_MS = 180_000;

if (!['embedded', 'postgres', 'both'].includes(args.backend))
  throw new Error('--backend: embedded, postgres or both');
for (const scenario of SCENARIOS) {
  if (!['uncapped', 'capped', 'crash'].includes(scenario))
    throw new Error(`--scenarios: a list of uncapped, capped and crash; got "${scenario}"`);
}

// ---- cleanup on any exit -----------------------------------------------------------------------------------

const cleanups: (() => Promise<void>)[] = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (error) {
      console.error('cleanup:', error instanceof Error ? error.message : error);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping processes and removing the bench database and files`);
    void cleanUp().then(() => process.exit(130));
  });
}

// ---- one backend ----------------------------------------------------------------------------------------

interface Prepared {
  label: string;
  databaseUrl: string | undefined;
  dir: string;
  env: Record<string, string>;
  population: Population;
  staff: Staff;
  alerts: { uncapped: DraftAlert; capped: DraftAlert; crash: DraftAlert };
  seedSeconds: number;
  previewMs: number;
  selectMs: number;
  selected: number;
}

/**
 * The bench's own connection to the database, configured as the server will be; it can queue jobs (the
 * approval's fan-out job needs its queue) but runs none.
 */
async function openContext(env: Record<string, string>): Promise<AppContext> {
  const context = await createContext({ config: loadConfig(env), logger: pino({ level: 'silent' }) });
  try {
    (await loadModules()).registerJobs(context);
    await context.jobs.start({ work: false });
  } catch (error) {
    await closeContext(context);
    throw error;
  }
  return context;
}

async function prepare(
  label: string,
  databaseUrl: string | undefined,
  standIn: TwilioStandIn,
): Promise<Prepared> {
  const dir = await makeAmparoHome('amparo-fanout-bench-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const env: Record<string, string> = {
    AMPARO_DATA_DIR: path.join(dir, 'data'),
    AMPARO_MASTER_KEY_FILE: path.join(dir, 'master.key'),
    AMPARO_DATABASE_PASSWORD_FILE: path.join(dir, 'database-password'),
    AMPARO_CASE_KEYS_DIR: path.join(dir, 'case-keys'),
    AMPARO_PUBLIC_URL: PUBLIC_URL,
    AMPARO_PUBLIC_RATE_LIMIT: '100000',
    AMPARO_LOG_LEVEL: 'warn',
    AMPARO_TWILIO_ACCOUNT_SID: standIn.accountSid,
    AMPARO_TWILIO_AUTH_TOKEN: standIn.authToken,
    AMPARO_TWILIO_API_BASE: standIn.baseUrl,
    AMPARO_TWILIO_FROM: SENDERS[0]!,
    AMPARO_ALERT_SENDERS: SENDERS.join(','),
    ...(IN_FLIGHT ? { AMPARO_ALERT_IN_FLIGHT: IN_FLIGHT } : {}),
    ...(databaseUrl
      ? { AMPARO_DATABASE_URL: databaseUrl, AMPARO_MASTER_KEY: randomBytes(32).toString('base64') }
      : {}),
  };
  const context = await openContext(env);
  try {
    const seedStarted = performance.now();
    const population = await seedSubscribers(context, SUBSCRIBERS, RATE_GROUP, (done) =>
      process.stdout.write(`\r  seeding subscribers: ${done}/${SUBSCRIBERS}`),
    );
    const staff = await seedStaff(context);
    const incidentId = await seedConfirmedIncident(context, staff);
    const draft = (marker: string, targetZips: string[], removedZips: string[] = []) =>
      insertDraftAlert(context, {
        incidentId,
        composedBy: staff.composer.userId,
        targetZips,
        removedZips,
        marker,
      });
    const alerts = {
      uncapped: await draft('M1', METRO_ZIPS),
      // Evanston only: the incident's own ZIP code, always included by default, is taken out.
      capped: await draft('E1', RATE_ZIPS, [INCIDENT_ZIP]),
      crash: await draft('M2', METRO_ZIPS),
    };
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    process.stdout.write(`\r  seeded ${SUBSCRIBERS} subscribers in ${seedSeconds.toFixed(1)} s\n`);

    // The console's count before approval, and the ledger fill approval runs, timed on a scratch alert and
    // rolled back (before the server starts, so it does not compete with it).
    // The median of three, as the first run also warms the caches.
    let started = performance.now();
    const preview = await countAlertRecipientsByLanguage(context.db, METRO_ZIPS);
    const previewMs = performance.now() - started;
    const scratch = await draft('S1', METRO_ZIPS);
    let selected = 0;
    const selectTimes: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await context.db
        .transaction()
        .execute(async (trx) => {
          started = performance.now();
          selected = await queueAlertDelivery(context, trx, {
            id: scratch.id,
            target_zips: scratch.targetZips,
          });
          selectTimes.push(performance.now() - started);
          throw new RolledBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RolledBack)) throw error;
        });
    }
    const selectMs = selectTimes.sort((x, y) => x - y)[1]!;
    await context.db.deleteFrom('alerts').where('id', '=', scratch.id).execute();
    const expected = population.eligible.metro;
    if (selected !== expected || Object.values(preview).reduce((a, b) => a + b, 0) !== expected) {
      throw new Error(
        `recipient selection disagrees with the seeded population: ledger ${selected}, preview ` +
          `${JSON.stringify(preview)}, expected ${expected}`,
      );
    }
    return {
      label,
      databaseUrl,
      dir,
      env,
      population,
      staff,
      alerts,
      seedSeconds,
      previewMs,
      selectMs,
      selected,
    };
  } finally {
    await closeContext(context);
  }
}

class RolledBack extends Error {}

interface Launched {
  running: RunningAmparo;
  /** Stops it once; nothing to do if it already died (SIGKILL). */
  halt(): Promise<void>;
}

async function launch(
  prepared: Prepared,
  extraEnv: Record<string, string>,
  command: 'start' | 'serve' | 'worker',
): Promise<Launched> {
  const sends = command !== 'serve';
  const env = {
    ...prepared.env,
    ...extraEnv,
    ...(sends && args.profile
      ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(args.profile)}` }
      : {}),
  };
  const running = await startAmparo({
    databaseUrl: prepared.databaseUrl,
    dataDir: prepared.dir,
    env,
    command,
  });
  let halted: Promise<void> | undefined;
  const halt = () =>
    (halted ??=
      running.child.exitCode !== null || running.child.signalCode !== null
        ? Promise.resolve()
        : running.stop());
  cleanups.push(halt);
  return { running, halt };
}

interface Processes {
  /** Takes the approval (and status callbacks). */
  web: Launched;
  /** Sends. The same process as web on the embedded default. */
  worker: Launched;
}

async function startProcesses(prepared: Prepared, extraEnv: Record<string, string>): Promise<Processes> {
  let processes: Processes;
  if (!prepared.databaseUrl) {
    const one = await launch(prepared, extraEnv, 'start');
    processes = { web: one, worker: one };
  } else {
    const web = await launch(prepared, extraEnv, 'serve');
    processes = { web, worker: await launch(prepared, extraEnv, 'worker') };
  }
  callbackTarget = processes.web.running.baseUrl;
  return processes;
}

async function stopProcesses(processes: Processes): Promise<void> {
  await Promise.all([processes.worker.halt(), processes.web.halt()]);
}

/** Where the stand-in sends status callbacks: the console process of the moment. */
let callbackTarget = 'http://127.0.0.1:9';

interface ApprovalForm {
  alert: DraftAlert;
  approver: StaffSession;
  /** The form's hidden fields: the anti-forgery token, and the fingerprint of the version shown. */
  fields: Record<string, string>;
}

/** The coordinator opens the alert's page on the console (counts, texts, the approve button). Not timed. */
async function openApproval(
  web: RunningAmparo,
  approver: StaffSession,
  alert: DraftAlert,
): Promise<ApprovalForm> {
  const response = await fetch(`${web.baseUrl}/console/alerts/${alert.id}`, {
    headers: { cookie: approver.cookie, accept: 'text/html' },
  });
  const page = await response.text();
  const form = /<form[^>]*id="approve-form"[^>]*>([\s\S]*?)<\/form>/.exec(page)?.[1];
  if (response.status !== 200 || !form) {
    throw new Error(`the page of ${alert.reference} (${response.status}) has no approval form`);
  }
  const fields: Record<string, string> = {};
  for (const [, name, value] of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    fields[name!] = value!;
  }
  return { alert, approver, fields };
}

/** The coordinator presses approve: the form posted as a browser posts it. */
async function approve(web: RunningAmparo, form: ApprovalForm): Promise<void> {
  const response = await fetch(`${web.baseUrl}/console/alerts/${form.alert.id}/approve`, {
    method: 'POST',
    headers: {
      cookie: form.approver.cookie,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
    },
    body: new URLSearchParams(form.fields).toString(),
    redirect: 'manual',
  });
  await response.arrayBuffer();
  if (response.status !== 303)
    throw new Error(`approving ${form.alert.reference} answered ${response.status}`);
}

interface LedgerCheck {
  rows: number;
  statuses: Record<string, number>;
  /** Ledger recipients the stand-in never received a text for. */
  missed: number;
  /** Texts to numbers that are not in the ledger (an opted-out number, another alert's recipient). */
  strays: number;
  /** The ledger differs from the eligible group the bench seeded. */
  notEligible: number;
  eligibleLeftOut: number;
}

/** Reads the alert's ledger once the processes stopped, and compares it with what the stand-in received. */
async function checkLedger(
  prepared: Prepared,
  alert: DraftAlert,
  group: 'metro' | 'rate',
  receipts: Receipts,
): Promise<LedgerCheck> {
  const context = await openContext(prepared.env);
  try {
    const rows = await context.db
      .selectFrom('alert_deliveries')
      .select(['subscriber_id', 'status'])
      .where('alert_id', '=', alert.id)
      .execute();
    const statuses: Record<string, number> = {};
    const inLedger = new Set<string>();
    let missed = 0;
    let notEligible = 0;
    for (const row of rows) {
      statuses[row.status] = (statuses[row.status] ?? 0) + 1;
      const subscriber = prepared.population.byId.get(row.subscriber_id);
      if (!subscriber || !subscriber.eligible || subscriber.group !== group) notEligible++;
      if (!subscriber) continue;
      inLedger.add(subscriber.phone);
      if (!receipts.perNumber.has(subscriber.phone)) missed++;
    }
    let strays = 0;
    for (const [phone, times] of receipts.perNumber) if (!inLedger.has(phone)) strays += times;
    const eligible = prepared.population.eligible[group];
    return {
      rows: rows.length,
      statuses,
      missed,
      strays,
      notEligible,
      eligibleLeftOut: eligible - (rows.length - notEligible),
    };
  } finally {
    await closeContext(context);
  }
}

interface Sending {
  recipients: number;
  texts: number;
  complete: boolean;
  approveMs: number;
  toFirstSeconds: number;
  toAllSeconds: number;
  perSecond: number;
  steadyPerSecond: number;
  usage: ProcessUsage;
  machine: MachineUsage;
  windows: WindowStats;
  perSenderSlidingMax: number;
  callbacks?: { answered: number; refused: number; seconds: number };
  ledger: LedgerCheck;
}

let receipts = new Receipts();

/** Approves an alert with the processes running, and waits until every recipient's text was accepted. */
async function sendOne(
  prepared: Prepared,
  alert: DraftAlert,
  group: 'metro' | 'rate',
  extraEnv: Record<string, string>,
  standIn: TwilioStandIn,
): Promise<Sending> {
  receipts = new Receipts();
  const processes = await startProcesses(prepared, extraEnv);
  const answeredBefore = standIn.statusCallbacks.answered;
  const refusedBefore = standIn.statusCallbacks.refused;
  const expected = prepared.population.eligible[group];
  const form = await openApproval(processes.web.running, prepared.staff.approver, alert);
  const sampler = sampleProcess(await processes.worker.running.serverPid());
  const machineSampler = await sampleMachine();
  const approvedAt = performance.now();
  let complete: boolean;
  let approveMs: number;
  let usage: ProcessUsage;
  let machine: MachineUsage;
  let callbacks: Sending['callbacks'];
  try {
    await approve(processes.web.running, form);
    approveMs = performance.now() - approvedAt;
    complete = await receipts.waitForDistinct(expected, STALL_MS);
    usage = await sampler.stop();
    machine = await machineSampler.stop();
    await receipts.waitForQuiet(2000);
    if (args.callbacks) {
      await standIn.statusCallbacks.idle();
      const s = standIn.statusCallbacks;
      callbacks = {
        answered: s.answered - answeredBefore,
        refused: s.refused - refusedBefore,
        seconds: (performance.now() - approvedAt) / 1000,
      };
    }
  } finally {
    await sampler.stop();
    await stopProcesses(processes);
  }
  const times = receipts.list.map((r) => r.at);
  const first = Math.min(...times);
  const last = Math.max(...times);
  const bySender = new Map<string, number[]>();
  for (const r of receipts.list) bySender.set(r.from ?? '', [...(bySender.get(r.from ?? '') ?? []), r.at]);
  return {
    recipients: expected,
    texts: receipts.list.length,
    complete,
    approveMs,
    toFirstSeconds: (first - approvedAt) / 1000,
    toAllSeconds: (last - approvedAt) / 1000,
    perSecond: receipts.list.length / ((last - approvedAt) / 1000),
    steadyPerSecond: ((receipts.list.length - 1) / (last - first)) * 1000,
    usage,
    machine,
    windows: windowStats(times),
    perSenderSlidingMax: Math.max(
      ...[...bySender.values()].map((t) => windowStats(t).slidingMax || t.length),
    ),
    ...(callbacks ? { callbacks } : {}),
    ledger: await checkLedger(prepared, alert, group, receipts),
  };
}

interface Crash {
  recipients: number;
  inFlight: number;
  receivedBeforeKill: number;
  /** From starting the process again to its being ready (the console answering, or the worker's log). */
  restartSeconds: number;
  /** From ready to the first text after the restart. */
  resumeSeconds: number;
  /** From the kill to every recipient having a text. */
  killToAllSeconds: number;
  complete: boolean;
  extraTexts: number;
  numbersTwice: number;
  ledger: LedgerCheck;
}

async function crashRun(prepared: Prepared, uncapped: Record<string, string>): Promise<Crash> {
  const group = 'metro';
  const alert = prepared.alerts.crash;
  const expected = prepared.population.eligible[group];
  receipts = new Receipts();
  let processes = await startProcesses(prepared, uncapped);
  let receivedBeforeKill: number;
  let restartSeconds: number;
  let resumeSeconds: number;
  let killToAllSeconds: number;
  let complete: boolean;
  try {
    await approve(
      processes.web.running,
      await openApproval(processes.web.running, prepared.staff.approver, alert),
    );
    await receipts.waitForDistinct(Math.floor(expected / 2), STALL_MS);
    const worker = processes.worker.running;
    const exited = new Promise((resolve) => worker.child.once('exit', resolve));
    process.kill(await worker.serverPid(), 'SIGKILL');
    await exited;
    const killedAt = performance.now();
    // Requests the stand-in was already answering when the worker died still count as received.
    await new Promise((r) => setTimeout(r, 500));
    receivedBeforeKill = receipts.list.length;
    // On the embedded default the killed process was the whole of Amparo (its database server lives on and is
    // adopted); on PostgreSQL the console stays up.
    const launchedAt = performance.now();
    processes = prepared.databaseUrl
      ? { web: processes.web, worker: await launch(prepared, uncapped, 'worker') }
      : await startProcesses(prepared, uncapped);
    const restartedAt = performance.now();
    restartSeconds = (restartedAt - launchedAt) / 1000;
    const before = receipts.list.length;
    while (receipts.list.length === before && performance.now() - restartedAt < RESUME_STALL_MS) {
      await receipts.next(1000);
    }
    resumeSeconds = (performance.now() - restartedAt) / 1000;
    complete = await receipts.waitForDistinct(expected, RESUME_STALL_MS);
    killToAllSeconds = (performance.now() - killedAt) / 1000;
    // Texts in flight at the kill are sent again on resume; wait for the last of them.
    await receipts.waitForQuiet(5000);
  } finally {
    await stopProcesses(processes);
  }
  const inFlight = loadConfig(prepared.env).alerts.inFlight;
  return {
    recipients: expected,
    inFlight,
    receivedBeforeKill,
    restartSeconds,
    resumeSeconds,
    killToAllSeconds,
    complete,
    extraTexts: receipts.extra,
    numbersTwice: receipts.numbersReceivingTwice,
    ledger: await checkLedger(prepared, alert, group, receipts),
  };
}

interface BackendResult {
  prepared: Prepared;
  uncapped?: Sending;
  capped?: Sending;
  crash?: Crash;
}

async function measure(label: string, databaseUrl?: string): Promise<BackendResult> {
  console.log(`${label}:`);
  const standIn = await startTwilioStandIn({
    recordRequests: false,
    onMessage: (message) => receipts.record(message),
    sendLatencyMs: Number(args['provider-latency-ms']),
    ...(args.callbacks
      ? {
          statusCallbacks: {
            deliverTo: () => callbackTarget,
            record: false,
            concurrency: 16,
            undeliveredFraction: Number(args.undelivered),
          },
        }
      : {}),
  });
  cleanups.push(() => standIn.close());
  const prepared = await prepare(label, databaseUrl, standIn);
  const result: BackendResult = { prepared };
  const uncapped = { AMPARO_ALERT_RATE_PER_SECOND: '0', AMPARO_ALERT_RATE_PER_SENDER_PER_SECOND: '0' };
  if (SCENARIOS.has('uncapped')) {
    result.uncapped = await sendOne(prepared, prepared.alerts.uncapped, 'metro', uncapped, standIn);
    console.log(`  uncapped: ${describeSending(result.uncapped)}`);
  }
  if (SCENARIOS.has('capped')) {
    result.capped = await sendOne(
      prepared,
      prepared.alerts.capped,
      'rate',
      {
        AMPARO_ALERT_RATE_PER_SECOND: String(RATE),
        AMPARO_ALERT_RATE_PER_SENDER_PER_SECOND: String(RATE_PER_SENDER),
      },
      standIn,
    );
    console.log(`  capped at ${RATE}/s: ${describeSending(result.capped)}`);
  }
  if (SCENARIOS.has('crash')) {
    result.crash = await crashRun(prepared, uncapped);
    const c = result.crash;
    console.log(
      `  crash: ${c.receivedBeforeKill} received before SIGKILL, resumed ${c.resumeSeconds.toFixed(1)} s ` +
        `after the restart was ready; missed ${c.ledger.missed}, ${c.extraTexts} texts twice (in flight ${c.inFlight})`,
    );
  }
  return result;
}

function describeSending(s: Sending): string {
  return (
    `${s.complete ? '' : 'INCOMPLETE '}${s.texts} texts, all in ${s.toAllSeconds.toFixed(1)} s ` +
    `(${s.perSecond.toFixed(0)}/s), peak RSS ${s.usage.sampledPeakMiB.toFixed(0)} MiB`
  );
}

// ---- the table ------------------------------------------------------------------------------------------

function fmt(value: number | undefined, digits = 0, unit = ''): string {
  return value === undefined || Number.isNaN(value) ? '–' : `${value.toFixed(digits)}${unit}`;
}

function printTable(results: BackendResult[]): void {
  const rows: [string, ...string[]][] = [];
  const row = (name: string, pick: (r: BackendResult) => string) => rows.push([name, ...results.map(pick)]);
  row('subscribers seeded (time)', (r) => `${SUBSCRIBERS} (${fmt(r.prepared.seedSeconds, 1, ' s')})`);
  row('recipients of the metro alert', (r) => String(r.prepared.selected));
  row('console count before approval', (r) => fmt(r.prepared.previewMs, 0, ' ms'));
  row('select recipients, fill ledger (median of 3)', (r) => fmt(r.prepared.selectMs, 0, ' ms'));
  const u = (pick: (s: Sending) => string) => (r: BackendResult) => (r.uncapped ? pick(r.uncapped) : '–');
  row(
    'UNCAPPED: approve request',
    u((s) => fmt(s.approveMs, 0, ' ms')),
  );
  row(
    'approval → first text accepted',
    u((s) => fmt(s.toFirstSeconds, 2, ' s')),
  );
  row(
    'approval → every text accepted',
    u((s) => `${fmt(s.toAllSeconds, 1, ' s')}${s.complete ? '' : ' (INCOMPLETE)'}`),
  );
  row(
    'texts/s (from approval)',
    u((s) => fmt(s.perSecond)),
  );
  row(
    'texts/s (first → last)',
    u((s) => fmt(s.steadyPerSecond)),
  );
  row(
    'sender RSS: start / peak (HWM)',
    u(
      (s) =>
        `${fmt(s.usage.startMiB)} / ${fmt(s.usage.sampledPeakMiB)} (${fmt(s.usage.lifetimePeakMiB)}) MiB`,
    ),
  );
  row(
    'CPU s: sender / stand-in / all postgres',
    u(
      (s) =>
        `${fmt(s.usage.cpuSeconds, 1)} / ${fmt(s.machine.benchCpuSeconds, 1)} / ${fmt(s.machine.postgresCpuSeconds, 1)}`,
    ),
  );
  // Per text, so runs on a busy machine can still be compared: what each part costs, not how long it waited.
  row(
    'CPU ms per text: sender / stand-in / pg',
    u(
      (s) =>
        `${fmt((1000 * s.usage.cpuSeconds) / s.texts, 2)} / ${fmt((1000 * s.machine.benchCpuSeconds) / s.texts, 2)} / ${fmt((1000 * s.machine.postgresCpuSeconds) / s.texts, 2)}`,
    ),
  );
  row(
    'machine busy (2 cores, all users)',
    u((s) => fmt(s.machine.machineBusyPercent, 0, ' %')),
  );
  row(
    'ledger after',
    u((s) => JSON.stringify(s.ledger.statuses)),
  );
  row(
    'missed / strays / wrong rows',
    u((s) => `${s.ledger.missed} / ${s.ledger.strays} / ${s.ledger.notEligible + s.ledger.eligibleLeftOut}`),
  );
  if (args.callbacks) {
    row(
      'status callbacks answered 2xx',
      u((s) =>
        s.callbacks
          ? `${s.callbacks.answered} (${s.callbacks.refused} refused) in ${fmt(s.callbacks.seconds, 1, ' s')}`
          : '–',
      ),
    );
  }
  const c = (pick: (s: Sending) => string) => (r: BackendResult) => (r.capped ? pick(r.capped) : '–');
  row(
    `CAPPED ${RATE}/s: recipients`,
    c((s) => String(s.recipients)),
  );
  row(
    'texts per full 1-s window min/med/max',
    c((s) => `${s.windows.min} / ${s.windows.median} / ${s.windows.max} (${s.windows.windows} windows)`),
  );
  row(
    'most in any 1-s span; mean rate',
    c((s) => `${s.windows.slidingMax}; ${fmt(s.windows.mean, 1, '/s')}`),
  );
  row(
    `most per sender in any 1-s span (cap ${RATE_PER_SENDER})`,
    c((s) => String(s.perSenderSlidingMax)),
  );
  row(
    'missed / strays',
    c((s) => `${s.ledger.missed} / ${s.ledger.strays}`),
  );
  const k = (pick: (s: Crash) => string) => (r: BackendResult) => (r.crash ? pick(r.crash) : '–');
  row(
    'CRASH: recipients; received at SIGKILL',
    k((s) => `${s.recipients}; ${s.receivedBeforeKill}`),
  );
  row(
    'restart ready in; → first text; kill → all',
    k(
      (s) =>
        `${fmt(s.restartSeconds, 1, ' s')}; ${fmt(s.resumeSeconds, 1, ' s')}; ${fmt(s.killToAllSeconds, 1, ' s')}${s.complete ? '' : ' (INCOMPLETE)'}`,
    ),
  );
  row(
    'missed (ledger, never received)',
    k((s) => String(s.ledger.missed)),
  );
  row(
    'duplicates: texts / numbers (in flight)',
    k((s) => `${s.extraTexts} / ${s.numbersTwice} (${s.inFlight})`),
  );
  row(
    'ledger after',
    k((s) => JSON.stringify(s.ledger.statuses)),
  );

  const header: [string, ...string[]] = ['', ...results.map((r) => r.prepared.label)];
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}`);
  for (const r of rows) console.log(line(r));

  for (const pg of results) {
    const verdicts: string[] = [];
    if (pg.uncapped)
      verdicts.push(
        `≥ 2,000 texts/s uncapped: ${pg.uncapped.perSecond >= 2000 ? 'met' : 'NOT met'} (${fmt(pg.uncapped.perSecond)}/s)`,
      );
    if (pg.crash) {
      verdicts.push(
        `0 missed after SIGKILL: ${pg.crash.ledger.missed === 0 && pg.crash.complete ? 'met' : 'NOT met'} (${pg.crash.ledger.missed})`,
      );
      verdicts.push(
        `duplicates ≤ in flight: ${pg.crash.extraTexts <= pg.crash.inFlight ? 'met' : 'NOT met'} (${pg.crash.extraTexts} ≤ ${pg.crash.inFlight})`,
      );
    }
    const scale =
      SUBSCRIBERS < 100_000 ? ' (the targets are for 100,000 subscribers; this run is smaller)' : '';
    console.log(`\n${pg.prepared.label} targets${scale}: ${verdicts.join('; ')}`);
  }
}

// ---- main -------------------------------------------------------------------------------------------------

const results: BackendResult[] = [];
try {
  if (args.backend !== 'postgres') results.push(await measure('embedded'));
  if (args.backend !== 'embedded') {
    if (BENCH_DATABASE_URL) {
      const database = await freshPostgres(BENCH_DATABASE_URL);
      cleanups.push(() => database.drop());
      results.push(await measure('PostgreSQL', database.url));
    } else {
      console.log('PostgreSQL: skipped (set AMPARO_BENCH_DATABASE_URL)');
    }
  }
  printTable(results);
} finally {
  await cleanUp();
}
