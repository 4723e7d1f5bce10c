// Opens the database Amparo runs on: PostgreSQL when AMPARO_DATABASE_URL is set, otherwise an embedded
// PGlite database in AMPARO_DATA_DIR. Both get the same schema and the same SQL through Kysely.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Db as IDatabase } from 'pg-boss';
import { ConnectionLock, PGliteDialect } from './pglite-dialect.ts';
import type { Database } from './schema.ts';

export type Backend = 'pglite' | 'postgres';

export interface AmparoDatabase {
  backend: Backend;
  db: Kysely<Database>;
  /** How pg-boss reaches this database outside any transaction. */
  boss: { db: IDatabase } | { connectionString: string };
  /** Subscribes to NOTIFY on a channel; notifications arrive only after the notifying transaction commits. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * The embedded database's whole data directory (tables, indexes, WAL) as an uncompressed tar: the backup
   * an operator would take. Absent on PostgreSQL, where pg_dump is the tool.
   */
  dumpDataDir?(): Promise<Uint8Array>;
  close(): Promise<void>;
}

export class DurabilityError extends Error {
  override name = 'DurabilityError';
}

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** A directory for the embedded database, or 'memory://' for a throwaway one (tests). */
  pgliteDataDir?: string;
}

export async function openDatabase(options: OpenOptions): Promise<AmparoDatabase> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openPglite(options.pgliteDataDir ?? 'memory://');
}

async function openPostgres(connectionString: string): Promise<AmparoDatabase> {
  // Timestamps stay Date objects and bigint counters stay strings, as on PGlite.
  const pool = new pg.Pool({ connectionString, max: 10 });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Nothing to log that would help.
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await refuseUnsafeDurability(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const listeners: pg.Client[] = [];
  return {
    backend: 'postgres',
    db,
    boss: { connectionString },
    async listen(channel, onPayload) {
      const client = new pg.Client({ connectionString });
      client.on('error', () => {});
      await client.connect();
      client.on('notification', (message) => {
        if (message.channel === channel) onPayload(message.payload ?? '');
      });
      await client.query(`listen ${quoteIdentifier(channel)}`);
      listeners.push(client);
      return async () => {
        listeners.splice(listeners.indexOf(client), 1);
        await client.end();
      };
    },
    async close() {
      await Promise.all(listeners.map((client) => client.end()));
      await db.destroy();
    },
  };
}

/** Acknowledging a report that a crash could still lose would break the promise the form makes. */
async function refuseUnsafeDurability(db: Kysely<Database>): Promise<void> {
  for (const setting of ['fsync', 'synchronous_commit']) {
    const { rows } = await db.executeQuery<Record<string, string>>(CompiledQuery.raw(`show ${setting}`));
    if (rows[0]?.[setting] === 'off') {
      throw new DurabilityError(
        `PostgreSQL has ${setting}=off, so a report Amparo acknowledges could be lost in a crash. ` +
          `Set ${setting} = on in postgresql.conf (or with ALTER SYSTEM) and restart PostgreSQL.`,
      );
    }
  }
}

async function openPglite(dataDir: string): Promise<AmparoDatabase> {
  if (!dataDir.startsWith('memory://')) await mkdir(path.resolve(dataDir), { recursive: true });
  const pglite = await PGlite.create(dataDir);
  const lock = new ConnectionLock();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite, lock) });
  const bossDb: IDatabase = {
    // pg-boss sends its schema and some claims as parameterless multi-statement SQL, which only the
    // simple protocol (exec) accepts; it expects the rows of every statement back, in order, as node-pg
    // gives them. Everything with parameters goes through the extended protocol (query).
    executeSql: (text, values) =>
      lock.run(async () => {
        if (values === undefined || values.length === 0) {
          const results = await pglite.exec(text);
          return { rows: results.flatMap((result) => result.rows) };
        }
        const result = await pglite.query(text, values);
        return { rows: result.rows };
      }),
  };
  return {
    backend: 'pglite',
    db,
    boss: { db: bossDb },
    async listen(channel, onPayload) {
      // LISTEN is a statement like any other: outside the lock it could land inside someone's transaction
      // and vanish with its rollback, and the live feed would go quiet without a word.
      const unlisten = await lock.run(() => pglite.listen(channel, onPayload));
      return () => lock.run(() => unlisten());
    },
    async dumpDataDir() {
      const tar = await lock.run(() => pglite.dumpDataDir('none'));
      return new Uint8Array(await tar.arrayBuffer());
    },
    async close() {
      await db.destroy();
      await lock.run(() => pglite.close());
    },
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
