// Canary values (an IP in X-Forwarded-For, a user agent, a phone number, an A-number, report text) travel the
// whole first slice: the public form, a sign-in attempt, the console, the hotline text simulator, a text kept in
// the console outbox.
// Afterwards none of them may appear in the logs, in job payloads, or anywhere in the database's files on the
// server's disk (its tables, indexes and write-ahead log).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import sharp from 'sharp';
import { randomUUID } from 'node:crypto';
import { createSmsSender } from '../../src/integrations/messaging/create-sms-sender.ts';
import { createCase } from '../../src/modules/cases/cases.service.ts';
import { testCaseDetails, testContact } from '../../src/modules/cases/cases.test-helpers.ts';
import { signingKeyPrivateField } from '../../src/modules/packets/packets.fields.ts';
import { openReportForm, postReport, VALID_FIELDS } from '../../src/modules/reports/reports.test-helpers.ts';
import { observedIncident, postEntry } from '../../src/modules/observations/observations.test-helpers.ts';
import {
  createStaff,
  dispatchThroughPanel,
  insertIncident,
} from '../../src/modules/dispatch/dispatch.test-helpers.ts';
import { createStaffSession, type StaffSession } from '../support/staff.ts';
import { createTestApp, type TestApp } from '../support/test-context.ts';
import { skipLoudly } from '../support/skipped.ts';
import { readDatabaseFiles } from '../support/test-database.ts';

const CANARIES = {
  ip: '198.51.100.213',
  userAgent: 'CanaryBrowser/9.1 canary-ua-8842',
  phone: '7735550163',
  phoneFormatted: '+17735550163',
  aNumber: 'A204555017',
  reportText: 'canary-text grey van took Rosa from the laundromat',
  location: 'canary-location 2811 W Cermak Rd',
  uniform: 'canary-uniform vest HSI-77',
  observation: 'canary-observation agent shouted at the neighbour',
  observationEdit: 'canary-observation-edit door forced at 10:12',
  evidenceFileName: 'canary-file IMG_Kedzie_Rosa.jpg',
  evidenceBytes: 'canary-bytes of a phone video',
  custodyReason: 'canary-reason for the Kedzie attorney',
  holdReason: 'canary-hold motion to suppress for Rosa 4471',
};
/** The network's packet-signing private key (its 32-byte seed, hex and base64), filled in once it exists. */
const signingSeed: string[] = [];

/** A responder sent to an incident sends a file named by a canary (the form without JavaScript), and downloads
 * it back with a canary reason: the name, the bytes and the reason are sealed. */
async function sendEvidence(t: TestApp, dispatcher: StaffSession): Promise<void> {
  const incident = await insertIncident(t.context);
  const responder = await createStaff(t.context, ['responder']);
  await dispatchThroughPanel(t.app, dispatcher, incident.id, responder.userId);
  const form = new FormData();
  form.append('_csrf', responder.csrfToken);
  form.append('file', new Blob([CANARIES.evidenceBytes]), CANARIES.evidenceFileName);
  const body = new Response(form);
  const sent = await t.app.inject({
    method: 'POST',
    url: `/console/incidents/${incident.id}/evidence`,
    headers: { cookie: responder.cookie, 'content-type': body.headers.get('content-type')! },
    payload: Buffer.from(await body.arrayBuffer()),
  });
  assert.equal(sent.statusCode, 303, 'the file was taken');
  const download = await t.app.inject({
    method: 'POST',
    url: `${sent.headers.location}/download`,
    headers: { cookie: responder.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: responder.csrfToken, reason: CANARIES.custodyReason }).toString(),
  });
  assert.equal(download.body, CANARIES.evidenceBytes, 'the responder can download it');
  // A photo under the same canary name: its working copy is left to a job, whose payload is the item's id alone.
  const photo = new FormData();
  photo.append('_csrf', responder.csrfToken);
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
    .jpeg()
    .toBuffer();
  photo.append('file', new Blob([new Uint8Array(jpeg)]), CANARIES.evidenceFileName);
  const photoBody = new Response(photo);
  const sentPhoto = await t.app.inject({
    method: 'POST',
    url: `/console/incidents/${incident.id}/evidence`,
    headers: { cookie: responder.cookie, 'content-type': photoBody.headers.get('content-type')! },
    payload: Buffer.from(await photoBody.arrayBuffer()),
  });
  assert.equal(sentPhoto.statusCode, 303, 'the photo was taken');
  const { rows } = await sql<{ data: unknown }>`
    select data from pgboss.job where name = 'evidence.working-copy'`.execute(t.context.db);
  assert.equal(rows.length, 1, 'its working copy waits for the job');
}

