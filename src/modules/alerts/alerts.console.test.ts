// The alert pages over HTTP, on both databases: composing from an incident with its defaults, the preview of
// every language's exact text with segments and encoding, who would receive it per language (without anyone
// who texted STOP), targeting by coordinators only (radius, added and removed ZIP codes, drawn areas), area
// labels that look like an address refused in the composer's language, the list, who may see what, and the
// live progress stream.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { recordOptOut } from '../opt-outs/opt-outs.service.ts';
import { sql } from 'kysely';
import { ALERT_PROGRESS_CHANNEL } from './alerts.delivery.ts';
import { PROGRESS_REREAD_MS } from './alerts.routes.ts';
import {
  addSubscriber,
  alertCount,
  approveByForm,
  composeByForm,
  composeConfirmedActivity,
  incidentWith,
  postForm,
  stopNumber,
} from './alerts.test-helpers.ts';

const page = (t: TestApp, session: StaffSession, url: string, lang = 'en') =>
  t.app.inject({ url, headers: { accept: 'text/html', cookie: session.cookie, 'accept-language': lang } });

/** The per-language recipient counts on a draft's page, e.g. { en: 2, es: 1 }. */
function recipientCounts(body: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of body.matchAll(
    /<tr data-language="(\w+)">\s*<td>[^<]*<\/td>\s*<td class="count">(\d+)<\/td>/g,
  ))
    counts[match[1]!] = Number(match[2]);
  return counts;
}

function targetZips(body: string): string {
  return /<td id="target-zips">([^<]*)<\/td>/.exec(body)?.[1]?.trim() ?? '';
}

