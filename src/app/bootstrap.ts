// Start-up in one place: keys, database (refusing unsafe PostgreSQL durability), migrations, jobs.
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.ts';
import { loadMasterKeys } from '../crypto/keyring.ts';
import { createSecrets } from '../crypto/secrets.ts';
import { openDatabase, type AmparoDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { Jobs } from '../jobs/jobs.ts';
import { systemClock, type AppContext, type Clock } from './context.ts';

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
  return {
    config,
    database,
    db: database.db,
    secrets: createSecrets(masterKeys.keys),
    jobs: new Jobs(database),
    clock: options.clock ?? systemClock,
    logger,
  };
}

/** The database the configuration names: AMPARO_DATABASE_URL, or the embedded server in AMPARO_DATA_DIR. */
export function openConfiguredDatabase(
  config: Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'databasePasswordFile'>,
  announce?: (message: string) => void,
): Promise<AmparoDatabase> {
  return openDatabase({
    databaseUrl: config.databaseUrl,
    embedded: {
      dataDir: config.dataDir,
      passwordFile: config.databasePasswordFile,
      ...(announce ? { announce } : {}),
    },
  });
}

export async function closeContext(context: AppContext): Promise<void> {
  await context.jobs.stop();
  await context.database.close();
}
