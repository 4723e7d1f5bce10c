// Opens the database Amparo runs on. PostgreSQL is the one engine: the server named by AMPARO_DATABASE_URL, or
// by default a server Amparo runs itself on AMPARO_DATA_DIR (embedded-postgres.ts).
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';

/** How every connection of this process reaches the server: the pool, LISTEN clients, pg-boss, backups. */
export type ConnectionConfig = Pick<
  pg.ClientConfig,
  'host' | 'port' | 'user' | 'password' | 'database' | 'application_name'
> & {
  connectionString?: string;
};

/** Names this process's connections in pg_stat_activity, so an operator can tell the processes apart. */
function applicationName(): string {
  return `amparo[${process.pid}]`;
}

export interface AmparoDatabase {
  db: Kysely<Database>;
  connection: ConnectionConfig;
  /** The server this process runs (embedded mode), or undefined with AMPARO_DATABASE_URL. */
  embedded: EmbeddedPostgres | undefined;
  /** Subscribes to NOTIFY on a channel; notifications arrive only after the notifying transaction commits. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class DurabilityError extends Error {
  override name = 'DurabilityError';
}

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** Without a URL: the embedded server's data directory and password file. */
  embedded?: { dataDir: string; passwordFile: string; announce?: (message: string) => void };
  /** Connections in the query pool (the default suits one web-and-worker process on two cores). */
  poolSize?: number;
}

export async function openDatabase(options: OpenOptions): Promise<AmparoDatabase> {
  if (options.databaseUrl) {
    return connect(
      { connectionString: options.databaseUrl, application_name: applicationName() },
      undefined,
      options.poolSize,
    );
  }
  if (!options.embedded) throw new Error('openDatabase needs a database URL or an embedded data directory.');
  const server = await startEmbeddedPostgres(options.embedded);
  try {
    return await connect(
      { ...server.connection, application_name: applicationName() },
      server,
      options.poolSize,
    );
  } catch (error) {
    await server.close();
    throw error;
  }
}

async function connect(
  connection: ConnectionConfig,
  embedded: EmbeddedPostgres | undefined,
  poolSize = 10,
): Promise<AmparoDatabase> {
  // Timestamps stay Date objects and bigint counters stay strings.
  const pool = new pg.Pool({ ...connection, max: poolSize });
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
    db,
    connection,
    embedded,
    async listen(channel, onPayload) {
      const client = new pg.Client(connection);
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
      await embedded?.close();
    },
  };
}

/** Acknowledging a report that a crash could still lose would break the promise the form makes. */
async function refuseUnsafeDurability(db: Kysely<Database>): Promise<void> {
  const { rows } = await db.executeQuery<{ fsync: string; synchronous_commit: string }>(
    CompiledQuery.raw(
      "select current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit",
    ),
  );
  for (const setting of ['fsync', 'synchronous_commit'] as const) {
    if (rows[0]?.[setting] === 'off') {
      throw new DurabilityError(
        `PostgreSQL has ${setting}=off, so a report Amparo acknowledges could be lost in a crash. ` +
          `Set ${setting} = on in postgresql.conf (or with ALTER SYSTEM) and restart PostgreSQL.`,
      );
    }
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
