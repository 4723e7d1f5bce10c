// Family support tasks and the outcome over a real database: tasks only for staff who can open the case,
// notes sealed at rest, "my tasks" with overdue ones marked and statuses changed from there; the outcome
// sealed, on the timeline, and the family texted (queued with ids only, sent in their language) only when the
// outcome itself changes; a closed case refuses changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { outboxTextsTo } from '../dispatch/dispatch.test-helpers.ts';
import { familyTextBody, sendFamilyTexts } from '../cases/cases.family.ts';
import { isFamilyChange } from '../cases/cases.jobs.ts';
import {
  CANARY_PERSON,
  createTestTeam,
  openTestCase,
  queuedJobs,
  testContact,
} from '../cases/cases.test-helpers.ts';
import { getPage, postForm, rawRows, textOf, timelineKinds } from './case-support.test-helpers.ts';

const NOTES_CANARY = 'Necesita-guarderia-canario-5521';

function myTaskRows(body: string): string[] {
  const table = /<table id="my-tasks">([\s\S]*?)<\/table>/.exec(body)?.[1] ?? '';
  return [...table.matchAll(/<tr data-id="[^"]+"[^>]*>([\s\S]*?)<\/tr>/g)].map((m) =>
    m[1]!
      .replace(/<form[\s\S]*?<\/form>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

describe(`case support: family support tasks and the outcome`, () => {
  let t: TestApp;
  let legal: StaffSession;
  let teammate: StaffSession;
  let outsider: StaffSession;
  let teamId: string;
  before(async () => {
    t = await createTestApp({ env: { AMPARO_TIMEZONE: 'America/Chicago' } });
    legal = await createStaffSession(t.context, ['legal']);
    teammate = await createStaffSession(t.context, ['legal']);
    outsider = await createStaffSession(t.context, ['legal']);
    teamId = await createTestTeam(t.context, 'Tasks team', [legal.userId, teammate.userId]);
    await createTestTeam(t.context, 'Other team', [outsider.userId]);
  });
  after(async () => t.close());

  test('adding a task: refused forms come back in Spanish; tasks go only to staff on the case; notes are sealed', async () => {
    const { id } = await openTestCase(t.context, legal.userId, { teamId });
    const bad = await postForm(
      t.app,
      legal,
      `/console/cases/${id}/support-tasks`,
      { kind: 'childcare', assignee_id: outsider.userId, due_on: '2026-02-30', notes: NOTES_CANARY },
      'es',
    );
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Elija a alguien de la lista: las tareas son para el personal legal de este caso/);
    assert.match(bad.body, /Escriba una fecha real/);
    assert.match(bad.body, /<option value="childcare" selected>/);
    assert.match(bad.body, new RegExp(`>${NOTES_CANARY}</textarea>`));
    // The choices are the case's own staff: the opener and the team, not the other team.
    assert.match(bad.body, new RegExp(`<option value="${teammate.userId}"`));
    assert.ok(!bad.body.includes(`<option value="${outsider.userId}"`));

    const added = await postForm(t.app, legal, `/console/cases/${id}/support-tasks`, {
      kind: 'childcare',
      assignee_id: teammate.userId,
      due_on: '2026-12-05',
      notes: NOTES_CANARY,
    });
    assert.equal(added.statusCode, 303);
    assert.equal(added.headers.location, `/console/cases/${id}/support#case-support-tasks`);
    const page = await getPage(t.app, legal, `/console/cases/${id}/support`);
    assert.match(textOf(page.body, 'support-tasks'), new RegExp(`Childcare ${NOTES_CANARY}`));
    const timeline = await getPage(t.app, legal, `/console/cases/${id}/timeline`);
    assert.match(timeline.body, /Support task added: childcare, due 2026-12-05/);
    assert.ok(!(await rawRows(t.context, 'case_support_tasks')).includes(NOTES_CANARY), 'notes sealed');
    assert.ok(!(await rawRows(t.context, 'case_events')).includes(NOTES_CANARY));
    assert.ok((await timelineKinds(t.context, id)).includes('support_childcare_added'));
  });

  test('my tasks: soonest first, overdue marked, status changed from the list; nobody else can touch them', async () => {
    const first = await openTestCase(t.context, legal.userId, { teamId });
    const second = await openTestCase(t.context, legal.userId, { teamId });
    t.clock.advance(0);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago' }).format(t.clock.now());
    const yesterday = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago' }).format(
      new Date(t.clock.now().getTime() - 86_400_000),
    );
    await postForm(t.app, legal, `/console/cases/${second.id}/support-tasks`, {
      kind: 'accompany_court',
      assignee_id: teammate.userId,
      due_on: today,
    });
    await postForm(t.app, legal, `/console/cases/${first.id}/support-tasks`, {
      kind: 'food',
      assignee_id: teammate.userId,
      due_on: yesterday,
    });
    await postForm(t.app, legal, `/console/cases/${first.id}/support-tasks`, {
      kind: 'rent',
      assignee_id: legal.userId,
      due_on: today,
    });

    const mine = await getPage(t.app, teammate, '/console/my-tasks');
    assert.equal(mine.statusCode, 200);
    const rows = myTaskRows(mine.body).filter(
      (row) => row.includes(first.reference) || row.includes(second.reference),
    );
    assert.equal(rows.length, 2, rows.join('\n'));
    assert.match(rows[0]!, new RegExp(`overdue ${first.reference} Food`));
    assert.match(rows[1]!, new RegExp(`${second.reference} Accompany to a court date`));
    assert.ok(!rows[1]!.includes('overdue'));

    const foodTask = await t.context.db
      .selectFrom('case_support_tasks')
      .select('id')
      .where('case_id', '=', first.id)
      .where('kind', '=', 'food')
      .executeTakeFirstOrThrow();
    const outsiders = await postForm(t.app, outsider, `/console/support-tasks/${foodTask.id}/status`, {
      status: 'done',
    });
    assert.equal(outsiders.statusCode, 404, 'another team’s legal user does not learn the task exists');
    const strange = await postForm(t.app, teammate, `/console/support-tasks/${foodTask.id}/status`, {
      status: 'lost',
    });
    assert.equal(strange.statusCode, 400);

    t.clock.advance(1000);
    const progress = await postForm(t.app, teammate, `/console/support-tasks/${foodTask.id}/status`, {
      status: 'in_progress',
      back: 'my-tasks',
    });
    assert.equal(progress.statusCode, 303);
    assert.equal(progress.headers.location, '/console/my-tasks?saved=task');
    t.clock.advance(1000);
    const done = await postForm(t.app, teammate, `/console/support-tasks/${foodTask.id}/status`, {
      status: 'done',
    });
    assert.equal(done.headers.location, `/console/cases/${first.id}/support#case-support-tasks`);
    const afterDone = await getPage(t.app, teammate, '/console/my-tasks?saved=task');
    assert.match(afterDone.body, /Task updated\./);
    assert.ok(!myTaskRows(afterDone.body).some((row) => row.includes('Food')), 'a done task leaves the list');
    const kinds = await timelineKinds(t.context, first.id);
    assert.deepEqual(
      kinds.filter((kind) => kind.startsWith('support_task_')),
      ['support_task_in_progress', 'support_task_done'],
    );

    const outsiderList = await getPage(t.app, outsider, '/console/my-tasks');
    assert.match(outsiderList.body, /Nothing assigned to you right now/);
  });

  test('the outcome: sealed, on the timeline, the family texted in Spanish only when the outcome changes', async () => {
    const { id } = await openTestCase(t.context, legal.userId, {
      teamId,
      contacts: [testContact({ phone: '+17735550311', language: 'es', consentToUpdates: true })],
    });
    const missingHow = await postForm(
      t.app,
      legal,
      `/console/cases/${id}/outcome`,
      { outcome: 'released', outcome_on: '2026-12-09', note: 'Salió' },
      'es',
    );
    assert.equal(missingHow.statusCode, 422);
    assert.match(missingHow.body, /Indique cómo fue liberada la persona/);
    assert.match(missingHow.body, /<option value="released" selected>/);
    assert.match(missingHow.body, />Salió<\/textarea>/);
    assert.deepEqual(
      await queuedJobs(t.context, 'cases.text-family').then((jobs) =>
        jobs.filter((job) => job.caseId === id),
      ),
      [],
    );

    const recorded = await postForm(t.app, legal, `/console/cases/${id}/outcome`, {
      outcome: 'released',
      release_kind: 'bond',
      outcome_on: '2026-12-09',
      note: '',
    });
    assert.equal(recorded.statusCode, 303);
    assert.equal(recorded.headers.location, `/console/cases/${id}/outcome#case-outcome`);
    const sealed = await t.context.db
      .selectFrom('cases')
      .select('outcome_ciphertext')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.ok(
      sealed.outcome_ciphertext?.startsWith('c1.') && !sealed.outcome_ciphertext.includes('released'),
    );
    const page = await getPage(t.app, legal, `/console/cases/${id}/outcome`);
    assert.match(textOf(page.body, 'outcome-summary'), /Released \(On bond\) · Dec 9, 2026/);
    const timeline = await getPage(t.app, legal, `/console/cases/${id}/timeline`);
    assert.match(timeline.body, /Outcome: released on bond \(2026-12-09\)/);

    const jobs = (await queuedJobs(t.context, 'cases.text-family')).filter((job) => job.caseId === id);
    assert.equal(jobs.length, 1);
    assert.deepEqual(Object.keys(jobs[0]!).sort(), ['caseId', 'change', 'notificationId']);
    assert.equal(jobs[0]!.change, 'released', 'the family is told what happened: released');
    const payload = jobs[0]! as { caseId: string; change: unknown; notificationId: string };
    assert.ok(isFamilyChange(payload.change));
    const outcome = await sendFamilyTexts(t.context, { ...payload, change: payload.change });
    assert.notEqual(outcome, 'gone');
    const [text] = await outboxTextsTo(t.context, '+17735550311');
    assert.ok(text, 'the family was texted');
    assert.ok(!text.includes(CANARY_PERSON.aNumber) && !text.includes('García'), 'no A-number, no name');
    assert.equal(text, familyTextBody(t.context.config, 'es', 'released'), 'the Spanish released text');
    assert.match(text, /liberaron a su familiar/);
    assert.notEqual(text, familyTextBody(t.context.config, 'en', 'released'));

    // A corrected note is not news; a different outcome is.
    await postForm(t.app, legal, `/console/cases/${id}/outcome`, {
      outcome: 'released',
      release_kind: 'bond',
      outcome_on: '2026-12-09',
      note: 'Corrected',
    });
    assert.equal(
      (await queuedJobs(t.context, 'cases.text-family')).filter((job) => job.caseId === id).length,
      1,
    );
    await postForm(t.app, legal, `/console/cases/${id}/outcome`, {
      outcome: 'transferred',
      outcome_on: '2026-12-11',
    });
    assert.equal(
      (await queuedJobs(t.context, 'cases.text-family')).filter((job) => job.caseId === id).length,
      2,
    );
  });

  test('a closed case refuses support changes with a clear message', async () => {
    const { id } = await openTestCase(t.context, legal.userId, { teamId });
    await t.context.db
      .updateTable('cases')
      .set({ status: 'closed', closed_at: t.context.clock.now() })
      .where('id', '=', id)
      .execute();
    const outcome = await postForm(t.app, legal, `/console/cases/${id}/outcome`, {
      outcome: 'removed',
      outcome_on: '2026-12-09',
    });
    assert.equal(outcome.statusCode, 409);
    assert.match(outcome.body, /This case is closed: reopen it to change it/);
    const bond = await postForm(t.app, legal, `/console/cases/${id}/bond`, { eligibility: 'unknown' });
    assert.equal(bond.statusCode, 409);
    const task = await postForm(t.app, legal, `/console/cases/${id}/support-tasks`, {
      kind: 'food',
      assignee_id: legal.userId,
      due_on: '2026-12-09',
    });
    assert.equal(task.statusCode, 409);
    assert.deepEqual(await timelineKinds(t.context, id), ['opened']);
    const outcomePart = await getPage(t.app, legal, `/console/cases/${id}/outcome`);
    const supportPart = await getPage(t.app, legal, `/console/cases/${id}/support`);
    assert.equal(outcomePart.statusCode, 200);
    assert.equal(supportPart.statusCode, 200);
    assert.ok(
      !outcomePart.body.includes('id="outcome-form"') && !supportPart.body.includes('id="task-form"'),
      'no forms on a closed case',
    );
  });
});
