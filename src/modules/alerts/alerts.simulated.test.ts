// Issue 14, "Simulated reports look real": an incident made only of reports from the console's text simulator
// is practice, and no community alert may come of it (not composed, not approved), in English and Spanish.
// One real report in it is enough for the usual rules to apply again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { storeReport } from '../incidents/incidents.test-helpers.ts';
import {
  addSubscriber,
  alertRow,
  approveByForm,
  composeByForm,
  composeConfirmedActivity,
  incidentWith,
  ledgerSize,
} from './alerts.test-helpers.ts';

const WORDING = {
  kind: 'confirmed_activity',
  what: 'at_workplace',
  advice: 'avoid_area',
  area_label: 'ZIP 60623',
};

describe('alerts and simulated reports', () => {
  let t: TestApp;
  let composer: StaffSession;
  let second: StaffSession;
  before(async () => {
    t = await createTestApp();
    composer = await createStaffSession(t.context, ['dispatcher']);
    second = await createStaffSession(t.context, ['dispatcher']);
    await addSubscriber(t.context, { language: 'en', zips: ['60623'] });
  });
  after(async () => t.close());

  const page = (url: string, lang = 'en') =>
    t.app.inject({ url, headers: { accept: 'text/html', cookie: composer.cookie, 'accept-language': lang } });
  const putInto = async (incidentId: string, reportId: string) => {
    await t.context.db
      .updateTable('reports')
      .set({ incident_id: incidentId })
      .where('id', '=', reportId)
      .execute();
  };

  test('a confirmed incident holding only simulated reports cannot have a community alert', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    await putInto(incident.id, (await storeReport(t.context, { simulated: true })).id);

    const compose = await page(`/console/incidents/${incident.id}/alerts/new`);
    assert.equal(compose.statusCode, 200);
    assert.match(
      compose.body,
      /id="no-alert-kinds"[^>]*>\s*Every report in this incident was made with the text simulator/,
    );
    const spanish = await page(`/console/incidents/${incident.id}/alerts/new`, 'es');
    assert.match(spanish.body, /se hicieron con el simulador de textos/);

    const refused = await composeByForm(t.app, composer, incident.id, WORDING);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /made with the text simulator/);
    const drafts = await t.context.db
      .selectFrom('alerts')
      .select('id')
      .where('incident_id', '=', incident.id)
      .execute();
    assert.equal(drafts.length, 0, 'no draft was written');
  });

  test('a draft is not approved once the incident turns out to hold only simulated reports', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const real = await storeReport(t.context);
    await putInto(incident.id, real.id);
    const alertId = await composeConfirmedActivity(t.app, composer, incident.id);
    // The real report is moved out (a split); a simulated one is all that is left.
    await t.context.db.updateTable('reports').set({ incident_id: null }).where('id', '=', real.id).execute();
    await putInto(incident.id, (await storeReport(t.context, { simulated: true })).id);

    const approval = await approveByForm(t.app, t.context, second, alertId);
    assert.equal(approval.statusCode, 409);
    assert.match(approval.body, /made with the text simulator/);
    assert.equal((await alertRow(t.context, alertId)).status, 'draft');
    assert.equal(await ledgerSize(t.context, alertId), 0, 'nobody is texted');
  });

  test('one real report next to simulated ones lets the usual rules apply', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    await putInto(incident.id, (await storeReport(t.context, { simulated: true })).id);
    await putInto(incident.id, (await storeReport(t.context)).id);
    const alertId = await composeConfirmedActivity(t.app, composer, incident.id);
    const approval = await approveByForm(t.app, t.context, second, alertId);
    assert.equal(approval.statusCode, 303, approval.body);
  });
});
