// Report expiry by sweep: unverified reports (and their photo files) go once retention has passed since they
// arrived, whatever happened to them meanwhile; kept reports and those an open follow-up needs stay; intake
// queues nothing per report.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createStaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { reportsDeps } from './reports.module.ts';
import { changeReportStatus, insertIncomingReport, sweepExpiredReports } from './reports.service.ts';
import {
  jpegWithExif,
  openReportForm,
  postReport,
  VALID_FIELDS,
  referenceFromLocation,
} from './reports.test-helpers.ts';

const MINUTE_MS = 60 * 1000;

describe(`report expiry sweep`, () => {
  let t: TestApp;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-report-expiry-'));
    t = await createTestApp({
      env: { AMPARO_DATA_DIR: dataDir, AMPARO_PUBLIC_RATE_LIMIT: '1000' },
    });
  });
  after(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const retentionMs = () => t.context.config.reportRetentionDays * 24 * 60 * MINUTE_MS;
  const uploads = async (): Promise<string[]> =>
    (await readdir(path.join(dataDir, 'uploads')).catch(() => [])).filter((f) => !f.startsWith('.'));
  const exists = async (id: string) =>
    (await t.context.db.selectFrom('reports').select('id').where('id', '=', id).executeTakeFirst()) !==
    undefined;
  const sweep = () => sweepExpiredReports(reportsDeps(t.context), t.clock.now());

  async function submit(withPhoto: boolean): Promise<{ id: string; storageKey: string | undefined }> {
    const session = await openReportForm(t.app);
    const res = await postReport(
      t.app,
      session,
      VALID_FIELDS,
      withPhoto ? { photo: { bytes: await jpegWithExif() } } : {},
    );
    assert.equal(res.statusCode, 303);
    const reference = referenceFromLocation(res.headers.location);
    const report = await t.context.db
      .selectFrom('reports')
      .leftJoin('report_photos', 'report_photos.report_id', 'reports.id')
      .select(['reports.id', 'report_photos.storage_key'])
      .where('reference', '=', reference)
      .executeTakeFirstOrThrow();
    return { id: report.id, storageKey: report.storage_key ?? undefined };
  }

  test('a submitted report queues no job of its own', async () => {
    const { id } = await submit(false);
    const jobs = await sql<{ n: string | number }>`
      select count(*) as n from pgboss.job where data->>'reportId' = ${id}`.execute(t.context.db);
    assert.equal(Number(jobs.rows[0]!.n), 0);
  });

  test('unverified reports go with their photo files once retention has passed; kept ones stay', async () => {
    const dispatcher = (await createStaffSession(t.context, ['dispatcher'])).userId;
    const deps = reportsDeps(t.context);
    const withPhoto = await submit(true);
    const plain = await submit(false);
    const kept = await submit(false);
    const movedBack = await submit(false);
    assert.equal(await changeReportStatus(deps, kept.id, 'needs_verification', dispatcher), 'changed');
    assert.equal(await changeReportStatus(deps, movedBack.id, 'needs_verification', dispatcher), 'changed');
    assert.equal(await changeReportStatus(deps, movedBack.id, 'spam', dispatcher), 'changed');
    assert.ok(withPhoto.storageKey && (await uploads()).includes(withPhoto.storageKey));

    t.clock.advance(retentionMs() - MINUTE_MS);
    assert.equal(await sweep(), 0, 'nothing goes before retention has passed');
    for (const report of [withPhoto, plain, kept, movedBack]) assert.ok(await exists(report.id));

    t.clock.advance(2 * MINUTE_MS);
    // At least these three (earlier tests' reports may go too).
    assert.ok((await sweep()) >= 3);
    assert.equal(await exists(withPhoto.id), false);
    assert.equal(await exists(plain.id), false);
    assert.equal(await exists(movedBack.id), false, 'marked spam after review, it goes with the rest');
    assert.ok(await exists(kept.id), 'a report that needs verification stays');
    assert.ok(!(await uploads()).includes(withPhoto.storageKey), 'the photo file is deleted');
    assert.equal(await sweep(), 0, 'running again is harmless');
  });

  test('a report an open follow-up needs stays until the task is closed', async () => {
    const taskId = randomUUID();
    const reportId = await t.context.db.transaction().execute(async (trx) => {
      const { id } = await insertIncomingReport(t.context, trx, {
        channel: 'voice',
        language: 'es',
        callbackPhone: '+13125550123',
      });
      await trx
        .insertInto('followup_tasks')
        .values({
          id: taskId,
          kind: 'family_detained',
          report_id: id,
          created_at: t.clock.now(),
          closed_at: null,
          assigned_to: null,
        })
        .execute();
      return id;
    });
    t.clock.advance(retentionMs() + MINUTE_MS);
    await sweep();
    assert.ok(await exists(reportId), 'the call is still there for the legal team');

    await t.context.db
      .updateTable('followup_tasks')
      .set({ status: 'done', closed_at: t.clock.now() })
      .where('id', '=', taskId)
      .execute();
    assert.equal(await sweep(), 1);
    assert.equal(await exists(reportId), false);
  });
});
