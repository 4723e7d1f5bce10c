// amparo backup FILE, amparo restore FILE, amparo migrate-embedded: argument checks, the work (src/db/backup.ts,
// src/db/pglite-import.ts) and what the operator reads. The caller supplies the connections and the keyring.
import { parseArgs } from 'node:util';
import type { Keyring } from '../crypto/keyring.ts';
import { backupDatabase, BackupError, restoreDatabase } from '../db/backup.ts';
import { DatabaseReplaceError } from '../db/database-replace.ts';
import { DumpError } from '../db/logical-dump.ts';
import { migrateEmbeddedDatabase } from '../db/pglite-import.ts';
import type { CommandOutput } from './commands.ts';

const processOutput: CommandOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Refusals the operator can act on get their own sentence; anything else is rethrown for main's handler. */
function refusal(error: unknown, output: CommandOutput): number {
  if (error instanceof BackupError || error instanceof DumpError || error instanceof DatabaseReplaceError) {
    output.err(`${error.message}\n`);
    return 1;
  }
  throw error;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Exactly one file name, and only the flags given; anything else is a usage error. */
function oneFile(args: string[], options: Record<string, { type: 'boolean' }> = {}) {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return positionals.length === 1 ? { file: positionals[0]!, values } : undefined;
  } catch {
    return undefined;
  }
}

export interface BackupCommandOptions {
  args: string[];
  /** The database Amparo runs on. */
  connectionString: string;
  keyring: Keyring;
  output?: CommandOutput;
}

/** amparo backup FILE: works while Amparo runs. */
export async function runBackup(options: BackupCommandOptions): Promise<number> {
  const output = options.output ?? processOutput;
  const parsed = oneFile(options.args);
  if (!parsed) {
    output.err('Usage: amparo backup FILE\n');
    return 2;
  }
  try {
    const summary = await backupDatabase({
      connectionString: options.connectionString,
      file: parsed.file,
      keyring: options.keyring,
    });
    output.out(
      `Backup written to ${summary.file} (${summary.tables} tables, ${summary.rows} rows, ` +
        `${megabytes(summary.bytes)}).\n` +
        'It is encrypted under the master key: restoring it needs that key, and cases also need their keys ' +
        'from the case key directory. Uploaded photos, recordings and evidence media are not in it.\n',
    );
    return 0;
  } catch (error) {
    return refusal(error, output);
  }
}

export interface RestoreCommandOptions {
  args: string[];
  /** A superuser's connection to another database on the same server (e.g. "postgres"). */
  adminConnectionString: string;
  databaseName: string;
  keyring: Keyring;
  output?: CommandOutput;
}

/** amparo restore FILE [--keep-previous]: Amparo must be stopped. */
export async function runRestore(options: RestoreCommandOptions): Promise<number> {
  const output = options.output ?? processOutput;
  const parsed = oneFile(options.args, { 'keep-previous': { type: 'boolean' } });
  if (!parsed) {
    output.err('Usage: amparo restore FILE [--keep-previous]\n');
    return 2;
  }
  try {
    const summary = await restoreDatabase({
      adminConnectionString: options.adminConnectionString,
      databaseName: options.databaseName,
      file: parsed.file,
      keyring: options.keyring,
      previous: parsed.values['keep-previous'] === true ? 'keep' : 'drop',
    });
    output.out(
      `Restored ${summary.tables} tables, ${summary.rows} rows` +
        (summary.migratedSince.length > 0
          ? `, then applied ${summary.migratedSince.length} migrations`
          : '') +
        '.\n' +
        (summary.previousKeptAs
          ? `The database as it was before is kept as ${summary.previousKeptAs}.\n`
          : ''),
    );
    return 0;
  } catch (error) {
    return refusal(error, output);
  }
}

export interface MigrateEmbeddedCommandOptions {
  pgliteDir: string;
  adminConnectionString: string;
  databaseName: string;
  output?: CommandOutput;
}

/** amparo migrate-embedded: moves the PGlite directory of an earlier release once. Amparo must be stopped. */
export async function runMigrateEmbedded(options: MigrateEmbeddedCommandOptions): Promise<number> {
  const output = options.output ?? processOutput;
  try {
    const result = await migrateEmbeddedDatabase({
      pgliteDir: options.pgliteDir,
      adminConnectionString: options.adminConnectionString,
      databaseName: options.databaseName,
    });
    output.out(
      `Moved the embedded database into PostgreSQL: ${result.tables} tables, ${result.rows} rows` +
        (result.migratedSince.length > 0 ? `, then applied ${result.migratedSince.length} migrations` : '') +
        `.\nThe old directory is kept as ${result.retiredTo}. It holds the same data (encrypted fields ` +
        'stay encrypted, the rest does not): delete it once Amparo runs well, and do not keep it longer ' +
        'than your retention periods.\n',
    );
    return 0;
  } catch (error) {
    return refusal(error, output);
  }
}