describe(`alert pages`, () => {
  let t: TestApp;
  let dispatcher: StaffSession;
  let coordinator: StaffSession;
  before(async () => {
    t = await createTestApp({
      env: {
        AMPARO_NETWORK_NAME: 'Red Pilsen',
        AMPARO_TIMEZONE: 'America/Chicago',
        AMPARO_DISTANCE_UNIT: 'km',
      },
    });
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
    coordinator = await createStaffSession(t.context, ['coordinator']);
    // 60623 (the incident's ZIP): two English, one Spanish, one who texted STOP, one whose number is on the
    // hotline's STOP list only, one who never confirmed. 60608 and 60632: one Spanish subscriber each.
    await addSubscriber(t.context, { language: 'en', zips: ['60623'] });
    await addSubscriber(t.context, { language: 'en', zips: ['60623', '60629'] });
    await addSubscriber(t.context, { language: 'es', zips: ['60623'] });
    const stopped = await addSubscriber(t.context, { language: 'es', zips: ['60623'] });
    await stopNumber(t.context, stopped.phone);
    const optedOutElsewhere = await addSubscriber(t.context, { language: 'en', zips: ['60623'] });
    await recordOptOut(
      t.context.db,
      t.context.secrets.blindIndex.phone(optedOutElsewhere.phone),
      t.clock.now(),
    );
    await addSubscriber(t.context, { language: 'en', zips: ['60623'], status: 'pending' });
    await addSubscriber(t.context, { language: 'es', zips: ['60608'] });
    await addSubscriber(t.context, { language: 'es', zips: ['60632'] });
  });
  after(async () => t.close());

  test('composing from a confirmed incident starts from the incident’s own wording and area', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed', type: 'home', agency: 'cbp' });
    const incidentPage = await page(t, dispatcher, `/console/incidents/${incident.id}`);
    assert.match(incidentPage.body, new RegExp(`href="/console/incidents/${incident.id}/alerts/new"`));
    const res = await page(t, dispatcher, `/console/incidents/${incident.id}/alerts/new`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<strong aria-current="true">Confirmed activity<\/strong>/);
    assert.match(res.body, /href="\?kind=update"/);
    assert.match(res.body, /href="\?kind=area_clear"/);
    assert.ok(!res.body.includes('kind=rumour_control'), 'rumour control is not for a confirmed incident');
    assert.match(
      res.body,
      /<option value="at_home" selected>Border Patrol agents at a home<\/option>/,
      'the agency is the incident’s',
    );
    assert.match(res.body, /<option value="stay_inside" selected>/);
    assert.match(res.body, /name="area_label"\s+value="ZIP 60623"/);
    assert.match(res.body, /name="_csrf" value="[^"]+"/);
    const update = await page(t, dispatcher, `/console/incidents/${incident.id}/alerts/new?kind=update`);
    assert.match(update.body, /<input type="hidden" name="kind" value="update" \/>/);
    assert.match(update.body, /<option value="still_present" selected>/);
    const spanish = await page(t, dispatcher, `/console/incidents/${incident.id}/alerts/new`, 'es');
    assert.match(spanish.body, /Alertar a la comunidad/);
    assert.match(spanish.body, /Actividad confirmada/);
  });

  test('the draft shows each language’s exact text with segments and encoding, and who would receive it', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const alertId = await composeConfirmedActivity(t.app, dispatcher, incident.id);
    const res = await page(t, dispatcher, `/console/alerts/${alertId}?saved=composed`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /id="alert-notice"/);
    assert.match(
      res.body,
      /Red Pilsen VERIFIED ALERT [0-9:]+ [AP]M C[SD]T: ICE agents at a workplace near ZIP 60623\. Avoid the area if you can\. Report what you see: \+1 555 010 0199\. Reply STOP to end/,
    );
    assert.match(
      res.body,
      /Red Pilsen ALERTA VERIFICADA [0-9:]+ C[SD]T: agentes de ICE en un lugar de trabajo cerca de ZIP 60623\. Evite la zona si puede\./,
    );
    assert.match(res.body, /\d+ characters · 2 segments · GSM-7|\d+ characters · 1 segment · GSM-7/);
    assert.ok(!res.body.includes('segment-warning'), 'no warning within two segments');
    assert.equal(targetZips(res.body), '60623');
    // Active, confirmed, not opted out anywhere: two English and one Spanish subscriber in 60623.
    assert.deepEqual(recipientCounts(res.body), { en: 2, es: 1 });
    assert.match(res.body, /<td class="count" id="recipients-total">3<\/td>/);
    assert.match(res.body, /id="own-alert"/, 'its composer is not offered approval');
    assert.match(
      (await page(t, coordinator, `/console/alerts/${alertId}`)).body,
      /Approve and send to 3 subscribers/,
    );
    const spanish = await page(t, coordinator, `/console/alerts/${alertId}`, 'es');
    assert.match(spanish.body, /Exactamente lo que reciben los suscriptores/);
    assert.match(spanish.body, /Aprobar y enviar a 3 suscriptores/);
  });

  test('a text over two segments is flagged on the preview', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    // The en dash is outside GSM-7: the whole text becomes UCS-2, 67 characters a segment.
    const alertId = await composeConfirmedActivity(t.app, dispatcher, incident.id, {
      area_label: 'Pilsen – Little Village',
    });
    const res = await page(t, dispatcher, `/console/alerts/${alertId}`);
    assert.match(res.body, /segment-warning/);
    assert.match(res.body, /UCS-2/);
    assert.match(res.body, /This text takes [3-9] segments \(more than 2\)/);
  });

  test('a coordinator adds and removes ZIP codes, changes the radius and draws an area; counts follow', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const alertId = await composeConfirmedActivity(t.app, dispatcher, incident.id);
    const coordinatorView = await page(t, coordinator, `/console/alerts/${alertId}`);
    assert.match(coordinatorView.body, /id="targeting-form"/);

    const added = await postForm(t.app, coordinator, `/console/alerts/${alertId}/targeting`, {
      radius: '1.5',
      add_zips: '60608',
      remove_zips: '',
      areas: '',
    });
    assert.equal(added.statusCode, 303, added.body);
    let view = await page(t, dispatcher, `/console/alerts/${alertId}`);
    assert.equal(targetZips(view.body), '60608, 60623');
    assert.deepEqual(recipientCounts(view.body), { en: 2, es: 2 });

    // A square around 60632's centre (41.81, -87.71): a drawn area brings its subscribers in.
    const drawn = await postForm(t.app, coordinator, `/console/alerts/${alertId}/targeting`, {
      radius: '1.5',
      add_zips: '60608',
      remove_zips: '60623',
      areas: '41.82,-87.72; 41.82,-87.70; 41.80,-87.70; 41.80,-87.72',
    });
    assert.equal(drawn.statusCode, 303, drawn.body);
    view = await page(t, dispatcher, `/console/alerts/${alertId}`);
    assert.equal(targetZips(view.body), '60608, 60632');
    assert.deepEqual(recipientCounts(view.body), { en: 0, es: 2 });
    assert.match(view.body, /<svg\s+class="alert-map"/, 'a map of the area, drawn on the server');

    const wider = await postForm(t.app, coordinator, `/console/alerts/${alertId}/targeting`, {
      radius: '4',
      add_zips: '',
      remove_zips: '',
      areas: '',
    });
    assert.equal(wider.statusCode, 303);
    view = await page(t, dispatcher, `/console/alerts/${alertId}`);
    assert.equal(targetZips(view.body), '60608, 60623, 60624, 60804');

    const second = await createStaffSession(t.context, ['dispatcher']);
    const approved = await approveByForm(t.app, t.context, second, alertId);
    assert.equal(approved.statusCode, 303, 'a second dispatcher approves a coordinator-aimed alert');
    const row = await t.context.db
      .selectFrom('alerts')
      .select(['target_zips', 'recipients'])
      .where('id', '=', alertId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row.target_zips, ['60608', '60623', '60624', '60804']);
    assert.equal(row.recipients, 4);
  });

  test('dispatchers cannot change the area; mistakes come back in the coordinator’s language', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const alertId = await composeConfirmedActivity(t.app, dispatcher, incident.id);
    const view = await page(t, dispatcher, `/console/alerts/${alertId}`);
    assert.ok(!view.body.includes('id="targeting-form"'));
    assert.match(view.body, /id="targeting-coordinators"/);
    const refused = await postForm(t.app, dispatcher, `/console/alerts/${alertId}/targeting`, {
      radius: '1.5',
      add_zips: '60608',
    });
    assert.equal(refused.statusCode, 403);

    const bad = await postForm(
      t.app,
      coordinator,
      `/console/alerts/${alertId}/targeting`,
      { radius: '0.02', add_zips: '6060', remove_zips: '', areas: '41.8,-87.7; 41.9,-87.7' },
      { lang: 'es' },
    );
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Escriba el radio como un número, dentro del rango que aparece bajo el campo\./);
    assert.match(bad.body, /Radio en kilómetros/);
    assert.match(bad.body, /De 100 m a 50 km\./);
    assert.match(bad.body, /No conocemos estos códigos postales: 6060\./);
    assert.match(bad.body, /Línea 1: una zona necesita al menos tres puntos/);
    assert.match(bad.body, /name="add_zips" value="6060"/, 'what was typed comes back');
    assert.equal(targetZips((await page(t, dispatcher, `/console/alerts/${alertId}`)).body), '60623');
  });

  test('an area label that looks like an address, a phone number or an A-number is refused and kept for fixing', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const before = await alertCount(t.context);
    const cases: [string, string, RegExp][] = [
      ['2400 S Pulaski Rd', 'en', /This looks like a street address/],
      ['2400 S Pulaski Rd', 'es', /Esto parece una dirección/],
      ['(773) 555-0142', 'en', /This looks like a phone number/],
      ['A123456789', 'es', /Esto parece un número A/],
    ];
    for (const [label, lang, message] of cases) {
      const res = await composeByForm(
        t.app,
        dispatcher,
        incident.id,
        { kind: 'confirmed_activity', what: 'at_workplace', advice: 'avoid_area', area_label: label },
        { lang },
      );
      assert.equal(res.statusCode, 422, label);
      assert.match(res.body, message, label);
      assert.ok(res.body.includes(`value="${label}"`), `${label}: what was typed comes back`);
      assert.match(res.body, /id="compose-form"/, 'the form comes back');
    }
    assert.equal(await alertCount(t.context), before, 'nothing was stored');

    const alertId = await composeConfirmedActivity(t.app, dispatcher, incident.id);
    const edit = await postForm(t.app, dispatcher, `/console/alerts/${alertId}/edit`, {
      kind: 'confirmed_activity',
      what: 'at_workplace',
      advice: 'avoid_area',
      area_label: '3525 W Cermak Rd',
    });
    assert.equal(edit.statusCode, 422);
    assert.match(edit.body, /This looks like a street address/);
    assert.match(edit.body, /value="3525 W Cermak Rd"/);
  });

  test('the list shows drafts waiting apart from the rest; the console links to it', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const draftId = await composeConfirmedActivity(t.app, dispatcher, incident.id);
    const sentId = await composeConfirmedActivity(t.app, dispatcher, incident.id);
    assert.equal((await approveByForm(t.app, t.context, coordinator, sentId)).statusCode, 303);
    const res = await page(t, dispatcher, '/console/alerts');
    assert.equal(res.statusCode, 200);
    const drafts = /<table class="alerts" id="draft-alerts">[\s\S]*?<\/table>/.exec(res.body)?.[0] ?? '';
    const recent = /<table class="alerts" id="recent-alerts">[\s\S]*?<\/table>/.exec(res.body)?.[0] ?? '';
    assert.ok(drafts.includes(`data-id="${draftId}"`) && !drafts.includes(`data-id="${sentId}"`));
    assert.ok(recent.includes(`data-id="${sentId}"`) && !recent.includes(`data-id="${draftId}"`));
    assert.match(res.body, /href="\/console\/alerts\/new"/);
    const home = await page(t, dispatcher, '/console');
    assert.match(home.body, /<a href="\/console\/alerts">Alerts<\/a>/);
    const earlier = await page(t, dispatcher, `/console/incidents/${incident.id}/alerts/new`);
    assert.match(
      earlier.body,
      new RegExp(`id="earlier-alerts"[\\s\\S]*data-id="${sentId}"`),
      'earlier alerts are listed',
    );
    assert.match(earlier.body, /dispatcher-[0-9a-f]{8}@example\.org ·/, 'with who composed them');
  });

  test('responders and legal observers see no alerts', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const alertId = await composeConfirmedActivity(t.app, dispatcher, incident.id);
    for (const role of ['responder', 'legal'] as const) {
      const session = await createStaffSession(t.context, [role]);
      for (const url of [
        '/console/alerts',
        `/console/alerts/${alertId}`,
        `/console/incidents/${incident.id}/alerts/new`,
      ]) {
        const res = await page(t, session, url);
        assert.equal(res.statusCode, 403, `${role} ${url}`);
        assert.ok(!res.body.includes('VERIFIED ALERT'));
      }
      const home = await page(t, session, '/console');
      assert.ok(!home.body.includes('href="/console/alerts"'), `${role}: no link`);
      const approve = await approveByForm(t.app, t.context, session, alertId);
      assert.equal(approve.statusCode, 403);
    }
  });

  test('an unknown alert or incident is a clear 404', async () => {
    for (const url of [
      '/console/alerts/not-an-id',
      '/console/alerts/00000000-0000-4000-8000-000000000000',
      '/console/incidents/00000000-0000-4000-8000-000000000000/alerts/new',
    ]) {
      const res = await page(t, dispatcher, url);
      assert.equal(res.statusCode, 404, url);
    }
  });

  test('a notice name that is not one of ours is ignored, even one every object inherits', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const alertId = await composeConfirmedActivity(t.app, dispatcher, incident.id);
    for (const saved of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'nonsense']) {
      const res = await page(t, dispatcher, `/console/alerts/${alertId}?saved=${saved}`);
      assert.equal(res.statusCode, 200, saved);
      assert.ok(!res.body.includes('id="alert-notice"'), `${saved}: no notice`);
    }
    const known = await page(t, dispatcher, `/console/alerts/${alertId}?saved=composed`);
    assert.match(known.body, /id="alert-notice"/);
  });
});

