// Test fixtures: a real database per test (embedded PGlite always; PostgreSQL too when
// AMPARO_TEST_DATABASE_URL is set), a fresh random master key, captured log lines, and a movable clock.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { closeContext, createContext } from '../../src/app/bootstrap.ts';
import type { AppContext, Clock } from '../../src/app/context.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Backend } from '../../src/db/database.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/http/logging.ts';
import { loadModules } from '../../src/modules/index.ts';

export const TEST_DATABASE_URL = process.env.AMPARO_TEST_DATABASE_URL || undefined;

/** The backends integration tests run on: always embedded, and PostgreSQL when configured. */
export function backends(): Backend[] {
  return TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export class TestClock implements Clock {
  #now: number;
  constructor(start = Date.now()) {
    this.#now = start;
  }
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

/** Collects every log line the app writes, so tests can assert what never appears in them. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface TestContext {
  context: AppContext;
  logs: LogCapture;
  clock: TestClock;
  /** The PostgreSQL URL of this test's own database (postgres backend only). */
  databaseUrl: string | undefined;
  close(): Promise<void>;
}

export interface TestContextOptions {
  env?: Record<string, string>;
  clock?: TestClock;
}

async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  const name = `amparo_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export async function createTestContext(
  backend: Backend,
  options: TestContextOptions = {},
): Promise<TestContext> {
  const postgres = backend === 'postgres' ? await createPostgresDatabase() : undefined;
  // Case data keys live in files outside the database; each test context gets its own directory.
  const caseKeysDir = await mkdtemp(path.join(tmpdir(), 'amparo-test-case-keys-'));
  const config = loadConfig({
    AMPARO_MASTER_KEY: randomBytes(32).toString('base64'),
    AMPARO_CASE_KEYS_DIR: caseKeysDir,
    AMPARO_LOG_LEVEL: 'info',
    AMPARO_HOTLINE_NUMBER: '+1 555 010 0199',
    ...(postgres ? { AMPARO_DATABASE_URL: postgres.url } : {}),
    ...options.env,
  });
  const logs = new LogCapture();
  const clock = options.clock ?? new TestClock();
  const context = await createContext({
    config,
    logger: createLogger('info', logs),
    clock,
    pgliteDataDir: 'memory://',
  });
  return {
    context,
    logs,
    clock,
    databaseUrl: postgres?.url,
    close: async () => {
      await closeContext(context);
      await postgres?.drop();
      await rm(caseKeysDir, { recursive: true, force: true });
    },
  };
}

export interface TestApp extends TestContext {
  app: FastifyInstance;
}

/** A full app over a real database, with every module's routes and jobs registered (jobs run when work=true). */
export async function createTestApp(
  backend: Backend,
  options: TestContextOptions & { work?: boolean } = {},
): Promise<TestApp> {
  const test = await createTestContext(backend, options);
  const modules = await loadModules();
  modules.registerJobs(test.context);
  await test.context.jobs.start({ work: options.work ?? false, pollingIntervalSeconds: 0.5 });
  const app = await buildApp(test.context, {
    modules: modules.http,
    principals: modules.principalsFor(test.context),
  });
  await app.ready();
  return {
    ...test,
    app,
    close: async () => {
      await app.close();
      await test.close();
    },
  };
}
