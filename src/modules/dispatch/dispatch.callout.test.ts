// Calling out responders in the area, from the dispatch panel: one press texts the nearest free on-shift
// responders, as many as the crowd cap still has room for and never more; nobody when the cap is reached.
// Each callout is a dispatch like any other (on the panel, under the cap, stood down, answered by text or on
// the page), worded for observers in the responder's language, without the address. Community subscribers
// are never texted. Unit tests first (room, picking, text size), then over a real database with the jobs running.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { TEST_PUBLIC_URL, TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { zipCentroid, type Point } from '../../geo/geo.ts';
import { countSegments, isGsm7 } from '../../integrations/messaging/segments.ts';
import { text as textHotline } from '../sms/sms.test-helpers.ts';
import { calloutRoom, countCrowd } from './dispatch.callout.ts';
import { sendDispatchText, sendStandDownText, standDownDispatch } from './dispatch.service.ts';
import { composeDispatchText, dispatchLink, MAX_DISPATCH_SEGMENTS } from './dispatch.message.ts';
import { CALLOUT_RADIUS_KM, pickForCallout, rankResponders, type Candidate } from './dispatch.ranking.ts';
import {
  auditActionsFor,
  createStaff,
  dispatchThroughPanel,
  insertIncident,
  newPhone,
  outboxTextsTo,
  timelineKinds,
  type TestIncident,
  type TestStaff,
} from './dispatch.test-helpers.ts';

