// The PostgreSQL server the tests run on, and a database per test cloned from a migrated template.
//
// `npm test` (through test/support/global-setup.ts) starts one embedded PostgreSQL server for the whole run,
// exactly as `npm start` would, unless AMPARO_TEST_DATABASE_URL names a server (CI's Debian PostgreSQL). The
// template holds the migrated schema and pg-boss's queues; a test's database is a copy of it, which takes a
// fraction of the time migrating would.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import {
  embeddedConnectionUrl,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../src/db/embedded-postgres.ts';

export const TEST_DATABASE_URL_VARIABLE = 'AMPARO_TEST_DATABASE_URL';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The server tests create their databases on; set by the global setup or by whoever runs the tests. */
export function testServerUrl(): string {
  const url = process.env[TEST_DATABASE_URL_VARIABLE];
  if (!url) {
    throw new Error(
      `No test database server: run the tests through \`npm test\` (or \`npm run test:file -- <file>\`), ` +
        `which start one, or set ${TEST_DATABASE_URL_VARIABLE} to a PostgreSQL server.`,
    );
  }
  return url;
}

/** A URL for another database on the same server (the query string, e.g. a socket directory, is kept). */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.href;
}

export interface TestServer {
  url: string;
  stop(): Promise<void>;
}

/** A throwaway embedded server in a temporary directory, as `npm start` runs one. */
export async function startTestServer(): Promise<TestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amparo-test-server-'));
  // As root, the server runs as an unprivileged user, who must be able to reach the directory.
  await chmod(dir, 0o755);
  let server: EmbeddedPostgres;
  try {
    server = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'data'),
      passwordFile: path.join(dir, 'password'),
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    // The maintenance database: tests create and drop their own beside it.
    url: embeddedConnectionUrl(server.connection, 'postgres'),
    stop: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The name of the template for this checkout's migrations and pg-boss version: a server kept between runs
 * (a developer's) gets a new template when either changes, never a stale one.
 */
async function templateName(): Promise<string> {
  const hash = createHash('sha256');
  const migrationsDir = path.join(ROOT, 'src/db/migrations');
  for (const file of (await readdir(migrationsDir)).sort()) {
    hash.update(file).update(await readFile(path.join(migrationsDir, file)));
  }
  const bossPackage = JSON.parse(
    await readFile(path.join(ROOT, 'node_modules/pg-boss/package.json'), 'utf8'),
  ) as { version: string };
  hash.update(bossPackage.version);
  return `amparo_template_${hash.digest('hex').slice(0, 16)}`;
}

async function withAdmin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

let knownTemplate: Promise<string> | undefined;

/**
 * The migrated template, made once per server and set of migrations. Concurrent test processes wait on an
 * advisory lock for the one that builds it.
 */
export function ensureTemplate(serverUrl: string = testServerUrl()): Promise<string> {
  knownTemplate ??= (async () => {
    const name = await templateName();
    await withAdmin(serverUrl, async (admin) => {
      await admin.query('select pg_advisory_lock(hashtext($1))', [name]);
      try {
        const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
        if (!rowCount) await buildTemplate(admin, serverUrl, name);
      } finally {
        await admin.query('select pg_advisory_unlock(hashtext($1))', [name]);
      }
    });
    return name;
  })().catch((error: unknown) => {
    knownTemplate = undefined;
    throw error;
  });
  return knownTemplate;
}

async function buildTemplate(admin: pg.Client, serverUrl: string, name: string): Promise<void> {
  // Built under another name and renamed when complete: a run that dies half-way leaves no broken template.
  const building = `${name}_building_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${building}`);
  try {
    // Imported here: the global setup process loads the app only when it has a template to build.
    const [
      { migrateToLatest },
      { openDatabase },
      { Jobs },
      { loadModules },
      { loadConfig },
      { createSecrets },
    ] = await Promise.all([
      import('../../src/db/migrator.ts'),
      import('../../src/db/database.ts'),
      import('../../src/jobs/jobs.ts'),
      import('../../src/modules/index.ts'),
      import('../../src/config/config.ts'),
      import('../../src/crypto/secrets.ts'),
    ]);
    const database = await openDatabase({ databaseUrl: databaseUrl(serverUrl, building), poolSize: 2 });
    try {
      await migrateToLatest(database.db);
      // Every module's queues, so that a test's jobs.start() finds them instead of creating ~30 queues.
      const config = loadConfig({ AMPARO_MASTER_KEY: randomBytes(32).toString('base64') });
      const jobs = new Jobs(database);
      const modules = await loadModules();
      modules.registerJobs({
        config,
        database,
        db: database.db,
        jobs,
        logger: pino({ level: 'silent' }),
        clock: { now: () => new Date() },
        secrets: createSecrets(new Map([[1, randomBytes(32)]])),
      });
      await jobs.start({ work: false });
      await jobs.stop();
    } finally {
      await database.close();
    }
    await admin.query(`alter database ${building} rename to ${name}`);
    await admin.query(`alter database ${name} with is_template true allow_connections false`);
  } catch (error) {
    await admin.query(`drop database if exists ${building} with (force)`);
    throw error;
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A database of the test's own, a copy of the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const template = await ensureTemplate(serverUrl);
  const name = `amparo_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await withAdmin(serverUrl, (admin) => admin.query(`create database ${name} template ${template}`));
  return {
    url: databaseUrl(serverUrl, name),
    drop: () =>
      withAdmin(serverUrl, async (admin) => {
        await admin.query(`drop database if exists ${name} with (force)`);
      }),
  };
}

/** An empty database (no schema) for tests of migrations themselves. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const name = `amparo_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await withAdmin(serverUrl, (admin) => admin.query(`create database ${name}`));
  return {
    url: databaseUrl(serverUrl, name),
    drop: () =>
      withAdmin(serverUrl, async (admin) => {
        await admin.query(`drop database if exists ${name} with (force)`);
      }),
  };
}

/**
 * What someone holding a copy of the server's disk would have of one database: the files of its tables and
 * indexes and the write-ahead log (which also holds rows since deleted or updated), after a checkpoint has
 * written everything out. Undefined when this process cannot read the server's files (a server of another
 * user, on another machine).
 */
export async function readDatabaseFiles(url: string): Promise<Buffer | undefined> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  let dataDirectory: string;
  let oid: string;
  try {
    await client.query('checkpoint');
    const { rows } = await client.query<{ dir: string; oid: string }>(
      `select current_setting('data_directory') as dir,
              (select oid::text from pg_database where datname = current_database()) as oid`,
    );
    dataDirectory = rows[0]!.dir;
    oid = rows[0]!.oid;
  } finally {
    await client.end();
  }
  const chunks: Buffer[] = [];
  try {
    for (const dir of [path.join(dataDirectory, 'base', oid), path.join(dataDirectory, 'pg_wal')]) {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isFile()) chunks.push(await readFile(path.join(dir, entry.name)));
      }
    }
  } catch (error) {
    if (['EACCES', 'ENOENT', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
  return Buffer.concat(chunks);
}
