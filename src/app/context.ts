// What every part of Amparo is handed at start: validated config, the database, secrets derived from the
// master key, the job queue, a clock (replaceable in tests) and the logger.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.ts';
import type { Secrets } from '../crypto/secrets.ts';
import type { AmparoDatabase } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { Jobs } from '../jobs/jobs.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface AppContext {
  config: AppConfig;
  database: AmparoDatabase;
  db: Kysely<Database>;
  secrets: Secrets;
  jobs: Jobs;
  clock: Clock;
  logger: Logger;
}