describe(`live delivery progress`, () => {
  let t: TestApp;
  let baseUrl: string;
  let dispatcher: StaffSession;
  let approver: StaffSession;
  before(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
    approver = await createStaffSession(t.context, ['dispatcher']);
    for (const language of ['en', 'es', 'es']) await addSubscriber(t.context, { language, zips: ['60623'] });
  });
  after(async () => t.close());

  test('the page shows the counts without JavaScript, and the stream sends each change as it happens', async () => {
    const incident = await incidentWith(t.context, { status: 'confirmed' });
    const alertId = await composeConfirmedActivity(t.app, dispatcher, incident.id);
    assert.equal((await approveByForm(t.app, t.context, approver, alertId)).statusCode, 303);

    const view = await page(t, approver, `/console/alerts/${alertId}`);
    assert.match(view.body, /<td class="count" data-count="queued">3<\/td>/);
    assert.match(view.body, /<td class="count" data-count="total">3<\/td>/);
    assert.match(view.body, new RegExp(`href="/console/alerts/${alertId}" id="progress-refresh"`));
    assert.match(view.body, /<script src="\/assets\/alerts-live\.js" defer><\/script>/);
    const events = /data-events="([^"]+)"/.exec(view.body)?.[1];
    assert.ok(events?.startsWith(`/console/alerts/${alertId}/events?since=`));

    // The watch's slow re-read starts when the stream subscribes. A timer as long, started before that,
    // fires before the re-read's first tick: until it has, only a signal can have brought a change.
    let rereadMayHaveRun = false;
    const rereadDue = setTimeout(() => (rereadMayHaveRun = true), PROGRESS_REREAD_MS);
    const controller = new AbortController();
    const res = await fetch(`${baseUrl}${events}`, {
      headers: { cookie: approver.cookie, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    // withinMs only keeps a missing event from hanging the run.
    const nextProgress = async (match: (data: Record<string, unknown>) => boolean, withinMs = 20_000) => {
      const deadline = Date.now() + withinMs;
      for (;;) {
        for (let end; (end = buffer.indexOf('\n\n')) !== -1;) {
          const chunk = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^event: progress\ndata: (.*)$/m.exec(chunk)?.[1];
          if (data) {
            const parsed = JSON.parse(data) as Record<string, unknown>;
            if (match(parsed)) return parsed;
          }
        }
        const left = deadline - Date.now();
        assert.ok(left > 0, 'a progress event arrived in time');
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no matching progress event within ${withinMs} ms`)),
            left,
          );
        });
        const { value, done } = await Promise.race([reader.read(), late]).finally(() => clearTimeout(timer));
        assert.ok(!done, 'the stream stays open');
        buffer += decoder.decode(value, { stream: true });
      }
    };
    const first = await nextProgress(() => true);
    assert.equal(first.total, 3);
    assert.equal(first.statusLabel, 'Sending');

    // As the fan-out does: rows move on, and the engine signals the alert's id.
    await t.context.db
      .updateTable('alert_deliveries')
      .set({ status: 'sent', updated_at: t.clock.now() })
      .where('alert_id', '=', alertId)
      .execute();
    await t.context.db.updateTable('alerts').set({ status: 'sent' }).where('id', '=', alertId).execute();
    await sql`select pg_notify(${ALERT_PROGRESS_CHANNEL}, ${alertId})`.execute(t.context.db);
    const sent = await nextProgress((data) => data.sent === 3);
    clearTimeout(rereadDue);
    assert.ok(!rereadMayHaveRun, 'before the slow re-read: the signal itself brought it');
    assert.equal(sent.queued, 0);
    assert.equal(sent.status, 'sent');
    assert.equal(sent.statusLabel, 'Sent');
    assert.equal(sent.done, true);
    controller.abort();
  });
});
