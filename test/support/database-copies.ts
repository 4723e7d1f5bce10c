// For tests of backups and database moves: scratch PostgreSQL databases, every table's contents in a form two
// databases can be compared by, and a Kysely over a database given by URL.
import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/db/schema.ts';
import { databaseUrl as urlOnServer, testServerUrl } from './test-database.ts';

/** A database on the test server, by name. */
export function databaseUrl(name: string): string {
  return urlOnServer(testServerUrl(), name);
}

export function scratchDatabaseName(purpose: string): string {
  return `amparo_test_${purpose}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

export async function withAdmin<T>(run: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}

export async function createDatabase(name: string): Promise<string> {
  await withAdmin((admin) => admin.query(`create database ${name}`));
  return databaseUrl(name);
}

export async function dropDatabases(...names: string[]): Promise<void> {
  await withAdmin(async (admin) => {
    for (const name of names) await admin.query(`drop database if exists ${name} with (force)`);
  });
}

export async function databaseNames(prefix: string): Promise<string[]> {
  return withAdmin(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(
      'select datname from pg_database where datname like $1 order by datname',
      [`${prefix}%`],
    );
    return rows.map((row) => row.datname);
  });
}

/**
 * Every table of public and pgboss (partitions one by one), each as its rows' row_to_json texts in sorted
 * order: two databases hold the same data exactly when these are deeply equal.
 */
export async function tableContents(connectionString: string): Promise<Map<string, string[]>> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await tableContentsOf(async <Row>(text: string) => (await client.query(text)).rows as Row[]);
  } finally {
    await client.end();
  }
}

/** The same, over any connection that runs SQL (a PGlite instance too). */
export async function tableContentsOf(
  query: <Row>(text: string) => Promise<Row[]>,
): Promise<Map<string, string[]>> {
  const tables = await query<{ schema: string; name: string }>(`
    select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ('public', 'pgboss') and c.relkind = 'r' order by 1, 2`);
  const contents = new Map<string, string[]>();
  for (const { schema, name } of tables) {
    const rows = await query<{ row: string }>(
      `select row_to_json(t.*)::text as row from only "${schema}"."${name}" t order by 1`,
    );
    contents.set(
      `${schema}.${name}`,
      rows.map((row) => row.row),
    );
  }
  return contents;
}

export function openKysely(connectionString: string): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString, max: 2 }) }),
  });
}
