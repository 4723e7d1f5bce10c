// amparo <command>: serve (web), worker (jobs), start (both; the default), migrate, user invite, audit verify,
// evidence verify, backup, restore, migrate-embedded.
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  AmparoRunningError,
  closeContext,
  createContext,
  openConfiguredDatabase,
  withDatabaseServer,
} from '../app/bootstrap.ts';
import type { AppContext } from '../app/context.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { createKeyring, KeyError, loadMasterKeys } from '../crypto/keyring.ts';
import { findPgliteDirectory } from '../db/pglite-import.ts';
import { DurabilityError } from '../db/database.ts';
import { EmbeddedDatabaseError } from '../db/embedded-postgres.ts';
import { migrateDown, migrateToLatest } from '../db/migrator.ts';
import { buildApp } from '../http/app.ts';
import { createLogger } from '../http/logging.ts';
import { loadModules } from '../modules/index.ts';
import { runBackup, runMigrateEmbedded, runRestore } from './backup-commands.ts';
import { runUserInvite, runUserSetup, runAuditVerify } from './commands.ts';
import { runEvidenceVerify } from './evidence-commands.ts';

const USAGE = `Usage: amparo <command>

Commands:
  start                          web server and job worker in one process (what npm start runs)
  serve                          web server only
  worker                         job worker only
  migrate [--down]               apply pending migrations (or roll back the latest one)
  user invite --email E --role R print a single-use invitation link (roles: admin, coordinator,
                                 dispatcher, responder, legal)
  user setup                     print a new first-run setup link (while no staff account exists)
  audit verify [--anchor FILE]   check the audit log's hash chain, its head and the anchors in FILE (by
                                 default AMPARO_AUDIT_ANCHOR_FILE); exits 1 if the log was changed or cut
  evidence verify PACKET [--key HEX]
                                 check an evidence packet's signature and every file's hash; names each
                                 file changed, missing or added; exits 1 unless all is as signed
  backup FILE                    write an encrypted backup of the database to FILE (while Amparo runs)
  restore FILE [--keep-previous] replace the database with the backup in FILE (Amparo must be stopped)
  migrate-embedded               move the embedded database of an earlier release (./data/pglite) into
                                 PostgreSQL; start does this by itself when it finds one
`;

/**
 * Operator-facing output: links and warnings they must act on. Not the log stream. A secret (a setup link) is
 * written only to a terminal: stdout when it is one, else the process's controlling terminal; with neither
 * (systemd, docker, output captured to a file) the operator is told how to get it instead.
 */
function announce(message: string, secret?: { withheld: string }): void {
  if (secret && !process.stdout.isTTY) {
    if (writeToTerminal(`\n${message}\n\n`)) return;
    process.stdout.write(`\n${secret.withheld}\n\n`);
    return;
  }
  process.stdout.write(`\n${message}\n\n`);
}

