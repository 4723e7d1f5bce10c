// The case page as a summary and parts: the summary's facts (where the person is, or when the next locator
// check is due; the nearest future hearing in the network's zone; days detained moving with the clock; the
// attorney, the bond, open tasks), one page per part with its tabs, forms behind "Add…" controls that open
// when the form comes back with problems, and need to know on every part's URL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession } from '../../../test/support/staff.ts';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { assignTestAttorney, formPoster, pageGetter } from '../case-tracking/case-tracking.test-helpers.ts';
import { openTestCase } from './cases.test-helpers.ts';

/** Thursday 26 November 2026, 6:00 in Chicago. */
const START = Date.parse('2026-11-26T12:00:00Z');
const PARTS = ['locating', 'hearings', 'bond', 'support', 'outcome', 'timeline'] as const;

/** The summary list's value for one fact, as text. */
function fact(body: string, id: string): string {
  const row = new RegExp(`<div class="summary-list-row" data-fact="${id}">([\\s\\S]*?)</div>`).exec(
    body,
  )?.[1];
  assert.ok(row, `the summary has ${id}`);
  const value = /<dd>([\s\S]*?)<\/dd>/.exec(row)![1]!;
  return value
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('the case page: summary and parts', () => {
  let t: TestApp;
  let post: ReturnType<typeof formPoster>;
  let get: ReturnType<typeof pageGetter>;
  let facilityId: string;
  const clock = new TestClock(START);

  before(async () => {
    t = await createTestApp({
      clock,
      env: { AMPARO_TIMEZONE: 'America/Chicago', AMPARO_NETWORK_NAME: 'Amparo' },
    });
    post = formPoster(t.app, t.context);
    get = pageGetter(t.app, t.context);
    const admin = await createStaffSession(t.context, ['legal']);
    const res = await post(admin, '/console/facilities', { name: 'Broadview Processing Center' });
    assert.equal(res.statusCode, 303, res.body);
    facilityId = (await t.context.db.selectFrom('facilities').select('id').executeTakeFirstOrThrow()).id;
  });
  after(async () => t.close());

  test('not located, then a check due, then located at a facility since a day', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const { id } = await openTestCase(t.context, legal.userId);
    const first = await get(legal, `/console/cases/${id}`);
    assert.equal(first.statusCode, 200);
    assert.match(first.body, /<dl class="summary-list">/);
    assert.equal(fact(first.body, 'where'), 'Not yet located');
    assert.equal(fact(first.body, 'attorney'), 'No attorney yet');
    assert.equal(fact(first.body, 'next-hearing'), 'No hearing set');
    assert.equal(fact(first.body, 'bond'), 'No bond recorded');
    assert.equal(fact(first.body, 'open-tasks'), '0');

    const checked = await post(legal, `/console/cases/${id}/locator-checks`, { result: 'not_found' });
    assert.equal(checked.statusCode, 303, checked.body);
    assert.match(
      fact((await get(legal, `/console/cases/${id}`)).body, 'where'),
      /^Not yet located — next check due /,
    );

    const held = await post(legal, `/console/cases/${id}/facility`, {
      facility_id: facilityId,
      since: '2026-11-24',
    });
    assert.equal(held.statusCode, 303, held.body);
    assert.equal(held.headers.location, `/console/cases/${id}/locating#case-facility`);
    const located = await get(legal, `/console/cases/${id}`);
    assert.equal(fact(located.body, 'where'), 'Broadview Processing Center, since Nov 24, 2026');
    // The summary links to the part that tells more.
    assert.match(
      located.body,
      new RegExp(`href="/console/cases/${id}/locating">More about: Where the person is<`),
    );
  });

  test('the next hearing is the nearest one still to come, in the network’s zone; days detained move with the clock', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const { id } = await openTestCase(t.context, legal.userId);
    // Last seen 2026-11-20 07:30 in Chicago (the test details): 6 days on Thursday 26.
    assert.equal(
      fact((await get(legal, `/console/cases/${id}`)).body, 'days-detained'),
      '6 (since Nov 20, 2026)',
    );
    for (const [date, time, court] of [
      ['2026-12-10', '09:00', 'Later Court'],
      ['2026-11-26', '05:30', 'Earlier Today Court'],
      ['2026-11-27', '08:00', 'Tomorrow Court'],
    ] as const) {
      const added = await post(legal, `/console/cases/${id}/hearings`, {
        date,
        time,
        court,
        judge: '',
        kind: 'master_calendar',
      });
      assert.equal(added.statusCode, 303, added.body);
    }
    const page = await get(legal, `/console/cases/${id}`);
    // 05:30 in Chicago has passed at 06:00 there; 08:00 tomorrow is the nearest to come, shown in Chicago time.
    assert.match(fact(page.body, 'next-hearing'), /Nov 27, 2026.*8:00.*Tomorrow Court/);

    // 23:30 in Chicago is still Thursday (05:30 UTC Friday): 6 days. Half past midnight there: 7.
    clock.advance(Date.parse('2026-11-27T05:30:00Z') - START);
    assert.equal(
      fact((await get(legal, `/console/cases/${id}`)).body, 'days-detained'),
      '6 (since Nov 20, 2026)',
    );
    clock.advance(60 * 60_000);
    assert.equal(
      fact((await get(legal, `/console/cases/${id}`)).body, 'days-detained'),
      '7 (since Nov 20, 2026)',
    );
  });

  test('attorney, bond and open tasks in the summary', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const { id } = await openTestCase(t.context, legal.userId);
    await assignTestAttorney(t.context, id, { phone: null, name: 'Ana Ruiz' });
    const bond = await post(legal, `/console/cases/${id}/bond`, {
      eligibility: 'eligible',
      amount: '7500',
      set_by: 'ice',
      hearing_date: '',
    });
    assert.equal(bond.headers.location, `/console/cases/${id}/bond#case-bond`);
    const task = await post(legal, `/console/cases/${id}/support-tasks`, {
      kind: 'childcare',
      assignee_id: legal.userId,
      due_on: '2026-12-01',
      notes: '',
    });
    assert.equal(task.headers.location, `/console/cases/${id}/support#case-support-tasks`);
    const page = await get(legal, `/console/cases/${id}`);
    assert.match(fact(page.body, 'attorney'), /^Ana Ruiz/);
    assert.equal(fact(page.body, 'bond'), '$7,500.00 · Eligible for bond');
    assert.equal(fact(page.body, 'open-tasks'), '1');
  });

  test('every part has its page and tabs; the main page has the summary and the details, not the other forms', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const { id } = await openTestCase(t.context, legal.userId);
    const main = await get(legal, `/console/cases/${id}`);
    assert.match(main.body, /id="case-person"/);
    assert.doesNotMatch(main.body, /id="case-hearings"|id="case-locator"|id="bond-form"|id="case-timeline"/);
    assert.match(main.body, new RegExp(`<a href="/console/cases/${id}" aria-current="page"`));
    const sectionOf = {
      locating: 'case-locator',
      hearings: 'case-hearings',
      bond: 'case-bond',
      support: 'case-support-tasks',
      outcome: 'case-outcome',
      timeline: 'case-timeline',
    } as const;
    for (const part of PARTS) {
      for (const lang of ['en', 'es']) {
        const page = await get(legal, `/console/cases/${id}/${part}`, lang);
        assert.equal(page.statusCode, 200, `${part} ${lang}`);
        assert.match(page.body, /<nav class="case-tabs" aria-label="[^"]+">/);
        assert.match(page.body, new RegExp(`<a href="/console/cases/${id}/${part}" aria-current="page"`));
        assert.match(page.body, new RegExp(`id="${sectionOf[part]}"`));
        assert.doesNotMatch(page.body, /id="case-summary"/, 'the summary is on the main page');
        // No message key shows instead of words, in English or Spanish.
        assert.doesNotMatch(page.body, /\b(cases|case_tracking|case_support)\.[a-z_]+\b/, `${part} ${lang}`);
      }
    }
    const es = await get(legal, `/console/cases/${id}`, 'es');
    assert.match(es.body, /Dónde está la persona/);
    assert.match(es.body, /Todavía sin abogado o abogada/);
    assert.doesNotMatch(es.body, /\b(cases|case_tracking|case_support)\.[a-z_]+\b/);
  });

  test('forms sit behind "Add…" controls, open when the form came back with problems', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const { id } = await openTestCase(t.context, legal.userId);
    const hearings = await get(legal, `/console/cases/${id}/hearings`);
    assert.match(hearings.body, /<details class="add-control">\s*<summary>Add a hearing<\/summary>/);
    const refused = await post(legal, `/console/cases/${id}/hearings`, { date: '2026-02-30', time: '09:00' });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /<details class="add-control" open>\s*<summary>Add a hearing<\/summary>/);
    const bond = await post(legal, `/console/cases/${id}/bond`, { eligibility: 'eligible', amount: 'lots' });
    assert.equal(bond.statusCode, 422);
    assert.match(
      bond.body,
      /<details class="add-control" open>\s*<summary>Record or change the bond<\/summary>/,
    );
  });

  test('need to know on every part: a legal user off the team gets the same 404, other roles 403', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const outsider = await createStaffSession(t.context, ['legal']);
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const { id } = await openTestCase(t.context, legal.userId);
    for (const path of ['', ...PARTS.map((part) => `/${part}`)]) {
      assert.equal((await get(outsider, `/console/cases/${id}${path}`)).statusCode, 404, path);
      assert.equal((await get(dispatcher, `/console/cases/${id}${path}`)).statusCode, 403, path);
    }
  });

  test('the case list: the same facts for every case the user may see, not located first, then the nearest hearing', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const other = await createStaffSession(t.context, ['legal']);
    const hidden = await openTestCase(t.context, other.userId);
    await post(other, `/console/cases/${hidden.id}/facility`, {
      facility_id: facilityId,
      since: '2026-11-24',
    });
    const later = await openTestCase(t.context, legal.userId);
    const lost = await openTestCase(t.context, legal.userId);
    const sooner = await openTestCase(t.context, legal.userId);
    for (const [opened, date] of [
      [later, '2026-12-20'],
      [sooner, '2026-12-02'],
    ] as const) {
      await post(legal, `/console/cases/${opened.id}/facility`, {
        facility_id: facilityId,
        since: '2026-11-24',
      });
      const added = await post(legal, `/console/cases/${opened.id}/hearings`, {
        date,
        time: '09:00',
        court: 'Chicago Immigration Court',
        judge: '',
        kind: 'master_calendar',
      });
      assert.equal(added.statusCode, 303, added.body);
    }
    await assignTestAttorney(t.context, sooner.id, { phone: null });
    await post(legal, `/console/cases/${sooner.id}/support-tasks`, {
      kind: 'childcare',
      assignee_id: legal.userId,
      due_on: '2026-12-01',
      notes: '',
    });

    const list = await get(legal, '/console/cases');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /<div class="table-scroll"[^>]*>\s*<table class="reports cases" id="case-list">/);
    const rows = [...list.body.matchAll(/<tr data-id="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => ({
      id: m[1]!,
      cells: Object.fromEntries(
        [...m[2]!.matchAll(/<td data-fact="([^"]+)">([\s\S]*?)<\/td>/g)].map((c) => [
          c[1]!,
          c[2]!
            .replace(/<[^>]+>/g, ' ')
            .replace(/\s+/g, ' ')
            .trim(),
        ]),
      ),
    }));
    const mine = rows.filter((row) => [later.id, lost.id, sooner.id].includes(row.id));
    assert.deepEqual(
      mine.map((row) => row.id),
      [lost.id, sooner.id, later.id],
      'not located first, then the nearest hearing',
    );
    assert.ok(!rows.some((row) => row.id === hidden.id), 'nothing from a case the user may not see');
    assert.ok(!list.body.includes(hidden.reference));
    const [lostRow, soonerRow, laterRow] = mine;
    assert.deepEqual(lostRow!.cells, {
      'days-detained': lostRow!.cells['days-detained'],
      where: 'Not located',
      'next-hearing': '',
      attorney: 'No',
      'open-tasks': '0',
    });
    assert.match(lostRow!.cells['days-detained']!, /^\d+$/);
    assert.equal(soonerRow!.cells.where, 'Broadview Processing Center');
    assert.match(soonerRow!.cells['next-hearing']!, /Dec 2, 2026.*9:00.*Chicago Immigration Court/);
    assert.equal(soonerRow!.cells.attorney, 'Yes');
    assert.equal(soonerRow!.cells['open-tasks'], '1');
    assert.match(laterRow!.cells['next-hearing']!, /Dec 20, 2026/);

    const es = await get(legal, '/console/cases', 'es');
    assert.match(es.body, /Sin ubicar/);
    assert.doesNotMatch(es.body, /\b(cases|case_tracking|case_support)\.[a-z_]+\b/);
  });
});
