// Issue 14, found by trying it: a report without a ZIP code can still be added to any open incident; a
// report's status follows its incident; simulated reports are marked everywhere and left out of counts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import type { IncidentStatus } from '../../db/schema.ts';
import {
  BASE,
  coordinates,
  createIncidentByForm,
  northOf,
  postForm,
  storeReport,
} from './incidents.test-helpers.ts';

describe('issue 14: grouping, report status, simulated reports', () => {
  let t: TestApp;
  let dispatcher: StaffSession;
  before(async () => {
    t = await createTestApp();
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => t.close());

  const get = (url: string, lang = 'en') =>
    t.app.inject({
      url,
      headers: { accept: 'text/html', 'accept-language': lang, cookie: dispatcher.cookie },
    });
  const setIncidentStatus = async (id: string, status: IncidentStatus) => {
    await t.context.db.updateTable('incidents').set({ status }).where('id', '=', id).execute();
  };
  const referenceOf = async (id: string) =>
    (
      await t.context.db
        .selectFrom('incidents')
        .select('reference')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).reference;
  /** Where each of these strings first appears in the body (all must appear). */
  const positions = (body: string, needles: string[]) =>
    needles.map((needle) => {
      const at = body.indexOf(needle);
      assert.ok(at >= 0, `${needle} is on the page`);
      return at;
    });

  test('a report without a ZIP code can be added to any open incident, most recent first', async () => {
    const older = await createIncidentByForm(t.app, dispatcher, (await storeReport(t.context)).id);
    t.clock.advance(60_000);
    const newer = await createIncidentByForm(t.app, dispatcher, (await storeReport(t.context)).id);
    t.clock.advance(60_000);
    const report = await storeReport(t.context, { zip: null, location: 'la 26 y Lawndale' });

    const page = await get(`/console/incidents/new?report=${report.id}`);
    assert.equal(page.statusCode, 200);
    const [olderRef, newerRef] = [await referenceOf(older), await referenceOf(newer)];
    const [newerAt, olderAt] = positions(page.body, [`Add to ${newerRef}`, `Add to ${olderRef}`]);
    assert.ok(newerAt! < olderAt!, 'the most recently active first when the place is not known');
    assert.ok(page.body.includes('Start a new incident'), 'starting a new one is still offered');
    const spanish = await get(`/console/incidents/new?report=${report.id}`, 'es');
    assert.ok(spanish.body.includes('Todos los incidentes abiertos'));

    const added = await postForm(t.app, dispatcher, `/console/incidents/${older}/reports`, {
      report_id: report.id,
    });
    assert.equal(added.statusCode, 303, added.body);
    const row = await t.context.db
      .selectFrom('reports')
      .select('incident_id')
      .where('id', '=', report.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.incident_id, older);
  });

  test('with the report’s place known, the open incidents beyond the suggestions come nearest first', async () => {
    t.clock.advance(10 * 60_000);
    const far = await createIncidentByForm(
      t.app,
      dispatcher,
      (
        await storeReport(t.context, {
          zip: null,
          location: coordinates(northOf(20_000)),
        })
      ).id,
    );
    t.clock.advance(60_000);
    const nearer = await createIncidentByForm(
      t.app,
      dispatcher,
      (
        await storeReport(t.context, {
          zip: null,
          location: coordinates(northOf(5_000)),
        })
      ).id,
    );
    t.clock.advance(60_000);
    const report = await storeReport(t.context, { zip: null, location: coordinates(BASE) });
    const page = await get(`/console/incidents/new?report=${report.id}`);
    const [nearerAt, farAt] = positions(page.body, [
      `Add to ${await referenceOf(nearer)}`,
      `Add to ${await referenceOf(far)}`,
    ]);
    assert.ok(nearerAt! < farAt!, 'nearest first');
    assert.match(page.body, /about 5\.0 km away/);
  });

  test('a report in a confirmed incident shows the incident’s status, not "Needs verification"', async () => {
    t.clock.advance(10 * 60_000);
    const report = await storeReport(t.context);
    const incident = await createIncidentByForm(t.app, dispatcher, report.id);
    await setIncidentStatus(incident, 'confirmed');
    const reference = await referenceOf(incident);

    const list = await get('/console/reports');
    const row = new RegExp(`data-id="${report.id}"[\\s\\S]*?</tr>`).exec(list.body)?.[0] ?? '';
    assert.match(row, new RegExp(`Confirmed \\(incident ${reference}\\)`));
    assert.ok(!row.includes('Needs verification'));
    const listEs = await get('/console/reports', 'es');
    const rowEs = new RegExp(`data-id="${report.id}"[\\s\\S]*?</tr>`).exec(listEs.body)?.[0] ?? '';
    assert.match(rowEs, new RegExp(`Confirmado \\(incidente ${reference}\\)`));
    assert.ok(!rowEs.includes('Por verificar'));

    const detail = await get(`/console/reports/${report.id}`);
    assert.match(detail.body, new RegExp(`id="report-status">Confirmed \\(incident ${reference}\\)<`));
    const detailEs = await get(`/console/reports/${report.id}`, 'es');
    assert.match(detailEs.body, new RegExp(`id="report-status">Confirmado \\(incidente ${reference}\\)<`));

    const incidentPage = await get(`/console/incidents/${incident}`);
    assert.ok(!/<span class="status">\s*Needs verification/.test(incidentPage.body));

    // Set aside by a dispatcher, a report says so even inside an incident.
    await t.context.db.updateTable('reports').set({ status: 'spam' }).where('id', '=', report.id).execute();
    const spam = await get(`/console/reports/${report.id}`);
    assert.match(spam.body, /id="report-status">Spam</);
  });

  test('simulated reports are marked in the queue, on their page and on the board, and never counted', async () => {
    t.clock.advance(10 * 60_000);
    const real = await storeReport(t.context);
    const simulated = await storeReport(t.context, { simulated: true });
    const incident = await createIncidentByForm(t.app, dispatcher, real.id);
    const alone = await storeReport(t.context, { simulated: true, zip: null, location: 'la 26 y Lawndale' });
    const added = await postForm(t.app, dispatcher, `/console/incidents/${incident}/reports`, {
      report_id: simulated.id,
    });
    assert.equal(added.statusCode, 303);

    const list = await get('/console/reports?show=all');
    const rowOf = (body: string, id: string) =>
      new RegExp(`<tr data-id="${id}"[\\s\\S]*?</tr>`).exec(body)?.[0] ?? '';
    assert.match(rowOf(list.body, simulated.id), /class="tag simulated">Simulated</);
    assert.ok(!rowOf(list.body, real.id).includes('tag simulated'));
    const listEs = await get('/console/reports?show=all', 'es');
    assert.match(rowOf(listEs.body, simulated.id), /class="tag simulated">Simulado</);

    const detail = await get(`/console/reports/${simulated.id}`);
    assert.match(detail.body, /id="simulated-report"/);
    const detailEs = await get(`/console/reports/${simulated.id}`, 'es');
    assert.match(detailEs.body, /Reporte simulado/);
    const realDetail = await get(`/console/reports/${real.id}`);
    assert.ok(!realDetail.body.includes('id="simulated-report"'));

    const board = await get('/console/incidents');
    const incidentRow = rowOf(board.body, incident);
    assert.match(
      incidentRow,
      /<td>1 <span class="tag simulated">\+1 simulated<\/span>/,
      'one real report counted',
    );
    assert.match(
      rowOf(board.body, alone.id),
      /class="tag simulated">Simulated</,
      'the triage queue marks it',
    );

    const incidentPage = await get(`/console/incidents/${incident}`);
    assert.match(incidentPage.body, /Reports \(1\)/);
  });
});