function writeToTerminal(text: string): boolean {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'w');
  } catch {
    return false;
  }
  try {
    writeSync(fd, text);
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command = 'start', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  // Needs no configuration, database or key: an attorney checks a packet on their own machine.
  if (command === 'evidence' && rest[0] === 'verify') return runEvidenceVerify(rest.slice(1));
  const config = loadConfig();
  const logger = createLogger(config.logLevel);

  switch (command) {
    case 'start':
    case 'serve':
    case 'worker':
      return run(command, config, logger);
    case 'migrate': {
      const { values } = parseArgs({ args: rest, options: { down: { type: 'boolean' } } });
      const database = await openConfiguredDatabase(config, announce);
      try {
        const applied = values.down ? await migrateDown(database.db) : await migrateToLatest(database.db);
        process.stdout.write(applied.length ? `${applied.join('\n')}\n` : 'Nothing to migrate.\n');
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'user':
    case 'audit': {
      const context = await createContext({ config, logger, announce });
      try {
        await context.jobs.start({ work: false });
        if (command === 'user' && rest[0] === 'invite') return await runUserInvite(context, rest.slice(1));
        if (command === 'user' && rest[0] === 'setup') return await runUserSetup(context);
        if (command === 'audit' && rest[0] === 'verify') return await runAuditVerify(context, rest.slice(1));
        process.stderr.write(USAGE);
        return 2;
      } finally {
        await closeContext(context);
      }
    }
    case 'backup':
    case 'restore': {
      const keyring = await configuredKeyring(config);
      return withDatabaseServer(config, { mustBeStopped: command === 'restore', announce }, (server) =>
        command === 'backup'
          ? runBackup({ args: rest, connectionString: server.url, keyring })
          : runRestore({
              args: rest,
              adminConnectionString: server.adminUrl,
              databaseName: server.databaseName,
              keyring,
            }),
      );
    }
    case 'migrate-embedded': {
      const pgliteDir = config.databaseUrl ? undefined : await findPgliteDirectory(config.dataDir);
      if (!pgliteDir) {
        process.stderr.write(
          `Nothing to move: there is no embedded database of an earlier release in ${config.dataDir}.\n`,
        );
        return 1;
      }
      return withDatabaseServer(config, { mustBeStopped: true, announce }, (server) =>
        runMigrateEmbedded({
          pgliteDir,
          adminConnectionString: server.adminUrl,
          databaseName: server.databaseName,
        }),
      );
    }
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

/** The master keys, for commands that read or write encrypted backups (never creating a new key). */
async function configuredKeyring(config: ReturnType<typeof loadConfig>) {
  const { keys } = await loadMasterKeys({
    masterKey: config.masterKey,
    masterKeyFile: config.masterKeyFile,
    mayCreateFile: false,
  });
  return createKeyring(keys);
}

async function run(
  mode: 'start' | 'serve' | 'worker',
  config: ReturnType<typeof loadConfig>,
  logger: ReturnType<typeof createLogger>,
): Promise<number> {
  const started = performance.now();
  // Listened for from the first moment: a stop asked for during start-up still closes the database (and the
  // embedded server) properly once start-up is done, instead of leaving the server behind.
  // Later signals are ignored rather than left to kill the process half-way through stopping: npm passes a
  // terminal's Ctrl-C on to the script it runs, so one stop often arrives twice.
  const stopRequested = new Promise<void>((resolve) => {
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
  const context: AppContext = await createContext({ config, logger, announce });
  const modules = await loadModules();
  context.jobs.onError = (error) => logger.error({ err: error }, 'job error');
  modules.registerJobs(context);
  await context.jobs.start({ work: mode !== 'serve' });
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  if (mode !== 'worker') {
    app = await buildApp(context, {
      modules: modules.http,
      principals: modules.principalsFor(context),
      navigation: modules.navigation,
    });
    await app.listen({ port: config.port, host: config.host });
  }
  // Only the web process announces (the first-run setup link): a separate worker must not print a second
  // link that silently invalidates the first.
  if (app) await modules.afterStart(context, announce);
  logger.info(
    {
      mode,
      database: context.database.embedded ? 'embedded' : 'external',
      port: config.port,
      readyMs: Math.round(performance.now() - started),
    },
    'ready',
  );
  if (app) announce(`Amparo is running at ${config.publicUrl.href}`);

  await stopRequested;
  logger.info('stopping');
  await app?.close();
  await closeContext(context);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Known start-up problems get their own clear sentence; anything else gets its type only (no message,
    // which might quote data) plus a pointer to the log level that shows more.
    if (
      error instanceof ConfigError ||
      error instanceof KeyError ||
      error instanceof DurabilityError ||
      error instanceof EmbeddedDatabaseError ||
      error instanceof AmparoRunningError
    ) {
      process.stderr.write(`amparo: ${error.message}\n`);
    } else {
      process.stderr.write(`amparo: could not start (${error instanceof Error ? error.name : 'error'}).\n`);
      if (error instanceof Error)
        process.stderr.write(`${error.stack?.split('\n').slice(1).join('\n') ?? ''}\n`);
    }
    process.exit(1);
  },
);
