// Shared by the bench scripts: start Amparo as a real process on a free port and wait until it is ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const ROOT = path.resolve(import.meta.dirname, '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface RunningAmparo {
  port: number;
  baseUrl: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the first 200 from /healthz. */
  readyMs: number;
  /** The node process serving (npm start's child when started through npm). */
  serverPid(): Promise<number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  databaseUrl?: string | undefined;
  dataDir?: string;
  viaNpm?: boolean;
  env?: Record<string, string>;
}

export async function startAmparo(options: StartOptions = {}): Promise<RunningAmparo> {
  const port = await freePort();
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'amparo-bench-')));
  const env = {
    ...process.env,
    AMPARO_PORT: String(port),
    AMPARO_HOST: '127.0.0.1',
    AMPARO_DATA_DIR: path.join(dataDir, 'data'),
    AMPARO_MASTER_KEY_FILE: path.join(dataDir, 'master.key'),
    AMPARO_LOG_LEVEL: 'warn',
    ...(options.databaseUrl
      ? { AMPARO_DATABASE_URL: options.databaseUrl, AMPARO_MASTER_KEY: randomBytes(32).toString('base64') }
      : {}),
    ...options.env,
  };
  const started = performance.now();
  const child = options.viaNpm
    ? // Its own process group: npm does not pass SIGTERM on to the script it runs, so stop() signals the group.
      spawn('npm', ['start', '--silent'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
        detached: true,
      })
    : spawn(path.join(ROOT, 'node_modules/.bin/node'), ['src/cli/main.ts', 'start'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
        detached: true,
      });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Amparo exited with ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 120_000) throw new Error('Amparo was not ready within 120 s');
    await new Promise((r) => setTimeout(r, 25));
  }
  const readyMs = performance.now() - started;
  return {
    port,
    baseUrl,
    child,
    readyMs,
    serverPid: async () => (options.viaNpm ? findNodeDescendant(child.pid!) : child.pid!),
    stop: async () => {
      const server = options.viaNpm ? await findNodeDescendant(child.pid!) : child.pid!;
      process.kill(-child.pid!, 'SIGTERM');
      // Wait for the serving process itself to be gone, so the next run starts on a quiet machine.
      for (let waited = 0; waited < 30_000; waited += 50) {
        try {
          process.kill(server, 0);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      process.kill(-child.pid!, 'SIGKILL');
    },
  };
}

async function findNodeDescendant(pid: number): Promise<number> {
  const queue = [pid];
  while (queue.length) {
    const current = queue.shift()!;
    const comm = (await readFile(`/proc/${current}/comm`, 'utf8').catch(() => '')).trim();
    if (comm === 'node' && current !== pid) return current;
    for (const task of await readdir(`/proc/${current}/task`).catch(() => [] as string[])) {
      const children = await readFile(`/proc/${current}/task/${task}/children`, 'utf8').catch(() => '');
      queue.push(...children.split(' ').filter(Boolean).map(Number));
    }
  }
  return pid;
}

export async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** A fresh PostgreSQL database for one bench run, dropped afterwards. */
export async function freshPostgres(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `amparo_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export const BENCH_DATABASE_URL =
  process.env.AMPARO_BENCH_DATABASE_URL || process.env.AMPARO_TEST_DATABASE_URL;

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
