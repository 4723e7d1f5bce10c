// The operation joined to the rest of the hotline (operations.wiring.ts): the family intake asks about the
// open operations' sites, the quick case offers an operation's sites, the operation's numbers count the cases
// opened under it and the people located, and its worklist holds its own people not yet located, no others.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { createQuickCase, sitesOfOperation } from '../cases/cases.quick.ts';
import { createTestTeam } from '../cases/cases.test-helpers.ts';
import { postForm } from '../incidents/incidents.test-helpers.ts';
import { openOperationSites as sitesTheHotlineAsksAbout } from '../voice/operation-sites.ts';
import './operations.module.ts';

const RAID_MORNING = Date.parse('2019-08-07T16:00:00Z');

describe('an operation joined to the hotline, the cases and the locator', () => {
  let t: TestApp;
  let coordinator: StaffSession;
  let legal: StaffSession;
  let teamId: string;
  let operationId: string;
  let facilityId: string;
  const caseIds: string[] = [];

  const get = (session: StaffSession, url: string) =>
    t.app.inject({ url, headers: { accept: 'text/html', cookie: session.cookie } });

  /** The operation's total for one measure, as its page shows it. */
  const total = (body: string, label: string): number => {
    const match = new RegExp(`<dt>${label}</dt>\\s*<dd>(\\d+)</dd>`).exec(body);
    assert.ok(match, `the page shows ${label}`);
    return Number(match[1]);
  };

  before(async () => {
    t = await createTestApp({
      env: { AMPARO_TIMEZONE: 'America/Chicago' },
      clock: new TestClock(RAID_MORNING),
    });
    coordinator = await createStaffSession(t.context, ['coordinator']);
    legal = await createStaffSession(t.context, ['legal']);
    teamId = await createTestTeam(t.context, 'Jackson legal team', [legal.userId]);
    const opened = await postForm(t.app, coordinator, '/console/operations', {
      name: 'Morton poultry plants',
      raid_date: '2019-08-07',
      raid_time: '06:30',
      sites: 'Koch Foods, Morton, 39117\nPH Food, 39074',
      teams: [teamId],
    });
    assert.equal(opened.statusCode, 303, opened.body);
    operationId = /([0-9a-f-]{36})$/.exec(String(opened.headers.location))![1]!;
    const facility = await postForm(t.app, legal, '/console/facilities', {
      name: 'Madison County Jail',
      operator: 'ICE',
      address: '2935 US-51\nCanton, MS 39046',
      phone: '',
      visiting_notes: '',
      deposit_notes: '',
    });
    assert.equal(facility.statusCode, 303, facility.body);
    facilityId = (await t.context.db.selectFrom('facilities').select('id').executeTakeFirstOrThrow()).id;
  });
  after(async () => t.close());

  test('the hotline asks about the open operation’s sites, and the quick case offers them', async () => {
    const asked = await sitesTheHotlineAsksAbout(t.context.db);
    assert.deepEqual(asked.map((s) => s.siteName).sort(), ['Koch Foods, Morton', 'PH Food']);
    assert.ok(asked.every((s) => s.operationId === operationId));
    const offered = await sitesOfOperation(t.context, operationId);
    assert.deepEqual(offered.map((s) => s.name).sort(), ['Koch Foods, Morton', 'PH Food']);
  });

  test('cases opened under the operation are counted, and its worklist holds them until located', async () => {
    for (const name of ['Rosa Martínez Pérez', 'Juan Carlos Ixcoy']) {
      const created = await createQuickCase(
        t.context,
        { userId: legal.userId, roles: ['legal'] },
        {
          operationId,
          values: { name, country_of_birth: 'Guatemala', age: '34', team_id: teamId, children: 'no' },
        },
      );
      assert.equal(created.outcome, 'created', JSON.stringify(created));
      if (created.outcome === 'created') caseIds.push(created.id);
    }
    // A case of no operation: never on the operation's worklist or in its numbers.
    const outside = await createQuickCase(
      t.context,
      { userId: legal.userId, roles: ['legal'] },
      {
        operationId: null,
        values: {
          name: 'Otra Persona',
          country_of_birth: 'México',
          age: '40',
          team_id: teamId,
          children: 'no',
        },
      },
    );
    assert.equal(outside.outcome, 'created');

    const before = await get(legal, `/console/operations/${operationId}`);
    assert.equal(before.statusCode, 200, before.body);
    assert.equal(total(before.body, 'Cases opened'), 2);
    assert.equal(total(before.body, 'Located'), 0);
    assert.match(before.body, new RegExp(`href="/console/operations/${operationId}/worklist"`));

    const worklist = await get(legal, `/console/operations/${operationId}/worklist`);
    assert.equal(worklist.statusCode, 200, worklist.body);
    for (const id of caseIds)
      assert.ok(worklist.body.includes(`locate-${id}`), 'each of its people is listed');
    if (outside.outcome === 'created') assert.ok(!worklist.body.includes(`locate-${outside.id}`));

    const found = await postForm(t.app, legal, `/console/locating/${caseIds[0]}`, {
      result: 'found',
      facility_id: facilityId,
      since: '2019-08-07',
      return_to: `/console/operations/${operationId}/worklist`,
    });
    assert.equal(found.statusCode, 303, found.body);
    assert.match(String(found.headers.location), new RegExp(`^/console/operations/${operationId}/worklist`));

    const after = await get(legal, `/console/operations/${operationId}`);
    assert.equal(total(after.body, 'Cases opened'), 2);
    assert.equal(total(after.body, 'Located'), 1);
    const left = await get(legal, `/console/operations/${operationId}/worklist`);
    assert.ok(!left.body.includes(`locate-${caseIds[0]}`), 'the located person leaves the worklist');
    assert.ok(left.body.includes(`locate-${caseIds[1]}`));
  });

  test('still detained and removed: outcomes and releases count, and where people are held', async () => {
    const before = await get(legal, `/console/operations/${operationId}`);
    assert.equal(total(before.body, 'Still detained'), 2);
    assert.equal(total(before.body, 'Removed'), 0);
    const facilityRow = before.body.slice(before.body.indexOf('Madison County Jail</th>'));
    assert.match(facilityRow.slice(0, facilityRow.indexOf('</tr>')), /<td>1<\/td>/, 'one held there');
    const removed = await postForm(t.app, legal, `/console/cases/${caseIds[1]}/outcome`, {
      outcome: 'removed',
      outcome_on: '2019-08-20',
      note: '',
    });
    assert.equal(removed.statusCode, 303, removed.body);
    const after = await get(legal, `/console/operations/${operationId}`);
    assert.equal(total(after.body, 'Removed'), 1);
    assert.equal(total(after.body, 'Still detained'), 1);
  });

  test('the worklist is the operation’s legal team’s: another legal volunteer gets 404', async () => {
    const stranger = await createStaffSession(t.context, ['legal']);
    assert.equal((await get(stranger, `/console/operations/${operationId}/worklist`)).statusCode, 404);
  });

  test('a case opened under an operation is seen by each of its legal teams, and by no other', async () => {
    const canton = await createStaffSession(t.context, ['legal']);
    const cantonTeam = await createTestTeam(t.context, 'Canton legal team', [canton.userId]);
    const opened = await postForm(t.app, coordinator, '/console/operations', {
      name: 'Canton plant',
      raid_date: '2019-08-07',
      raid_time: '07:00',
      sites: 'Peco Foods, 39046',
      teams: [teamId, cantonTeam],
    });
    assert.equal(opened.statusCode, 303, opened.body);
    const cantonOperation = /([0-9a-f-]{36})$/.exec(String(opened.headers.location))![1]!;
    const created = await createQuickCase(
      t.context,
      { userId: canton.userId, roles: ['legal'] },
      {
        operationId: cantonOperation,
        values: { name: 'Ana Lucía Tum', country_of_birth: 'Guatemala', age: '29', children: 'no' },
      },
    );
    assert.equal(created.outcome, 'created');
    if (created.outcome !== 'created') return;
    // The Jackson team was not the opener's, but answers for the operation too.
    assert.equal((await get(legal, `/console/cases/${created.id}`)).statusCode, 200);
    assert.ok(
      (await get(legal, '/console/cases')).body.includes(created.id),
      'on the other team’s case list',
    );
    const stranger = await createStaffSession(t.context, ['legal']);
    await createTestTeam(t.context, 'Gulfport legal team', [stranger.userId]);
    assert.equal((await get(stranger, `/console/cases/${created.id}`)).statusCode, 404);
    // A case of the first operation, opened by Jackson, is not Canton's.
    assert.equal((await get(canton, `/console/cases/${caseIds[0]}`)).statusCode, 404);
  });
});
