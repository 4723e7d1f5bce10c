// Case tracking over a real database, on both with a clock the tests move: locator checks and the
// re-check reminder (checks-due list, texts to assigned legal staff, stopping once found), facility history
// and transfers, hearings with their reminders to the family and the attorney sent by the worker (none early,
// exactly once even with two workers or a dead one, in each contact's language, STOP honoured, never a name
// or an A-number), and need to know: another team's legal user gets a 404, other roles a 403.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import { createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { countSegments, isGsm7 } from '../../integrations/messaging/segments.ts';
import type { SmsSender } from '../../integrations/messaging/sms-sender.ts';
import { createStaffSession } from '../../../test/support/staff.ts';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { familyTextBody } from '../cases/cases.family.ts';
import { mergeCases } from '../cases/cases.merge.ts';
import { readCaseTimeline } from '../cases/cases.timeline.ts';
import {
  CANARY_PERSON,
  createTestTeam,
  openTestCase,
  queuedJobs,
  testCaseDetails,
  testContact,
} from '../cases/cases.test-helpers.ts';
import { createStaff, outboxTextsTo } from '../dispatch/dispatch.test-helpers.ts';
import { recordOptOut } from '../opt-outs/opt-outs.service.ts';
import { formatHearingTimeForSms } from './case-tracking.messages.ts';
import { sendDueReminders, STALE_CLAIM_MS } from './case-tracking.reminders.ts';
import { readTracking } from './case-tracking.service.ts';
import {
  allOutboxTexts,
  assignTestAttorney,
  formPoster,
  pageGetter,
  remindersOf,
} from './case-tracking.test-helpers.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Thursday 26 November 2026, 6:00 in Chicago. */
const START = Date.parse('2026-11-26T12:00:00Z');

const CANARY_COURT_NOTE = 'Canary-judge-note-5519';

let phoneCounter = 0;
/** Family and attorney numbers in their own exchange, apart from the staff fixtures' numbers. */
function familyPhone(): string {
  phoneCounter += 1;
  return `+1312555${String(2000 + phoneCounter).padStart(4, '0')}`;
}

async function caseEventKinds(t: TestApp, caseId: string): Promise<string[]> {
  const cipher = await caseKeyStoreFor(t.context).cipherFor(caseId);
  return (await readCaseTimeline(t.context.db, cipher, caseId)).map((entry) => entry.kind);
}

async function familyTextJobs(t: TestApp, caseId: string): Promise<string[]> {
  return (await queuedJobs(t.context, 'cases.text-family'))
    .filter((job) => job.caseId === caseId)
    .map((job) => String(job.change));
}

