// The embedded database of the PGlite releases moves into PostgreSQL once: a data directory written by that
// code (test/fixtures/pglite-2026-11, made by its make-fixture.ts) arrives table for table, its encrypted
// fields open with its master key and case key, its audit chain verifies, its jobs are queued, and the
// directory is renamed, not deleted. A directory from an older release (fewer migrations, an older pg-boss
// schema) is brought up to date on the way. A PostgreSQL database already in use is never overwritten.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { getRollbackPlans } from 'pg-boss';
import { systemClock } from '../../src/app/context.ts';
import { CaseKeyStore } from '../../src/crypto/case-keys.ts';
import { parseMasterKeys } from '../../src/crypto/keyring.ts';
import { createSecrets } from '../../src/crypto/secrets.ts';
import { installedPgBossSchemaVersion } from '../../src/db/logical-dump.ts';
import { listMigrations, migrateDown, migrateToLatest } from '../../src/db/migrator.ts';
import { findPgliteDirectory, migrateEmbeddedDatabase } from '../../src/db/pglite-import.ts';
import { embeddedConnectionUrl, readEmbeddedState } from '../../src/db/embedded-postgres.ts';
import { sealLegacyAuditHead, verifyAuditChain } from '../../src/modules/audit/audit.service.ts';
import { unsealDetails } from '../../src/modules/cases/cases.model.ts';
import { testCaseDetails } from '../../src/modules/cases/cases.test-helpers.ts';
import { FIXTURE, FIXTURE_LAST_MIGRATION } from '../fixtures/pglite-2026-11/fixture.ts';
import {
  databaseNames,
  databaseUrl,
  dropDatabases,
  openKysely,
  scratchDatabaseName,
  tableContents,
  tableContentsOf,
  withAdmin,
} from '../support/database-copies.ts';
import { startAmparo } from '../support/amparo-process.ts';
import { testServerUrl } from '../support/test-database.ts';
import { userEmailField } from '../../src/modules/auth/users.queries.ts';
import { reportField } from '../../src/modules/reports/reports.fields.ts';

const FIXTURE_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'pglite-2026-11');

async function fixtureSecrets() {
  return createSecrets(
    parseMasterKeys((await readFile(path.join(FIXTURE_DIR, 'master-key'), 'utf8')).trim()),
  );
}

/** The fixture unpacked as an AMPARO_DATA_DIR holding a pglite directory, as the old release left it. */
async function unpackFixture(): Promise<{ dataDir: string; pgliteDir: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-pglite-import-'));
  const pgliteDir = path.join(dataDir, 'pglite');
  const tarball = new Blob([new Uint8Array(await readFile(path.join(FIXTURE_DIR, 'pgdata.tar.gz')))]);
  const pglite = await PGlite.create({ dataDir: pgliteDir, loadDataDir: tarball });
  await pglite.close();
  return { dataDir, pgliteDir };
}

/** Every table as the PGlite directory holds it, in the same form as tableContents() gives for PostgreSQL. */
async function pgliteContents(pgliteDir: string): Promise<Map<string, string[]>> {
  const pglite = await PGlite.create(pgliteDir);
  try {
    return await tableContentsOf(async <Row>(text: string) => (await pglite.query<Row>(text)).rows);
  } finally {
    await pglite.close();
  }
}

/** Kysely over a PGlite instance, for running the old release's migrations backwards on a copy. */
function pgliteKysely(pglite: PGlite): Kysely<unknown> {
  const client = {
    query: async (text: string, parameters: readonly unknown[]) => {
      const result = await pglite.query(text, [...parameters]);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0, command: 'SELECT' as const };
    },
    release: () => {},
  };
  return new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: { connect: async () => client as never, end: async () => {} } }),
  });
}

