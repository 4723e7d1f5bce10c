// Migrations run up and back down; PostgreSQL with unsafe durability settings is refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { sql } from 'kysely';
import { DurabilityError, openDatabase } from '../../src/db/database.ts';
import { listMigrations, migrateDown, migrateToLatest } from '../../src/db/migrator.ts';
import { createTestContext } from '../support/test-context.ts';
import { createEmptyDatabase, testServerUrl } from '../support/test-database.ts';

async function tableNames(db: Parameters<typeof migrateToLatest>[0]): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = 'public' order by table_name`.execute(
    db,
  );
  return rows.map((r) => r.table_name);
}

describe(`migrations`, () => {
  test('every migration runs up, back down, and up again', async () => {
    const t = await createTestContext();
    try {
      const db = t.context.db;
      const all = await listMigrations();
      assert.ok(all.length >= 1);
      const migratedTables = await tableNames(db);
      for (const table of ['users', 'sessions', 'invites', 'audit_log', 'reports', 'report_photos']) {
        assert.ok(migratedTables.includes(table), `${table} exists after migrating up`);
      }
      for (let i = 0; i < all.length; i++) {
        const result = await migrateDown(db);
        assert.equal(result.length, 1, 'one migration rolled back');
      }
      assert.deepEqual(
        (await tableNames(db)).filter((name) => !name.startsWith('amparo_migrations')),
        [],
        'nothing of Amparo left after rolling everything back',
      );
      assert.deepEqual(
        await migrateToLatest(db),
        all.map((name) => `Up ${name}`),
      );
    } finally {
      await t.close();
    }
  });
});

test('PostgreSQL with synchronous_commit=off is refused with a clear message', async () => {
  // fsync is server-wide; synchronous_commit can be turned off for one database, which is what is tried.
  const empty = await createEmptyDatabase();
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    await admin.query(`alter database ${new URL(empty.url).pathname.slice(1)} set synchronous_commit = off`);
    await assert.rejects(
      openDatabase({ databaseUrl: empty.url }),
      (error: Error) => error instanceof DurabilityError && /synchronous_commit=off/.test(error.message),
    );
  } finally {
    await admin.end();
    await empty.drop();
  }
});
