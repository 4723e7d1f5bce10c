// The attorney directory and assignment over a real database: directory forms (errors in Spanish with the
// form kept, the phone encrypted at rest), workloads counted from open cases, suggestions ranked by the
// case's languages and spare capacity, conflict and capacity warnings that need a confirmation, the timeline
// and audit of an assignment, and the contact the hearing reminders use.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { openTestCase, testCaseDetails, testContact } from '../cases/cases.test-helpers.ts';
import { assignedAttorneyContact } from './case-support.attorneys.ts';
import {
  addAttorney,
  auditActions,
  getPage,
  insertBareIncident,
  postForm,
  rawRows,
  textOf,
  timelineKinds,
} from './case-support.test-helpers.ts';

/** The suggestion rows as the attorney reads them: rank, name, languages, workload, warnings. */
function suggestionRows(body: string): { id: string; text: string }[] {
  const table = /<table id="attorney-suggestions">([\s\S]*?)<\/table>/.exec(body)?.[1] ?? '';
  return [...table.matchAll(/<tr data-id="([^"]+)"[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => ({
    id: m[1]!,
    text: m[2]!
      .replace(/<form[\s\S]*?<\/form>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&#39;/g, "'")
      .replace(/\s+/g, ' ')
      .trim(),
  }));
}