describe('callout rules without a database', () => {
  test('the room is the cap minus those on their way or there and those not answered yet, never below 0', () => {
    const crowd = (statuses: string[], cap: number) =>
      countCrowd(
        statuses.map((status) => ({ status: status as 'sent' })),
        cap,
      );
    assert.equal(calloutRoom(crowd([], 4)), 4);
    assert.equal(calloutRoom(crowd(['on_way', 'arrived'], 4)), 2);
    assert.equal(calloutRoom(crowd(['sent', 'on_way'], 4)), 2, 'texted without an answer takes a place');
    // Said no, stood down or finished: no place taken.
    assert.equal(calloutRoom(crowd(['declined', 'cancelled', 'done'], 4)), 4);
    assert.equal(calloutRoom(crowd(['on_way', 'on_way', 'arrived', 'sent', 'sent'], 4)), 0);
    assert.deepEqual(crowd(['on_way', 'arrived', 'sent', 'declined'], 4), {
      cap: 4,
      onTheWay: 2,
      awaiting: 1,
    });
  });

  test('picks follow the ranking (language bonus kept), stop at the room, and stay within the radius', () => {
    // Halfway between the centres of 60623 and 60608, about 2 km from each: the Spanish speaker goes first.
    const [a, b] = [zipCentroid('60623')!, zipCentroid('60608')!];
    const place = { lat: (a.lat + b.lat) / 2, lon: (a.lon + b.lon) / 2 };
    const candidates: Candidate[] = [
      // Evanston, 23 km away: still in reach.
      { userId: 'far', displayName: 'Far', languages: ['en'], homeZips: ['60201'] },
      { userId: 'unknown', displayName: 'Unknown', languages: ['es'], homeZips: [] },
      { userId: 'near', displayName: 'Near', languages: ['en'], homeZips: ['60623'] },
      { userId: 'spanish', displayName: 'Spanish', languages: ['es'], homeZips: ['60608'] },
      { userId: 'away', displayName: 'Away', languages: ['es'], homeZips: ['30303'] },
    ];
    const ranked = rankResponders(candidates, place, 'es');
    assert.deepEqual(
      pickForCallout(ranked, 10).map((s) => s.userId),
      ['spanish', 'near', 'far'],
      'Atlanta and an unknown distance are never called out',
    );
    assert.ok(pickForCallout(ranked, 10).every((s) => s.distanceKm! <= CALLOUT_RADIUS_KM));
    assert.deepEqual(
      pickForCallout(ranked, 2).map((s) => s.userId),
      ['spanish', 'near'],
    );
    assert.deepEqual(pickForCallout(ranked, 0), []);
    assert.deepEqual(pickForCallout(rankResponders(candidates, undefined, 'es'), 5), [], 'no place, nobody');
  });

  const dispatchId = '3f1c2a9e-8b7d-4c6e-9a5f-0e1d2c3b4a59';
  const placeName = '26th St & Lawndale Ave';
  for (const language of ['en', 'es'] as const) {
    test(`the callout text (${language}) is GSM-7 in at most two segments, coarse, and says not to confront`, () => {
      for (const host of ['hotline.example.org', `${'a'.repeat(64)}.example.org`]) {
        const link = dispatchLink(new URL(`https://${host}`), dispatchId);
        for (const reference of ['K7M2Q9XH', 'ZZZZZZZZZZZZ']) {
          const text = composeDispatchText({
            kind: 'callout',
            language,
            reference,
            zip: '60623',
            placeName,
            link,
          });
          assert.ok(isGsm7(text), text);
          assert.ok(
            countSegments(text).segments <= MAX_DISPATCH_SEGMENTS,
            `${countSegments(text).segments}: ${text}`,
          );
          assert.ok(text.startsWith(`${reference}: `), text);
          assert.match(
            text,
            language === 'en'
              ? /observers needed near (26th St & Lawndale Ave|ZIP 60623)/
              : /se necesita verificar cerca de (26th St & Lawndale Ave|CP 60623)/,
          );
          assert.match(text, language === 'en' ? /do not confront/ : /no confronte/);
          assert.match(text, language === 'en' ? /1 on my way.*2 can't/ : /1 voy en camino.*2 no puedo/);
          assert.ok(text.endsWith(link), text);
        }
      }
      const short = composeDispatchText({
        kind: 'callout',
        language,
        reference: 'K7M2Q9XH',
        zip: '60623',
        placeName,
        link: dispatchLink(new URL('https://hotline.example.org'), dispatchId),
      });
      assert.ok(short.includes(placeName), 'the place in words is named when it fits');
      // The ordinary dispatch text is unchanged.
      const ordinary = composeDispatchText({
        language,
        reference: 'K7M2Q9XH',
        zip: '60623',
        placeName,
        link: 'x',
      });
      assert.match(ordinary, language === 'en' ? /please check a report/ : /verifique un reporte/);
    });
  }
});

/** The incident's exact place in these tests: between two Atlanta ZIP centres, and never to be texted. */
const ATLANTA_POINT: Point = { lat: 33.7545, lon: -84.405 };
const ADDRESS = '1187 Peachtree Ct SW, apt 4';

describe(`calling out responders in the area`, () => {
  let t: TestApp;
  let dispatcher: StaffSession;
  before(async () => {
    t = await createTestApp({
      // A network that counts in kilometres (the panel's tests use the default, miles).
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_SMS_PROVIDER: 'console',
        AMPARO_CROWD_CAP: '3',
        AMPARO_DISTANCE_UNIT: 'km',
      },
      work: true,
    });
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => t.close());

  const callout = (incidentId: string, session: StaffSession = dispatcher, lang = 'en', csrf?: string) =>
    t.app.inject({
      method: 'POST',
      url: `/console/incidents/${incidentId}/callout`,
      headers: {
        accept: 'text/html',
        cookie: session.cookie,
        'accept-language': lang,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: csrf ?? session.csrfToken }).toString(),
    });

  const panel = (incidentId: string, query = '', lang = 'en') =>
    t.app.inject({
      url: `/console/incidents/${incidentId}/dispatch${query}`,
      headers: { accept: 'text/html', cookie: dispatcher.cookie, 'accept-language': lang },
    });

  const dispatchesOf = (incidentId: string) =>
    t.context.db
      .selectFrom('dispatches')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('created_at')
      .execute();

  const dispatchOf = async (incidentId: string, responderId: string) =>
    (await dispatchesOf(incidentId)).find((d) => d.responder_id === responderId);

  const setStatus = (incidentId: string, responderId: string, status: 'on_way' | 'arrived') =>
    t.context.db
      .updateTable('dispatches')
      .set({ status })
      .where('incident_id', '=', incidentId)
      .where('responder_id', '=', responderId)
      .execute();

  /** Waits for the queued text job to hand every one of these dispatches to the provider. */
  async function textsSent(dispatchIds: string[]): Promise<void> {
    for (let i = 0; i < 150; i++) {
      const rows = await t.context.db
        .selectFrom('dispatches')
        .select('provider_id')
        .where('id', 'in', dispatchIds)
        .execute();
      if (rows.length === dispatchIds.length && rows.every((r) => r.provider_id !== null)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail('the callout texts were not sent');
  }

  interface CalloutAuditEntry {
    actorId: string | null;
    outcome?: unknown;
    cap?: unknown;
    onTheWay?: unknown;
    awaiting?: unknown;
    room?: unknown;
    dispatchIds?: unknown;
  }

  async function calloutAudit(incidentId: string): Promise<CalloutAuditEntry[]> {
    const rows = await t.context.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'details'])
      .where('subject_id', '=', incidentId)
      .where('action', '=', 'dispatch.called_out')
      .orderBy('seq')
      .execute();
    return rows.map((row) => ({ actorId: row.actor_id, ...(row.details as object) }));
  }

  async function subscribe(phone: string, zips: string[]): Promise<void> {
    const id = randomUUID();
    const { fields, blindIndex } = t.context.secrets;
    await t.context.db
      .insertInto('subscribers')
      .values({
        id,
        phone_ciphertext: fields.encrypt({ table: 'subscribers', column: 'phone', rowId: id }, phone),
        phone_index: blindIndex.phone(phone),
        language: 'en',
        zips,
        status: 'active',
        created_at: t.clock.now(),
        confirmed_at: t.clock.now(),
      })
      .execute();
  }

  // Each test works in its own city, more than CALLOUT_RADIUS_KM from the others', so a test's responders
  // are never near another test's incident.
  test('fills the room under the cap with the nearest free on-shift responders, in their language, without the address', async () => {
    const incident = await insertIncident(t.context, {
      status: 'confirmed',
      zip: '30303',
      point: ATLANTA_POINT,
      reporterLanguage: 'es',
      location: ADDRESS,
    });
    // One already on the way: the cap of 3 leaves room for two.
    const first = await createStaff(t.context, ['responder'], {
      displayName: 'First',
      homeZips: ['30303'],
    });
    assert.equal((await dispatchThroughPanel(t.app, dispatcher, incident.id, first.userId)).statusCode, 303);
    await setStatus(incident.id, first.userId, 'on_way');

    // 2.5 km away but speaks the reporter's Spanish: ahead of English at 1.4 km, as on the panel's ranking.
    const spanish = await createStaff(t.context, ['responder'], {
      displayName: 'Lupe',
      languages: ['es', 'en'],
      homeZips: ['30314'],
    });
    const english = await createStaff(t.context, ['responder'], {
      displayName: 'Ann',
      languages: ['en'],
      homeZips: ['30303'],
    });
    const third = await createStaff(t.context, ['responder'], {
      displayName: 'Third',
      homeZips: ['30310'],
    });
    const far = await createStaff(t.context, ['responder'], {
      displayName: 'Gainesville',
      homeZips: ['30501'],
    });
    const offShift = await createStaff(t.context, ['responder'], { homeZips: ['30303'], onShift: false });
    const legalOnly = await createStaff(t.context, ['legal'], { homeZips: ['30303'] });
    const dispatcherOnly = await createStaff(t.context, ['dispatcher'], { homeZips: ['30303'] });
    // Busy: a dispatch still open at another incident (in Boston, far from everyone here).
    const busy = await createStaff(t.context, ['responder'], { displayName: 'Busy', homeZips: ['30303'] });
    const elsewhere = await insertIncident(t.context, { zip: '02119' });
    assert.equal((await dispatchThroughPanel(t.app, dispatcher, elsewhere.id, busy.userId)).statusCode, 303);
    // A community subscriber in the very ZIP code: never texted by a callout.
    const subscriberPhone = newPhone();
    await subscribe(subscriberPhone, ['30303', '30314']);

    const before = await panel(incident.id);
    assert.match(before.body, /<h2 id="callout-heading">Call out responders in the area<\/h2>/);
    assert.match(before.body, /1 on their way or there, 0 texted and not answered yet/);
    const picks = [
      ...(/<ol id="callout-picks">([\s\S]*?)<\/ol>/.exec(before.body)?.[1] ?? '').matchAll(
        /data-id="([^"]+)"/g,
      ),
    ].map((m) => m[1]);
    assert.deepEqual(picks, [spanish.userId, english.userId], 'the panel says who will be texted, in order');
    assert.match(
      before.body,
      /action="\/console\/incidents\/[^"]+\/callout"[\s\S]*?name="_csrf"[\s\S]*?Call out responders in the area \(2\)/,
    );

    const res = await callout(incident.id);
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `/console/incidents/${incident.id}/dispatch?called_out=2&room=2`);

    const rows = await dispatchesOf(incident.id);
    assert.equal(rows.length, 3, 'one before, two called out: the cap, not beyond');
    const called = rows.filter((r) => r.responder_id !== first.userId);
    assert.deepEqual(called.map((r) => r.responder_id).sort(), [spanish.userId, english.userId].sort());
    for (const row of called) {
      assert.equal(row.status, 'sent');
      assert.equal(row.created_by, dispatcher.userId);
    }
    for (const left of [third, far, offShift, legalOnly, dispatcherOnly, busy]) {
      assert.equal(await dispatchOf(incident.id, left.userId), undefined);
    }
    const callIds = called.map((r) => r.id);
    await textsSent(callIds);

    const lupeDispatch = (await dispatchOf(incident.id, spanish.userId))!;
    const [lupeText, ...lupeMore] = await outboxTextsTo(t.context, spanish.phone!);
    assert.equal(lupeMore.length, 0, 'one text');
    assert.ok(
      lupeText!.startsWith(`${incident.reference}: se necesita verificar cerca de CP 30303`),
      lupeText,
    );
    assert.match(lupeText!, /Observe a distancia segura; no confronte\./);
    assert.ok(lupeText!.endsWith(`${TEST_PUBLIC_URL}/console/dispatches/${lupeDispatch.id}`), lupeText);
    const [annText, ...annMore] = await outboxTextsTo(t.context, english.phone!);
    assert.equal(annMore.length, 0);
    assert.ok(annText!.startsWith(`${incident.reference}: observers needed near ZIP 30303`), annText);
    assert.match(annText!, /Observe from a safe distance; do not confront\./);
    for (const text of [lupeText!, annText!]) {
      assert.ok(isGsm7(text) && countSegments(text).segments <= MAX_DISPATCH_SEGMENTS, text);
      for (const secret of [
        '1187',
        'Peachtree',
        ATLANTA_POINT.lat.toFixed(5),
        ATLANTA_POINT.lon.toFixed(5),
      ]) {
        assert.ok(!text.includes(secret), `${secret} is not in the text: ${text}`);
      }
    }
    for (const phone of [subscriberPhone, third.phone!, far.phone!, offShift.phone!, legalOnly.phone!]) {
      assert.deepEqual(await outboxTextsTo(t.context, phone), []);
    }
    assert.deepEqual(await outboxTextsTo(t.context, dispatcherOnly.phone!), []);

    // Recorded like any dispatch: timeline, audit (marked as a callout), and one entry for the action.
    assert.equal((await timelineKinds(t.context, incident.id)).filter((k) => k === 'dispatched').length, 3);
    for (const id of callIds) {
      assert.deepEqual(await auditActionsFor(t.context, id), ['dispatch.sent']);
      const audit = await t.context.db
        .selectFrom('audit_log')
        .select('details')
        .where('subject_id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal((audit.details as { callout?: unknown }).callout, true);
    }
    const [entry, ...moreEntries] = await calloutAudit(incident.id);
    assert.equal(moreEntries.length, 0);
    assert.equal(entry!.actorId, dispatcher.userId);
    assert.equal(entry!.outcome, 'called_out');
    assert.equal(entry!.room, 2);
    assert.deepEqual([...(entry!.dispatchIds as string[])].sort(), [...callIds].sort());
    assert.ok(!JSON.stringify(entry).includes(spanish.phone!.slice(2)), 'ids and counts only');
    const status = await t.context.db
      .selectFrom('incidents')
      .select('status')
      .where('id', '=', incident.id)
      .executeTakeFirstOrThrow();
    assert.equal(status.status, 'confirmed', 'a confirmed incident stays confirmed');

    const after = await panel(incident.id, String(res.headers.location).split('dispatch')[1]);
    assert.match(after.body, /Responders called out: 2\. The texts go out within seconds/);
    for (const id of callIds) assert.match(after.body, new RegExp(`<tr data-id="${id}" data-status="sent">`));
    assert.match(after.body, /data-block="all_asked"/);
    assert.ok(!after.body.includes('id="callout-form"'), 'no room left: no button');

    // Pressed again: everyone the cap has room for is asked; nobody more is texted.
    const again = await callout(incident.id);
    assert.equal(again.statusCode, 409);
    assert.match(
      again.body,
      /Nobody was texted: 1 on their way or there and 2 not answered yet already fill the cap of 3/,
    );
    assert.equal((await dispatchesOf(incident.id)).length, 3);
    assert.equal((await calloutAudit(incident.id))[1]?.outcome, 'all_asked');
    assert.ok(!t.logs.text.includes(spanish.phone!.slice(2)), 'no number in the logs');
  });

  test('with the cap reached, it says so (in Spanish too) and texts nobody', async () => {
    const incident = await insertIncident(t.context, { status: 'confirmed', zip: '77002' });
    for (const n of [1, 2, 3]) {
      const responder = await createStaff(t.context, ['responder'], {
        displayName: `There ${n}`,
        homeZips: ['77002'],
      });
      assert.equal(
        (await dispatchThroughPanel(t.app, dispatcher, incident.id, responder.userId)).statusCode,
        303,
      );
      await setStatus(incident.id, responder.userId, n === 1 ? 'arrived' : 'on_way');
    }
    const waiting = await createStaff(t.context, ['responder'], { homeZips: ['77002'] });

    const page = await panel(incident.id);
    assert.match(page.body, /data-block="at_cap"[^>]*>\s*The cap is reached: a callout would text nobody\./);
    assert.ok(!page.body.includes('id="callout-form"'));

    const refused = await callout(incident.id);
    assert.equal(refused.statusCode, 409);
    assert.match(
      refused.body,
      /Nobody was texted: 3 responders are already on their way or at the scene, and the network&#39;s cap is 3\./,
    );
    const inSpanish = await callout(incident.id, dispatcher, 'es');
    assert.equal(inSpanish.statusCode, 409);
    assert.match(
      inSpanish.body,
      /No se mandó ningún mensaje: ya hay 3 personas verificadoras en camino o en el lugar, y el límite de la red es 3\./,
    );
    assert.equal((await dispatchesOf(incident.id)).length, 3);
    assert.equal(await dispatchOf(incident.id, waiting.userId), undefined);
    assert.deepEqual(await outboxTextsTo(t.context, waiting.phone!), []);
    assert.deepEqual(
      (await calloutAudit(incident.id)).map((e) => [e.outcome, e.onTheWay, e.cap, e.dispatchIds]),
      [
        ['at_cap', 3, 3, []],
        ['at_cap', 3, 3, []],
      ],
    );
  });

  test('callouts are dispatches: answered by text and on the page, stood down, counted by the cap', async () => {
    const incident = await insertIncident(t.context, { zip: '85003' }); // reported, not yet checked
    const [r1, r2, r3, r4, r5] = (await Promise.all(
      ['85003', '85004', '85006', '85009', '85013'].map((zip, i) =>
        createStaff(t.context, ['responder'], { displayName: `Phoenix ${i + 1}`, homeZips: [zip] }),
      ),
    )) as [TestStaff, TestStaff, TestStaff, TestStaff, TestStaff];

    assert.equal((await callout(incident.id)).statusCode, 303);
    const idOf = async (r: TestStaff) => (await dispatchOf(incident.id, r.userId))?.id;
    const [d1, d2, d3] = [await idOf(r1), await idOf(r2), await idOf(r3)];
    assert.ok(d1 && d2 && d3, 'the three nearest');
    assert.equal(await idOf(r4), undefined);
    await textsSent([d1, d2, d3]);
    // The incident starts being checked, once.
    const kinds = await timelineKinds(t.context, incident.id);
    assert.deepEqual(
      kinds.filter((k) => k.includes('->')),
      ['reported->verifying'],
    );

    // r1 answers by text, through the signed webhook, exactly as for a dispatch.
    const reply = await textHotline(t, r1.phone!, '1 10');
    assert.equal(reply.status, 200);
    assert.match(reply.reply ?? '', new RegExp(`on your way to ${incident.reference}, there in 10 min`));
    // r2 answers on the dispatch page.
    const answered = await t.app.inject({
      method: 'POST',
      url: `/console/dispatches/${d2}/answer`,
      headers: {
        accept: 'text/html',
        cookie: r2.cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: r2.csrfToken, answer: 'arrived' }).toString(),
    });
    assert.equal(answered.statusCode, 303, answered.body);
    // r3 stays silent and is stood down from the panel.
    const stoodDown = await t.app.inject({
      method: 'POST',
      url: `/console/dispatches/${d3}/cancel`,
      headers: {
        accept: 'text/html',
        cookie: dispatcher.cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: dispatcher.csrfToken }).toString(),
    });
    assert.equal(stoodDown.statusCode, 303);
    const statusOf = async (id: string) => (await dispatchesOf(incident.id)).find((d) => d.id === id)?.status;
    assert.deepEqual(
      [await statusOf(d1), await statusOf(d2), await statusOf(d3)],
      ['on_way', 'arrived', 'cancelled'],
    );

    // One place is free again: the next callout asks the next nearest, not the one just stood down.
    const next = await callout(incident.id);
    assert.equal(next.headers.location, `/console/incidents/${incident.id}/dispatch?called_out=1&room=1`);
    const d4 = await idOf(r4);
    assert.ok(d4);
    assert.equal((await dispatchesOf(incident.id)).filter((d) => d.responder_id === r3.userId).length, 1);
    await textsSent([d4]);
    assert.match((await textHotline(t, r4.phone!, '1')).reply ?? '', /on your way/);

    // Three on their way or there: the cap counts the callouts, for a single dispatch as for a callout.
    const single = await dispatchThroughPanel(t.app, dispatcher, incident.id, r5.userId);
    assert.equal(single.statusCode, 409);
    assert.match(single.body, /Not sent: 3 responders are already on their way or there/);
    const full = await callout(incident.id);
    assert.equal(full.statusCode, 409);
    assert.match(full.body, /Nobody was texted: 3 responders are already on their way/);
    assert.equal(await idOf(r5), undefined);
    const page = await panel(incident.id);
    assert.match(page.body, /id="crowd-cap"/);
  });

  test('two dispatchers pressing at once still ask no more than the cap', async () => {
    const incident = await insertIncident(t.context, { status: 'confirmed', zip: '10002' });
    for (const zip of ['10002', '10002', '10003', '10009', '10013']) {
      await createStaff(t.context, ['responder'], { homeZips: [zip] });
    }
    const other = await createStaffSession(t.context, ['coordinator']);
    const [a, b] = await Promise.all([callout(incident.id), callout(incident.id, other)]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [303, 409]);
    assert.equal((await dispatchesOf(incident.id)).length, 3);
  });

  test('a legal observer who is also a responder is called out; fewer than the room is said plainly', async () => {
    const incident = await insertIncident(t.context, { status: 'confirmed', zip: '98101' });
    const observer = await createStaff(t.context, ['responder', 'legal'], {
      displayName: 'Observer',
      languages: ['es'],
      homeZips: ['98104'],
    });
    const legalOnly = await createStaff(t.context, ['legal'], { homeZips: ['98101'] });
    const admin = await createStaffSession(t.context, ['admin']);
    const res = await callout(incident.id, admin);
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `/console/incidents/${incident.id}/dispatch?called_out=1&room=3`);
    const rows = await dispatchesOf(incident.id);
    assert.deepEqual(
      rows.map((r) => r.responder_id),
      [observer.userId],
    );
    assert.equal(await dispatchOf(incident.id, legalOnly.userId), undefined);
    const page = await panel(incident.id, '?called_out=1&room=3', 'es');
    assert.match(
      page.body,
      /Personas verificadoras convocadas: 1\. El límite dejaba lugar para 3, pero no hay otra persona verificadora de turno libre a menos de 25 km\./,
    );
    await textsSent([rows[0]!.id]);
    assert.match(
      (await outboxTextsTo(t.context, observer.phone!))[0] ?? '',
      /se necesita verificar cerca de CP 98101/,
    );
  });

  test('nobody near, no place, a settled incident, an unknown one: a clear answer and nothing sent', async () => {
    // Bangor, Maine: no responder of these tests lives within reach.
    const lonely = await insertIncident(t.context, { status: 'confirmed', zip: '04401' });
    const nobody = await callout(lonely.id);
    assert.equal(nobody.statusCode, 409);
    assert.match(nobody.body, /Nobody was texted: no free on-shift responder with a phone is within 25 km/);
    assert.match((await panel(lonely.id)).body, /data-block="nobody_nearby"/);

    const nowhere = await insertIncident(t.context, { status: 'confirmed', zip: null, point: null });
    const noPlace = await callout(nowhere.id, dispatcher, 'es');
    assert.equal(noPlace.statusCode, 409);
    assert.match(noPlace.body, /No se mandó ningún mensaje: el incidente todavía no tiene lugar/);

    const settled = await insertIncident(t.context, { status: 'false_alarm', zip: '30303' });
    const closed = await callout(settled.id);
    assert.equal(closed.statusCode, 409);
    assert.match(closed.body, /This incident is settled/);
    assert.ok(!(await panel(settled.id)).body.includes('id="callout"'), 'no callout on a settled incident');

    assert.equal((await callout(randomUUID())).statusCode, 404);
    assert.equal((await callout('nonsense')).statusCode, 404);
    for (const incident of [lonely, nowhere, settled] as TestIncident[]) {
      assert.deepEqual(await dispatchesOf(incident.id), []);
    }
  });

  test('a responder whose number texted STOP is never called out or texted; the place goes to the next', async () => {
    // Denver, far from every other test's city.
    const incident = await insertIncident(t.context, { status: 'confirmed', zip: '80202' });
    const stopped = await createStaff(t.context, ['responder'], {
      displayName: 'Stopped',
      homeZips: ['80202'],
    });
    const next = await createStaff(t.context, ['responder'], { displayName: 'Next', homeZips: ['80203'] });
    const stop = await textHotline(t, stopped.phone!, 'STOP');
    assert.equal(stop.status, 200);
    const page = await panel(incident.id);
    const picks = [
      ...(/<ol id="callout-picks">([\s\S]*?)<\/ol>/.exec(page.body)?.[1] ?? '').matchAll(
        /data-id="([^"]+)"/g,
      ),
    ].map((m) => m[1]);
    assert.deepEqual(picks, [next.userId], 'the panel does not offer a number that opted out');

    const res = await callout(incident.id);
    assert.equal(res.statusCode, 303, res.body);
    const rows = await dispatchesOf(incident.id);
    assert.deepEqual(
      rows.map((r) => r.responder_id),
      [next.userId],
      'the opted-out responder takes no place under the cap',
    );
    await textsSent([rows[0]!.id]);

    // Sent by hand from the panel, neither the dispatch text nor its stand-down reaches the number.
    assert.equal(
      (await dispatchThroughPanel(t.app, dispatcher, incident.id, stopped.userId)).statusCode,
      303,
    );
    const manual = (await dispatchOf(incident.id, stopped.userId))!;
    assert.equal(await sendDispatchText(t.context, manual.id), 'opted_out');
    assert.equal(await sendDispatchText(t.context, manual.id, 'callout'), 'opted_out');
    assert.equal((await standDownDispatch(t.context, dispatcher.userId, manual.id)).outcome, 'stood_down');
    assert.equal(await sendStandDownText(t.context, manual.id), 'opted_out');
    assert.deepEqual(await outboxTextsTo(t.context, stopped.phone!), []);
  });

  test('responders and the legal team may not call out; a form without its token changes nothing', async () => {
    const incident = await insertIncident(t.context, { status: 'confirmed', zip: '90011' });
    const nearby = await createStaff(t.context, ['responder'], { homeZips: ['90011'] });
    for (const role of ['responder', 'legal'] as const) {
      const session = await createStaffSession(t.context, [role]);
      assert.equal((await callout(incident.id, session)).statusCode, 403, role);
    }
    assert.equal((await callout(incident.id, nearby)).statusCode, 403, 'not even the nearest responder');
    const forged = await callout(incident.id, dispatcher, 'en', 'not-the-token');
    assert.equal(forged.statusCode, 403);
    const missing = await t.app.inject({
      method: 'POST',
      url: `/console/incidents/${incident.id}/callout`,
      headers: {
        accept: 'text/html',
        cookie: dispatcher.cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: '',
    });
    assert.equal(missing.statusCode, 403);
    assert.deepEqual(await dispatchesOf(incident.id), []);
    assert.deepEqual(await calloutAudit(incident.id), []);
    // With its token, the same dispatcher's press goes through.
    assert.equal((await callout(incident.id)).statusCode, 303);
  });
});
