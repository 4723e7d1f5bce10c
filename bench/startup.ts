// Time from `npm start` to ready (first /healthz 200) on the embedded default, first start (empty data
// directory: initdb, migrations, pg-boss's schema) and restart; and memory at idle, Amparo plus its database:
// the proportional set size (PSS: shared pages counted once, split between the processes sharing them) of the
// Amparo process and every process of its PostgreSQL server, and the Amparo process's resident set.
// Run: node bench/startup.ts [runs=3]
//      (PostgreSQL figures for the Amparo process alone need AMPARO_BENCH_DATABASE_URL or AMPARO_TEST_DATABASE_URL)
import { readdir, readFile } from 'node:fs/promises';
import { readEmbeddedState } from '../src/db/embedded-postgres.ts';
import { BENCH_DATABASE_URL, freshPostgres, makeAmparoHome, residentMiB, startAmparo } from './support.ts';

const IDLE_SETTLE_MS = 10_000;
const RUNS = Number(process.argv[2] ?? 3);

async function pssMiB(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  return Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) / 1024;
}

/** The server process and its children (checkpointer, writers, one per connection). */
async function serverProcesses(postmaster: number): Promise<number[]> {
  const pids = [postmaster];
  for (const task of await readdir(`/proc/${postmaster}/task`).catch(() => [] as string[])) {
    const children = await readFile(`/proc/${postmaster}/task/${task}/children`, 'utf8').catch(() => '');
    pids.push(...children.split(' ').filter(Boolean).map(Number));
  }
  return pids;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');

const first: number[] = [];
const restart: number[] = [];
const idle: { amparoPss: number; amparoRss: number; databasePss: number; databaseProcesses: number }[] = [];
for (let i = 0; i < RUNS; i++) {
  const dir = await makeAmparoHome();
  let running = await startAmparo({ dataDir: dir, viaNpm: true });
  first.push(running.readyMs);
  await running.stop();
  running = await startAmparo({ dataDir: dir, viaNpm: true });
  restart.push(running.readyMs);
  await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
  const amparo = await running.serverPid();
  const state = await readEmbeddedState(running.dataDir);
  const database = state ? await serverProcesses(state.pid) : [];
  const databasePss = (await Promise.all(database.map(pssMiB))).reduce((a, b) => a + b, 0);
  idle.push({
    amparoPss: await pssMiB(amparo),
    amparoRss: await residentMiB(amparo),
    databasePss,
    databaseProcesses: database.length,
  });
  await running.stop();
  await running.cleanUp();
}

console.log(
  `npm start → ready, embedded, first start (empty data directory): median ${median(first).toFixed(0)} ms of ${RUNS} (${list(first)})`,
);
console.log(
  `npm start → ready, embedded, restart: median ${median(restart).toFixed(0)} ms of ${RUNS} (${list(restart)})`,
);
const totals = idle.map((m) => m.amparoPss + m.databasePss);
console.log(
  `idle memory ${IDLE_SETTLE_MS / 1000} s after a restart, Amparo + its database (PSS): median ${median(totals).toFixed(0)} MiB ` +
    `(${idle.map((m) => `${m.amparoPss.toFixed(0)} + ${m.databasePss.toFixed(0)} in ${m.databaseProcesses} processes`).join('; ')}); ` +
    `Amparo's resident set ${list(idle.map((m) => m.amparoRss))} MiB`,
);

if (BENCH_DATABASE_URL) {
  const database = await freshPostgres(BENCH_DATABASE_URL);
  try {
    const running = await startAmparo({ databaseUrl: database.url });
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    const pid = await running.serverPid();
    console.log(
      `PostgreSQL by URL: ready in ${running.readyMs.toFixed(0)} ms; Amparo process alone at idle ${(await pssMiB(pid)).toFixed(0)} MiB PSS, ${(await residentMiB(pid)).toFixed(0)} MiB resident`,
    );
    await running.stop();
    await running.cleanUp();
  } finally {
    await database.drop();
  }
} else {
  console.log('PostgreSQL by URL: skipped (set AMPARO_BENCH_DATABASE_URL)');
}
