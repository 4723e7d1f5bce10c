// The locator worklist, releases and the operation's counts from tracking (issue 16), over a real database
// with a clock the tests move: the worklist's order and need to know, results recorded row by row (the
// case's summary changes, the page comes back at the next row), where people are held and who was moved out
// of state, a release's pickup task and check-in reminder (texted in Spanish, GSM-7, no name), counts by day.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import { isGsm7 } from '../../integrations/messaging/segments.ts';
import { createStaffSession } from '../../../test/support/staff.ts';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { taskNotesField } from '../case-support/case-support.tasks.ts';
import { CANARY_PERSON, createTestTeam, openTestCase, testContact } from '../cases/cases.test-helpers.ts';
import { outboxTextsTo } from '../dispatch/dispatch.test-helpers.ts';
import { sendDueReminders } from './case-tracking.reminders.ts';
import { formPoster, pageGetter, remindersOf } from './case-tracking.test-helpers.ts';
import { locatorWorklist } from './locating.service.ts';
import {
  facilityCountsOfCases,
  locatedCountsOfCases,
  releasedCountsOfCases,
  transferredCountsOfCases,
} from './releases.service.ts';

const HOUR_MS = 3600_000;
const asLegal = (session: { userId: string }) => ({ userId: session.userId, roles: ['legal' as const] });
/** Monday 7 December 2026, 8:00 in Chicago. */
const START = Date.parse('2026-12-07T14:00:00Z');

