// The operations pages: opening one from confirmed incidents or directly, the sites box's line-numbered
// errors, who sees what (by role and by team), the dependents first and their caregivers, the registry the
// hotline asks about sites through, and the aggregate export that holds no person.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { createTestTeam } from '../cases/cases.test-helpers.ts';
import { createIncidentByForm, postForm, storeReport } from '../incidents/incidents.test-helpers.ts';
import { registerOperationCounts } from './operations.counts.ts';
import {
  addDependent,
  countDependentsWithoutCaregiver,
  openOperationSites,
  operationTeamIds,
} from './operations.service.ts';

// 7 August 2019, 11:00 in Mississippi (16:00 UTC): the morning of the raid.
const RAID_MORNING = Date.parse('2019-08-07T16:00:00Z');
const ZONE = 'America/Chicago';

describe('operations', () => {
  let t: TestApp;
  let coordinator: StaffSession;
  let dispatcher: StaffSession;
  let legalInTeam: StaffSession;
  let legalElsewhere: StaffSession;
  let responder: StaffSession;
  let teamId: string;
  let otherTeamId: string;
  let incidentIds: string[];

  const get = (session: StaffSession, url: string, lang = 'en') =>
    t.app.inject({ url, headers: { accept: 'text/html', cookie: session.cookie, 'accept-language': lang } });

  const openOperation = async (fields: Record<string, string | string[]>) => {
    const res = await postForm(t.app, coordinator, '/console/operations', {
      name: 'Morton poultry plants',
      raid_date: '2019-08-07',
      raid_time: '06:30',
      sites: 'Koch Foods, Morton, 39117\nPH Food, 39074',
      ...fields,
    });
    assert.equal(res.statusCode, 303, res.body);
    const id = /^\/console\/operations\/([0-9a-f-]{36})$/.exec(String(res.headers.location))?.[1];
    assert.ok(id, String(res.headers.location));
    return id;
  };

  before(async () => {
    t = await createTestApp({ env: { AMPARO_TIMEZONE: ZONE }, clock: new TestClock(RAID_MORNING) });
    coordinator = await createStaffSession(t.context, ['coordinator']);
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
    legalInTeam = await createStaffSession(t.context, ['legal']);
    legalElsewhere = await createStaffSession(t.context, ['legal']);
    responder = await createStaffSession(t.context, ['responder']);
    teamId = await createTestTeam(t.context, 'Jackson legal team', [legalInTeam.userId]);
    otherTeamId = await createTestTeam(t.context, 'Memphis team', [legalElsewhere.userId]);
    incidentIds = [];
    for (const zip of ['39117', '39074', '39051']) {
      const report = await storeReport(t.context, { zip });
      incidentIds.push(await createIncidentByForm(t.app, dispatcher, report.id));
    }
    // Two confirmed by a responder's verification (set here directly); the third still being verified.
    await t.context.db
      .updateTable('incidents')
      .set({ status: 'confirmed' })
      .where('id', 'in', incidentIds.slice(0, 2))
      .execute();
  });
  after(async () => t.close());

  test('a coordinator opens an operation from two confirmed incidents, with sites, agencies and a team', async () => {
    const form = await get(coordinator, '/console/operations/new');
    assert.equal(form.statusCode, 200);
    assert.ok(
      form.body.includes(`value="${incidentIds[0]}"`) && form.body.includes(`value="${incidentIds[1]}"`),
    );
    assert.ok(!form.body.includes(`value="${incidentIds[2]}"`), 'an unconfirmed incident is not offered');
    assert.ok(form.body.includes('value="2019-08-07"'), "today in the network's zone");
    const id = await openOperation({
      incidents: incidentIds.slice(0, 3),
      agencies: ['ice', 'other'],
      teams: [teamId],
    });
    const page = await get(coordinator, `/console/operations/${id}`);
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes('Koch Foods, Morton · 39117') && page.body.includes('PH Food · 39074'));
    assert.ok(page.body.includes(`/console/incidents/${incidentIds[0]}`));
    assert.ok(page.body.includes(`/console/incidents/${incidentIds[1]}`));
    assert.ok(!page.body.includes(`/console/incidents/${incidentIds[2]}`), 'only what the form offered');
    assert.ok(page.body.includes('Jackson legal team'));
    assert.ok(page.body.includes('Raid: Aug 7, 2019, 6:30 AM CDT'));
    assert.deepEqual(await operationTeamIds(t.context.db, id), [teamId]);
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select(['actor_id', 'details'])
      .where('action', '=', 'operation.created')
      .where('subject_id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(audit.actor_id, coordinator.userId);
    assert.deepEqual(audit.details, { sites: 2, incidents: incidentIds.slice(0, 2), teams: [teamId] });
  });

  test('an operation opened directly, with no incident and no team; it is listed', async () => {
    const id = await openOperation({ name: 'Canton warehouse', sites: 'Canton warehouse, 39046' });
    const list = await get(coordinator, '/console/operations');
    assert.ok(list.body.includes(`/console/operations/${id}`));
    const page = await get(coordinator, `/console/operations/${id}`);
    assert.ok(page.body.includes('No legal team assigned'));
  });

  test('faulty site lines are named by number, in English and in Spanish, and nothing is saved', async () => {
    const before = await t.context.db.selectFrom('operations').select('id').execute();
    const sites = 'Koch Foods, 39117\nPH Food 39074\n\nBad zip, 3907';
    const en = await postForm(t.app, coordinator, '/console/operations', {
      name: 'X',
      raid_date: '2019-08-07',
      sites,
    });
    assert.equal(en.statusCode, 422);
    assert.ok(en.body.includes('Line 2: add a comma and the ZIP code after the site'));
    assert.ok(en.body.includes('Line 4: the ZIP code must be 5 digits'));
    assert.ok(en.body.includes('href="#sites"'), 'the summary leads to the box');
    assert.ok(en.body.includes('Bad zip, 3907'), 'what was typed comes back');
    const es = await postForm(
      t.app,
      coordinator,
      '/console/operations?lang=es',
      { name: 'X', raid_date: '2019-08-07', sites },
      { lang: 'es' },
    );
    assert.equal(es.statusCode, 422);
    assert.ok(es.body.includes('Línea 2: ponga una coma y el código postal'), es.body.slice(0, 200));
    assert.ok(es.body.includes('Línea 4: el código postal debe tener 5 números'));
    const noSites = await postForm(t.app, coordinator, '/console/operations', {
      name: 'X',
      raid_date: '2019-08-07',
    });
    assert.equal(noSites.statusCode, 422);
    assert.ok(noSites.body.includes('Enter at least one site'));
    assert.equal((await t.context.db.selectFrom('operations').select('id').execute()).length, before.length);
  });

  test('who sees what: by role, and legal staff by team', async () => {
    const id = await openOperation({ name: 'Pelahatchie', teams: [teamId] });
    await addDependent(t.context, undefined, {
      operationId: id,
      need: 'school_pickup',
      description: 'Canary child at Pelahatchie Elementary',
    });
    const url = `/console/operations/${id}`;
    const full = await get(legalInTeam, url);
    assert.equal(full.statusCode, 200);
    assert.ok(full.body.includes('Canary child at Pelahatchie Elementary'));
    const elsewhere = await get(legalElsewhere, url);
    assert.equal(elsewhere.statusCode, 404, 'another team’s legal staff: as if it did not exist');
    assert.ok(!elsewhere.body.includes('Canary child'));
    assert.equal((await get(legalElsewhere, `${url}/export.json`)).statusCode, 404);
    const list = await get(legalElsewhere, '/console/operations');
    assert.ok(!list.body.includes(url));
    assert.ok((await get(legalInTeam, '/console/operations')).body.includes(url));
    const summary = await get(dispatcher, url);
    assert.equal(summary.statusCode, 200);
    assert.ok(!summary.body.includes('Canary child'), 'a dispatcher sees the count, not who');
    assert.ok(summary.body.includes('1 without a confirmed caregiver'));
    const refused = await postForm(t.app, legalElsewhere, `${url}/dependents`, {
      need: 'childcare',
      description: 'x',
    });
    assert.equal(refused.statusCode, 404);
    assert.equal((await get(responder, url)).statusCode, 403);
    assert.equal((await get(legalInTeam, '/console/operations/new')).statusCode, 403);
  });

  test('dependents without a caregiver come first, oldest first, until a caregiver is recorded', async () => {
    const id = await openOperation({ name: 'Carthage', teams: [otherTeamId] });
    const { userId } = legalElsewhere;
    const waitingBefore = await countDependentsWithoutCaregiver(t.context.db, {
      userId,
      roles: ['legal'],
      sessionId: '',
      csrfSecret: '',
    });
    const first = await addDependent(t.context, undefined, {
      operationId: id,
      need: 'school_pickup',
      description: 'First: two children at Carthage Elementary',
    });
    t.clock.advance(20 * 60_000);
    const byHand = await postForm(t.app, legalElsewhere, `/console/operations/${id}/dependents`, {
      need: 'childcare',
      description: 'Second: a baby with a neighbour until 6 PM',
    });
    assert.equal(byHand.statusCode, 303);
    const page = await get(legalElsewhere, `/console/operations/${id}`);
    const firstAt = page.body.indexOf('First: two children');
    const secondAt = page.body.indexOf('Second: a baby');
    const sitesAt = page.body.indexOf('id="sites"');
    assert.ok(firstAt > 0 && secondAt > firstAt, 'oldest first');
    assert.ok(sitesAt > secondAt, 'the dependents lead the page');
    assert.ok(page.body.includes('2 without a confirmed caregiver'));
    const nav = await get(legalElsewhere, '/console');
    assert.equal(waitingBefore, 0);
    assert.match(
      nav.body,
      /href="\/console\/operations"[^>]*>[^<]*<span class="badge" aria-hidden="true">2<\/span/,
    );
    assert.equal(
      await countDependentsWithoutCaregiver(t.context.db, {
        userId,
        roles: ['legal'],
        sessionId: '',
        csrfSecret: '',
      }),
      waitingBefore + 2,
    );

    const missing = await postForm(
      t.app,
      legalElsewhere,
      `/console/operations/${id}/dependents/${first}/caregiver`,
      {
        caregiver_name: '',
        caregiver_relationship: 'aunt',
      },
    );
    assert.equal(missing.statusCode, 422);
    assert.ok(
      missing.body.includes("Enter the caregiver's name") ||
        missing.body.includes('Enter the caregiver&#39;s name'),
    );
    const done = await postForm(
      t.app,
      legalElsewhere,
      `/console/operations/${id}/dependents/${first}/caregiver`,
      {
        caregiver_name: 'Rosa Canary',
        caregiver_relationship: 'aunt',
      },
    );
    assert.equal(done.statusCode, 303);
    const after = await get(legalElsewhere, `/console/operations/${id}`);
    const urgent = after.body.slice(after.body.indexOf('id="waiting"'), after.body.indexOf('id="confirmed"'));
    assert.ok(!urgent.includes('First: two children'), 'no longer urgent');
    assert.ok(urgent.includes('Second: a baby'));
    assert.ok(after.body.includes('Rosa Canary (aunt)'), 'shown among those with a caregiver');
    assert.equal(
      await countDependentsWithoutCaregiver(t.context.db, {
        userId,
        roles: ['legal'],
        sessionId: '',
        csrfSecret: '',
      }),
      waitingBefore + 1,
    );
    const again = await postForm(
      t.app,
      legalElsewhere,
      `/console/operations/${id}/dependents/${first}/caregiver`,
      {
        caregiver_name: 'Someone else',
        caregiver_relationship: 'x',
      },
    );
    assert.equal(again.statusCode, 404, 'a caregiver is confirmed once');
    const stored = await t.context.db
      .selectFrom('operation_dependents')
      .selectAll()
      .where('id', '=', first)
      .executeTakeFirstOrThrow();
    assert.ok(
      !JSON.stringify(stored).includes('Rosa') && !JSON.stringify(stored).includes('Carthage'),
      'encrypted',
    );
    const audits = await t.context.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject_id', '=', id)
      .orderBy('seq')
      .execute();
    assert.ok(audits.some((a) => a.action === 'operation.caregiver_recorded'));
  });

  test('the hotline asks about the sites of open operations only; closing and reopening is audited', async () => {
    const id = await openOperation({ name: 'Forest', sites: 'Forest plant, 39074\nSecond gate, 39074' });
    const open = (await openOperationSites(t.context.db)).filter((site) => site.operationId === id);
    assert.deepEqual(
      open.map(({ siteName, zip }) => ({ siteName, zip })),
      [
        { siteName: 'Forest plant', zip: '39074' },
        { siteName: 'Second gate', zip: '39074' },
      ],
    );
    assert.deepEqual(Object.keys(open[0]!).sort(), ['operationId', 'siteId', 'siteName', 'zip']);
    assert.equal((await postForm(t.app, coordinator, `/console/operations/${id}/close`, {})).statusCode, 303);
    assert.equal((await openOperationSites(t.context.db)).filter((s) => s.operationId === id).length, 0);
    assert.ok((await get(coordinator, `/console/operations/${id}`)).body.includes('Reopen the operation'));
    assert.equal(
      (await postForm(t.app, coordinator, `/console/operations/${id}/reopen`, {})).statusCode,
      303,
    );
    assert.equal((await openOperationSites(t.context.db)).filter((s) => s.operationId === id).length, 2);
    const actions = await t.context.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject_id', '=', id)
      .where('action', '!=', 'operation.viewed')
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      actions.map((a) => a.action),
      ['operation.created', 'operation.closed', 'operation.reopened'],
    );
  });

  test('the numbers: dependents by site and by day, drawn as a chart with a table', async () => {
    // Raided three days before today (the test clock's 7 August): the series runs from day 0 to day 3.
    const id = await openOperation({
      name: 'Bay Springs',
      raid_date: '2019-08-04',
      sites: 'Bay Springs plant, 39422',
    });
    const [site] = (await openOperationSites(t.context.db)).filter((s) => s.operationId === id);
    await addDependent(t.context, undefined, { operationId: id, siteId: site!.siteId, description: 'a' });
    await addDependent(t.context, undefined, { operationId: id, siteId: site!.siteId, description: 'b' });
    const page = await get(coordinator, `/console/operations/${id}`);
    assert.ok(page.body.includes('<svg viewBox'), 'a chart drawn on the server');
    assert.ok(page.body.includes('id="by-day"') && page.body.includes('id="by-site"'));
    const bySite = page.body.slice(page.body.indexOf('id="by-site"'));
    assert.match(bySite, /Bay Springs plant \(39422\)<\/th>(\s*<td>\d+<\/td>){7}\s*<td>2<\/td>/);
    // The two dependents were recorded today, day 3.
    const byDay = page.body.slice(page.body.indexOf('id="by-day"'), page.body.indexOf('id="by-site"'));
    assert.match(byDay, /Day 0 · 2019-08-04<\/th>(\s*<td>0<\/td>){8}/);
    assert.match(byDay, /Day 3 · 2019-08-07<\/th>(\s*<td>0<\/td>){7}\s*<td>2<\/td>/);
  });

  test('the aggregate export holds counts only: no name, A-number or phone, and no facility count under 5', async () => {
    const id = await openOperation({ name: 'Morton export', sites: 'Small site, 39117\nBig site, 39074' });
    const sites = (await openOperationSites(t.context.db)).filter((s) => s.operationId === id);
    for (let i = 0; i < 3; i++) {
      await addDependent(t.context, undefined, {
        operationId: id,
        siteId: sites[0]!.siteId,
        description: `Maria Canaria ${i}, A# 207334518, +17735550188`,
      });
    }
    registerOperationCounts('export-test', async (_db, operationId) =>
      operationId === id
        ? [
            { measure: 'located', count: 3, facility: 'Jena LaSalle Detention Facility' },
            { measure: 'located', count: 41, facility: 'Adams County Correctional Center' },
            { measure: 'transferred', count: 1, facility: 'Adams County Correctional Center' },
            { measure: 'released', count: 9, siteId: sites[1]!.siteId },
            { measure: 'released', count: 2, siteId: sites[0]!.siteId },
            { measure: 'located', count: 44 },
          ]
        : [],
    );
    for (const format of ['csv', 'json'] as const) {
      const res = await get(coordinator, `/console/operations/${id}/export.${format}`);
      assert.equal(res.statusCode, 200);
      for (const canary of ['Canaria', '207334518', '207-334-518', '5550188', 'Rosa']) {
        assert.ok(!res.body.includes(canary), `${format} holds ${canary}`);
      }
      if (format === 'json') {
        const data = JSON.parse(res.body) as {
          totals: Record<string, number>;
          bySite: { site: string; counts: Record<string, string> }[];
          byFacility: { facility: string; counts: Record<string, string> }[];
        };
        assert.equal(data.totals.located, 44);
        assert.equal(data.totals.children_without_caregiver, 3);
        for (const row of [...data.bySite, ...data.byFacility]) {
          for (const cell of Object.values(row.counts)) {
            assert.ok(cell === '<5' || Number(cell) >= 5, `${cell} in ${JSON.stringify(row)}`);
          }
        }
        assert.equal(data.byFacility.find((f) => f.facility.startsWith('Adams'))?.counts.located, '41');
        assert.equal(data.byFacility.find((f) => f.facility.startsWith('Jena'))?.counts.located, '<5');
        assert.equal(data.bySite.find((s) => s.site === 'Big site')?.counts.released, '9');
        assert.equal(
          data.bySite.find((s) => s.site === 'Small site')?.counts.children_without_caregiver,
          '<5',
        );
      } else {
        for (const line of res.body.trim().split('\r\n').slice(1)) {
          const cells = line.split(',');
          if (cells[0] === 'site' || cells[0] === 'facility') {
            const count = cells.at(-1)!;
            assert.ok(count === '<5' || Number(count) >= 5, line);
          }
        }
        assert.ok(res.body.includes('facility,Adams County Correctional Center,,,located,41'));
      }
    }
    registerOperationCounts('export-test', async () => []);
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'operation.exported')
      .where('subject_id', '=', id)
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.details),
      [{ format: 'csv' }, { format: 'json' }],
    );
  });
});
