// Backups of a PostgreSQL database made through Amparo itself (reports with photos, staff and sessions, the audit
// chain, queued jobs, a subscriber, a case): restored into a fresh database, every table is the same row for row,
// encrypted fields open with the same master key, and the audit chain goes on. A backup taken while writes go
// on holds one moment of the database. A wrong key, a changed byte or a cut-off file is refused and changes
// nothing.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { systemClock } from '../../src/app/context.ts';
import { caseKeyStoreFor } from '../../src/crypto/case-keys.ts';
import { parseMasterKeys } from '../../src/crypto/keyring.ts';
import { createSecrets, type Secrets } from '../../src/crypto/secrets.ts';
import { backupDatabase, BackupError, restoreDatabase, type BackupProblem } from '../../src/db/backup.ts';
import { DatabaseReplaceError } from '../../src/db/database-replace.ts';
import type { Database } from '../../src/db/schema.ts';
import { recordAudit, verifyAuditChain } from '../../src/modules/audit/audit.service.ts';
import { unsealDetails } from '../../src/modules/cases/cases.model.ts';
import { openTestCase, testCaseDetails } from '../../src/modules/cases/cases.test-helpers.ts';
import {
  jpegWithExif,
  openReportForm,
  postReport,
  VALID_FIELDS,
} from '../../src/modules/reports/reports.test-helpers.ts';
import { signUpOnWeb } from '../../src/modules/subscriptions/subscriptions.service.ts';
import { sendQueuedSignupCodes } from '../../src/modules/subscriptions/subscriptions.test-helpers.ts';
import {
  databaseNames,
  databaseUrl,
  dropDatabases,
  openKysely,
  scratchDatabaseName,
  tableContents,
} from '../support/database-copies.ts';
import { testServerUrl } from '../support/test-database.ts';
import { createStaffSession } from '../support/staff.ts';
import { createTestApp, type TestApp } from '../support/test-context.ts';
import type { EncryptedColumn } from '../../src/crypto/field-encryption.ts';
import { reportField } from '../../src/modules/reports/reports.fields.ts';
import { userEmailField } from '../../src/modules/auth/users.queries.ts';

const SECRET = {
  location: 'backup-canary 2811 W Cermak Rd',
  details: 'backup-canary: they took Rosa from the laundromat',
  email: 'backup-dispatcher@example.org',
  subscriber: '+17735550177',
};

interface Seeded {
  dispatcherId: string;
  caseId: string;
}

/** A little of everything, written through Amparo's own routes and services. */
async function seed(t: TestApp): Promise<Seeded> {
  const dispatcher = await createStaffSession(t.context, ['dispatcher', 'legal'], { email: SECRET.email });
  const form = await openReportForm(t.app);
  const withPhoto = await postReport(
    t.app,
    form,
    {
      ...VALID_FIELDS,
      location: SECRET.location,
      details: SECRET.details,
      callback_phone: '7735550163',
      callback_consent: 'yes',
    },
    { photo: { bytes: await jpegWithExif() } },
  );
  assert.equal(withPhoto.statusCode, 303);
  const plain = await postReport(t.app, await openReportForm(t.app), VALID_FIELDS);
  assert.equal(plain.statusCode, 303);
  const report = await t.context.db
    .selectFrom('reports')
    .select('id')
    .where('callback_phone_ciphertext', 'is not', null)
    .executeTakeFirstOrThrow();
  const viewed = await t.app.inject({
    url: `/console/reports/${report.id}`,
    headers: { cookie: dispatcher.cookie, accept: 'text/html' },
  });
  assert.equal(viewed.statusCode, 200);
  const triaged = await t.app.inject({
    method: 'POST',
    url: `/console/reports/${report.id}/status`,
    payload: `_csrf=${encodeURIComponent(dispatcher.csrfToken)}&status=needs_verification`,
    headers: {
      cookie: dispatcher.cookie,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
    },
  });
  assert.equal(triaged.statusCode, 303);
  // Two texts through the console's hotline simulator inside one reply window: the second one's answer waits
  // in a queued job.
  for (const body of ['they are at the laundromat', 'still there']) {
    const simulated = await t.app.inject({
      method: 'POST',
      url: '/console/hotline/simulator',
      payload: new URLSearchParams({
        _csrf: dispatcher.csrfToken,
        phone: '+1 312 555 0142',
        body,
      }).toString(),
      headers: {
        cookie: dispatcher.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
      },
    });
    assert.equal(simulated.statusCode, 200);
  }
  await signUpOnWeb(t.context, {
    phone: SECRET.subscriber,
    zips: ['60608'],
    language: 'es',
    clientAddress: '192.0.2.10',
  });
  await sendQueuedSignupCodes(t.context);
  const opened = await openTestCase(t.context, dispatcher.userId);
  return { dispatcherId: dispatcher.userId, caseId: opened.id };
}