describe(`case tracking`, () => {
  let t: TestApp;
  let post: ReturnType<typeof formPoster>;
  let get: ReturnType<typeof pageGetter>;
  let facilityA: string;
  let facilityB: string;
  const clock = new TestClock(START);

  before(async () => {
    t = await createTestApp({
      clock,
      env: { AMPARO_TIMEZONE: 'America/Chicago', AMPARO_NETWORK_NAME: 'Amparo' },
    });
    post = formPoster(t.app, t.context);
    get = pageGetter(t.app, t.context);
    const legal = await createStaffSession(t.context, ['legal']);
    for (const name of ['Broadview Processing Center', 'Dodge County Jail']) {
      const res = await post(legal, '/console/facilities', {
        name,
        operator: 'ICE',
        address: '1930 Beach St',
        phone: '708-555-0100',
        visiting_notes: 'Visits on weekends',
        deposit_notes: 'Money orders',
      });
      assert.equal(res.statusCode, 303);
    }
    const rows = await t.context.db.selectFrom('facilities').select(['id', 'name']).orderBy('name').execute();
    facilityA = rows[0]!.id;
    facilityB = rows[1]!.id;
  });
  after(async () => t.close());

  test('locator: not found schedules a re-check; when due it is listed and texted once to assigned legal staff', async () => {
    const assignee = await createStaff(t.context, ['legal'], { languages: ['es', 'en'] });
    const teammate = await createStaff(t.context, ['legal']);
    const optedOut = await createStaff(t.context, ['legal']);
    const otherTeam = await createStaffSession(t.context, ['legal']);
    const teamId = await createTestTeam(t.context, `Team ${assignee.userId}`, [
      assignee.userId,
      teammate.userId,
      optedOut.userId,
    ]);
    await createTestTeam(t.context, `Other ${otherTeam.userId}`, [otherTeam.userId]);
    const { id: caseId, reference } = await openTestCase(t.context, assignee.userId, { teamId });
    await t.context.db
      .insertInto('case_assignees')
      .values({ case_id: caseId, user_id: optedOut.userId, assigned_at: clock.now() })
      .execute();
    await recordOptOut(t.context.db, t.context.secrets.blindIndex.phone(optedOut.phone!), clock.now());

    const checked = await post(assignee, `/console/cases/${caseId}/locator-checks`, {
      result: 'not_found',
      notes: `Tried A-number ${CANARY_PERSON.aNumber}`,
    });
    assert.equal(checked.statusCode, 303, checked.body);
    assert.equal(checked.headers.location, `/console/cases/${caseId}/locating#case-locator`);
    const row = await t.context.db
      .selectFrom('cases')
      .select('next_locator_check_at')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    assert.equal(row.next_locator_check_at?.getTime(), START + 12 * HOUR_MS);
    const check = await t.context.db
      .selectFrom('locator_checks')
      .selectAll()
      .where('case_id', '=', caseId)
      .executeTakeFirstOrThrow();
    assert.doesNotMatch(check.result_ciphertext, /not_found|207334518/, 'sealed');
    assert.equal(check.checked_by, assignee.userId);
    assert.ok((await caseEventKinds(t, caseId)).includes('locator_not_found'));

    // Not due yet: nothing listed, nothing sent.
    assert.doesNotMatch((await get(assignee, '/console/cases/checks-due')).body, new RegExp(reference));
    await sendDueReminders(t.context);
    assert.deepEqual(await outboxTextsTo(t.context, assignee.phone!), []);

    clock.advance(12 * HOUR_MS);
    const list = await get(teammate, '/console/cases/checks-due');
    assert.equal(list.statusCode, 200);
    assert.match(
      list.body,
      new RegExp(`href="/console/cases/${caseId}/locating#case-locator">${reference}<`),
    );
    assert.doesNotMatch((await get(otherTeam, '/console/cases/checks-due')).body, new RegExp(reference));

    // Two workers at once: one text to the assignee, none to the teammate (not assigned) or the opted out.
    await Promise.all([sendDueReminders(t.context), sendDueReminders(t.context)]);
    await sendDueReminders(t.context);
    const texts = await outboxTextsTo(t.context, assignee.phone!);
    assert.equal(texts.length, 1);
    assert.match(
      texts[0]!,
      new RegExp(`^Amparo: toca buscar en el localizador de detenidos para el caso ${reference}\\. http`),
    );
    assert.match(texts[0]!, new RegExp(`/console/cases/${caseId}/locating#case-locator$`));
    assert.deepEqual(await outboxTextsTo(t.context, teammate.phone!), []);
    assert.deepEqual(await outboxTextsTo(t.context, optedOut.phone!), []);
    const ledger = await t.context.db
      .selectFrom('case_reminder_deliveries')
      .innerJoin('case_reminders', 'case_reminders.id', 'case_reminder_deliveries.reminder_id')
      .select(['recipient', 'case_reminder_deliveries.status'])
      .where('case_reminders.case_id', '=', caseId)
      .orderBy('recipient')
      .execute();
    assert.deepEqual(ledger.map((entry) => entry.status).sort(), ['opted_out', 'sent']);

    // Found: the reminder stops, the facility is set (timeline, family text), and nothing more is sent.
    const found = await post(assignee, `/console/cases/${caseId}/locator-checks`, {
      result: 'found',
      facility_id: facilityA,
    });
    assert.equal(found.statusCode, 303, found.body);
    const after = await t.context.db
      .selectFrom('cases')
      .select('next_locator_check_at')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    assert.equal(after.next_locator_check_at, null);
    assert.doesNotMatch((await get(assignee, '/console/cases/checks-due')).body, new RegExp(reference));
    const kinds = await caseEventKinds(t, caseId);
    assert.ok(kinds.includes('locator_found') && kinds.includes('facility_set'), kinds.join());
    assert.deepEqual(await familyTextJobs(t, caseId), ['located']);
    clock.advance(48 * HOUR_MS);
    await sendDueReminders(t.context);
    assert.equal((await outboxTextsTo(t.context, assignee.phone!)).length, 1);

    // The case's locating part shows tracking's sections, and the timeline words tracking's entries.
    const page = await get(assignee, `/console/cases/${caseId}/locating`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /id="case-locator"/);
    assert.match(page.body, /<p id="locator-status">\s*Located\.\s*<\/p>/);
    assert.match(page.body, /Found at Broadview Processing Center/);
    assert.match(page.body, /Held at Broadview Processing Center since/);
    assert.match(page.body, /Visits on weekends/);
    const timeline = await get(assignee, `/console/cases/${caseId}/timeline`);
    assert.match(timeline.body, /Detainee locator checked: not found\./);
    assert.match(timeline.body, /Detainee locator checked: found at Broadview Processing Center\./);
  });

  test('locator: a check found before it fell due sends nothing; errors come back in Spanish', async () => {
    const legal = await createStaff(t.context, ['legal']);
    const { id: caseId } = await openTestCase(t.context, legal.userId);
    assert.equal(
      (await post(legal, `/console/cases/${caseId}/locator-checks`, { result: 'not_found' })).statusCode,
      303,
    );
    clock.advance(HOUR_MS);
    assert.equal(
      (
        await post(legal, `/console/cases/${caseId}/locator-checks`, {
          result: 'found',
          facility_name: 'Krome',
        })
      ).statusCode,
      303,
    );
    clock.advance(24 * HOUR_MS);
    await sendDueReminders(t.context);
    assert.deepEqual(await outboxTextsTo(t.context, legal.phone!), []);

    const missing = await post(legal, `/console/cases/${caseId}/locator-checks`, { result: 'found' }, 'es');
    assert.equal(missing.statusCode, 422);
    assert.match(missing.body, /Elija un centro del directorio o escriba su nombre\./);
    const noResult = await post(
      legal,
      `/console/cases/${caseId}/locator-checks`,
      { notes: 'hola <b>' },
      'es',
    );
    assert.equal(noResult.statusCode, 422);
    assert.match(noResult.body, /Elija una de las opciones\./);
    assert.match(noResult.body, /hola &lt;b&gt;<\/textarea/);
  });

  test('facility history: arrival, transfer (family texted), an older stay fills history only', async () => {
    const legal = await createStaff(t.context, ['legal']);
    const { id: caseId } = await openTestCase(t.context, legal.userId);
    // A minute apart, so the timeline's order is the order they were recorded in.
    const stay = (form: Record<string, string>, lang = 'en') => {
      clock.advance(MINUTE_MS);
      return post(legal, `/console/cases/${caseId}/facility`, form, lang);
    };

    assert.equal((await stay({ facility_id: facilityA, since: '2026-11-20' })).statusCode, 303);
    assert.equal(
      (await stay({ facility_id: facilityB, since: '2026-11-24', notes: 'Moved overnight' })).statusCode,
      303,
    );
    assert.equal((await stay({ facility_name: 'Cook County Jail', since: '2026-11-18' })).statusCode, 303);
    // The same place again, as of today: nothing moved, nothing is recorded.
    assert.equal((await stay({ facility_id: facilityB, since: '2026-11-25' })).statusCode, 303);

    const kinds = (await caseEventKinds(t, caseId)).filter((kind) => kind.startsWith('facility'));
    assert.deepEqual(kinds, ['facility_set', 'facility_transferred', 'facility_history_added']);
    assert.deepEqual(await familyTextJobs(t, caseId), ['located', 'moved']);
    const rows = await t.context.db
      .selectFrom('case_facility_stays')
      .selectAll()
      .where('case_id', '=', caseId)
      .execute();
    assert.equal(rows.length, 3);
    for (const row of rows) assert.doesNotMatch(row.stay_ciphertext, /Dodge|Broadview|Cook|Moved/);

    const future = await stay({ facility_id: facilityA, since: '2027-01-01' }, 'es');
    assert.equal(future.statusCode, 422);
    assert.match(future.body, /Esta fecha está en el futuro\./);
    const unknown = await stay({
      facility_id: '00000000-0000-4000-8000-000000000000',
      since: '2026-11-20',
    });
    assert.equal(unknown.statusCode, 422);
    assert.match(unknown.body, /This facility is not in the directory/);
    const badDate = await stay({ facility_id: facilityA, since: '2026-02-30' });
    assert.equal(badDate.statusCode, 422);
    assert.match(badDate.body, /Enter a date as YYYY-MM-DD\./);

    const page = await get(legal, `/console/cases/${caseId}/locating`, 'es');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Detenido\/a en Dodge County Jail desde el/);
    assert.match(page.body, /Moved overnight/);
    const timeline = await get(legal, `/console/cases/${caseId}/timeline`, 'es');
    assert.match(timeline.body, /Traslado a Dodge County Jail \(desde el 2026-11-24\)\./);
  });

  test('locator: the first result is "located"; the same facility again changes nothing (history, timeline, export)', async () => {
    const legal = await createStaff(t.context, ['legal']);
    const { id: caseId } = await openTestCase(t.context, legal.userId);
    const step = (path: string, form: Record<string, string>) => {
      clock.advance(MINUTE_MS);
      return post(legal, `/console/cases/${caseId}/${path}`, form);
    };
    const stayCount = async () =>
      (
        await t.context.db
          .selectFrom('case_facility_stays')
          .select('id')
          .where('case_id', '=', caseId)
          .execute()
      ).length;

    assert.equal((await step('locator-checks', { result: 'found', facility_id: facilityA })).statusCode, 303);
    assert.deepEqual(
      await familyTextJobs(t, caseId),
      ['located'],
      'the first result: located, not "changed"',
    );
    // Found at the same place again, by the locator or as a stay (chosen or typed), as of today.
    assert.equal((await step('locator-checks', { result: 'found', facility_id: facilityA })).statusCode, 303);
    const today = new Date(clock.now().getTime() - 6 * HOUR_MS).toISOString().slice(0, 10);
    assert.equal((await step('facility', { facility_id: facilityA, since: today })).statusCode, 303);
    assert.equal(
      (await step('facility', { facility_name: 'broadview processing center', since: today })).statusCode,
      303,
    );
    assert.equal(await stayCount(), 1, 'one stay');
    assert.deepEqual(await familyTextJobs(t, caseId), ['located'], 'nothing else texted');
    assert.deepEqual(
      (await caseEventKinds(t, caseId)).filter((kind) => kind.startsWith('facility')),
      ['facility_set'],
      'no transfer on the timeline',
    );

    const page = await get(legal, `/console/cases/${caseId}/locating`);
    const history = /<table id="facility-history">([\s\S]*?)<\/table>/.exec(page.body)?.[1] ?? '';
    assert.equal(history.match(/<tr>/g)?.length, 2, 'a heading and one stay');
    assert.doesNotMatch(history, /Transfer/);
    const exported = JSON.parse((await get(legal, `/console/cases/${caseId}/export.json`)).body) as {
      sections: Record<string, { facilityName: string }[]>;
    };
    assert.deepEqual(
      exported.sections['case-facility']?.map((stay) => stay.facilityName),
      ['Broadview Processing Center'],
      'the export lists the stay once',
    );

    // Then a real move: the family is told the person was moved.
    assert.equal((await step('locator-checks', { result: 'found', facility_id: facilityB })).statusCode, 303);
    assert.deepEqual(await familyTextJobs(t, caseId), ['located', 'moved']);
    assert.equal(await stayCount(), 2);

    // What the texts say, in English and Spanish, each within one GSM-7 segment.
    const config = { networkName: 'Amparo', hotlineNumber: '+13125550100' };
    const located = familyTextBody(config, 'en', 'located');
    assert.match(located, /found your family member/);
    assert.doesNotMatch(located, /changed/);
    assert.match(familyTextBody(config, 'en', 'moved'), /moved to another detention center/);
    assert.match(familyTextBody(config, 'es', 'located'), /encontramos a su familiar/);
    assert.match(familyTextBody(config, 'es', 'moved'), /trasladaron a su familiar a otro centro/);
    for (const change of ['located', 'moved', 'released'] as const) {
      for (const lang of ['en', 'es'] as const) {
        const body = familyTextBody(config, lang, change);
        assert.ok(isGsm7(body), `${lang} ${change} is GSM-7`);
        assert.ok(countSegments(body).segments <= 2, `${lang} ${change} fits two segments`);
      }
    }
  });

  test('hearings: reminders to consenting family in their language and to the attorney, none early, exactly once', async () => {
    const legal = await createStaff(t.context, ['legal']);
    const spanish = testContact({ name: CANARY_PERSON.name, phone: familyPhone(), language: 'es' });
    const english = testContact({ name: 'Ana Lopez', phone: familyPhone(), language: 'en' });
    const noConsent = testContact({ name: 'Beto', phone: familyPhone(), consentToUpdates: false });
    const stopped = testContact({ name: 'Chayo', phone: familyPhone() });
    const noPhone = testContact({ name: 'Dina', phone: null });
    const { id: caseId, reference } = await openTestCase(t.context, legal.userId, {
      details: testCaseDetails({ name: CANARY_PERSON.name, aNumber: CANARY_PERSON.aNumber }),
      contacts: [spanish, english, noConsent, stopped, noPhone],
    });
    await recordOptOut(t.context.db, t.context.secrets.blindIndex.phone(stopped.phone!), clock.now());
    const attorneyPhone = familyPhone();
    await assignTestAttorney(t.context, caseId, { phone: attorneyPhone, languages: ['en'] });

    // Monday-to-be: the hearing is 5 days ahead of the clock, at 9:00 in Chicago.
    const now = clock.now();
    const hearingDay = new Date(now.getTime() + 5 * 24 * HOUR_MS);
    const date = hearingDay.toISOString().slice(0, 10);
    const added = await post(legal, `/console/cases/${caseId}/hearings`, {
      date,
      time: '09:00',
      court: 'Chicago Immigration Court',
      judge: 'Judge Canary',
      kind: 'master_calendar',
    });
    assert.equal(added.statusCode, 303, added.body);
    assert.equal(added.headers.location, `/console/cases/${caseId}/hearings#case-hearings`);
    const hearing = await t.context.db
      .selectFrom('hearings')
      .selectAll()
      .where('case_id', '=', caseId)
      .executeTakeFirstOrThrow();
    assert.doesNotMatch(hearing.hearing_ciphertext, /Chicago|Canary|master/, 'sealed');
    const startsAt = Date.parse(`${date}T15:00:00Z`);
    const reminders = await remindersOf(t.context, caseId);
    assert.deepEqual(
      reminders.map((r) => [r.kind, r.hours_before, r.due_at.getTime(), r.status]),
      [
        ['hearing', 72, startsAt - 72 * HOUR_MS, 'pending'],
        ['hearing', 24, startsAt - 24 * HOUR_MS, 'pending'],
      ],
    );
    assert.deepEqual(await familyTextJobs(t, caseId), ['hearing']);
    assert.ok((await caseEventKinds(t, caseId)).includes('hearing_added'));

    // None early: a minute before the first is due, nothing goes.
    clock.advance(startsAt - 72 * HOUR_MS - MINUTE_MS - clock.now().getTime());
    await sendDueReminders(t.context);
    assert.deepEqual(await outboxTextsTo(t.context, spanish.phone!), []);
    assert.deepEqual(await outboxTextsTo(t.context, attorneyPhone), []);

    clock.advance(MINUTE_MS);
    await Promise.all([sendDueReminders(t.context), sendDueReminders(t.context)]);
    await sendDueReminders(t.context);
    const es = await outboxTextsTo(t.context, spanish.phone!);
    const en = await outboxTextsTo(t.context, english.phone!);
    const lawyer = await outboxTextsTo(t.context, attorneyPhone);
    assert.equal(es.length, 1);
    assert.equal(en.length, 1);
    assert.equal(lawyer.length, 1);
    const whenEs = formatHearingTimeForSms(new Date(startsAt), 'es', 'America/Chicago');
    const whenEn = formatHearingTimeForSms(new Date(startsAt), 'en', 'America/Chicago');
    assert.match(whenEs, / 9:00 CST$/);
    assert.equal(
      es[0],
      `Amparo: recordatorio de la audiencia de su familiar, ${whenEs}, Chicago Immigration Court. ` +
        'Preguntas: llame al +1 555 010 0199. Responda ALTO para dejar de recibir mensajes.',
    );
    assert.equal(
      en[0],
      `Amparo: hearing reminder for your family member, ${whenEn}, Chicago Immigration Court. ` +
        'Questions: call +1 555 010 0199. Reply STOP to stop these texts.',
    );
    assert.match(
      lawyer[0]!,
      new RegExp(
        `^Amparo: hearing reminder, case ${reference}: .*master calendar\\. http.*/console/cases/${caseId}/hearings#case-hearings$`,
      ),
    );
    for (const text of [...es, ...en, ...lawyer]) {
      assert.ok(isGsm7(text) && countSegments(text).segments <= 2, text);
      assert.doesNotMatch(text, /Canaria|Quetzalli|Xochitl|207334518|Judge Canary|Rosa|Ana Lopez/);
    }
    assert.deepEqual(await outboxTextsTo(t.context, noConsent.phone!), []);
    assert.deepEqual(await outboxTextsTo(t.context, stopped.phone!), []);

    // Reschedule: the 24-hour reminder not yet sent is replaced; the 72-hour one sent stays as history.
    const hearingPath = `/console/cases/${caseId}/hearings/${hearing.id}`;
    const edit = await get(legal, hearingPath);
    assert.equal(edit.statusCode, 200);
    const viewed = await t.context.db
      .selectFrom('audit_log')
      .select('actor_id')
      .where('action', '=', 'case.viewed')
      .where('subject_id', '=', caseId)
      .execute();
    assert.deepEqual(
      viewed.map((row) => row.actor_id),
      [legal.userId],
      'opening the hearing page is audited',
    );
    assert.match(edit.body, new RegExp(`value="${date}"`));
    const later = new Date(startsAt + 7 * 24 * HOUR_MS).toISOString().slice(0, 10);
    const moved = await post(legal, hearingPath, {
      date: later,
      time: '13:30',
      court: 'Chicago Immigration Court',
      judge: 'Judge Canary',
      kind: 'master_calendar',
      result: 'pending',
      result_notes: CANARY_COURT_NOTE,
    });
    assert.equal(moved.statusCode, 303, moved.body);
    const newStart = Date.parse(`${later}T19:30:00Z`);
    assert.deepEqual(
      (await remindersOf(t.context, caseId)).map((r) => [r.hours_before, r.due_at.getTime(), r.status]),
      [
        [72, startsAt - 72 * HOUR_MS, 'done'],
        [72, newStart - 72 * HOUR_MS, 'pending'],
        [24, newStart - 24 * HOUR_MS, 'pending'],
      ],
    );
    assert.deepEqual(await familyTextJobs(t, caseId), ['hearing', 'hearing']);

    // The old 24-hour time passes: nothing. The new 72-hour time: one more text each.
    clock.advance(startsAt - 24 * HOUR_MS - clock.now().getTime());
    await sendDueReminders(t.context);
    assert.equal((await outboxTextsTo(t.context, english.phone!)).length, 1);
    clock.advance(newStart - 72 * HOUR_MS - clock.now().getTime());
    await sendDueReminders(t.context);
    const enAgain = await outboxTextsTo(t.context, english.phone!);
    assert.equal(enAgain.length, 2);
    assert.match(enAgain[1]!, /1:30 PM/);

    // Cancelled: the pending reminder goes and nothing more is sent.
    const cancelled = await post(legal, hearingPath, {
      date: later,
      time: '13:30',
      court: 'Chicago Immigration Court',
      judge: '',
      kind: 'master_calendar',
      result: 'cancelled',
    });
    assert.equal(cancelled.statusCode, 303);
    assert.deepEqual(
      (await remindersOf(t.context, caseId)).map((r) => r.status),
      ['done', 'done'],
    );
    clock.advance(newStart - clock.now().getTime());
    await sendDueReminders(t.context);
    assert.equal((await outboxTextsTo(t.context, english.phone!)).length, 2);

    // Nothing about the person or the hearing in the clear anywhere in what the worker leaves behind.
    const { rows } = await sql<{ row: string }>`
      select row_to_json(r)::text as row from case_reminder_deliveries r
      union all select row_to_json(r)::text from case_reminders r`.execute(t.context.db);
    for (const { row } of rows)
      assert.doesNotMatch(row, /Canaria|207334518|Chicago|Canary|\+1312/, 'ids and times only');
    assert.doesNotMatch(t.logs.text, /Canaria|207334518|Chicago Immigration|\+1312555/);
  });

  test('hearings: a case closed, or whose key is destroyed, sends nothing; a dead worker is taken over', async () => {
    const legal = await createStaff(t.context, ['legal']);
    const contact = testContact({ phone: familyPhone(), language: 'en' });
    const make = async () => {
      const { id } = await openTestCase(t.context, legal.userId, { contacts: [contact] });
      const day = new Date(clock.now().getTime() + 4 * 24 * HOUR_MS).toISOString().slice(0, 10);
      const res = await post(legal, `/console/cases/${id}/hearings`, {
        date: day,
        time: '10:00',
        court: 'Broadview Court',
        kind: 'bond',
      });
      assert.equal(res.statusCode, 303, res.body);
      return id;
    };
    const closedCase = await make();
    const destroyedCase = await make();
    const crashedCase = await make();
    const attorneyPhone = familyPhone();
    await assignTestAttorney(t.context, crashedCase, { phone: attorneyPhone });
    await t.context.db
      .updateTable('cases')
      .set({ status: 'closed', closed_at: clock.now() })
      .where('id', '=', closedCase)
      .execute();
    await caseKeyStoreFor(t.context).destroy(destroyedCase);

    // A worker died after claiming crashedCase's first reminder and texting the family: it stays 'sending'.
    const [first] = await remindersOf(t.context, crashedCase);
    assert.ok(first);
    clock.advance(first.due_at.getTime() - clock.now().getTime());
    await t.context.db
      .updateTable('case_reminders')
      .set({ status: 'sending', claimed_at: clock.now() })
      .where('id', '=', first.id)
      .execute();
    const contactId = (
      await t.context.db
        .selectFrom('case_contacts')
        .select('id')
        .where('case_id', '=', crashedCase)
        .executeTakeFirstOrThrow()
    ).id;
    await t.context.db
      .insertInto('case_reminder_deliveries')
      .values({
        reminder_id: first.id,
        recipient: `family:${contactId}`,
        status: 'sent',
        provider_id: 'SMdead',
        updated_at: clock.now(),
      })
      .execute();

    const before = (await allOutboxTexts(t.context)).length;
    await sendDueReminders(t.context);
    assert.equal(
      (await allOutboxTexts(t.context)).length,
      before,
      'closed, destroyed: nothing; crashed: not yet stale',
    );
    const skipped = await t.context.db
      .selectFrom('case_reminders')
      .select(['case_id', 'skip_reason'])
      .where('status', '=', 'skipped')
      .where('case_id', 'in', [closedCase, destroyedCase])
      .execute();
    assert.deepEqual(
      skipped.map((row) => [row.case_id === closedCase ? 'closed' : 'destroyed', row.skip_reason]).sort(),
      [
        ['closed', 'case_closed'],
        ['destroyed', 'key_destroyed'],
      ],
    );

    clock.advance(STALE_CLAIM_MS + MINUTE_MS);
    await sendDueReminders(t.context);
    // The attorney, whom the dead worker had not reached, is texted; the family it had, is not again.
    assert.equal((await allOutboxTexts(t.context)).length, before + 1);
    assert.equal((await outboxTextsTo(t.context, attorneyPhone)).length, 1);
    assert.deepEqual(await outboxTextsTo(t.context, contact.phone!), []);
    const taken = await t.context.db
      .selectFrom('case_reminders')
      .select('status')
      .where('id', '=', first.id)
      .executeTakeFirstOrThrow();
    assert.equal(taken.status, 'done');

    // When the destruction is recorded, the case's tracking rows go with it.
    await t.context.db
      .updateTable('cases')
      .set({ key_destroyed_at: clock.now() })
      .where('id', '=', destroyedCase)
      .execute();
    assert.equal((await remindersOf(t.context, destroyedCase)).length, 0);
    const left = await t.context.db
      .selectFrom('hearings')
      .select('id')
      .where('case_id', '=', destroyedCase)
      .execute();
    assert.equal(left.length, 0);
  });

  test('hearings: a provider failure gives the reminder back; the next run texts only who is left', async () => {
    const legal = await createStaff(t.context, ['legal']);
    const first = testContact({ name: 'Eva', phone: familyPhone(), language: 'en' });
    const second = testContact({ name: 'Fito', phone: familyPhone(), language: 'es' });
    const { id: caseId } = await openTestCase(t.context, legal.userId, { contacts: [first, second] });
    const day = new Date(clock.now().getTime() + 4 * 24 * HOUR_MS).toISOString().slice(0, 10);
    const added = await post(legal, `/console/cases/${caseId}/hearings`, {
      date: day,
      time: '11:00',
      court: 'Chicago Immigration Court',
      kind: 'individual',
    });
    assert.equal(added.statusCode, 303);
    const [reminder] = await remindersOf(t.context, caseId);
    assert.ok(reminder);
    clock.advance(reminder.due_at.getTime() - clock.now().getTime());

    const real = createSmsSender(t.context);
    let calls = 0;
    // Takes the first text, then the provider goes down.
    const flaky: SmsSender = {
      provider: real.provider,
      async send(message) {
        calls += 1;
        if (calls > 1) throw new Error('provider unavailable');
        return real.send(message);
      },
    };
    const failed = await sendDueReminders(t.context, flaky);
    assert.equal(failed.retry, 1);
    assert.equal((await outboxTextsTo(t.context, first.phone!)).length, 1);
    assert.deepEqual(await outboxTextsTo(t.context, second.phone!), []);
    const back = await t.context.db
      .selectFrom('case_reminders')
      .select(['status', 'claimed_at'])
      .where('id', '=', reminder.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(back, { status: 'pending', claimed_at: null });

    clock.advance(MINUTE_MS);
    await sendDueReminders(t.context);
    assert.equal((await outboxTextsTo(t.context, first.phone!)).length, 1, 'not texted twice');
    const spanish = await outboxTextsTo(t.context, second.phone!);
    assert.equal(spanish.length, 1);
    assert.match(spanish[0]!, /^Amparo: recordatorio de la audiencia de su familiar/);
  });

  test('hearings: bad forms come back in the reader language; a closed case takes no changes', async () => {
    const legal = await createStaff(t.context, ['legal']);
    const { id: caseId } = await openTestCase(t.context, legal.userId);
    const bad = await post(
      legal,
      `/console/cases/${caseId}/hearings`,
      { date: '2026-13-01', time: '25:00', court: '', kind: 'trial', judge: 'x'.repeat(201) },
      'es',
    );
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Escriba una fecha como AAAA-MM-DD\./);
    assert.match(bad.body, /Escriba una hora como HH:MM/);
    assert.match(bad.body, /Este campo es obligatorio\./);
    assert.match(bad.body, /Elija una de las opciones\./);
    assert.match(bad.body, /como máximo 200 caracteres/);
    const skipped = await post(legal, `/console/cases/${caseId}/hearings`, {
      date: '2027-03-14',
      time: '02:30',
      court: 'Chicago',
      kind: 'other',
    });
    assert.equal(skipped.statusCode, 422);
    assert.match(skipped.body, /This time does not exist on that day/);

    // A hearing recorded after the fact: no reminders, and no news for the family.
    const past = await post(legal, `/console/cases/${caseId}/hearings`, {
      date: '2026-11-02',
      time: '09:00',
      court: 'Chicago',
      kind: 'master_calendar',
      result: 'held',
    });
    assert.equal(past.statusCode, 303);
    assert.deepEqual(await remindersOf(t.context, caseId), []);
    assert.deepEqual(await familyTextJobs(t, caseId), []);

    await t.context.db
      .updateTable('cases')
      .set({ status: 'closed', closed_at: clock.now() })
      .where('id', '=', caseId)
      .execute();
    const closed = await post(legal, `/console/cases/${caseId}/hearings`, {
      date: '2027-03-15',
      time: '09:00',
      court: 'Chicago',
      kind: 'other',
    });
    assert.equal(closed.statusCode, 409);
    assert.match(closed.body, /This case was closed, so nothing was saved\./);
    assert.equal(
      (await t.context.db.selectFrom('hearings').select('id').where('case_id', '=', caseId).execute()).length,
      1,
      'only the one recorded before it was closed',
    );
  });

  test('merging moves tracking to the kept case, resealed; the export carries it', async () => {
    const legal = await createStaff(t.context, ['legal']);
    // Same person twice (same A-number): the second is merged into the first.
    const kept = await openTestCase(t.context, legal.userId);
    const merged = await openTestCase(t.context, legal.userId);
    const checked = await post(legal, `/console/cases/${merged.id}/locator-checks`, {
      result: 'not_found',
      notes: 'Tried twice',
    });
    assert.equal(checked.statusCode, 303);
    const day = new Date(clock.now().getTime() + 6 * 24 * HOUR_MS).toISOString().slice(0, 10);
    const added = await post(legal, `/console/cases/${merged.id}/hearings`, {
      date: day,
      time: '08:30',
      court: 'Chicago Immigration Court',
      judge: 'Judge Moreno',
      kind: 'individual',
    });
    assert.equal(added.statusCode, 303);
    const due = (
      await t.context.db
        .selectFrom('cases')
        .select('next_locator_check_at')
        .where('id', '=', merged.id)
        .executeTakeFirstOrThrow()
    ).next_locator_check_at;

    const outcome = await mergeCases(
      t.context,
      { userId: legal.userId, roles: ['legal'] },
      { keepId: kept.id, mergeId: merged.id },
    );
    assert.deepEqual(outcome, { outcome: 'merged', keptId: kept.id });
    const keptRow = await t.context.db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', kept.id)
      .executeTakeFirstOrThrow();
    assert.equal(keptRow.next_locator_check_at?.getTime(), due?.getTime(), 'the re-check carries over');
    const view = await readTracking(t.context, keptRow, await caseKeyStoreFor(t.context).cipherFor(kept.id));
    assert.deepEqual(
      view.checks.map((check) => [check.record.result, check.record.notes]),
      [['not_found', 'Tried twice']],
    );
    assert.deepEqual(
      view.hearings.map((hearing) => [hearing.record.court, hearing.record.judge, hearing.reminders.pending]),
      [['Chicago Immigration Court', 'Judge Moreno', 2]],
    );
    assert.equal((await remindersOf(t.context, merged.id)).length, 0);

    const exported = await get(legal, `/console/cases/${kept.id}/export.json`);
    assert.equal(exported.statusCode, 200);
    const json = JSON.parse(exported.body) as { sections: Record<string, unknown> };
    assert.deepEqual(
      (json.sections['case-hearings'] as { court: string; kind: string }[]).map((h) => [h.court, h.kind]),
      [['Chicago Immigration Court', 'individual']],
    );
    assert.equal((json.sections['case-locator'] as { result: string }[])[0]?.result, 'not_found');
  });

  test("need to know: another team's legal user gets 404 everywhere, other roles 403", async () => {
    const legal = await createStaff(t.context, ['legal']);
    const outsider = await createStaffSession(t.context, ['legal']);
    const admin = await createStaffSession(t.context, ['admin', 'coordinator']);
    const { id: caseId } = await openTestCase(t.context, legal.userId);
    const day = new Date(clock.now().getTime() + 10 * 24 * HOUR_MS).toISOString().slice(0, 10);
    assert.equal(
      (
        await post(legal, `/console/cases/${caseId}/hearings`, {
          date: day,
          time: '09:00',
          court: 'X',
          kind: 'other',
        })
      ).statusCode,
      303,
    );
    const hearingId = (
      await t.context.db
        .selectFrom('hearings')
        .select('id')
        .where('case_id', '=', caseId)
        .executeTakeFirstOrThrow()
    ).id;
    const hearingForm = { date: day, time: '10:00', court: 'Y', kind: 'other', result: 'pending' };
    const attempts: [string, Record<string, string> | null][] = [
      [`/console/cases/${caseId}/locator-checks`, { result: 'not_found' }],
      [`/console/cases/${caseId}/facility`, { facility_id: facilityA, since: '2026-11-20' }],
      [`/console/cases/${caseId}/hearings`, hearingForm],
      [`/console/cases/${caseId}/hearings/${hearingId}`, hearingForm],
      [`/console/cases/${caseId}/hearings/${hearingId}`, null],
    ];
    for (const [url, form] of attempts) {
      const asOutsider = form ? await post(outsider, url, form) : await get(outsider, url);
      assert.equal(asOutsider.statusCode, 404, `${url} as another team's legal user`);
      const asAdmin = form ? await post(admin, url, form) : await get(admin, url);
      assert.equal(asAdmin.statusCode, 403, `${url} as admin and coordinator`);
    }
    // A hearing of another case, through this case's URL: not found either.
    const { id: otherCase } = await openTestCase(t.context, outsider.userId);
    assert.equal((await get(outsider, `/console/cases/${otherCase}/hearings/${hearingId}`)).statusCode, 404);
    assert.equal(
      (await t.context.db.selectFrom('locator_checks').select('id').where('case_id', '=', caseId).execute())
        .length,
      0,
    );
    assert.equal(
      (await t.context.db.selectFrom('hearings').select('id').where('case_id', '=', caseId).execute()).length,
      1,
    );
  });
});
