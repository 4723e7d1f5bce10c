// Report submissions per second and latency (p50/p99) through the real public form: multipart POST /report
// with its anti-forgery token, on the embedded database and on PostgreSQL, against a separate Amparo process.
// Each submission commits the report, its NOTIFY and its expiry job in one transaction before the 303.
// Run: node bench/reports.ts [count=2000] [concurrency=16]
//      (PostgreSQL figures need AMPARO_BENCH_DATABASE_URL or AMPARO_TEST_DATABASE_URL)
// The client shares the machine's 2 cores with the server: compare the two backends within one run.
import {
  BENCH_DATABASE_URL,
  freshPostgres,
  openPublicForm,
  quantile,
  startAmparo,
  submitReport,
  type RunningAmparo,
} from './support.ts';

const COUNT = Number(process.argv[2] ?? 2000);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const WARMUP = 100;

async function submitAll(running: RunningAmparo, count: number): Promise<number[]> {
  const form = await openPublicForm(running.baseUrl);
  const latencies: number[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count) {
      const i = next++;
      const started = performance.now();
      const reference = await submitReport(running.baseUrl, form, i);
      if (!reference) throw new Error(`submission ${i} was not acknowledged`);
      latencies.push(performance.now() - started);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return latencies;
}

async function measure(label: string, databaseUrl?: string): Promise<void> {
  const running = await startAmparo({ databaseUrl, env: { AMPARO_PUBLIC_RATE_LIMIT: '100000' } });
  try {
    await submitAll(running, WARMUP);
    const started = performance.now();
    const latencies = await submitAll(running, COUNT);
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(
      `${label}: ${COUNT} reports at concurrency ${CONCURRENCY} in ${seconds.toFixed(1)} s = ` +
        `${(COUNT / seconds).toFixed(0)} reports/s; latency p50 ${quantile(latencies, 0.5).toFixed(1)} ms, ` +
        `p99 ${quantile(latencies, 0.99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
  } finally {
    await running.stop();
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