describe('moving the PGlite directory into PostgreSQL', () => {
  const databases: string[] = [];
  const directories: string[] = [];
  after(async () => {
    await dropDatabases(...databases);
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  async function prepare(): Promise<{ dataDir: string; pgliteDir: string; databaseName: string }> {
    const unpacked = await unpackFixture();
    directories.push(unpacked.dataDir);
    const databaseName = scratchDatabaseName('moved');
    databases.push(databaseName);
    return { ...unpacked, databaseName };
  }

  /**
   * Columns migrations added to existing tables since the fixture's release, with the value every moved row
   * gets: null, or the column's default.
   */
  const COLUMNS_ADDED_SINCE: Record<string, Record<string, unknown>> = {
    'public.subscription_signups': { number_index: null, client_bucket: null },
    'public.audit_head': { mac: null },
    'public.sms_outbox': { case_id: null },
    'public.reports': { simulated: false },
    'public.incidents': { place_name_ciphertext: null },
    'public.cases': { operation_id: null, names_index: null },
    'public.followup_tasks': {
      operation_id: null,
      operation_site_id: null,
      operation_site_name: null,
      detained_name_ciphertext: null,
      relationship_ciphertext: null,
      dependents_without_care: null,
      consent_to_text: null,
      channel: 'voice',
      detained_name_index: null,
    },
    'public.voice_calls': { operation_id: null, operation_site_id: null, operation_site_name: null },
    'public.case_reminders': { release_id: null },
  };

  /** A moved row as the fixture's release wrote it: the columns added since, still at that value, left out. */
  function asFixtureWroteIt(table: string, row: string): string {
    const added = COLUMNS_ADDED_SINCE[table];
    if (!added) return row;
    const columns = Object.entries(JSON.parse(row) as Record<string, unknown>);
    return JSON.stringify(
      Object.fromEntries(columns.filter(([name, value]) => !(name in added && added[name] === value))),
    );
  }

  test('the fixture arrives table for table, readable, with its chain and its jobs', async () => {
    const { dataDir, pgliteDir, databaseName } = await prepare();
    assert.equal(await findPgliteDirectory(dataDir), pgliteDir, 'the old directory is found');
    const before = await pgliteContents(pgliteDir);
    const now = new Date('2026-12-01T10:15:00Z');
    const started = performance.now();
    const result = await migrateEmbeddedDatabase({
      pgliteDir,
      adminConnectionString: testServerUrl(),
      databaseName,
      now,
    });
    console.log(
      `moved ${result.tables} tables, ${result.rows} rows in ${Math.round(performance.now() - started)} ms`,
    );
    const all = await listMigrations();
    assert.deepEqual(
      result.migratedSince,
      all.slice(all.indexOf(FIXTURE_LAST_MIGRATION) + 1).map((name) => `Up ${name}`),
      'the migrations written since the PGlite release are applied',
    );

    // The directory is kept, renamed, and is no longer found as one to move.
    assert.equal(result.retiredTo, path.join(dataDir, 'pglite.migrated-20261201T101500Z'));
    assert.ok((await stat(path.join(result.retiredTo, 'PG_VERSION'))).isFile());
    assert.equal(await findPgliteDirectory(dataDir), undefined);

    const after = await tableContents(databaseUrl(databaseName));
    for (const table of [
      'public.reports',
      'public.users',
      'public.audit_log',
      'public.cases',
      'pgboss.job_common',
    ]) {
      assert.ok((before.get(table)?.length ?? 0) > 0, `the fixture has rows in ${table}`);
    }
    for (const [table, rows] of before) {
      // The migration log gains the migrations applied after the move; what it had stays first.
      const moved = after.get(table) ?? [];
      const compared = table === 'public.amparo_migrations' ? moved.slice(0, rows.length) : moved;
      assert.deepEqual(
        compared.map((row) => asFixtureWroteIt(table, row)),
        rows,
        `${table} is the same`,
      );
    }
    // Tables of migrations written since the PGlite release start empty.
    for (const [table, rows] of after) {
      if (!before.has(table)) assert.deepEqual(rows, [], `${table} is new and empty`);
    }

    const secrets = await fixtureSecrets();
    const db = openKysely(databaseUrl(databaseName));
    try {
      const reports = await db.selectFrom('reports').selectAll().orderBy('created_at').execute();
      assert.deepEqual(
        reports.map((report) =>
          secrets.fields.decrypt(reportField(report.id, 'details'), report.details_ciphertext!),
        ),
        [...FIXTURE.reportDetails],
      );
      assert.equal(
        secrets.fields.decrypt(reportField(reports[0]!.id, 'location'), reports[0]!.location_ciphertext!),
        FIXTURE.reportLocation,
      );
      assert.equal(
        await db
          .selectFrom('report_photos')
          .select('id')
          .execute()
          .then((rows) => rows.length),
        1,
      );
      const user = await db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
      assert.equal(
        secrets.fields.decrypt(userEmailField(user.id), user.email_ciphertext),
        FIXTURE.staffEmail,
      );
      const subscriber = await db.selectFrom('subscribers').selectAll().executeTakeFirstOrThrow();
      assert.equal(
        secrets.fields.decrypt(
          { table: 'subscribers', column: 'phone', rowId: subscriber.id },
          subscriber.phone_ciphertext,
        ),
        FIXTURE.subscriberPhone,
      );
      const caseRow = await db.selectFrom('cases').selectAll().executeTakeFirstOrThrow();
      const cipher = await new CaseKeyStore(path.join(FIXTURE_DIR, 'case-keys'), secrets.keyring).cipherFor(
        caseRow.id,
      );
      assert.deepEqual(unsealDetails(cipher, caseRow).person, testCaseDetails().person);
      // The fixture's head predates the head's MAC: the first start authenticates it once.
      assert.equal(await sealLegacyAuditHead(db, { secrets, clock: systemClock }, []), 'sealed');
      const chain = await verifyAuditChain(db, { secrets, clock: systemClock });
      assert.ok(chain.ok && chain.rowsChecked >= 3, JSON.stringify(chain));
      const { rows: jobs } = await sql<{ name: string }>`select name from pgboss.job order by name`.execute(
        db,
      );
      assert.deepEqual(
        jobs.map((job) => job.name),
        ['reports.expire', 'reports.expire', 'reports.expire'],
      );
    } finally {
      await db.destroy();
    }
  });

  test('a directory from a release with fewer migrations and an older pg-boss is brought up to date', async () => {
    const { pgliteDir, databaseName } = await prepare();
    const all = await listMigrations();
    const latest = FIXTURE_LAST_MIGRATION;
    const installed = installedPgBossSchemaVersion();
    const pglite = await PGlite.create(pgliteDir);
    const kysely = pgliteKysely(pglite);
    try {
      // The last migration's tables hold nothing in the fixture, so going back loses nothing.
      assert.deepEqual(await migrateDown(kysely), [`Down ${latest}`]);
      await pglite.exec(getRollbackPlans('pgboss', installed));
      assert.equal(
        (await pglite.query<{ v: number }>('select max(version) as v from pgboss.version')).rows[0]?.v,
        installed - 1,
      );
    } finally {
      await kysely.destroy();
      await pglite.close();
    }
    const before = await pgliteContents(pgliteDir);

    const result = await migrateEmbeddedDatabase({
      pgliteDir,
      adminConnectionString: testServerUrl(),
      databaseName,
    });
    assert.equal(result.loadedAt, all[all.indexOf(latest) - 1]);
    assert.deepEqual(
      result.migratedSince,
      all.slice(all.indexOf(latest)).map((name) => `Up ${name}`),
    );
    const after = await tableContents(databaseUrl(databaseName));
    for (const table of [
      'public.reports',
      'public.users',
      'public.audit_log',
      'public.cases',
      'public.subscribers',
    ]) {
      assert.deepEqual(
        after.get(table)?.map((row) => asFixtureWroteIt(table, row)),
        before.get(table),
        `${table} is the same`,
      );
    }
    assert.deepEqual(after.get('public.attorneys'), [], 'the later migration’s tables exist');
    const db = openKysely(databaseUrl(databaseName));
    try {
      const { rows } = await sql<{ v: number }>`select max(version) as v from pgboss.version`.execute(db);
      assert.equal(rows[0]?.v, installed);
      const auditContext = { secrets: await fixtureSecrets(), clock: systemClock };
      await sealLegacyAuditHead(db, auditContext, []);
      const chain = await verifyAuditChain(db, auditContext);
      assert.ok(chain.ok, JSON.stringify(chain));
    } finally {
      await db.destroy();
    }
  });

  test('a database a first start created (empty but migrated) is replaced; one in use is never', async () => {
    const { pgliteDir, databaseName } = await prepare();
    await withAdmin((admin) => admin.query(`create database ${databaseName}`));
    const fresh = openKysely(databaseUrl(databaseName));
    await migrateToLatest(fresh);
    await fresh.destroy();
    await migrateEmbeddedDatabase({ pgliteDir, adminConnectionString: testServerUrl(), databaseName });
    const moved = await tableContents(databaseUrl(databaseName));
    assert.equal(moved.get('public.reports')?.length, FIXTURE.reportDetails.length);

    // Now it holds the moved data: a second directory is refused, and neither side changes.
    const second = await unpackFixture();
    directories.push(second.dataDir);
    await assert.rejects(
      migrateEmbeddedDatabase({
        pgliteDir: second.pgliteDir,
        adminConnectionString: testServerUrl(),
        databaseName,
      }),
      /already holds Amparo data/,
    );
    assert.deepEqual(await tableContents(databaseUrl(databaseName)), moved);
    assert.equal(
      await findPgliteDirectory(second.dataDir),
      second.pgliteDir,
      'the directory stays where it was',
    );
    assert.deepEqual(await databaseNames(`${databaseName}_`), [], 'no scratch database is left');
  });
});

describe('starting Amparo on a data directory an earlier release left', () => {
  test('moves the PGlite database into the embedded server by itself, once, and serves its reports', async () => {
    const { dataDir } = await unpackFixture();
    const home = path.dirname(dataDir);
    const running = await startAmparo({
      dataDir,
      env: {
        AMPARO_DATA_DIR: dataDir,
        AMPARO_MASTER_KEY_FILE: path.join(FIXTURE_DIR, 'master-key'),
        AMPARO_DATABASE_PASSWORD_FILE: path.join(home, `${path.basename(dataDir)}-database-password`),
        AMPARO_CASE_KEYS_DIR: path.join(FIXTURE_DIR, 'case-keys'),
        AMPARO_LOG_LEVEL: 'warn',
      },
    });
    try {
      assert.equal(await findPgliteDirectory(dataDir), undefined, 'the PGlite directory was moved aside');
      const state = await readEmbeddedState(dataDir);
      assert.ok(state, 'the embedded server runs');
      const password = (await readFile(running.databasePasswordFile, 'utf8')).trim();
      const db = openKysely(embeddedConnectionUrl({ ...state, password }));
      try {
        const secrets = await fixtureSecrets();
        const reports = await db.selectFrom('reports').selectAll().orderBy('created_at').execute();
        assert.deepEqual(
          reports.map((report) =>
            secrets.fields.decrypt(reportField(report.id, 'details'), report.details_ciphertext!),
          ),
          [...FIXTURE.reportDetails],
        );
      } finally {
        await db.destroy();
      }
    } finally {
      await running.stop();
      await running.cleanUp();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
