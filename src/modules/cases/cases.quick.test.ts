// Quick case: opened through the cases service, the form comes back empty with a notice, a rejected form keeps
// every value with an error summary, the operation id is stored, and the case goes to the user's team.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { postForm } from '../incidents/incidents.test-helpers.ts';
import { openCaseForStaff } from './cases.access.ts';
import { unsealDetails } from './cases.model.ts';
import { createQuickCase, registerOperationSitesForCases } from './cases.quick.ts';
import { createTestTeam } from './cases.test-helpers.ts';

function get(app: FastifyInstance, session: StaffSession, url: string, lang = 'en') {
  return app.inject({
    url,
    headers: { cookie: session.cookie, accept: 'text/html', 'accept-language': lang },
  });
}

const PERSON = {
  name: 'Rigoberto Ajú Pérez',
  other_names: 'Rigo, Rigoberto Aju',
  date_of_birth: '1985-07-09',
  country_of_birth: 'Guatemala',
  site: 'Koch Foods, Morton',
  contact_name: 'Ana Ajú',
  contact_phone: '773 555 0171',
  contact_relationship: 'wife',
  contact_language: 'es',
  children: 'yes',
  children_count: '3',
};

describe('quick case', () => {
  let t: TestApp;
  let volunteer: StaffSession;
  let teammate: StaffSession;
  let outsider: StaffSession;
  let team: string;
  before(async () => {
    t = await createTestApp();
    volunteer = await createStaffSession(t.context, ['legal']);
    teammate = await createStaffSession(t.context, ['legal']);
    outsider = await createStaffSession(t.context, ['legal']);
    team = await createTestTeam(t.context, 'Surge team', [volunteer.userId, teammate.userId]);
    await createTestTeam(t.context, 'Other team', [outsider.userId]);
  });
  after(async () => t.close());

  test('creates the case, stays on the empty form with a notice and a link; the team may open it', async () => {
    const page = await get(t.app, volunteer, '/console/cases/quick');
    assert.equal(page.statusCode, 200);
    // Keyboard order is the order of the questions.
    const order = [...page.body.matchAll(/<(?:input|select)[^>]* name="([a-z_]+)"/g)].map((m) => m[1]);
    assert.deepEqual(
      order.filter((name) => name !== '_csrf'),
      [
        'name',
        'other_names',
        'date_of_birth',
        'age',
        'country_of_birth',
        'site',
        'contact_name',
        'contact_phone',
        'contact_relationship',
        'contact_language',
        'contact_consent',
        'children',
        'children',
        'children_count',
      ],
    );

    const saved = await postForm(t.app, volunteer, '/console/cases/quick', PERSON);
    assert.equal(saved.statusCode, 303);
    const location = String(saved.headers.location);
    const id = /^\/console\/cases\/quick\?opened=([0-9a-f-]{36})$/.exec(location)?.[1];
    assert.ok(id, location);

    const next = await get(t.app, volunteer, location);
    assert.equal(next.statusCode, 200);
    const row = await t.context.db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.match(next.body, new RegExp(`Case ${row.reference} opened for Rigoberto Ajú Pérez`));
    assert.match(next.body, new RegExp(`href="/console/cases/${id}"`));
    assert.doesNotMatch(next.body, /value="Koch Foods, Morton"/, 'the form is empty again');
    assert.doesNotMatch(next.body, /value="Rigoberto/);

    // Need to know: the case is in the volunteer's team; a teammate may open it, another team may not.
    assert.equal(row.team_id, team);
    assert.equal(row.operation_id, null);
    assert.equal(row.source, 'console');
    const { cipher } = await openCaseForStaff(t.context, { userId: teammate.userId, roles: ['legal'] }, id);
    const details = unsealDetails(cipher, row);
    assert.equal(details.person.otherNames, 'Rigo, Rigoberto Aju');
    assert.equal(details.lastSeen.place, 'Koch Foods, Morton');
    assert.equal(details.dependents.count, 3);
    assert.equal((await get(t.app, outsider, `/console/cases/${id}`)).statusCode, 404);
    assert.equal((await get(t.app, outsider, location)).body.includes('Rigoberto'), false);
    // The names index holds the name and each spelling (doubtful matches of a roster).
    assert.equal(row.names_index?.length, 3);
  });

  test('errors keep every typed value, with the error summary, in Spanish too', async () => {
    const bad = { ...PERSON, name: '', age: '300', children_count: '', contact_phone: '12' };
    const response = await postForm(t.app, volunteer, '/console/cases/quick', bad, { lang: 'es' });
    assert.equal(response.statusCode, 422);
    assert.match(response.body, /class="error-summary"/);
    assert.match(response.body, /href="#name"/);
    assert.match(response.body, /href="#age"/);
    assert.match(response.body, /href="#children_count"/);
    assert.match(response.body, /Escriba la edad en años, de 0 a 120/);
    for (const kept of ['Rigo, Rigoberto Aju', '1985-07-09', 'Koch Foods, Morton', 'Ana Ajú', 'wife', '300'])
      assert.ok(response.body.includes(`value="${kept}"`), kept);
    assert.match(response.body, /value="yes" checked/);
    const count = await t.context.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1, 'nothing was opened');
  });

  test('the operation id is stored, and its sites are offered when registered', async () => {
    const operationId = randomUUID();
    registerOperationSitesForCases(async (_db, id) =>
      id === operationId ? [{ id: randomUUID(), name: 'Peco Foods, Canton' }] : [],
    );
    try {
      const page = await get(t.app, volunteer, `/console/cases/quick?operation=${operationId}`);
      assert.match(page.body, /<select id="site" name="site"/);
      assert.match(page.body, /<option value="Peco Foods, Canton"/);
      const wrongSite = await postForm(t.app, volunteer, `/console/cases/quick?operation=${operationId}`, {
        ...PERSON,
        name: 'Lucía Ramírez',
        site: 'Somewhere else',
      });
      assert.equal(wrongSite.statusCode, 422);
      const saved = await postForm(t.app, volunteer, `/console/cases/quick?operation=${operationId}`, {
        name: 'Lucía Ramírez',
        age: '34',
        site: 'Peco Foods, Canton',
        children: 'no',
      });
      assert.equal(saved.statusCode, 303);
      assert.match(String(saved.headers.location), new RegExp(`operation=${operationId}&opened=`));
      const row = await t.context.db
        .selectFrom('cases')
        .selectAll()
        .where('operation_id', '=', operationId)
        .executeTakeFirstOrThrow();
      const { cipher } = await openCaseForStaff(
        t.context,
        { userId: volunteer.userId, roles: ['legal'] },
        row.id,
      );
      const details = unsealDetails(cipher, row);
      assert.equal(details.person.age, 34);
      assert.equal(details.dependents.count, 0);
      // The case page shows the age where the date of birth is unknown.
      const casePage = await get(t.app, volunteer, `/console/cases/${row.id}`);
      assert.match(casePage.body, /34 years old/);
    } finally {
      registerOperationSitesForCases(async () => []);
    }
  });

  test("createQuickCase, called directly: a team that is not the user's is refused", async () => {
    const outcome = await createQuickCase(
      t.context,
      { userId: outsider.userId, roles: ['legal'] },
      { values: { name: 'Pedro Luis', team_id: team }, operationId: null },
    );
    assert.equal(outcome.outcome, 'invalid');
    assert.ok(outcome.outcome === 'invalid' && outcome.errors.team_id);
  });

  test('a possible duplicate the user may see stops the save until confirmed', async () => {
    const again = await postForm(t.app, volunteer, '/console/cases/quick', PERSON);
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /id="duplicate-warning"/);
    assert.ok(again.body.includes('value="Koch Foods, Morton"'));
    const confirmed = await postForm(t.app, volunteer, '/console/cases/quick', {
      ...PERSON,
      confirm_not_duplicate: 'yes',
    });
    assert.equal(confirmed.statusCode, 303);
  });

  test('the case list links to the quick case and the roster', async () => {
    const list = await get(t.app, volunteer, '/console/cases');
    assert.match(list.body, /href="\/console\/cases\/quick">Quick case</);
    assert.match(list.body, /href="\/console\/cases\/roster">Import a roster</);
  });

  test('not for staff without the legal role', async () => {
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    assert.equal((await get(t.app, dispatcher, '/console/cases/quick')).statusCode, 403);
  });
});
