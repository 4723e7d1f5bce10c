// Start-up in one place: keys, database (refusing unsafe PostgreSQL durability), migrations, jobs.
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.ts';
import { loadMasterKeys } from '../crypto/keyring.ts';
import { createSecrets } from '../crypto/secrets.ts';
import { openDatabase, type AmparoDatabase } from '../db/database.ts';
import { embeddedConnectionUrl, startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { findPgliteDirectory, migrateEmbeddedDatabase } from '../db/pglite-import.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { Jobs } from '../jobs/jobs.ts';
import { systemClock, type AppContext, type Clock } from './context.ts';
import { onMissingMessage } from '../i18n/i18n.ts';
import { loadNetworkTimeZone } from '../modules/settings/settings.service.ts';

export interface CreateContextOptions {
  config: AppConfig;
  logger: Logger;
  clock?: Clock;
  /** Tells the operator about things they must act on (a new key file to back up). Not a log line. */
  announce?: (message: string) => void;
}

export async function createContext(options: CreateContextOptions): Promise<AppContext> {
  const { config, logger } = options;
  const embedded = !config.databaseUrl;
  const masterKeys = await loadMasterKeys({
    masterKey: config.masterKey,
    masterKeyFile: config.masterKeyFile,
    mayCreateFile: embedded,
  });
  if (masterKeys.createdFile) {
    options.announce?.(
      `A new master key was created in ${masterKeys.createdFile}.\n` +
        `BACK IT UP somewhere safe and separate from the data directory: without it, nothing encrypted ` +
        `in the database can ever be read again. In production, set AMPARO_MASTER_KEY instead.`,
    );
  }
  const database = await openConfiguredDatabase(config, options.announce);
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  const context: AppContext = {
    config,
    database,
    db: database.db,
    secrets: createSecrets(masterKeys.keys),
    jobs: new Jobs(database),
    clock: options.clock ?? systemClock,
    logger,
  };
  // The zone the first admin chose at setup, unless AMPARO_TIMEZONE names one.
  await loadNetworkTimeZone(context);
  onMissingMessage((key) => logger.warn({ messageKey: key }, 'message missing from the catalogues'));
  return context;
}

type DatabaseConfig = Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'databasePasswordFile'>;

/**
 * The database the configuration names: AMPARO_DATABASE_URL, or the embedded server in AMPARO_DATA_DIR. An
 * embedded database of an earlier release (PGlite) found there is moved into the server first, once.
 */
export async function openConfiguredDatabase(
  config: DatabaseConfig,
  announce?: (message: string) => void,
): Promise<AmparoDatabase> {
  if (!config.databaseUrl && (await findPgliteDirectory(config.dataDir))) {
    await withDatabaseServer(config, { mustBeStopped: true, announce }, async (server) => {
      const pgliteDir = (await findPgliteDirectory(config.dataDir))!;
      const result = await migrateEmbeddedDatabase({
        pgliteDir,
        adminConnectionString: server.adminUrl,
        databaseName: server.databaseName,
      });
      announce?.(
        `Moved the embedded database of an earlier release (${result.tables} tables, ${result.rows} rows) into ` +
          `PostgreSQL. The old directory is kept as ${result.retiredTo}: delete it once Amparo runs well.`,
      );
    });
  }
  return openDatabase({
    databaseUrl: config.databaseUrl,
    embedded: {
      dataDir: config.dataDir,
      passwordFile: config.databasePasswordFile,
      ...(announce ? { announce } : {}),
    },
  });
}

export interface DatabaseServer {
  /** The database Amparo uses. */
  url: string;
  /** A superuser's connection to the server's maintenance database, for replacing Amparo's database. */
  adminUrl: string;
  databaseName: string;
}

export class AmparoRunningError extends Error {
  override name = 'AmparoRunningError';
}

/**
 * Runs maintenance (backup, restore, moving a PGlite directory) against the configured server: the embedded
 * one is used as a guest when Amparo is running, else started for the work and stopped after. Work that
 * replaces the database refuses while another Amparo process runs on the embedded server.
 */
export async function withDatabaseServer<T>(
  config: DatabaseConfig,
  options: { mustBeStopped: boolean; announce?: ((message: string) => void) | undefined },
  work: (server: DatabaseServer) => Promise<T>,
): Promise<T> {
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    const databaseName = decodeURIComponent(url.pathname.slice(1));
    const admin = new URL(config.databaseUrl);
    admin.pathname = '/postgres';
    return work({ url: url.href, adminUrl: admin.href, databaseName });
  }
  const server = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    passwordFile: config.databasePasswordFile,
    announce: options.announce,
  });
  try {
    if (options.mustBeStopped && !server.owner) {
      throw new AmparoRunningError(
        'Amparo is running on this data directory: stop it first (this replaces the database it uses).',
      );
    }
    return await work({
      url: embeddedConnectionUrl(server.connection),
      adminUrl: embeddedConnectionUrl(server.connection, 'postgres'),
      databaseName: server.connection.database,
    });
  } finally {
    await server.close();
  }
}

export async function closeContext(context: AppContext): Promise<void> {
  await context.jobs.stop();
  await context.database.close();
}
