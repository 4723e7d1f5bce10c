// Moving the embedded database of earlier Amparo releases (PGlite, PostgreSQL compiled to WebAssembly, in
// AMPARO_DATA_DIR/pglite) into the embedded PostgreSQL server, once. The same logical copy as a backup is read
// from PGlite and loaded into PostgreSQL; the PGlite directory is then renamed, never deleted, so the
// operator decides when the old copy goes. PGlite is loaded only here, and only when there is one to move.
import { rename, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { PgBoss, type Db as IDatabase } from 'pg-boss';
import { replaceDatabase } from './database-replace.ts';
import {
  dumpDatabase,
  DumpError,
  installedPgBossSchemaVersion,
  loadDump,
  quoteIdentifier,
  type LoadSummary,
  type SqlSession,
} from './logical-dump.ts';

export const PGLITE_DIR_NAME = 'pglite';

/** The PGlite directory inside AMPARO_DATA_DIR, when an earlier release left one there. */
export async function findPgliteDirectory(dataDir: string): Promise<string | undefined> {
  const directory = path.join(dataDir, PGLITE_DIR_NAME);
  try {
    // PGlite keeps a PostgreSQL data directory: PG_VERSION marks one that was initialised.
    await stat(path.join(directory, 'PG_VERSION'));
    return directory;
  } catch {
    return undefined;
  }
}

interface PgliteHandle {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  exec(sql: string): Promise<{ rows: unknown[] }[]>;
  close(): Promise<void>;
}

async function openPglite(directory: string): Promise<PgliteHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  return PGlite.create(directory);
}

function pgliteSession(pglite: PgliteHandle): SqlSession {
  return {
    query: async <Row extends object>(sql: string, params?: readonly unknown[]) =>
      (await pglite.query(sql, params ? [...params] : undefined)).rows as Row[],
  };
}

/**
 * pg-boss's schema in a directory from an older release is brought to this release's version first, in
 * place, as starting that release's successor on it would have: a copy loads only at the installed version.
 */
async function upgradePgBossSchema(pglite: PgliteHandle): Promise<void> {
  const session = pgliteSession(pglite);
  const [present] = await session.query(`select to_regclass('pgboss.version') is not null as present`);
  if (present?.present !== true) return;
  const [row] = await session.query(`select max(version)::int as version from pgboss.version`);
  const version = Number(row?.version);
  const installed = installedPgBossSchemaVersion();
  if (version === installed) return;
  if (version > installed) {
    throw new DumpError(
      `The embedded database has pg-boss's job schema version ${version}, newer than this Amparo's ` +
        `(${installed}). Move it with the Amparo release that last ran on it.`,
    );
  }
  const db: IDatabase = {
    executeSql: async (text, values) => {
      if (values === undefined || values.length === 0) {
        return { rows: (await pglite.exec(text)).flatMap((result) => result.rows) };
      }
      return { rows: (await pglite.query(text, values)).rows };
    },
  };
  const boss = new PgBoss({
    db,
    backend: 'pglite',
    schema: 'pgboss',
    migrate: true,
    supervise: false,
    schedule: false,
  });
  boss.on('error', () => {});
  await boss.start();
  await boss.stop({ graceful: false, timeout: 1000 });
}

/** Copies a PGlite directory into an existing, empty PostgreSQL database (superuser connection). */
export async function copyPgliteInto(options: {
  pgliteDir: string;
  connectionString: string;
}): Promise<LoadSummary> {
  const pglite = await openPglite(options.pgliteDir);
  try {
    await upgradePgBossSchema(pglite);
    return await loadDump({
      connectionString: options.connectionString,
      lines: dumpDatabase(pgliteSession(pglite)),
    });
  } finally {
    await pglite.close();
  }
}

/** Renames the moved directory to `pglite.migrated-<UTC time>` beside it, and returns the new path. */
export async function retirePgliteDirectory(pgliteDir: string, now: Date = new Date()): Promise<string> {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, 'Z');
  const retired = `${pgliteDir}.migrated-${stamp}`;
  await rename(pgliteDir, retired);
  return retired;
}

/**
 * Tables a first start writes before anyone uses Amparo (the one-time setup link and its audit entry); any row
 * elsewhere means the PostgreSQL database has been used, and the old data must not replace it.
 */
const FIRST_START_TABLES = new Set([
  'amparo_migrations',
  'amparo_migrations_lock',
  'audit_log',
  'audit_head',
  'invites',
]);

async function refuseIfUsed(
  live: { exists: boolean; connectionString: string },
  databaseName: string,
): Promise<void> {
  if (!live.exists) return;
  const client = new pg.Client({ connectionString: live.connectionString });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r'`,
    );
    for (const { name } of tables) {
      const used = FIRST_START_TABLES.has(name)
        ? name === 'audit_log' &&
          (await client.query(`select 1 from audit_log where action <> 'user.setup_link_created' limit 1`))
            .rows.length > 0
        : (await client.query(`select 1 from public.${quoteIdentifier(name)} limit 1`)).rows.length > 0;
      if (used) {
        throw new DumpError(
          `The PostgreSQL database ${databaseName} already holds Amparo data, so the old embedded database ` +
            'was not moved into it. Nothing was changed.',
        );
      }
    }
  } finally {
    await client.end().catch(() => {});
  }
}

export interface MigrateEmbeddedOptions {
  pgliteDir: string;
  /** A superuser's connection to another database on the embedded server (e.g. "postgres"). */
  adminConnectionString: string;
  /** The database Amparo runs on: absent, or created by a first start but never used. */
  databaseName: string;
  now?: Date;
}

export interface MigrateEmbeddedResult extends LoadSummary {
  /** Where the PGlite directory now is. */
  retiredTo: string;
}

/**
 * `amparo migrate-embedded`: copies the PGlite directory into a scratch database, swaps it in for the live one
 * (which must be absent or unused), then renames the PGlite directory. Amparo must be stopped.
 */
export async function migrateEmbeddedDatabase(
  options: MigrateEmbeddedOptions,
): Promise<MigrateEmbeddedResult> {
  let summary: LoadSummary | undefined;
  await replaceDatabase({
    adminConnectionString: options.adminConnectionString,
    databaseName: options.databaseName,
    previous: 'drop',
    check: (live) => refuseIfUsed(live, options.databaseName),
    load: async (connectionString) => {
      summary = await copyPgliteInto({ pgliteDir: options.pgliteDir, connectionString });
    },
    ...(options.now ? { now: options.now } : {}),
  });
  const retiredTo = await retirePgliteDirectory(options.pgliteDir, options.now);
  return { ...summary!, retiredTo };
}