function secretsOf(t: TestApp): Secrets {
  // From the master key as configured, not the running app's objects: a restore needs only the key.
  return createSecrets(parseMasterKeys(t.context.config.masterKey!));
}

async function rejectsAs(promise: Promise<unknown>, problem: BackupProblem): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof BackupError, `a BackupError, not ${String(error)}`);
    assert.equal(error.problem, problem, error.message);
    return true;
  });
}

describe('backup and restore', () => {
  let t: TestApp;
  let seeded: Seeded;
  let dir: string;
  let file: string;
  let source: Map<string, string[]>;
  const restored = scratchDatabaseName('restored');
  let restoredDb: Kysely<Database>;

  before(async () => {
    t = await createTestApp();
    seeded = await seed(t);
    // pg-boss's maintenance would keep writing to its tables; the comparison needs the source to stand still.
    await t.context.jobs.stop();
    dir = await mkdtemp(path.join(tmpdir(), 'amparo-backup-'));
    file = path.join(dir, 'amparo.backup');
    source = await tableContents(t.databaseUrl);
    const started = performance.now();
    const written = await backupDatabase({
      connectionString: t.databaseUrl,
      file,
      keyring: secretsOf(t).keyring,
    });
    const backedUp = performance.now();
    const summary = await restoreDatabase({
      adminConnectionString: testServerUrl(),
      databaseName: restored,
      file,
      keyring: secretsOf(t).keyring,
      previous: 'drop',
    });
    console.log(
      `backup: ${written.tables} tables, ${written.rows} rows, ${written.bytes} bytes in ` +
        `${Math.round(backedUp - started)} ms; restore in ${Math.round(performance.now() - backedUp)} ms`,
    );
    assert.equal(summary.rows, written.rows);
    restoredDb = openKysely(databaseUrl(restored));
  });
  after(async () => {
    await restoredDb?.destroy();
    await dropDatabases(restored);
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('every table holds the same rows after the round trip', async () => {
    for (const table of [
      'public.reports',
      'public.report_photos',
      'public.users',
      'public.sessions',
      'public.audit_log',
      'public.subscribers',
      'public.sms_outbox',
      'public.cases',
      'public.case_contacts',
      'public.case_events',
      'public.amparo_migrations',
      'pgboss.job_common',
      'pgboss.queue',
      'pgboss.version',
    ]) {
      assert.ok((source.get(table)?.length ?? 0) > 0, `the source has rows in ${table}`);
    }
    const copy = await tableContents(databaseUrl(restored));
    assert.deepEqual([...copy.keys()], [...source.keys()], 'the same tables');
    for (const [table, rows] of source) assert.deepEqual(copy.get(table), rows, `${table} is the same`);
  });

  test('encrypted fields open with the same master key', async () => {
    const secrets = secretsOf(t);
    const report = await restoredDb
      .selectFrom('reports')
      .selectAll()
      .where('callback_phone_ciphertext', 'is not', null)
      .executeTakeFirstOrThrow();
    const field = (column: EncryptedColumn<'reports'>) => reportField(report.id, column);
    assert.equal(secrets.fields.decrypt(field('location'), report.location_ciphertext!), SECRET.location);
    assert.equal(secrets.fields.decrypt(field('details'), report.details_ciphertext!), SECRET.details);
    assert.equal(
      secrets.fields.decrypt(field('callback_phone'), report.callback_phone_ciphertext!),
      '+17735550163',
    );
    const user = await restoredDb
      .selectFrom('users')
      .selectAll()
      .where('id', '=', seeded.dispatcherId)
      .executeTakeFirstOrThrow();
    assert.equal(secrets.fields.decrypt(userEmailField(user.id), user.email_ciphertext), SECRET.email);
    const subscriber = await restoredDb.selectFrom('subscribers').selectAll().executeTakeFirstOrThrow();
    assert.equal(
      secrets.fields.decrypt(
        { table: 'subscribers', column: 'phone', rowId: subscriber.id },
        subscriber.phone_ciphertext,
      ),
      SECRET.subscriber,
    );
    const caseRow = await restoredDb
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', seeded.caseId)
      .executeTakeFirstOrThrow();
    const cipher = await caseKeyStoreFor({ config: t.context.config, secrets }).cipherFor(caseRow.id);
    assert.deepEqual(unsealDetails(cipher, caseRow).person, testCaseDetails().person);
  });

  test('the audit chain verifies, and a new entry chains on', async () => {
    const context = { secrets: secretsOf(t), clock: systemClock };
    const verified = await verifyAuditChain(restoredDb, context);
    assert.ok(verified.ok, JSON.stringify(verified));
    assert.equal(verified.rowsChecked, source.get('public.audit_log')!.length);
    await recordAudit(restoredDb, context, { actorId: seeded.dispatcherId, action: 'outbox.viewed' });
    const again = await verifyAuditChain(restoredDb, context);
    assert.ok(again.ok, JSON.stringify(again));
    assert.equal(again.rowsChecked, verified.rowsChecked + 1);
  });

  test('pg-boss starts on the restored database and finds the queued jobs', async () => {
    const { rows: queued } = await sql<{ id: string; name: string }>`select id, name from pgboss.job`.execute(
      restoredDb,
    );
    assert.ok(queued.length > 0);
    const boss = new PgBoss({ connectionString: databaseUrl(restored), schema: 'pgboss', supervise: false });
    boss.on('error', () => {});
    await boss.start();
    try {
      for (const job of queued) {
        assert.ok(await boss.getJobById(job.name, job.id), `job ${job.name} is there`);
      }
    } finally {
      await boss.stop({ graceful: false });
    }
  });

  describe('a backup that cannot be restored changes nothing', () => {
    let live: Map<string, string[]>;
    let bytes: Buffer;

    async function refusedAndUnchanged(problem: BackupProblem, damaged: Buffer, masterKey?: string) {
      const damagedFile = path.join(dir, `damaged-${problem}-${damaged.length}`);
      await writeFile(damagedFile, damaged);
      const keyring = masterKey ? createSecrets(parseMasterKeys(masterKey)).keyring : secretsOf(t).keyring;
      await rejectsAs(
        restoreDatabase({
          adminConnectionString: testServerUrl(),
          databaseName: restored,
          file: damagedFile,
          keyring,
          previous: 'drop',
        }),
        problem,
      );
      assert.deepEqual(await tableContents(databaseUrl(restored)), live, 'the live database is as it was');
      assert.deepEqual(await databaseNames(`${restored}_`), [], 'no scratch database is left');
    }

    before(async () => {
      await restoredDb.destroy();
      live = await tableContents(databaseUrl(restored));
      bytes = await readFile(file);
    });
    after(() => {
      restoredDb = openKysely(databaseUrl(restored));
    });

    test('another master key', async () => {
      await refusedAndUnchanged('wrong_key', bytes, Buffer.alloc(32, 7).toString('base64'));
    });

    test('a flipped byte', async () => {
      const flipped = Buffer.from(bytes);
      flipped[Math.floor(flipped.length / 2)] = flipped[Math.floor(flipped.length / 2)]! ^ 0x20;
      await refusedAndUnchanged('damaged', flipped);
    });

    test('a cut-off file', async () => {
      await refusedAndUnchanged('truncated', bytes.subarray(0, bytes.length - 40));
    });

    test('a database still in use is not replaced', async () => {
      const client = new pg.Client({ connectionString: databaseUrl(restored) });
      await client.connect();
      try {
        await assert.rejects(
          restoreDatabase({
            adminConnectionString: testServerUrl(),
            databaseName: restored,
            file,
            keyring: secretsOf(t).keyring,
            previous: 'drop',
          }),
          (error: unknown) => error instanceof DatabaseReplaceError && /in use/.test(error.message),
        );
      } finally {
        await client.end();
      }
      assert.deepEqual(await tableContents(databaseUrl(restored)), live);
    });

    test('a good backup replaces it, keeping the previous one when asked', async () => {
      const result = await restoreDatabase({
        adminConnectionString: testServerUrl(),
        databaseName: restored,
        file,
        keyring: secretsOf(t).keyring,
        previous: 'keep',
      });
      assert.ok(result.previousKeptAs?.startsWith(`${restored}_before_`));
      assert.deepEqual(await databaseNames(`${restored}_`), [result.previousKeptAs]);
      // The previous one had the extra audit entry; the restored one is the backup's moment again.
      assert.deepEqual(await tableContents(databaseUrl(result.previousKeptAs!)), live);
      assert.deepEqual(await tableContents(databaseUrl(restored)), source);
      await dropDatabases(result.previousKeptAs!);
    });
  });
});

describe('a backup taken while Amparo keeps writing', () => {
  test('holds one moment: the audit chain and its head agree, and nothing written after it started', async () => {
    const t = await createTestApp();
    const dir = await mkdtemp(path.join(tmpdir(), 'amparo-backup-live-'));
    const restored = scratchDatabaseName('live');
    let stop = false;
    try {
      await seed(t);
      const file = path.join(dir, 'live.backup');
      // A writer appending to the audit chain for as long as the backup runs (each append changes two tables).
      let appended = 0;
      const writer = (async () => {
        while (!stop) {
          await recordAudit(t.context.db, t.context, { actorId: null, action: 'outbox.viewed' });
          appended += 1;
        }
      })();
      // And one write known to commit after the snapshot: during the backup's first batch (pg-boss's tables
      // come first), before the audit tables are read.
      let markerSeq: bigint | undefined;
      await backupDatabase({
        connectionString: t.databaseUrl,
        file,
        keyring: t.context.secrets.keyring,
        pagesPerBatch: 1,
        onBatch: async () => {
          if (markerSeq !== undefined) return;
          await recordAudit(t.context.db, t.context, {
            actorId: null,
            action: 'report.viewed',
            subjectType: 'marker',
            subjectId: 'after-snapshot',
          });
          const head = await t.context.db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow();
          markerSeq = BigInt(head.seq);
        },
      });
      stop = true;
      await writer;
      assert.ok(markerSeq !== undefined, 'the marker was written during the backup');

      await restoreDatabase({
        adminConnectionString: testServerUrl(),
        databaseName: restored,
        file,
        keyring: t.context.secrets.keyring,
        previous: 'drop',
      });
      const copy = openKysely(databaseUrl(restored));
      try {
        const verified = await verifyAuditChain(copy, t.context);
        assert.ok(verified.ok, `the restored chain and head agree: ${JSON.stringify(verified)}`);
        const head = await copy.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow();
        assert.ok(BigInt(head.seq) < markerSeq, 'nothing committed after the snapshot is in the backup');
        const marker = await copy
          .selectFrom('audit_log')
          .select('seq')
          .where('subject_type', '=', 'marker')
          .executeTakeFirst();
        assert.equal(marker, undefined);
        // What the backup holds is exactly the source's chain up to its head: a prefix, nothing missing.
        const sourceContents = await tableContents(t.databaseUrl);
        const copyContents = await tableContents(databaseUrl(restored));
        const prefix = sourceContents
          .get('public.audit_log')!
          .filter((row) => BigInt((JSON.parse(row) as { seq: string | number }).seq) <= BigInt(head.seq));
        assert.deepEqual(copyContents.get('public.audit_log'), prefix);
        for (const table of ['public.reports', 'public.users', 'public.cases', 'public.subscribers']) {
          assert.deepEqual(copyContents.get(table), sourceContents.get(table), `${table} is the same`);
        }
        console.log(`the writer appended ${appended} audit entries while the backup ran`);
      } finally {
        await copy.destroy();
      }
    } finally {
      stop = true;
      await dropDatabases(restored);
      await t.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
