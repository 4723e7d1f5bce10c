// Retention, proven against a backup: a dump of the database taken while a closed case was still readable
// holds nothing of it in the clear, and once the daily job has destroyed the case's key, no sealed value of
// that case in the dump can be opened with the same master key and configuration. The dump is a full logical
// one, every row of every table through SQL. The case page then shows the husk.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { CaseCipher, caseKeyStoreFor, CaseKeyUnavailableError } from '../../crypto/case-keys.ts';
import type { FieldRef } from '../../crypto/field-encryption.ts';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { openCaseForStaff } from './cases.access.ts';
import { destroyCaseKeysJob } from './cases.jobs.ts';
import { closeCase, createCase } from './cases.service.ts';
import { storeReport } from '../incidents/incidents.test-helpers.ts';
import { insertFollowup } from '../voice/voice.repository.ts';
import { addFund, postForm } from '../case-support/case-support.test-helpers.ts';
import { randomUUID } from 'node:crypto';
import { destroyDueCaseKeys } from './cases.retention.ts';
import { recordCaseEvent } from './cases.timeline.ts';
import { CANARY_PERSON, openTestCase, testCaseDetails, testContact } from './cases.test-helpers.ts';

const DAY_MS = 24 * 3600 * 1000;
/** What the tracking and support forms record about the person: free text that must never be in the clear. */
const CANARY_NOTE = 'Canarynote Xochitl';
const CANARY_RECEIPT = 'RCPT-CANARY-55012';
const CANARY_COURT = 'Canarycourt Benavides';

interface DumpedTable {
  table: string;
  rows: Record<string, string | null>[];
}

