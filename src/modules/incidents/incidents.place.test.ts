// An incident's place in words: typed when the incident is made or later with "Save place" (a map click fills
// the point; without JavaScript it is typed), stored encrypted, shown on the incident page, and texted to
// responders. The page shows words, never identifiers: no H3 cell, no language code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { incidentField } from './incidents.fields.ts';
import { languageName } from './incidents.pages.ts';
import { createIncidentByForm, postForm, storeReport } from './incidents.test-helpers.ts';

const PLACE = '26th St & Lawndale Ave';

test('languages are named in the reader language, never by their code', () => {
  assert.equal(languageName('es', 'en'), 'Spanish');
  assert.equal(languageName('es', 'es'), 'Español');
  assert.equal(languageName('en', 'es'), 'Inglés');
  assert.equal(languageName('pt', 'en'), 'Portuguese');
  assert.equal(languageName('vi', 'es'), 'Vietnamita');
  assert.equal(languageName('zz-not-a-tag!', 'en'), 'Another language');
});

describe('the place in words', () => {
  let t: TestApp;
  let dispatcher: StaffSession;
  before(async () => {
    t = await createTestApp();
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => t.close());

  const page = (id: string, lang = 'en') =>
    t.app.inject({
      url: `/console/incidents/${id}`,
      headers: { cookie: dispatcher.cookie, accept: 'text/html', 'accept-language': lang },
    });
  const row = (id: string) =>
    t.context.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  test('a dispatcher names the place when making the incident; it is stored encrypted and shown in words', async () => {
    const report = await storeReport(t.context, { language: 'es' });
    const id = await createIncidentByForm(t.app, dispatcher, report.id, { place_name: `  ${PLACE} ` });
    const stored = await row(id);
    assert.ok(stored.place_name_ciphertext && !stored.place_name_ciphertext.includes('Lawndale'));
    assert.equal(
      t.context.secrets.fields.decrypt(incidentField(id, 'place_name'), stored.place_name_ciphertext),
      PLACE,
    );
    const en = (await page(id)).body;
    assert.ok(en.includes('26th St &amp; Lawndale Ave'), 'the place in words is on the page');
    assert.match(
      en,
      /Reporter&#39;s language<\/th>\s*<td>Spanish<\/td>|Reporter's language<\/th>\s*<td>Spanish<\/td>/,
    );
    assert.ok(!en.includes(stored.h3_cell!), 'no H3 cell id on the page');
    // Not the label either (a random form token may hold the letters "H3", so the words are looked for).
    assert.doesNotMatch(en, /H3 cell|>H3</i);
    const es = (await page(id, 'es')).body;
    assert.match(es, /<td>Español<\/td>/);
    assert.match(es, /Lugar con palabras/);
  });

  test('a place in words alone is enough to make an incident from a report with no place', async () => {
    const report = await storeReport(t.context, { zip: null, location: undefined });
    const without = await postForm(t.app, dispatcher, '/console/incidents', {
      report_id: report.id,
      type: 'street',
      agency: 'ice',
    });
    assert.equal(without.statusCode, 422, 'no place at all is refused');
    const id = await createIncidentByForm(t.app, dispatcher, report.id, { place_name: PLACE });
    assert.equal((await row(id)).point_ciphertext, null);
  });

  test('"Save place" moves the point and renames the place; a bad point comes back with what was typed', async () => {
    const id = await createIncidentByForm(t.app, dispatcher, (await storeReport(t.context)).id);
    const before = await row(id);
    const saved = await postForm(t.app, dispatcher, `/console/incidents/${id}/place`, {
      point: '41.90000, -87.65000',
      place_name: PLACE,
    });
    assert.equal(saved.statusCode, 303);
    const after = await row(id);
    assert.notEqual(after.h3_cell, before.h3_cell, 'moved to another neighbourhood cell');
    const body = (await page(id)).body;
    assert.match(body, /name="point" value="41\.90000,-87\.65000"/);
    assert.match(body, /name="place_name" value="26th St &amp; Lawndale Ave"/);

    const bad = await postForm(
      t.app,
      dispatcher,
      `/console/incidents/${id}/place`,
      { point: 'by the church', place_name: 'x'.repeat(81) },
      { lang: 'es' },
    );
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /name="point" value="by the church"/);
    assert.match(bad.body, /id="point-error"/);
    assert.match(bad.body, /id="place_name-error"/);
    assert.equal((await row(id)).h3_cell, after.h3_cell, 'nothing changed');

    // Without a map file the page has no map, only the form: it works without JavaScript.
    assert.doesNotMatch(body, /id="place-map"/);
    assert.match(body, /<form method="post" action="\/console\/incidents\/[0-9a-f-]+\/place"/);
  });

  test('only staff who manage incidents may save a place', async () => {
    const id = await createIncidentByForm(t.app, dispatcher, (await storeReport(t.context)).id);
    const responder = await createStaffSession(t.context, ['responder']);
    const res = await postForm(t.app, responder, `/console/incidents/${id}/place`, { place_name: PLACE });
    assert.equal(res.statusCode, 403);
  });
});
