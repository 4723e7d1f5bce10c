// Test fixtures: a real PostgreSQL database per test (a copy of the migrated template, see
// test-database.ts), a fresh random master key, captured log lines, and a movable clock.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { closeContext, createContext } from '../../src/app/bootstrap.ts';
import type { AppContext, Clock } from '../../src/app/context.ts';
import { loadConfig } from '../../src/config/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/http/logging.ts';
import { loadModules } from '../../src/modules/index.ts';
import { createTestDatabase } from './test-database.ts';

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
  /** The PostgreSQL URL of this test's own database. */
  databaseUrl: string;
  close(): Promise<void>;
}

export interface TestContextOptions {
  env?: Record<string, string>;
  clock?: TestClock;
}

export async function createTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const database = await createTestDatabase();
  // Case data keys live in files outside the database; each test context gets its own directory.
  const caseKeysDir = await mkdtemp(path.join(tmpdir(), 'amparo-test-case-keys-'));
  const anchorDir = await mkdtemp(path.join(tmpdir(), 'amparo-test-audit-anchors-'));
  const config = loadConfig({
    AMPARO_MASTER_KEY: randomBytes(32).toString('base64'),
    AMPARO_CASE_KEYS_DIR: caseKeysDir,
    AMPARO_AUDIT_ANCHOR_FILE: path.join(anchorDir, 'audit-anchors'),
    AMPARO_LOG_LEVEL: 'info',
    AMPARO_HOTLINE_NUMBER: '+1 555 010 0199',
    AMPARO_DATABASE_URL: database.url,
    ...options.env,
  });
  const logs = new LogCapture();
  const clock = options.clock ?? new TestClock();
  const context = await createContext({
    config,
    logger: createLogger('info', logs),
    clock,
  });
  return {
    context,
    logs,
    clock,
    databaseUrl: database.url,
    close: async () => {
      await closeContext(context);
      await database.drop();
      await rm(caseKeysDir, { recursive: true, force: true });
      await rm(anchorDir, { recursive: true, force: true });
    },
  };
}

export interface TestApp extends TestContext {
  app: FastifyInstance;
}

/** A full app over a real database, with every module's routes and jobs registered (jobs run when work=true). */
export async function createTestApp(options: TestContextOptions & { work?: boolean } = {}): Promise<TestApp> {
  const test = await createTestContext(options);
  const modules = await loadModules();
  modules.registerJobs(test.context);
  await test.context.jobs.start({ work: options.work ?? false, pollingIntervalSeconds: 0.5 });
  const app = await buildApp(test.context, {
    modules: modules.http,
    principals: modules.principalsFor(test.context),
    navigation: modules.navigation,
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
