// Time from `npm start` to ready (first /healthz 200) on the embedded database, first start and restart, and
// resident memory at idle on embedded and PostgreSQL.
// Run: node bench/startup.ts   (PostgreSQL figures need AMPARO_BENCH_DATABASE_URL or AMPARO_TEST_DATABASE_URL)
import { BENCH_DATABASE_URL, freshPostgres, makeAmparoHome, residentMiB, startAmparo } from './support.ts';

const IDLE_SETTLE_MS = 10_000;
const RUNS = 3;

async function idleRss(
  options: Parameters<typeof startAmparo>[0],
): Promise<{ readyMs: number; rssMiB: number }> {
  const running = await startAmparo(options);
  try {
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    return { readyMs: running.readyMs, rssMiB: await residentMiB(await running.serverPid()) };
  } finally {
    await running.stop();
  }
}

const first: number[] = [];
const restart: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const dataDir = await makeAmparoHome('amparo-bench-');
  let running = await startAmparo({ dataDir, viaNpm: true });
  first.push(running.readyMs);
  await running.stop();
  running = await startAmparo({ dataDir, viaNpm: true });
  restart.push(running.readyMs);
  await running.stop();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `npm start → ready, embedded, first start (empty data dir): median ${median(first).toFixed(0)} ms of ${RUNS} (${first.map((x) => x.toFixed(0)).join(', ')})`,
);
console.log(
  `npm start → ready, embedded, restart: median ${median(restart).toFixed(0)} ms of ${RUNS} (${restart.map((x) => x.toFixed(0)).join(', ')})`,
);

const embedded = await idleRss({});
console.log(
  `resident memory at idle (${IDLE_SETTLE_MS / 1000} s after ready), embedded: ${embedded.rssMiB.toFixed(1)} MiB`,
);
if (BENCH_DATABASE_URL) {
  const database = await freshPostgres(BENCH_DATABASE_URL);
  try {
    const postgres = await idleRss({ databaseUrl: database.url });
    console.log(
      `resident memory at idle (${IDLE_SETTLE_MS / 1000} s after ready), PostgreSQL: ${postgres.rssMiB.toFixed(1)} MiB (Amparo process only; ready in ${postgres.readyMs.toFixed(0)} ms)`,
    );
  } finally {
    await database.drop();
  }
} else {
  console.log('PostgreSQL: skipped (set AMPARO_BENCH_DATABASE_URL)');
}