describe(`canaries never leave the encrypted columns`, () => {
  let t: TestApp;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-canary-'));
    t = await createTestApp({ env: { AMPARO_TRUST_PROXY: '1', AMPARO_DATA_DIR: dataDir } });
    const form = await openReportForm(t.app);
    const submitted = await postReport(t.app, form, {
      ...VALID_FIELDS,
      location: CANARIES.location,
      uniform: CANARIES.uniform,
      details: `${CANARIES.reportText}. Her A-number is ${CANARIES.aNumber}.`,
      callback_phone: CANARIES.phone,
      callback_consent: 'yes',
    });
    assert.equal(submitted.statusCode, 303, 'the report was accepted');
    // The same request again, as a client behind a proxy with a telling user agent.
    await t.app.inject({
      method: 'POST',
      url: '/login',
      payload: `email=someone%40example.org&password=${encodeURIComponent(CANARIES.reportText)}`,
      remoteAddress: CANARIES.ip,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': CANARIES.ip,
        'user-agent': CANARIES.userAgent,
        accept: 'text/html',
      },
    });
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const report = await t.context.db.selectFrom('reports').select('id').executeTakeFirstOrThrow();
    const detail = await t.app.inject({
      url: `/console/reports/${report.id}`,
      headers: { cookie: dispatcher.cookie, accept: 'text/html', 'user-agent': CANARIES.userAgent },
    });
    assert.ok(detail.body.includes('canary-text grey van'), 'staff can read the report');
    await t.app.inject({
      method: 'POST',
      url: `/console/reports/${report.id}/status`,
      payload: `_csrf=${encodeURIComponent(dispatcher.csrfToken)}&status=needs_verification`,
      headers: {
        cookie: dispatcher.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
      },
    });
    // Two texts through the console's hotline simulator, inside one reply window: the second one's answer is
    // owed by a job, so a job caused by canary text exists for its payload to be checked.
    for (const body of [CANARIES.reportText, `${CANARIES.aNumber} outside the laundromat`]) {
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
      assert.equal(simulated.statusCode, 200, 'the simulated text was taken');
    }
    // A text to the reporter through the console outbox, read back by the dispatcher.
    await createSmsSender(t.context).send({ to: CANARIES.phone, body: CANARIES.reportText });
    const outbox = await t.app.inject({
      url: '/console/outbox',
      headers: { cookie: dispatcher.cookie, accept: 'text/html', 'user-agent': CANARIES.userAgent },
    });
    assert.ok(outbox.body.includes('canary-text grey van'), 'staff can read the outbox');
    // An observer's log entry, then edited: the first text lives on as a version, both sealed.
    const { incident, observer } = await observedIncident(t.context);
    const logged = await postEntry(
      t.app,
      observer,
      incident.id,
      { client_id: '6d1f1e0a-3b7e-4a53-9a7e-0c1d2e3f4a5b', kind: 'words_said', text: CANARIES.observation },
      { json: true },
    );
    assert.equal(logged.statusCode, 201, 'the entry was stored');
    const edited = await t.app.inject({
      method: 'POST',
      url: `/console/incidents/${incident.id}/log/${logged.json().id}`,
      payload: new URLSearchParams({
        _csrf: observer.csrfToken,
        kind: 'force_used',
        text: CANARIES.observationEdit,
      }).toString(),
      headers: {
        cookie: observer.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
      },
    });
    assert.equal(edited.statusCode, 303, 'the entry was edited');
    const log = await t.app.inject({
      url: `/console/incidents/${incident.id}/log`,
      headers: { cookie: observer.cookie, accept: 'text/html' },
    });
    assert.ok(log.body.includes('shouted at the neighbour'), 'the observer reads the earlier text');
    await sendEvidence(t, dispatcher);
    // A legal hold's reason (sealed), and the signing key of the evidence packets (its private half sealed).
    const legal = await createStaffSession(t.context, ['legal']);
    const incidentId = randomUUID();
    const now = t.context.clock.now();
    await t.context.db
      .insertInto('incidents')
      .values({
        ...{ id: incidentId, reference: 'INC-CANARY', type: 'street', agency: 'ice', status: 'confirmed' },
        ...{ point_ciphertext: null, zip: null, h3_cell: null, summary_ciphertext: null, merged_into: null },
        ...{
          created_by: null,
          created_at: now,
          updated_at: now,
          status_changed_by: null,
          status_changed_at: now,
        },
      })
      .execute();
    await createCase(
      t.context,
      { userId: legal.userId },
      {
        ...{ source: 'console', followupTaskId: null, incidentId, teamId: null },
        ...{ details: testCaseDetails(), contacts: [testContact()] },
      },
    );
    const held = await t.app.inject({
      method: 'POST',
      url: `/console/incidents/${incidentId}/packet/holds`,
      payload: new URLSearchParams({ _csrf: legal.csrfToken, reason: CANARIES.holdReason }).toString(),
      headers: {
        cookie: legal.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
      },
    });
    assert.equal(held.statusCode, 303, 'the hold was set');
    const packetPage = await t.app.inject({
      url: `/console/incidents/${incidentId}/packet`,
      headers: { cookie: legal.cookie, accept: 'text/html' },
    });
    assert.ok(packetPage.body.includes(CANARIES.holdReason), 'legal staff read the reason');
    const key = await t.context.db.selectFrom('packet_signing_keys').selectAll().executeTakeFirstOrThrow();
    const seed = t.context.secrets.fields
      .decryptBytes(signingKeyPrivateField(), key.private_key_ciphertext)
      .subarray(-32);
    signingSeed.push(seed.toString('hex'), seed.toString('base64'), seed.toString('base64url'));
  });
  after(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function assertNoCanary(where: string, haystack: string): void {
    for (const [kind, value] of Object.entries(CANARIES)) {
      assert.ok(!haystack.includes(value), `${where} contains the ${kind} canary`);
    }
    // Fragments too: the distinctive part of the text, the last digits of the phone number.
    for (const fragment of [
      'shouted at the neighbour',
      'door forced at 10:12',
      'grey van took Rosa',
      '5550163',
      '204555017',
      'canary-ua-8842',
      '100.213',
      'suppress for Rosa',
      ...signingSeed,
    ]) {
      assert.ok(!haystack.includes(fragment), `${where} contains "${fragment}"`);
    }
  }

  test('logs hold none of them', () => {
    assert.ok(t.logs.lines.length > 3, 'requests were logged');
    assertNoCanary('the log', t.logs.text);
  });

  test('job payloads hold none of them', async () => {
    const { rows } = await sql<{ data: unknown }>`select data from pgboss.job`.execute(t.context.db);
    assert.ok(rows.length >= 1, 'the texts enqueued a job');
    assertNoCanary('pgboss.job', JSON.stringify(rows));
  });

  test('every column of every table, read back as text, holds none of them', async () => {
    const { rows: tables } = await sql<{ schema: string; name: string }>`
      select table_schema as schema, table_name as name from information_schema.tables
      where table_schema in ('public', 'pgboss') and table_type = 'BASE TABLE'`.execute(t.context.db);
    let dump = '';
    for (const table of tables) {
      const { rows } = await sql<{ row: string }>`
        select t::text as row from ${sql.table(`${table.schema}.${table.name}`)} t`.execute(t.context.db);
      dump += rows.map((r) => r.row).join('\n');
    }
    assert.ok(dump.includes('needs_verification'), 'the dump has the report');
    assertNoCanary('the table contents', dump);
  });

  test("the database files on the server's disk hold none of them", async (context) => {
    const files = await readDatabaseFiles(t.databaseUrl);
    if (!files) {
      skipLoudly(
        context,
        'canary-dump.test.ts',
        "PostgreSQL's data files readable by the test process",
        "this process cannot read the test server's files, as with a server of another user through AMPARO_TEST_DATABASE_URL",
      );
      return;
    }
    const dump = files.toString('latin1');
    assert.ok(dump.length > 10_000, 'the files are not empty');
    // Plaintext columns are readable in these files, so a canary stored in the clear would be found.
    assert.ok(dump.includes('needs_verification'), 'the files show plaintext column values');
    assertNoCanary('the database files', dump);
  });
});
