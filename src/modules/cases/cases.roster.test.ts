// Roster import: a CSV list of people taken, read like the facility import (BOM, quotes, Spanish headers,
// line-numbered problems), previewed as new / matched / doubtful against the cases' blind indexes (another
// team's case by its reference only), then imported through the quick-case path: matched rows skipped,
// doubtful rows only when ticked, and the same file twice opens nothing the second time.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { formatTime } from '../../i18n/time.ts';
import { postForm, storeReport } from '../incidents/incidents.test-helpers.ts';
import { fileFamilyIntakeFollowup, markFollowupDone } from '../voice/followups.service.ts';
import { importRoster, previewRoster, PREVIEW_TTL_MS, readRosterCsv } from './cases.roster.ts';
import { createTestTeam, openTestCase, testCaseDetails } from './cases.test-helpers.ts';
import { makeLegalIntakeTeam } from './legal-intake.test-helpers.ts';

const BOUNDARY = 'rosterboundary7d1';

function multipart(fields: Record<string, string>, file?: Buffer | string): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  if (file !== undefined) {
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\ncontent-disposition: form-data; name="file"; filename="roster.csv"\r\n` +
          `content-type: text/csv\r\n\r\n`,
      ),
      typeof file === 'string' ? Buffer.from(file, 'utf8') : file,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

function upload(
  app: FastifyInstance,
  session: StaffSession,
  file: Buffer | string | undefined,
  options: { lang?: string; paste?: string; url?: string } = {},
) {
  return app.inject({
    method: 'POST',
    url: options.url ?? '/console/cases/roster',
    payload: multipart(
      { _csrf: session.csrfToken, ...(options.paste ? { paste: options.paste } : {}) },
      file,
    ),
    headers: {
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      cookie: session.cookie,
      accept: 'text/html',
      'accept-language': options.lang ?? 'en',
    },
  });
}

const previewIdOf = (body: string): string => {
  const id = /name="preview" value="([0-9a-f-]{36})"/.exec(body)?.[1];
  assert.ok(id, 'the preview page carries its id');
  return id;
};

function rowClasses(body: string): Map<number, string> {
  return new Map(
    [...body.matchAll(/<tr data-line="(\d+)" data-class="([a-z]+)">/g)].map((m) => [Number(m[1]), m[2]!]),
  );
}

async function caseCount(t: TestApp): Promise<number> {
  const row = await t.context.db
    .selectFrom('cases')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('roster CSV reading', () => {
  test('BOM, quoted commas, Spanish headers, semicolons; bad lines by number', () => {
    const csv =
      '\uFEFFNombre;Otros nombres;Fecha de nacimiento/Edad;País;Número A;Lugar;Teléfono de familia;Notas\r\n' +
      '"Pérez, Juan";Juanito;1980-01-02;México;A-012-345-679;Planta 1;773 555 0101;"turno de noche; diabetes"\r\n' +
      'Ana Solís;;41;Honduras;;Planta 2;;\r\n' +
      'Sin Fecha;;ayer;;;;;\r\n' +
      ';;;;;;;\r\n' +
      '"Mal "cerrado;;;;;;;\r\n';
    const read = readRosterCsv(Buffer.from(csv, 'utf8'));
    assert.ok(read.ok);
    assert.deepEqual(
      read.rows.map((row) => [row.line, row.values.name, row.values.date_of_birth, row.values.age, row.note]),
      [
        [2, 'Pérez, Juan', '1980-01-02', undefined, 'turno de noche; diabetes'],
        [3, 'Ana Solís', undefined, '41', ''],
      ],
    );
    assert.deepEqual(
      read.problems.map((problem) => [problem.line, problem.error.key]),
      [
        [4, 'cases.roster_error_birth'],
        [6, 'cases.roster_error_quote'],
      ],
    );
  });

  test('English headers and a file without a name column', () => {
    const ok = readRosterCsv(
      Buffer.from('Name,Other spellings,Date of birth/age,Country,A-number\nLi Wei,,1990-03-04,China,\n'),
    );
    assert.ok(ok.ok && ok.rows[0]?.values.name === 'Li Wei');
    const none = readRosterCsv(Buffer.from('Apellido,Edad\nLi,30\n'));
    assert.deepEqual(none, { ok: false, error: { key: 'cases.roster_error_no_name_column' } });
  });
});

describe('roster import', () => {
  let t: TestApp;
  let volunteer: StaffSession;
  let outsider: StaffSession;
  let team: string;
  let sameANumber: { id: string; reference: string };
  let otherTeams: { id: string; reference: string };
  let sameNameDob: { id: string; reference: string };
  before(async () => {
    t = await createTestApp();
    volunteer = await createStaffSession(t.context, ['legal']);
    outsider = await createStaffSession(t.context, ['legal']);
    team = await createTestTeam(t.context, 'Surge team', [volunteer.userId]);
    const otherTeam = await createTestTeam(t.context, 'Other team', [outsider.userId]);
    sameANumber = await openTestCase(t.context, volunteer.userId, {
      teamId: team,
      details: testCaseDetails({ name: 'Juan Pérez', aNumber: '012345679', dateOfBirth: null }),
    });
    sameNameDob = await openTestCase(t.context, volunteer.userId, {
      teamId: team,
      details: testCaseDetails({ name: 'Rosa Ixcot', aNumber: null, dateOfBirth: '1979-11-30' }),
    });
    // Another team's case, with details the volunteer must never see.
    otherTeams = await openTestCase(t.context, outsider.userId, {
      teamId: otherTeam,
      details: testCaseDetails({
        name: 'Tomás Cux',
        otherNames: 'Zacarías-Secreto',
        countryOfBirth: 'Belice-Secreto',
        aNumber: '087654321',
        dateOfBirth: '1970-01-01',
      }),
    });
    // A case by name only (no date of birth): a roster row with that name is doubtful.
    await openTestCase(t.context, volunteer.userId, {
      teamId: team,
      details: testCaseDetails({
        name: 'Marta Chun',
        otherNames: 'Martita',
        aNumber: null,
        dateOfBirth: null,
      }),
    });
  });
  after(async () => t.close());

  const ROSTER =
    '\uFEFFnombre,otros nombres,fecha de nacimiento/edad,país,número A,lugar,teléfono de familia,notas\n' +
    '"Pérez, Juan",,,México,A 012 345 679,Planta 1,,\n' + // line 2: matched by A-number
    'Rosa Ixcot,,1979-11-30,Guatemala,,Planta 1,,\n' + // 3: matched by name + date of birth
    'Tomás Cux,,,Guatemala,A-087-654-321,Planta 2,,\n' + // 4: matched: another team's case
    'Martita,,1990-01-01,Guatemala,,Planta 2,,\n' + // 5: doubtful: an alias of a case without a date
    '"Gómez, Luis ""Lucho""",Lucho,1991-02-03,El Salvador,,Planta 1,773 555 0102,"turno 2, línea 3"\n' + // 6: new
    'Elena Batz,,38,Guatemala,,Planta 2,,\n' + // 7: new
    'Pedro Tum,,1988-08-08,Guatemala,,Planta 1,,\n' + // 8: new
    'Sin Fecha Buena,,08/08/1988,Guatemala,,Planta 1,,\n'; // 9: a bad line

  test("preview: 3 matches out of 7, one doubtful, a bad line; another team's case by reference only", async () => {
    const before = await caseCount(t);
    const response = await upload(t.app, volunteer, ROSTER);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(
      [...rowClasses(response.body)],
      [
        [2, 'matched'],
        [3, 'matched'],
        [4, 'matched'],
        [5, 'doubtful'],
        [6, 'new'],
        [7, 'new'],
        [8, 'new'],
      ],
    );
    assert.match(response.body, /3 new people/);
    assert.match(response.body, /3 already have a case/);
    assert.match(response.body, /Line 9: The date of birth must be year-month-day/);
    // Own team's cases: linked. Another team's: its reference, no link, none of its details.
    assert.ok(response.body.includes(`href="/console/cases/${sameANumber.id}"`));
    assert.ok(response.body.includes(`href="/console/cases/${sameNameDob.id}"`));
    assert.ok(response.body.includes(otherTeams.reference));
    assert.ok(!response.body.includes(otherTeams.id), "no link to another team's case");
    assert.ok(!response.body.includes('Secreto'), 'none of its details');
    assert.equal(await caseCount(t), before, 'a preview saves nothing');

    const spanish = await upload(t.app, volunteer, ROSTER, { lang: 'es' });
    assert.match(spanish.body, /Línea 9: La fecha de nacimiento debe ser año-mes-día/);
    assert.match(spanish.body, /3 personas nuevas/);
  });

  test('import: the new rows only, the doubtful one needs a tick; the same file again opens nothing', async () => {
    const before = await caseCount(t);
    const preview = await upload(t.app, volunteer, ROSTER);
    const imported = await postForm(t.app, volunteer, '/console/cases/roster/import', {
      preview: previewIdOf(preview.body),
    });
    assert.equal(imported.statusCode, 200);
    assert.match(imported.body, /3 cases opened; 4 rows skipped/);
    assert.equal(await caseCount(t), before + 3);
    const opened = await t.context.db
      .selectFrom('cases')
      .select('team_id')
      .where('opened_by', '=', volunteer.userId)
      .execute();
    assert.ok(
      opened.every((row) => row.team_id === team),
      "the cases are in the volunteer's team",
    );

    // The preview is used once.
    const twice = await postForm(t.app, volunteer, '/console/cases/roster/import', {
      preview: previewIdOf(preview.body),
    });
    assert.equal(twice.statusCode, 410);

    // The same file again: the three are matched now; the doubtful one opens only when ticked.
    const again = await upload(t.app, volunteer, ROSTER);
    const classes = rowClasses(again.body);
    // Elena Batz came with an age, not a date: the same name alone is doubtful, never opened unticked.
    assert.deepEqual(
      [6, 7, 8].map((line) => classes.get(line)),
      ['matched', 'doubtful', 'matched'],
    );
    const reimport = await postForm(t.app, volunteer, '/console/cases/roster/import', {
      preview: previewIdOf(again.body),
    });
    assert.match(reimport.body, /0 cases opened/);
    assert.equal(await caseCount(t), before + 3, 'nobody entered twice');

    const ticked = await upload(t.app, volunteer, ROSTER);
    await postForm(t.app, volunteer, '/console/cases/roster/import', {
      preview: previewIdOf(ticked.body),
      confirm: '5',
    });
    assert.equal(await caseCount(t), before + 4, 'the ticked doubtful row was opened');
  });

  test("another user cannot import someone else's preview; paste works like a file", async () => {
    const preview = await upload(t.app, volunteer, undefined, {
      paste: 'name,date of birth\nYolanda Cumes,1993-04-05\n',
    });
    assert.equal(preview.statusCode, 200, preview.body);
    const stolen = await postForm(t.app, outsider, '/console/cases/roster/import', {
      preview: previewIdOf(preview.body),
    });
    assert.equal(stolen.statusCode, 410);
    const own = await postForm(t.app, volunteer, '/console/cases/roster/import', {
      preview: previewIdOf(preview.body),
    });
    assert.match(own.body, /1 case opened/);
  });

  test('a file that cannot be read is one error, shown in the error summary', async () => {
    const response = await upload(t.app, volunteer, 'apellido,edad\nLi,30\n', { lang: 'es' });
    assert.equal(response.statusCode, 422);
    assert.match(response.body, /class="error-summary"/);
    assert.match(response.body, /La lista no tiene columna de nombre/);
  });

  test('700 rows preview and import (time measured, not asserted)', async () => {
    const operationId = randomUUID();
    const lines = ['name,other spellings,date of birth/age,country,a-number,site,family contact phone,notes'];
    for (let i = 0; i < 700; i++) {
      const aNumber = String(300000000 + i);
      lines.push(
        `"Persona ${i}, Prueba",P${i},${1960 + (i % 40)}-0${1 + (i % 9)}-1${i % 10},Guatemala,${aNumber},Planta ${i % 6},,`,
      );
    }
    const bytes = Buffer.from(lines.join('\n'), 'utf8');
    const principal = { userId: volunteer.userId, roles: ['legal' as const] };
    const before = await caseCount(t);
    const started = performance.now();
    const preview = await previewRoster(t.context, principal, { bytes, operationId, teamId: null });
    const previewed = performance.now();
    assert.ok(preview.ok);
    assert.equal(preview.preview.rows.filter((row) => row.class === 'new').length, 700);
    const report = await importRoster(t.context, principal, {
      previewId: preview.preview.id,
      confirmedLines: [],
    });
    const imported = performance.now();
    assert.ok(report !== 'expired');
    assert.equal(report.created.length, 700);
    assert.equal(await caseCount(t), before + 700);
    const inOperation = await t.context.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('operation_id', '=', operationId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(inOperation.n), 700);
    console.log(
      `roster of 700 rows: preview ${Math.round(previewed - started)} ms, import ${Math.round(imported - previewed)} ms`,
    );
  });

  // Last: moving the clock this far also ends the test sessions.
  test('a preview expires after PREVIEW_TTL_MS of the clock', async () => {
    const principal = { userId: volunteer.userId, roles: ['legal' as const] };
    const bytes = Buffer.from('nombre\nXiomara Coc\n');
    const preview = await previewRoster(t.context, principal, { bytes, operationId: null, teamId: null });
    assert.ok(preview.ok);
    t.clock.advance(PREVIEW_TTL_MS + 1);
    const late = await importRoster(t.context, principal, {
      previewId: preview.preview.id,
      confirmedLines: [],
    });
    assert.equal(late, 'expired');
  });
});

describe("roster import and the hotline's family follow-ups", () => {
  let t: TestApp;
  let intake: StaffSession;
  let outsider: StaffSession;
  before(async () => {
    t = await createTestApp();
    intake = await createStaffSession(t.context, ['legal']);
    outsider = await createStaffSession(t.context, ['legal']);
    // The intake volunteer handles every follow-up; the outsider handles none (not in the team, none assigned).
    await makeLegalIntakeTeam(t.context, [intake.userId]);
    await createTestTeam(t.context, 'Outsider team', [outsider.userId]);
  });
  after(async () => t.close());

  /** A family's FAMILIA intake by text: a report with their number, and a follow-up holding the name. */
  async function familyTexted(name: string, phone: string): Promise<string> {
    const report = await storeReport(t.context, { channel: 'sms', language: 'es', callbackPhone: phone });
    return t.context.db.transaction().execute((trx) =>
      fileFamilyIntakeFollowup(t.context, trx, {
        reportId: report.id,
        language: 'es',
        operationId: null,
        siteId: null,
        siteName: null,
        detainedName: name,
        relationship: 'hermana',
        dependentsWithoutCare: 0,
        consentToText: true,
      }),
    );
  }

  const task = (id: string) =>
    t.context.db.selectFrom('followup_tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const caseOfLine = async (report: { created: { line: number; id: string }[] }, line: number) => {
    const id = report.created.find((item) => item.line === line)?.id;
    assert.ok(id, `line ${line} was opened`);
    return t.context.db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  };

  test("a family's follow-up makes the row doubtful; ticked, the case is opened from it and takes it", async () => {
    t.clock.advance(60_000);
    const receivedAt = t.clock.now();
    const texted = await familyTexted('José Ajú Quiñónez', '+17735550181');
    const kept = await familyTexted('Marta Xuc', '+17735550182');
    assert.equal((await task(texted)).detained_name_index?.length, 1, 'the name is indexed, not stored');
    // A case by name only: a row matching it and a follow-up shows the case first.
    await openTestCase(t.context, intake.userId, {
      details: testCaseDetails({ name: 'Marta Xuc', aNumber: null, dateOfBirth: null }),
    });
    t.clock.advance(60_000);

    const roster =
      'name,date of birth/age\n' +
      '"QUIÑONEZ, Jose Aju",1985-05-05\n' + // 2: doubtful: the family's follow-up (another spelling)
      'Marta Xuc,30\n' + // 3: doubtful: a case by name, then the follow-up
      'Pedro Nuevo Tzul,1990-01-01\n'; // 4: new
    const page = await upload(t.app, intake, roster);
    assert.equal(page.statusCode, 200, page.body);
    assert.deepEqual(
      [...rowClasses(page.body)],
      [
        [2, 'doubtful'],
        [3, 'doubtful'],
        [4, 'new'],
      ],
    );
    const when = formatTime(receivedAt, 'en', t.context.config.timeZone);
    assert.ok(
      page.body.includes(`A family texted the hotline about someone with this name on ${when}`),
      'the match says when the family texted',
    );
    const line3 = /<tr data-line="3"[\s\S]*?<\/tr>/.exec(page.body)![0];
    assert.ok(line3.indexOf('same name or spelling') < line3.indexOf('data-match="followup"'), 'case first');
    assert.ok(!page.body.includes('+1773555018'), "never the family's number");
    const es = await upload(t.app, intake, roster, { lang: 'es' });
    const cuando = formatTime(receivedAt, 'es', t.context.config.timeZone);
    assert.ok(
      es.body.includes(
        `Una familia le escribió a la línea de ayuda sobre alguien con este nombre el ${cuando}`,
      ),
    );

    const imported = await postForm(t.app, intake, '/console/cases/roster/import', {
      preview: previewIdOf(page.body),
      confirm: '2',
    });
    assert.equal(imported.statusCode, 200, imported.body);
    assert.match(imported.body, /2 cases opened; 1 row skipped/);
    assert.match(imported.body, /1 case was opened from a family&#39;s follow-up/);
    const report = {
      created: [...imported.body.matchAll(/Line (\d+): <a href="\/console\/cases\/([0-9a-f-]{36})"/g)].map(
        (m) => ({ line: Number(m[1]), id: m[2]! }),
      ),
    };
    const opened = await caseOfLine(report, 2);
    assert.equal(opened.followup_task_id, texted);
    assert.equal(opened.source, 'hotline');
    const taken = await task(texted);
    assert.equal(taken.status, 'done');
    assert.equal(taken.case_id, opened.id);
    assert.equal(taken.detained_name_index, null, 'the index goes with the task');
    assert.equal(taken.detained_name_ciphertext, null);
    const moved = await t.context.db
      .selectFrom('case_hotline_messages')
      .select('id')
      .where('case_id', '=', opened.id)
      .execute();
    assert.equal(moved.length, 1, "the family's number is the case's now");
    // The family who texted is the case's contact, and having said yes to texts, gets a status code at once.
    const contacts = await t.context.db
      .selectFrom('case_contacts')
      .select('id')
      .where('case_id', '=', opened.id)
      .execute();
    assert.equal(contacts.length, 1);
    const codes = await t.context.db
      .selectFrom('case_status_codes')
      .select('contact_id')
      .where('case_id', '=', opened.id)
      .execute();
    assert.deepEqual(
      codes.map((code) => code.contact_id),
      [contacts[0]!.id],
    );
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('subject_id', '=', texted)
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      audit.map((row) => row.action),
      ['followup.created', 'followup.done', 'followup.moved_to_case'],
    );
    assert.equal((await caseOfLine(report, 4)).followup_task_id, null);
    // Marta Xuc's row was not ticked: her family's follow-up stays open, still found by name.
    assert.equal((await task(kept)).status, 'open');
    assert.equal((await task(kept)).detained_name_index?.length, 1);
    for (const secret of ['Quiñónez', 'QUIÑONEZ', 'Aju', 'Marta Xuc', '5550181'])
      assert.ok(!t.logs.text.includes(secret), `no ${secret} in the logs`);
  });

  test('a user who may not handle the follow-up: doubtful too, but the case opens on its own', async () => {
    const texted = await familyTexted('Lucía Coj', '+17735550183');
    const preview = await previewRoster(
      t.context,
      { userId: outsider.userId, roles: ['legal'] },
      { bytes: Buffer.from('name\nLucia Coj\n'), operationId: null, teamId: null },
    );
    assert.ok(preview.ok);
    assert.deepEqual(
      preview.preview.rows.map((row) => [row.class, row.matches.map((match) => match.by)]),
      [['doubtful', ['followup']]],
    );
    const report = await importRoster(
      t.context,
      { userId: outsider.userId, roles: ['legal'] },
      { previewId: preview.preview.id, confirmedLines: [2] },
    );
    assert.ok(report !== 'expired');
    assert.deepEqual([report.created.length, report.linkedFollowups, report.followupsLeft], [1, 0, 1]);
    assert.equal((await caseOfLine(report, 2)).followup_task_id, null);
    const left = await task(texted);
    assert.equal(left.status, 'open', 'the follow-up stays with the intake team');
    assert.equal(left.case_id, null);
    assert.equal(left.detained_name_index?.length, 1);
  });

  test('a closed follow-up loses its name index and matches no more', async () => {
    const texted = await familyTexted('Ana Tuyuc', '+17735550184');
    assert.equal(await markFollowupDone(t.context, texted, intake.userId), 'closed');
    assert.equal((await task(texted)).detained_name_index, null);
    const preview = await previewRoster(
      t.context,
      { userId: intake.userId, roles: ['legal'] },
      { bytes: Buffer.from('name\nAna Tuyuc\n'), operationId: null, teamId: null },
    );
    assert.ok(preview.ok);
    assert.deepEqual(
      preview.preview.rows.map((row) => row.class),
      ['new'],
    );
  });
});
