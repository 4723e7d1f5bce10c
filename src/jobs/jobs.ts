// Background jobs: each is a definition (name, payload check, queue options) plus a handler that the
// worker registers. Payloads carry ids only, never report text, names or phone numbers.
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { PgBoss, type Db as IDatabase, type JobOptions, type QueueOptions } from 'pg-boss';
import type { AmparoDatabase } from '../db/database.ts';
import type { Database } from '../db/schema.ts';

export interface JobDefinition<Payload extends object> {
  name: string;
  queue: QueueOptions;
  /**
   * How often an idle worker asks for this job, when it must start sooner than the process-wide interval
   * allows (an approved alert should not wait two seconds for its first text).
   */
  pollingIntervalSeconds?: number;
  /** Rejects anything that is not exactly this job's payload, so nothing sensitive can ride along. */
  parse(data: unknown): Payload;
}

export function defineJob<Payload extends object>(
  definition: JobDefinition<Payload>,
): JobDefinition<Payload> {
  return definition;
}

/** The payload check for scheduled jobs that carry nothing. */
export function parseEmptyPayload(jobName: string): (data: unknown) => Record<string, never> {
  return (data) => {
    if (data !== null && typeof data === 'object' && Object.keys(data).length === 0) return {};
    throw new Error(`${jobName} takes no payload.`);
  };
}

export type JobHandler<Payload extends object> = (payload: Payload) => Promise<void>;

interface Registration {
  definition: JobDefinition<object>;
  handler: JobHandler<object>;
  schedule?: string | undefined;
}

export interface StartJobsOptions {
  /** Whether this process runs handlers (worker, start) or only enqueues (serve, CLI). */
  work: boolean;
  pollingIntervalSeconds?: number;
}

export class Jobs {
  readonly #boss: PgBoss;
  readonly #registrations = new Map<string, Registration>();
  #started = false;

  constructor(database: AmparoDatabase) {
    this.#boss = new PgBoss({
      ...database.connection,
      schema: 'pgboss',
      migrate: true,
    });
    // pg-boss reports failed jobs and maintenance problems here; the worker's logger is attached by main.
    this.#boss.on('error', (error) => this.onError(error));
  }

  onError: (error: Error) => void = () => {};

  register<Payload extends object>(
    definition: JobDefinition<Payload>,
    handler: JobHandler<Payload>,
    options: { schedule?: string } = {},
  ): void {
    if (this.#started) throw new Error('Register jobs before starting.');
    this.#registrations.set(definition.name, {
      definition: definition,
      handler: handler as JobHandler<object>,
      schedule: options.schedule,
    });
  }

  async start(options: StartJobsOptions): Promise<void> {
    await this.#boss.start();
    this.#started = true;
    for (const { definition, handler, schedule } of this.#registrations.values()) {
      await this.#boss.createQueue(definition.name, definition.queue);
      if (!options.work) continue;
      await this.#boss.work<object>(
        definition.name,
        {
          pollingIntervalSeconds: Math.min(
            options.pollingIntervalSeconds ?? 2,
            definition.pollingIntervalSeconds ?? Infinity,
          ),
        },
        async (jobs) => {
          for (const job of jobs) await handler(definition.parse(job.data));
        },
      );
      if (schedule) await this.#boss.schedule(definition.name, schedule, {});
    }
  }

  /**
   * Enqueues a job inside the caller's transaction: if the write that caused it rolls back, so does the job.
   */
  async sendInTransaction<Payload extends object>(
    trx: Transaction<Database>,
    definition: JobDefinition<Payload>,
    payload: Payload,
    options: JobOptions & { deleteAfterSeconds?: number; retentionSeconds?: number } = {},
  ): Promise<void> {
    await this.#boss.send(definition.name, definition.parse(payload), { ...options, db: transactionDb(trx) });
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await this.#boss.stop({ graceful: true, timeout: 10_000 });
  }
}

function transactionDb(trx: Kysely<Database>): IDatabase {
  return {
    executeSql: async (text, values) => {
      const result = await trx.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows };
    },
  };
}