async function dumpDatabase(t: TestApp): Promise<{ text: string; tables: DumpedTable[] }> {
  // Every table of every schema but the system's, each row as JSON text.
  const { rows: names } = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`.execute(
    t.context.db,
  );
  const tables: DumpedTable[] = [];
  let text = '';
  for (const { schema, name } of names) {
    const { rows } = await sql<{ row: string }>`
      select row_to_json(t)::text as row from ${sql.table(`${schema}.${name}`)} t`.execute(t.context.db);
    text += `-- ${schema}.${name}\n${rows.map((r) => r.row).join('\n')}\n`;
    tables.push({
      table: schema === 'public' ? name : `${schema}.${name}`,
      rows: rows.map((r) => {
        const parsed = JSON.parse(r.row) as Record<string, unknown>;
        return Object.fromEntries(
          Object.entries(parsed).map(([k, v]) => [
            k,
            v === null ? null : typeof v === 'string' ? v : JSON.stringify(v),
          ]),
        );
      }),
    });
  }
  return { text, tables };
}

interface SealedValue {
  table: string;
  column: string;
  rowId: string;
  stored: string;
}

/** Every *_ciphertext of the case in the dump: its own row, and every row of any table keyed by case_id. */
/** A value read back from a dump names its table and column at run time: trusted as a reference here. */
const asRef = (value: SealedValue): FieldRef =>
  ({ table: value.table, column: value.column, rowId: value.rowId }) as FieldRef;

function sealedValuesOf(tables: DumpedTable[], caseId: string): SealedValue[] {
  const values: SealedValue[] = [];
  for (const { table, rows } of tables) {
    for (const row of rows) {
      const belongs = (table === 'cases' && row.id === caseId) || row.case_id === caseId;
      if (!belongs) continue;
      for (const [column, stored] of Object.entries(row)) {
        if (!column.endsWith('_ciphertext') || stored === null) continue;
        values.push({ table, column: column.replace(/_ciphertext$/, ''), rowId: row.id ?? '', stored });
      }
    }
  }
  return values;
}

describe(`case retention: the key is destroyed and a backup becomes unreadable`, () => {
  let t: TestApp;
  let legal: StaffSession;
  let caseId: string;
  let reference: string;
  let backup: { text: string; tables: DumpedTable[] };
  before(async () => {
    t = await createTestApp({ env: { AMPARO_CASE_RETENTION_DAYS: '10' } });
    legal = await createStaffSession(t.context, ['legal']);
    const opened = await openTestCase(t.context, legal.userId, {
      details: testCaseDetails({ name: CANARY_PERSON.name, aNumber: CANARY_PERSON.aNumber }),
      contacts: [testContact({ name: 'Canaria Hermana', phone: CANARY_PERSON.phone })],
    });
    caseId = opened.id;
    reference = opened.reference;
    const { cipher } = await openCaseForStaff(t.context, { userId: legal.userId, roles: ['legal'] }, caseId);
    await t.context.db.transaction().execute((trx) =>
      recordCaseEvent(trx, cipher, {
        caseId,
        actorId: legal.userId,
        kind: 'note',
        details: { summary: `Locator shows ${CANARY_PERSON.name}` },
        at: t.clock.now(),
      }),
    );
    // What the other case modules keep about the person: the locator log, where they are held, a hearing,
    // the bond and its payment, a support task and the outcome, all posted through their forms.
    const day = (offsetDays: number) =>
      new Date(t.clock.now().getTime() + offsetDays * DAY_MS).toISOString().slice(0, 10);
    const fundId = await addFund(t.context, legal.userId, 'Retention fund', 1_000_000);
    for (const [path, fields] of [
      ['locator-checks', { result: 'not_found', notes: CANARY_NOTE }],
      ['facility', { facility_name: 'Canary Processing Annex', since: day(-1), notes: CANARY_NOTE }],
      [
        'hearings',
        { date: day(20), time: '09:00', court: CANARY_COURT, judge: 'Judge Canary', kind: 'bond' },
      ],
      ['bond', { eligibility: 'eligible', amount: '5000', set_by: 'ice' }],
      ['bond/payments', { fund_id: fundId, amount: '5000', occurred_on: day(0), receipt: CANARY_RECEIPT }],
      ['support-tasks', { kind: 'childcare', assignee_id: legal.userId, due_on: day(3), notes: CANARY_NOTE }],
      ['outcome', { outcome: 'released', release_kind: 'bond', outcome_on: day(0), note: CANARY_NOTE }],
    ] as const) {
      const res = await postForm(t.app, legal, `/console/cases/${caseId}/${path}`, { ...fields });
      assert.equal(res.statusCode, 303, `${path}: ${res.body.slice(0, 300)}`);
    }
    const { caseRow: current } = await openCaseForStaff(
      t.context,
      { userId: legal.userId, roles: ['legal'] },
      caseId,
    );
    await closeCase(t.context, legal.userId, current, cipher);
    backup = await dumpDatabase(t);
  });
  after(async () => t.close());

  test('the backup holds the case only as ciphertext that opens with its key today', async () => {
    assert.ok(backup.text.includes(reference), 'the dump has the case row');
    for (const canary of [
      CANARY_PERSON.name,
      'Quetzalli',
      CANARY_PERSON.aNumber,
      '7334518',
      CANARY_PERSON.phone,
      '5550188',
      CANARY_NOTE,
      'Canarynote',
      CANARY_RECEIPT,
      'CANARY-55012',
      CANARY_COURT,
      'Canary Processing Annex',
    ]) {
      assert.ok(!backup.text.includes(canary), `the dump holds "${canary}" in the clear`);
    }
    const sealed = sealedValuesOf(backup.tables, caseId);
    const core = sealed.filter((v) => ['cases', 'case_contacts', 'case_events'].includes(v.table));
    assert.ok(
      core.length >= 6,
      `person, languages, last seen, dependents, a contact, timeline (${core.length})`,
    );
    const cipher = await caseKeyStoreFor(t.context).cipherFor(caseId);
    const person = core.find((v) => v.table === 'cases' && v.column === 'person')!;
    assert.match(
      cipher.decrypt(asRef(person), person.stored),
      /Canaria Quetzalli/,
      'before: the backup opens',
    );
  });

  test('the daily job waits for the retention to run out, then destroys the key and leaves a husk', async () => {
    assert.equal(await destroyDueCaseKeys(t.context), 0, 'not yet due');
    assert.ok(await caseKeyStoreFor(t.context).exists(caseId));
    t.clock.advance(10 * DAY_MS + 1000);
    assert.equal(destroyCaseKeysJob.name, 'cases.destroy-keys');
    assert.equal(await destroyDueCaseKeys(t.context), 1);
    assert.equal(await destroyDueCaseKeys(t.context), 0, 'once');

    assert.equal(await caseKeyStoreFor(t.context).exists(caseId), false);
    const files = await readdir(t.context.config.cases.keysDir);
    assert.ok(!files.some((file) => file.startsWith(caseId)), 'no key file is left');
    const row = await t.context.db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    assert.ok(row.key_destroyed_at);
    assert.equal(row.reference, reference);
    assert.equal(row.status, 'closed');
    assert.equal(row.a_number_index, null, 'the A-number can no longer be matched');
    assert.equal(row.name_dob_index, null);
    assert.equal(row.person_ciphertext, null);
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject_id', '=', caseId)
      .where('action', '=', 'case.key_destroyed')
      .execute();
    assert.equal(audit.length, 1);

    // Ten days on, the first session has expired: a colleague assigned to the case looks.
    const colleague = await createStaffSession(t.context, ['legal']);
    await t.context.db
      .insertInto('case_assignees')
      .values({ case_id: caseId, user_id: colleague.userId, assigned_at: t.clock.now() })
      .execute();
    legal = colleague;
    const page = await t.app.inject({
      url: `/console/cases/${caseId}`,
      headers: { cookie: legal.cookie, accept: 'text/html', 'accept-language': 'es' },
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /nadie puede leer ya su contenido/);
    assert.match(page.body, new RegExp(reference));
    assert.ok(!page.body.includes('Canaria'));
    const list = await t.app.inject({
      url: '/console/cases?show=closed',
      headers: { cookie: legal.cookie, accept: 'text/html' },
    });
    assert.match(list.body, /contents destroyed/);
    for (const path of ['/edit', '/export.json', '/export.pdf']) {
      const res = await t.app.inject({
        url: `/console/cases/${caseId}${path}`,
        headers: { cookie: legal.cookie },
      });
      assert.equal(res.statusCode, 404, path);
    }
  });

  test('with the same master key and config, nothing sealed in the backup can be opened', async () => {
    const sealed = sealedValuesOf(backup.tables, caseId);
    assert.ok(sealed.length >= 6);
    // Every case module's sealed rows are in the backup, so each is tried below.
    assert.deepEqual([...new Set(sealed.map((value) => value.table))].sort(), [
      'bond_fund_entries',
      'case_contacts',
      'case_events',
      'case_facility_stays',
      'case_support_tasks',
      'cases',
      'hearings',
      'locator_checks',
    ]);
    await assert.rejects(caseKeyStoreFor(t.context).cipherFor(caseId), CaseKeyUnavailableError);
    // Nor with anything the master key derives: the case key was random, never derived.
    const { keyring, fields } = t.context.secrets;
    const derivedGuesses = ['case-key-wrap', 'case', `case:${caseId}`, 'fields'].map(
      (purpose) => new CaseCipher(caseId, keyring.derive(purpose, keyring.currentVersion)),
    );
    for (const value of sealed) {
      const ref = asRef(value);
      for (const guess of derivedGuesses)
        assert.throws(() => guess.decrypt(ref, value.stored), `${value.table}.${value.column}`);
      assert.throws(
        () => fields.decrypt(ref, value.stored),
        `${value.table}.${value.column} with the field cipher`,
      );
    }
  });

  test('the husk keeps no timeline (its kinds name the outcome, bond and needs) and no link to the call', async () => {
    const report = await storeReport(t.context, { channel: 'voice', callbackPhone: CANARY_PERSON.phone });
    const taskId = randomUUID();
    await insertFollowup(t.context.db, {
      id: taskId,
      report_id: report.id,
      language: 'es',
      created_at: t.clock.now(),
    });
    const { id } = await createCase(
      t.context,
      { userId: legal.userId },
      {
        source: 'hotline',
        followupTaskId: taskId,
        incidentId: null,
        teamId: null,
        details: testCaseDetails(),
        contacts: [testContact()],
      },
    );
    const { caseRow, cipher } = await openCaseForStaff(
      t.context,
      { userId: legal.userId, roles: ['legal'] },
      id,
    );
    await t.context.db.transaction().execute((trx) =>
      recordCaseEvent(trx, cipher, {
        caseId: id,
        actorId: legal.userId,
        kind: 'outcome_removed',
        at: t.clock.now(),
      }),
    );
    await closeCase(t.context, legal.userId, caseRow, cipher);
    t.clock.advance(10 * DAY_MS + 1000);
    assert.equal(await destroyDueCaseKeys(t.context), 1);

    const husk = await t.context.db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.ok(husk.key_destroyed_at);
    assert.equal(husk.followup_task_id, null, 'no way back to the call and its number');
    assert.equal(husk.incident_id, null);
    const events = await t.context.db
      .selectFrom('case_events')
      .select('kind')
      .where('case_id', '=', id)
      .execute();
    assert.deepEqual(events, [], 'no "outcome_removed" left in the clear');
  });
});