describe(`case support: attorneys`, () => {
  let t: TestApp;
  let legal: StaffSession;
  before(async () => {
    t = await createTestApp();
    legal = await createStaffSession(t.context, ['legal']);
  });
  after(async () => t.close());

  test('directory: add, fix a refused form in Spanish, edit, archive; the phone is encrypted at rest', async () => {
    const coordinator = await createStaffSession(t.context, ['coordinator']);
    const bad = await postForm(
      t.app,
      coordinator,
      '/console/attorneys',
      { name: 'Lucía Méndez', organization: 'Centro Legal', languages: '', capacity: 'diez', phone: '555' },
      'es',
    );
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Escriba al menos un idioma/);
    assert.match(bad.body, /Escriba un número entero de 0 a 500/);
    assert.match(bad.body, /Escriba un número de teléfono con su código de área/);
    assert.match(bad.body, /value="Lucía Méndez"/, 'the typed name is kept');
    assert.match(bad.body, /value="Centro Legal"/);

    const phone = '(773) 555-0199';
    // Hearing reminders go to the phone, so legal staff add attorneys with one (see the next test).
    const created = await postForm(t.app, legal, '/console/attorneys', {
      name: 'Lucía Méndez',
      organization: 'Centro Legal',
      languages: 'Spanish, English',
      capacity: '8',
      phone,
    });
    assert.equal(created.statusCode, 303, created.body);
    const row = await t.context.db
      .selectFrom('attorneys')
      .selectAll()
      .where('name', '=', 'Lucía Méndez')
      .executeTakeFirstOrThrow();
    assert.deepEqual(row.languages, ['Spanish', 'English']);
    assert.equal(row.capacity, 8);
    assert.ok(row.phone_ciphertext?.startsWith('v'));
    const raw = await rawRows(t.context, 'attorneys');
    assert.ok(!raw.includes('5550199') && !raw.includes('555-0199'), 'no phone digits in the clear');

    const list = await getPage(t.app, coordinator, '/console/attorneys');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Lucía Méndez[\s\S]*Centro Legal[\s\S]*0 of 8[\s\S]*\+17735550199/);

    const edited = await postForm(t.app, legal, `/console/attorneys/${row.id}`, {
      name: 'Lucía Méndez',
      organization: '',
      languages: 'Spanish',
      capacity: '9',
      phone: '',
    });
    assert.equal(edited.statusCode, 303);
    const after = await t.context.db
      .selectFrom('attorneys')
      .selectAll()
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [after.organization, after.languages, after.capacity, after.phone_ciphertext],
      [null, ['Spanish'], 9, null],
    );

    const archived = await postForm(t.app, coordinator, `/console/attorneys/${row.id}/archive`, {});
    assert.equal(archived.statusCode, 303);
    assert.ok(
      (
        await t.context.db
          .selectFrom('attorneys')
          .select('archived_at')
          .where('id', '=', row.id)
          .executeTakeFirstOrThrow()
      ).archived_at,
    );
    assert.deepEqual(await auditActions(t.context, row.id), [
      'attorney.created',
      'attorney.updated',
      'attorney.phone_changed',
      'attorney.archived',
    ]);

    const missing = await getPage(t.app, legal, '/console/attorneys/00000000-0000-4000-8000-000000000000');
    assert.equal(missing.statusCode, 404);
  });

  test('suggestions: the person’s language first, then the family’s, more room first, full last and marked', async () => {
    const suffix = Date.now().toString(36);
    const ids = {
      mam: await addAttorney(t.context, legal.userId, {
        name: `Mam speaker ${suffix}`,
        languages: ['Mam', 'Spanish'],
        capacity: 5,
      }),
      spanishBusy: await addAttorney(t.context, legal.userId, {
        name: `Busy Spanish ${suffix}`,
        languages: ['es'],
        capacity: 2,
      }),
      spanishRoomy: await addAttorney(t.context, legal.userId, {
        name: `Roomy Spanish ${suffix}`,
        languages: ['español'],
        capacity: 10,
      }),
      english: await addAttorney(t.context, legal.userId, {
        name: `English only ${suffix}`,
        languages: ['English'],
        capacity: 30,
      }),
      mamFull: await addAttorney(t.context, legal.userId, {
        name: `Full Mam ${suffix}`,
        languages: ['Mam'],
        capacity: 1,
      }),
    };
    // Give two attorneys open cases; a closed case does not count.
    const busyCase = await openTestCase(t.context, legal.userId, { contacts: [] });
    const fullCase = await openTestCase(t.context, legal.userId, { contacts: [] });
    const closedCase = await openTestCase(t.context, legal.userId, { contacts: [] });
    assert.equal(
      (
        await postForm(t.app, legal, `/console/cases/${busyCase.id}/attorney`, {
          attorney_id: ids.spanishBusy,
        })
      ).statusCode,
      303,
    );
    assert.equal(
      (await postForm(t.app, legal, `/console/cases/${fullCase.id}/attorney`, { attorney_id: ids.mamFull }))
        .statusCode,
      303,
    );
    assert.equal(
      (
        await postForm(t.app, legal, `/console/cases/${closedCase.id}/attorney`, {
          attorney_id: ids.spanishRoomy,
        })
      ).statusCode,
      303,
    );
    await t.context.db
      .updateTable('cases')
      .set({ status: 'closed', closed_at: new Date() })
      .where('id', '=', closedCase.id)
      .execute();

    // The test case: the person speaks Mam (and Spanish), the family Spanish.
    const target = await openTestCase(t.context, legal.userId, { contacts: [] });
    const page = await getPage(t.app, legal, `/console/cases/${target.id}/attorneys`);
    assert.equal(page.statusCode, 200);
    assert.match(textOf(page.body, 'case-languages'), /The detained person speaks: Mam, Spanish/);
    const rows = suggestionRows(page.body).filter((row) => Object.values(ids).includes(row.id));
    assert.deepEqual(
      rows.map((row) => row.id),
      [ids.mam, ids.spanishRoomy, ids.spanishBusy, ids.english, ids.mamFull],
      rows.map((row) => row.text).join('\n'),
    );
    assert.match(rows[0]!.text, /Speaks Mam, Spanish with the person .* 0 of 5/);
    assert.match(
      rows[1]!.text,
      /Speaks Spanish with the person .* 0 of 10/,
      'the closed case is not counted',
    );
    assert.match(rows[2]!.text, /1 of 2/);
    assert.match(rows[3]!.text, /Does not share a language/);
    assert.match(rows[4]!.text, /1 of 1 · full At capacity/);

    // A full attorney needs the confirmation; with it, the assignment goes through.
    const refused = await postForm(t.app, legal, `/console/cases/${target.id}/attorney`, {
      attorney_id: ids.mamFull,
    });
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /This attorney is at capacity. Tick the confirmation/);
    assert.match(refused.body, /name="confirm_over_capacity"/);
    assert.equal(await assignedAttorneyContact(t.context, target.id), null);
    const confirmed = await postForm(t.app, legal, `/console/cases/${target.id}/attorney`, {
      attorney_id: ids.mamFull,
      confirm_over_capacity: 'yes',
    });
    assert.equal(confirmed.statusCode, 303);
    assert.equal(confirmed.headers.location, `/console/cases/${target.id}/support#case-attorney`);
    const counted = await t.context.db
      .selectFrom('case_attorney_assignments')
      .select('id')
      .where('attorney_id', '=', ids.mamFull)
      .where('ended_at', 'is', null)
      .execute();
    assert.equal(counted.length, 2);
  });

  test('only legal staff change the phone case texts go to; the change is audited and shown on the cases', async () => {
    const coordinator = await createStaffSession(t.context, ['coordinator']);
    const attorneyId = await addAttorney(t.context, legal.userId, {
      name: 'Rosa Vega',
      languages: ['Spanish'],
      capacity: 5,
      phone: '+13125550161',
    });
    const { id: caseId } = await openTestCase(t.context, legal.userId);
    assert.equal(
      (await postForm(t.app, legal, `/console/cases/${caseId}/attorney`, { attorney_id: attorneyId }))
        .statusCode,
      303,
    );
    const form = { name: 'Rosa Vega', organization: '', languages: 'Spanish', capacity: '6' };

    // The coordinator is not offered the field, and a phone sent anyway is refused in their language.
    const page = await getPage(t.app, coordinator, `/console/attorneys/${attorneyId}`);
    assert.equal(page.statusCode, 200);
    assert.ok(!/name="phone"/.test(page.body), 'no phone field for a coordinator');
    assert.match(page.body, /id="attorney-phone-legal-only"/);
    const refused = await postForm(
      t.app,
      coordinator,
      `/console/attorneys/${attorneyId}`,
      { ...form, phone: '+13125550999' },
      'es',
    );
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /Solo el equipo legal puede cambiar el teléfono de un abogado/);
    const added = await postForm(t.app, coordinator, '/console/attorneys', {
      ...form,
      name: 'Otro Abogado',
      phone: '+13125550999',
    });
    assert.equal(added.statusCode, 422, 'a coordinator cannot add an attorney with a phone either');
    assert.equal((await assignedAttorneyContact(t.context, caseId))?.phone, '+13125550161');

    // Without the field, the coordinator still keeps the rest of the directory, and the phone stays.
    assert.equal(
      (await postForm(t.app, coordinator, `/console/attorneys/${attorneyId}`, form)).statusCode,
      303,
    );
    assert.equal((await assignedAttorneyContact(t.context, caseId))?.phone, '+13125550161');
    assert.ok(!(await timelineKinds(t.context, caseId)).includes('attorney_phone_changed'));

    // Legal staff change it: audited, and on the timeline of the case the attorney represents.
    t.clock.advance(60_000);
    const changed = await postForm(t.app, legal, `/console/attorneys/${attorneyId}`, {
      ...form,
      phone: '+13125550162',
    });
    assert.equal(changed.statusCode, 303);
    assert.equal((await assignedAttorneyContact(t.context, caseId))?.phone, '+13125550162');
    assert.deepEqual(
      (await auditActions(t.context, attorneyId)).filter((action) => action.startsWith('attorney.')),
      ['attorney.created', 'attorney.updated', 'attorney.updated', 'attorney.phone_changed'],
    );
    assert.ok((await timelineKinds(t.context, caseId)).includes('attorney_phone_changed'));
    const casePage = await getPage(t.app, legal, `/console/cases/${caseId}/timeline`);
    assert.match(casePage.body, /The phone of Rosa Vega, which this case&#39;s texts go to, was changed/);
  });

  test('assigning: the timeline, the audit, the case page section, the reminder contact; reassigning ends the first', async () => {
    const first = await addAttorney(t.context, legal.userId, {
      name: 'Ana Ruiz',
      organization: 'Centro Legal',
      languages: ['Mam', 'Spanish', 'English'],
      capacity: 10,
      phone: '+13125550142',
    });
    const second = await addAttorney(t.context, legal.userId, {
      name: 'Ben Ortiz',
      languages: ['English'],
      capacity: 10,
    });
    const { id } = await openTestCase(t.context, legal.userId);
    assert.equal(
      (await postForm(t.app, legal, `/console/cases/${id}/attorney`, { attorney_id: first })).statusCode,
      303,
    );

    assert.deepEqual(await assignedAttorneyContact(t.context, id), {
      name: 'Ana Ruiz',
      phone: '+13125550142',
      language: 'es',
    });
    assert.ok((await timelineKinds(t.context, id)).includes('attorney_assigned'));
    assert.ok((await auditActions(t.context, id)).includes('case.attorney_assigned'));
    const casePage = await getPage(t.app, legal, `/console/cases/${id}/support`);
    assert.equal(casePage.statusCode, 200);
    assert.match(textOf(casePage.body, 'current-attorney'), /Ana Ruiz .*Centro Legal .*\+13125550142/);
    const timeline = await getPage(t.app, legal, `/console/cases/${id}/timeline`);
    assert.match(timeline.body, /Attorney assigned: Ana Ruiz/, 'the timeline says it in words');

    // Assigning the same attorney again changes nothing. (The clock moves so the timeline has an order.)
    t.clock.advance(60_000);
    assert.equal(
      (await postForm(t.app, legal, `/console/cases/${id}/attorney`, { attorney_id: first })).statusCode,
      303,
    );
    assert.equal(
      (await postForm(t.app, legal, `/console/cases/${id}/attorney`, { attorney_id: second })).statusCode,
      303,
    );
    const rows = await t.context.db
      .selectFrom('case_attorney_assignments')
      .select(['attorney_id', 'ended_at'])
      .where('case_id', '=', id)
      .orderBy('assigned_at')
      .execute();
    assert.equal(rows.length, 2);
    assert.ok(rows.find((row) => row.attorney_id === first)?.ended_at, 'the first assignment ended');
    assert.equal(rows.find((row) => row.attorney_id === second)?.ended_at, null);
    assert.deepEqual(await assignedAttorneyContact(t.context, id), {
      name: 'Ben Ortiz',
      phone: null,
      language: t.context.config.defaultLanguage,
    });

    t.clock.advance(60_000);
    assert.equal((await postForm(t.app, legal, `/console/cases/${id}/attorney/end`, {})).statusCode, 303);
    assert.equal(await assignedAttorneyContact(t.context, id), null);
    assert.deepEqual(
      (await timelineKinds(t.context, id)).filter((kind) => kind.startsWith('attorney')),
      ['attorney_assigned', 'attorney_assigned', 'attorney_unassigned'],
    );

    const nobody = await postForm(t.app, legal, `/console/cases/${id}/attorney`, { attorney_id: 'nobody' });
    assert.equal(nobody.statusCode, 422);
    assert.match(nobody.body, /Choose an attorney from the list/);
  });

  test('conflicts: same incident, same hotline call, shared family phone; a confirmation is required and noted', async () => {
    const attorney = await addAttorney(t.context, legal.userId, {
      name: 'Carla Vega',
      languages: ['Spanish'],
      capacity: 20,
    });
    const other = await addAttorney(t.context, legal.userId, {
      name: 'Dario Luna',
      languages: ['Spanish'],
      capacity: 20,
    });
    const incidentId = await insertBareIncident(t.context);

    // Carla represents someone detained at the incident, whose family shares a phone with the new case's.
    const sharedPhone = '+17735550777';
    const represented = await openTestCase(t.context, legal.userId, {
      details: testCaseDetails({ name: 'Other Person', aNumber: '111222333' }),
      contacts: [testContact({ phone: sharedPhone })],
    });
    await t.context.db
      .updateTable('cases')
      .set({ incident_id: incidentId })
      .where('id', '=', represented.id)
      .execute();
    await postForm(t.app, legal, `/console/cases/${represented.id}/attorney`, { attorney_id: attorney });

    const target = await openTestCase(t.context, legal.userId, {
      contacts: [testContact({ name: 'Tío Pedro', phone: '(773) 555-0777' })],
    });
    await t.context.db
      .updateTable('cases')
      .set({ incident_id: incidentId })
      .where('id', '=', target.id)
      .execute();

    const page = await getPage(t.app, legal, `/console/cases/${target.id}/attorneys`);
    // The family's Spanish (from the case) and the contact's "es" are one language.
    assert.match(textOf(page.body, 'case-languages'), /The family speaks: Spanish$/);
    const carla = suggestionRows(page.body).find((row) => row.id === attorney)!;
    assert.match(carla.text, /Possible conflict: this attorney already represents a related party/);
    assert.match(carla.text, /Another case from the same incident/);
    assert.match(carla.text, /Another case with a family contact of the same phone number/);
    assert.ok(
      !carla.text.includes('Other Person') && !carla.text.includes(represented.reference),
      'nothing of the other case',
    );
    const dario = suggestionRows(page.body).find((row) => row.id === other)!;
    assert.ok(!dario.text.includes('conflict'));
    const order = suggestionRows(page.body).map((row) => row.id);
    assert.ok(order.indexOf(other) < order.indexOf(attorney), 'a possible conflict ranks after');

    const refused = await postForm(
      t.app,
      legal,
      `/console/cases/${target.id}/attorney`,
      { attorney_id: attorney },
      'es',
    );
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /Este abogado quizá ya representa a una parte relacionada/);
    assert.equal(await assignedAttorneyContact(t.context, target.id), null);
    const confirmed = await postForm(t.app, legal, `/console/cases/${target.id}/attorney`, {
      attorney_id: attorney,
      confirm_conflict: 'yes',
    });
    assert.equal(confirmed.statusCode, 303);
    const row = await t.context.db
      .selectFrom('case_attorney_assignments')
      .select('conflict_acknowledged')
      .where('case_id', '=', target.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.conflict_acknowledged, true);
    assert.ok((await timelineKinds(t.context, target.id)).includes('attorney_assigned_despite_conflict'));

    // The same hotline call: two people from one family's call.
    const followupId = crypto.randomUUID();
    await t.context.db
      .insertInto('followup_tasks')
      .values({
        id: followupId,
        kind: 'family_detained',
        report_id: null,
        assigned_to: null,
        created_at: new Date(),
        closed_at: null,
      })
      .execute();
    const sibling = await openTestCase(t.context, legal.userId, { contacts: [] });
    await t.context.db
      .updateTable('cases')
      .set({ followup_task_id: followupId })
      .where('id', 'in', [sibling.id, represented.id])
      .execute();
    const siblingPage = await getPage(t.app, legal, `/console/cases/${sibling.id}/attorneys`);
    const carlaAgain = suggestionRows(siblingPage.body).find((row) => row.id === attorney)!;
    assert.match(carlaAgain.text, /Another case from the same hotline call/);
    assert.ok(!carlaAgain.text.includes('same incident'));
  });
});
