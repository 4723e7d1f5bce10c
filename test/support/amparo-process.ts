// Amparo as a real process, for tests and benches that need one (a crash under load, start-up time,
// throughput): start it on a free port, wait until it is ready, and talk to its public form over HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readEmbeddedState } from '../../src/db/embedded-postgres.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');

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

/**
 * A fresh directory for an Amparo's files (data directory, key files). As root, the embedded server runs as an
 * unprivileged user, who must be able to pass through it: a temporary directory is made 0700, so it is opened.
 */
export async function makeAmparoHome(prefix = 'amparo-bench-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

export interface RunningAmparo {
  port: number;
  baseUrl: string;
  /** The AMPARO_DATA_DIR the process was given. */
  dataDir: string;
  /** Its AMPARO_DATABASE_PASSWORD_FILE (the embedded server's password). */
  databasePasswordFile: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the first 200 from /healthz. */
  readyMs: number;
  /** The node process serving (npm start's child when started through npm). */
  serverPid(): Promise<number>;
  stop(): Promise<void>;
  /**
   * After stop (or a kill): stops an embedded server still running on the data directory (one left behind by
   * a killed Amparo) and deletes the directory made for this process.
   */
  cleanUp(): Promise<void>;
}

export interface StartOptions {
  databaseUrl?: string | undefined;
  dataDir?: string;
  viaNpm?: boolean;
  env?: Record<string, string>;
  /**
   * Which amparo command runs (default start). A worker serves no HTTP: it is ready when it logs "ready",
   * so it runs at log level info at least; its warnings and errors are passed on to stderr.
   */
  command?: 'start' | 'serve' | 'worker';
  /** Keep the process's stdout readable as child.stdout (what a service manager would write to its log). */
  captureStdout?: boolean;
}

export async function startAmparo(options: StartOptions = {}): Promise<RunningAmparo> {
  const port = await freePort();
  const madeDir = options.dataDir ? undefined : await makeAmparoHome();
  const dataDir = options.dataDir ?? madeDir!;
  const env = {
    ...process.env,
    AMPARO_PORT: String(port),
    AMPARO_HOST: '127.0.0.1',
    AMPARO_DATA_DIR: path.join(dataDir, 'data'),
    AMPARO_MASTER_KEY_FILE: path.join(dataDir, 'master.key'),
    AMPARO_DATABASE_PASSWORD_FILE: path.join(dataDir, 'database-password'),
    AMPARO_CASE_KEYS_DIR: path.join(dataDir, 'case-keys'),
    // Beside the data directory, never in it (whichever data directory the test chose).
    AMPARO_AUDIT_ANCHOR_FILE: `${options.env?.AMPARO_DATA_DIR ?? path.join(dataDir, 'data')}-audit-anchors`,
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
    : spawn(path.join(ROOT, 'node_modules/.bin/node'), ['src/cli/main.ts', options.command ?? 'start'], {
        cwd: ROOT,
        env: options.command === 'worker' ? { ...env, AMPARO_LOG_LEVEL: workerLogLevel(env) } : env,
        stdio: [
          'ignore',
          options.command === 'worker' || options.captureStdout ? 'pipe' : 'ignore',
          'inherit',
        ],
        detached: true,
      });
  const baseUrl = `http://127.0.0.1:${port}`;
  if (options.command === 'worker') await waitForReadyLine(child);
  for (;;) {
    if (options.command === 'worker') break;
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
    dataDir: env.AMPARO_DATA_DIR,
    databasePasswordFile: env.AMPARO_DATABASE_PASSWORD_FILE,
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
    cleanUp: async () => {
      const server = await readEmbeddedState(env.AMPARO_DATA_DIR);
      if (server) {
        process.kill(server.pid, 'SIGQUIT');
        for (let waited = 0; waited < 30_000 && isAlive(server.pid); waited += 50) {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      if (madeDir) await rm(madeDir, { recursive: true, force: true });
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A worker must log at info or lower for its "ready" line to appear. */
function workerLogLevel(env: NodeJS.ProcessEnv): string {
  const level = env.AMPARO_LOG_LEVEL ?? 'info';
  return ['trace', 'debug', 'info'].includes(level) ? level : 'info';
}

/**
 * Reads the worker's log until its "ready" line, and keeps reading it so the pipe never fills: warnings
 * and errors are passed on to stderr, the rest dropped.
 */
async function waitForReadyLine(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    let ready = false;
    const timer = setTimeout(() => reject(new Error('Amparo worker was not ready within 120 s')), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`Amparo worker exited with ${code} before it was ready`));
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        // Warnings and errors still show, as they would at the default level.
        if (/"level":[456]0\b/.test(line)) process.stderr.write(`${line}\n`);
        if (!ready && /"msg":"ready"/.test(line)) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      }
    });
  });
}

async function findNodeDescendant(pid: number): Promise<number> {
  const queue = [pid];
  while (queue.length) {
    const current = queue.shift()!;
    // Amparo's own process, whatever its thread is called (Node 24 names it MainThread): node running
    // src/cli/main.ts, not npm or the shell in between.
    const [program = '', ...args] = (
      await readFile(`/proc/${current}/cmdline`, 'utf8').catch(() => '')
    ).split('\0');
    if (current !== pid && path.basename(program) === 'node' && args.includes('src/cli/main.ts'))
      return current;
    for (const task of await readdir(`/proc/${current}/task`).catch(() => [] as string[])) {
      const children = await readFile(`/proc/${current}/task/${task}/children`, 'utf8').catch(() => '');
      queue.push(...children.split(' ').filter(Boolean).map(Number));
    }
  }
  return pid;
}

export interface PublicForm {
  cookie: string;
  csrf: string;
}

/** Opens the public report form as a browser would: its form-binding cookie and anti-forgery token. */
export async function openPublicForm(baseUrl: string): Promise<PublicForm> {
  const res = await fetch(`${baseUrl}/report`, { headers: { accept: 'text/html' } });
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.includes('amparo_form='))!
    .split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  return { cookie, csrf };
}

/** A complete, valid report as the form posts it (multipart). */
export function reportFormData(csrf: string, i: number): FormData {
  const form = new FormData();
  form.append('_csrf', csrf);
  form.append('activity', 'detaining');
  form.append('location', `Corner of ${i % 90}th Street and Kedzie Avenue`);
  form.append('zip', '60623');
  form.append('seen_when', 'now');
  form.append('agents_count', '4');
  form.append('vehicles_count', '2');
  form.append('uniform', 'Vests: POLICE ICE');
  form.append('agency', 'ice');
  form.append('source', 'saw');
  form.append('details', 'Two unmarked SUVs, agents questioning people at the bus stop.');
  return form;
}

/** Submits one report; the reference code when it was acknowledged (303), undefined otherwise. */
export async function submitReport(
  baseUrl: string,
  form: PublicForm,
  i: number,
): Promise<string | undefined> {
  const res = await fetch(`${baseUrl}/report`, {
    method: 'POST',
    body: reportFormData(form.csrf, i),
    headers: { cookie: form.cookie, accept: 'text/html' },
    redirect: 'manual',
  });
  await res.arrayBuffer();
  return res.status === 303
    ? (new URL(res.headers.get('location') ?? '', 'http://amparo.test').searchParams.get('ref') ?? undefined)
    : undefined;
}
