// Hand-written, timestamped migrations in ./migrations, applied in name order on start.
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run before and across schema versions */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  Migrator,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
} from 'kysely';

const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');

class MigrationFolder implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(MIGRATIONS_DIR))
      .filter((f) => /^\d{8}T\d{4}_[a-z0-9_]+\.ts$/.test(f))
      .sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      migrations[file.replace(/\.ts$/, '')] = (await import(
        pathToFileURL(path.join(MIGRATIONS_DIR, file)).href
      )) as Migration;
    }
    return migrations;
  }
}

function migrator(db: Kysely<any>): Migrator {
  return new Migrator({
    db,
    provider: new MigrationFolder(),
    migrationTableName: 'amparo_migrations',
    migrationLockTableName: 'amparo_migrations_lock',
  });
}

function settle(result: MigrationResultSet): string[] {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason = result.error instanceof Error ? result.error.message : 'unknown error';
    throw new Error(`Migration ${failed} failed: ${reason}`);
  }
  return (result.results ?? []).map((r) => `${r.direction} ${r.migrationName}`);
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return settle(await migrator(db).migrateToLatest());
}

/** Rolls back one migration; used by `amparo migrate --down` and by the migration test. */
export async function migrateDown(db: Kysely<any>): Promise<string[]> {
  return settle(await migrator(db).migrateDown());
}

export async function listMigrations(): Promise<string[]> {
  return Object.keys(await new MigrationFolder().getMigrations());
}

/**
 * Brings the schema to exactly `name` (up or down). Restoring a backup needs the schema its rows were read
 * from before they go back in; later migrations then run over the restored rows as they would have.
 */
export async function migrateTo(db: Kysely<any>, name: string): Promise<string[]> {
  return settle(await migrator(db).migrateTo(name));
}