describe('locator worklist and releases', () => {
  let t: TestApp;
  let post: ReturnType<typeof formPoster>;
  let get: ReturnType<typeof pageGetter>;
  const clock = new TestClock(START);
  const setClock = (ms: number) => clock.advance(ms - clock.now().getTime());
  const facilities: Record<string, string> = {};

  before(async () => {
    t = await createTestApp({
      clock,
      env: { AMPARO_TIMEZONE: 'America/Chicago', AMPARO_NETWORK_NAME: 'Amparo' },
    });
    post = formPoster(t.app, t.context);
    get = pageGetter(t.app, t.context);
    const legal = await createStaffSession(t.context, ['legal']);
    for (const [name, address] of [
      ['Broadview Processing Center', '1930 Beach St\nBroadview, IL 60155'],
      ['Jena Processing Center', '830 Pinehill Rd\nJena, LA 71342'],
      ['Madison County Jail', '2935 US-51\nCanton, MS 39046'],
    ] as const) {
      const res = await post(legal, '/console/facilities', {
        name,
        operator: 'ICE',
        address,
        phone: '',
        visiting_notes: '',
        deposit_notes: '',
      });
      assert.equal(res.statusCode, 303, res.body);
    }
    for (const row of await t.context.db.selectFrom('facilities').select(['id', 'name']).execute())
      facilities[row.name] = row.id;
  });
  after(async () => t.close());

  async function team(): Promise<{
    session: Awaited<ReturnType<typeof createStaffSession>>;
    teamId: string;
  }> {
    const session = await createStaffSession(t.context, ['legal']);
    const teamId = await createTestTeam(t.context, `Team ${session.userId}`, [session.userId]);
    return { session, teamId };
  }

  test('oldest first, only the cases the person may see; found, not found and released from a row', async () => {
    const { session, teamId } = await team();
    const other = await team();
    const opened = [];
    for (let i = 0; i < 3; i += 1) {
      opened.push(await openTestCase(t.context, session.userId, { teamId }));
      clock.advance(HOUR_MS);
    }
    const foreign = await openTestCase(t.context, other.session.userId, { teamId: other.teamId });

    const list = await locatorWorklist(t.context, asLegal(session));
    assert.deepEqual(
      list.rows.map((row) => row.reference),
      opened.map((c) => c.reference),
    );
    assert.ok(!list.rows.some((row) => row.caseId === foreign.id));
    // Narrowed to an operation's cases: another team's case passed in is still not shown.
    const narrowed = await locatorWorklist(t.context, asLegal(session), {
      caseIds: [opened[1]!.id, foreign.id],
    });
    assert.deepEqual(
      narrowed.rows.map((row) => row.caseId),
      [opened[1]!.id],
    );
    // A coordinator without the legal role opens the page but sees nobody.
    const coordinator = await createStaffSession(t.context, ['coordinator']);
    const coordinatorPage = await get(coordinator, '/console/locating');
    assert.equal(coordinatorPage.statusCode, 200);
    assert.ok(coordinatorPage.body.includes('id="worklist-empty"'));

    const page = await get(session, '/console/locating');
    assert.equal(page.statusCode, 200);
    const positions = opened.map((c) => page.body.indexOf(c.reference));
    assert.ok(
      positions.every((p) => p > 0) && positions[0]! < positions[1]! && positions[1]! < positions[2]!,
    );
    assert.ok(!page.body.includes(foreign.reference));
    assert.ok(page.body.includes('<optgroup label="LA">'));
    // Each row carries what the locator is searched by: the name, the country of birth and the A-number.
    const firstRow = /<li id="locate-[^"]*"[\s\S]*?<\/li>/.exec(page.body)?.[0] ?? '';
    assert.match(firstRow, /<strong class="worklist-person">María Elena García López<\/strong>/);
    assert.match(firstRow, /born in Guatemala/);
    assert.match(firstRow, /A-number 012345678/);

    // Found at a facility: back to the list at the next row, with a notice; the summary says where.
    const found = await post(session, `/console/locating/${opened[0]!.id}`, {
      result: 'found',
      facility_id: facilities['Jena Processing Center']!,
      since: '2026-12-07',
      return_to: '/console/locating',
      next: opened[1]!.id,
    });
    assert.equal(found.statusCode, 303, found.body);
    assert.equal(found.headers.location, `/console/locating?done=found#locate-${opened[1]!.id}`);
    const back = await get(session, found.headers.location);
    assert.ok(back.body.includes('the person is located'));
    assert.ok(!back.body.includes(`locate-${opened[0]!.id}`));
    assert.match(back.body, /Jena Processing Center[\s\S]*1 person held now/);
    assert.ok(!(await locatorWorklist(t.context, asLegal(other.session))).counts.some((c) => c.heldNow > 0));
    const summary = await get(session, `/console/cases/${opened[0]!.id}`);
    assert.ok(summary.body.includes('Jena Processing Center, since'));

    // Not found: a locator check on the case; the row stays, with its last check.
    const notFound = await post(session, `/console/locating/${opened[1]!.id}`, {
      result: 'not_found',
      facility_id: '',
      since: '2026-12-07',
      return_to: '/console/locating',
      next: opened[2]!.id,
    });
    assert.equal(notFound.headers.location, `/console/locating?done=not_found#locate-${opened[2]!.id}`);
    const after = await locatorWorklist(t.context, asLegal(session));
    assert.deepEqual(
      after.rows.map((row) => [row.caseId, row.lastCheck?.result ?? null]),
      [
        [opened[1]!.id, 'not_found'],
        [opened[2]!.id, null],
      ],
    );

    // Nothing chosen: the list comes back with the problem, nothing saved.
    const none = await post(session, `/console/locating/${opened[2]!.id}`, {
      return_to: '/console/locating',
    });
    assert.equal(none.statusCode, 422);

    // Released: to the release form, then back to the list; the summary says "Released on".
    const released = await post(session, `/console/locating/${opened[2]!.id}`, {
      result: 'released',
      return_to: '/console/locating',
    });
    assert.equal(released.statusCode, 303);
    assert.equal(
      released.headers.location,
      `/console/cases/${opened[2]!.id}/release?return_to=%2Fconsole%2Flocating`,
    );
    const form = await get(session, released.headers.location);
    assert.equal(form.statusCode, 200);
    const saved = await post(session, `/console/cases/${opened[2]!.id}/release`, {
      released_on: '2026-12-07',
      facility_id: facilities['Madison County Jail']!,
      how: 'parole',
      ankle_monitor: 'yes',
      return_to: '/console/locating',
    });
    assert.equal(saved.statusCode, 303, saved.body);
    assert.equal(saved.headers.location, '/console/locating?done=released');
    const releasedSummary = await get(session, `/console/cases/${opened[2]!.id}`);
    assert.ok(releasedSummary.body.includes('Released on'), releasedSummary.body);
    assert.deepEqual(
      (await locatorWorklist(t.context, asLegal(session))).rows.map((row) => row.caseId),
      [opened[1]!.id],
    );

    // Another team's legal user cannot record anything on these cases.
    const refused = await post(other.session, `/console/locating/${opened[1]!.id}`, {
      result: 'not_found',
      return_to: '/console/locating',
    });
    assert.equal(refused.statusCode, 404);
  });

  test('facility counts: held now per facility, and who was moved out of the state first held in', async () => {
    const { session, teamId } = await team();
    const a = await openTestCase(t.context, session.userId, { teamId });
    const b = await openTestCase(t.context, session.userId, { teamId });
    const c = await openTestCase(t.context, session.userId, { teamId });
    const stay = (caseId: string, facility: string, since: string) =>
      post(session, `/console/cases/${caseId}/facility`, { facility_id: facilities[facility]!, since });
    assert.equal((await stay(a.id, 'Madison County Jail', '2026-12-01')).statusCode, 303);
    assert.equal((await stay(b.id, 'Madison County Jail', '2026-12-01')).statusCode, 303);
    clock.advance(HOUR_MS);
    assert.equal((await stay(b.id, 'Jena Processing Center', '2026-12-03')).statusCode, 303);
    assert.equal((await stay(c.id, 'Jena Processing Center', '2026-12-02')).statusCode, 303);
    const counts = await facilityCountsOfCases(t.context, [a.id, b.id, c.id]);
    assert.deepEqual(
      counts.map((count) => [count.facilityName, count.state, count.heldNow, count.movedOutOfState]),
      [
        ['Jena Processing Center', 'LA', 2, 1],
        ['Madison County Jail', 'MS', 1, 0],
      ],
    );
    const zone = 'America/Chicago';
    assert.deepEqual(await locatedCountsOfCases(t.context.db, [a.id, b.id, c.id], zone), [
      { day: '2026-12-07', count: 3 },
    ]);
    assert.deepEqual(await transferredCountsOfCases(t.context.db, [a.id, b.id, c.id], zone), [
      { day: '2026-12-07', count: 1 },
    ]);
    assert.deepEqual(await releasedCountsOfCases(t.context.db, [a.id, b.id, c.id], zone), []);
  });

  test('a release ends the stay, adds the pickup task, and the check-in is texted to the family in Spanish', async () => {
    const { session, teamId } = await team();
    const familyPhone = '+13125557781';
    const { id: caseId, reference } = await openTestCase(t.context, session.userId, {
      teamId,
      contacts: [testContact({ phone: familyPhone, language: 'es' })],
    });
    await post(session, `/console/cases/${caseId}/facility`, {
      facility_id: facilities['Madison County Jail']!,
      since: '2026-12-07',
    });
    clock.advance(HOUR_MS);
    const saved = await post(session, `/console/cases/${caseId}/release`, {
      released_on: '2026-12-07',
      facility_id: '',
      facility_name: 'Canton bus station',
      how: 'bond',
      ankle_monitor: 'no',
      checkin_date: '2026-12-14',
      checkin_time: '09:00',
      conditions: 'Report weekly by phone',
    });
    assert.equal(saved.statusCode, 303, saved.body);
    assert.equal(saved.headers.location, `/console/cases/${caseId}/locating#case-release`);

    const summary = await get(session, `/console/cases/${caseId}`);
    assert.ok(summary.body.includes('Released on'));
    const counts = await facilityCountsOfCases(t.context, [caseId]);
    assert.deepEqual(counts, []);
    assert.deepEqual(await releasedCountsOfCases(t.context.db, [caseId], 'America/Chicago'), [
      { day: '2026-12-07', count: 1 },
    ]);

    const tasks = await t.context.db
      .selectFrom('case_support_tasks')
      .selectAll()
      .where('case_id', '=', caseId)
      .execute();
    assert.equal(tasks.length, 1);
    const cipher = await caseKeyStoreFor(t.context).cipherFor(caseId);
    assert.equal(
      cipher.decrypt(taskNotesField(tasks[0]!.id), tasks[0]!.notes_ciphertext!),
      `Pick up ${reference} at Canton bus station`,
    );
    assert.equal(tasks[0]!.due_on, '2026-12-07');

    const reminders = (await remindersOf(t.context, caseId)).filter((r) => r.kind === 'checkin');
    assert.ok(reminders.length > 0);
    const first = reminders[0]!;
    setClock(first.due_at.getTime() - 60_000);
    await sendDueReminders(t.context);
    assert.deepEqual(await outboxTextsTo(t.context, familyPhone), []);
    setClock(first.due_at.getTime());
    await sendDueReminders(t.context);
    const texts = await outboxTextsTo(t.context, familyPhone);
    assert.equal(texts.length, 1);
    const text = texts[0]!;
    assert.match(text, /Cita con ICE el lun 14 dic a las 9:00 CST/);
    assert.ok(isGsm7(text), text);
    assert.ok(!text.includes(CANARY_PERSON.name) && !text.includes(CANARY_PERSON.aNumber));
    setClock(START);
  });
});
