// Family status codes over a real database and the signed Twilio webhook: codes drawn from the alphabet
// without look-alikes, stored only as a blind index, answered in Spanish for ESTADO and English for STATUS
// with what the family may know (never a name or an A-number), revoked codes answering like wrong ones,
// wrong codes limited per number, and every lookup audited without the code or the number.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import { countSegments, isGsm7 } from '../../integrations/messaging/segments.ts';
import { translate } from '../../i18n/i18n.ts';
import { addHearing, recordFacilityStay } from '../case-tracking/case-tracking.service.ts';
import { saveFacility } from '../case-tracking/facilities.service.ts';
import { recordOutcome } from '../case-support/case-support.outcome.ts';
import { formPoster, pageGetter } from '../case-tracking/case-tracking.test-helpers.ts';
import { outboxTextsTo } from '../dispatch/dispatch.test-helpers.ts';
import { freshNumber, text } from '../sms/sms.test-helpers.ts';
import {
  parseStatusLookup,
  STATUS_LOOKUP_WRONG_LIMIT,
  tooManyTriesReply,
  wrongCodeReply,
} from '../sms/sms.status-lookup.ts';
import { familyContacts } from './cases.family.ts';
import {
  STATUS_CODE_ALPHABET,
  STATUS_CODE_LENGTH,
  generateStatusCode,
  issueStatusCode,
  revokeStatusCode,
  statusCodeText,
} from './cases.status-codes.ts';
import { composeStatusAnswer, type FamilyStatusFacts } from './cases.status-lookup.ts';
import { CANARY_PERSON, openTestCase, testCaseDetails, testContact } from './cases.test-helpers.ts';

const START = Date.parse('2027-01-10T15:00:00Z');

describe('family status codes', () => {
  let t: TestApp;
  let legal: StaffSession;
  let facilityId: string;
  before(async () => {
    t = await createTestApp({
      clock: new TestClock(START),
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_SMS_PROVIDER: 'console',
        AMPARO_TIMEZONE: 'America/Chicago',
        AMPARO_NETWORK_NAME: 'Red Amparo',
      },
    });
    legal = await createStaffSession(t.context, ['legal']);
    const saved = await saveFacility(t.context, undefined, {
      name: 'Centro de Detención Adams',
      phone: '601-555-0100',
      visiting_notes: 'Sat-Sun 8-11 AM',
    });
    assert.equal(saved.outcome, 'saved');
    facilityId = (await t.context.db.selectFrom('facilities').select('id').executeTakeFirstOrThrow()).id;
  });
  after(async () => t.close());

  async function caseWithCode(
    contact = testContact(),
  ): Promise<{ caseId: string; contactId: string; code: string }> {
    const { id: caseId } = await openTestCase(t.context, legal.userId, {
      details: testCaseDetails(),
      contacts: [contact],
    });
    const cipher = await caseKeyStoreFor(t.context).cipherFor(caseId);
    const [first] = await familyContacts(t.context, cipher, caseId);
    const code = await t.context.db
      .transaction()
      .execute((trx) =>
        issueStatusCode(t.context, trx, { caseId, contactId: first!.id, actorId: legal.userId }),
      );
    assert.ok(code);
    return { caseId, contactId: first!.id, code };
  }

  async function lookups(caseId?: string): Promise<{ subject: string | null; details: unknown }[]> {
    let query = t.context.db
      .selectFrom('audit_log')
      .select(['subject_id as subject', 'details'])
      .where('action', '=', 'case.status_lookup')
      .orderBy('seq');
    if (caseId) query = query.where('subject_id', '=', caseId);
    return query.execute();
  }

  test('codes: six characters from the alphabet without look-alikes, each one different', async () => {
    assert.doesNotMatch(STATUS_CODE_ALPHABET, /[0O1IL2Z5S6GBQUV]/);
    const drawn = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = generateStatusCode();
      assert.equal(code.length, STATUS_CODE_LENGTH);
      assert.ok(
        [...code].every((char) => STATUS_CODE_ALPHABET.includes(char)),
        code,
      );
      assert.match(code, /\d/);
      assert.match(code, /[A-Z]/);
      drawn.add(code);
    }
    assert.ok(drawn.size > 1990, 'codes are drawn at random');
    // Every character can come out (a draw of each index); a draw of letters alone is drawn again.
    let i = 0;
    assert.equal(
      generateStatusCode(() => i++ % STATUS_CODE_ALPHABET.length),
      STATUS_CODE_ALPHABET.slice(12, 18),
    );
  });

  test('a code is stored only as its blind index; one live code per contact; none without consent', async () => {
    const { caseId, contactId, code } = await caseWithCode();
    const rows = await t.context.db
      .selectFrom('case_status_codes')
      .selectAll()
      .where('case_id', '=', caseId)
      .execute();
    assert.equal(rows.length, 1);
    assert.doesNotMatch(JSON.stringify(rows), new RegExp(code, 'i'));
    const again = await t.context.db
      .transaction()
      .execute((trx) => issueStatusCode(t.context, trx, { caseId, contactId }));
    assert.ok(again && again !== code);
    const live = await t.context.db
      .selectFrom('case_status_codes')
      .select('id')
      .where('contact_id', '=', contactId)
      .where('revoked_at', 'is', null)
      .execute();
    assert.equal(live.length, 1);
    // The first code was replaced, so it answers like a wrong one.
    assert.equal((await text(t, freshNumber(), `ESTADO ${code}`)).reply, wrongCodeReply(t.context, 'es'));

    const { id: otherCase } = await openTestCase(t.context, legal.userId, {
      contacts: [testContact({ consentToUpdates: false })],
    });
    const cipher = await caseKeyStoreFor(t.context).cipherFor(otherCase);
    const [refused] = await familyContacts(t.context, cipher, otherCase);
    const none = await t.context.db
      .transaction()
      .execute((trx) => issueStatusCode(t.context, trx, { caseId: otherCase, contactId: refused!.id }));
    assert.equal(none, undefined);
    // A contact of another case is not this case's.
    const wrongCase = await t.context.db
      .transaction()
      .execute((trx) => issueStatusCode(t.context, trx, { caseId: otherCase, contactId }));
    assert.equal(wrongCase, undefined);
  });

  test('only letters and digits shaped like a code are a lookup: other ESTADO texts stay reports', () => {
    assert.deepEqual(parseStatusLookup(' estado k7m-4px '), { code: 'K7M4PX', language: 'es' });
    assert.deepEqual(parseStatusLookup('STATUS: K7M 4PX'), { code: 'K7M4PX', language: 'en' });
    for (const body of [
      'ESTADO',
      'estado normal',
      'Status 911',
      'ESTADO K7M4PX ya',
      'estado 123456',
      'ESTADOS K7M4PX',
    ])
      assert.equal(parseStatusLookup(body), undefined, body);
  });

  test('still looking: ESTADO answers in Spanish, STATUS in English, in any case and spacing', async () => {
    const { caseId, code } = await caseWithCode();
    const es = await text(t, freshNumber(), `  estado ${code.toLowerCase().slice(0, 3)} ${code.slice(3)} `);
    assert.equal(es.status, 200);
    assert.match(es.reply!, /^Red Amparo: seguimos buscando a su familiar\./);
    const en = await text(t, freshNumber(), `Status: ${code}`);
    assert.match(en.reply!, /^Red Amparo: we are still looking for your family member\./);
    assert.deepEqual(
      (await lookups(caseId)).map((row) => row.details),
      [{ result: 'looking' }, { result: 'looking' }],
    );
  });

  test('located: the facility, its visiting hours and phone, and the next hearing in the network zone', async () => {
    const { caseId, code } = await caseWithCode();
    const principal = { userId: legal.userId, roles: ['legal' as const] };
    const stay = await recordFacilityStay(t.context, principal, caseId, {
      facility_id: facilityId,
      since: '2027-01-08',
    });
    assert.equal(stay.outcome, 'saved');
    const hearing = await addHearing(t.context, principal, caseId, {
      date: '2027-02-03',
      time: '09:30',
      court: 'Corte de Inmigración de Jena',
      judge: 'Juez Canario',
      kind: 'master_calendar',
    });
    assert.equal(hearing.outcome, 'saved');
    const es = (await text(t, freshNumber(), `ESTADO ${code}`)).reply!;
    assert.match(es, /su familiar se encuentra en Centro de Detencion Adams\. Visitas: Sat-Sun 8-11 AM\. /);
    assert.match(es, /Teléfono del centro: 601-555-0100\./);
    assert.match(es, /La siguiente audiencia en la Corte es el 3 de febrero, 09:30 CST\./);
    const en = (await text(t, freshNumber(), `STATUS ${code}`)).reply!;
    assert.match(en, /your family member is held at Centro de Detencion Adams\. Visits: Sat-Sun 8-11 AM\. /);
    assert.match(en, /Next court hearing: February 3, 9:30 AM CST\./);
    for (const reply of [es, en]) {
      assert.ok(isGsm7(reply), reply);
      assert.doesNotMatch(reply, /Canaria|Quetzalli|207334518|Canario|Jena/);
    }
    assert.deepEqual(
      (await lookups(caseId)).map((row) => row.details),
      [{ result: 'located' }, { result: 'located' }],
    );
  });

  test('released: the date, in Spanish and in English', async () => {
    const { caseId, code } = await caseWithCode();
    const cipher = await caseKeyStoreFor(t.context).cipherFor(caseId);
    const caseRow = await t.context.db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    const recorded = await recordOutcome(
      t.context,
      { userId: legal.userId, roles: ['legal'] } as never,
      { caseRow, cipher },
      { outcome: 'released', releaseKind: 'bond', date: '2027-01-09', note: null },
    );
    assert.equal(recorded.outcome, 'recorded');
    assert.match(
      (await text(t, freshNumber(), `ESTADO ${code}`)).reply!,
      /liberaron a su familiar el 9 de enero\./,
    );
    assert.match((await text(t, freshNumber(), `status ${code}`)).reply!, /was released on January 9\./);
    assert.equal((await lookups(caseId)).at(-1)!.subject, caseId);
  });

  test('a revoked code answers like a wrong one, and the lookup is audited as revoked', async () => {
    const { caseId, contactId, code } = await caseWithCode();
    const revoked = await t.context.db
      .transaction()
      .execute((trx) => revokeStatusCode(t.context, trx, { caseId, contactId, actorId: legal.userId }));
    assert.ok(revoked);
    const answer = await text(t, freshNumber(), `ESTADO ${code}`);
    assert.equal(answer.reply, wrongCodeReply(t.context, 'es'));
    assert.deepEqual((await lookups(caseId)).at(-1)!.details, { result: 'revoked' });
    const actions = await t.context.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject_id', '=', caseId)
      .where('action', 'like', 'case.status_code%')
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      actions.map((row) => row.action),
      ['case.status_code_issued', 'case.status_code_revoked'],
    );
  });

  test('wrong codes: five per number an hour, then one "too many tries" and silence; other numbers still answered', async () => {
    const { code } = await caseWithCode();
    const guesser = freshNumber();
    for (let i = 0; i < STATUS_LOOKUP_WRONG_LIMIT; i++) {
      assert.equal((await text(t, guesser, `STATUS XXXX${i}A`)).reply, wrongCodeReply(t.context, 'en'));
    }
    assert.equal((await text(t, guesser, `ESTADO ${code}`)).reply, tooManyTriesReply(t.context, 'es'));
    // Limited, even the right code is not looked up, so a guess then teaches nothing.
    const silent = await text(t, guesser, `ESTADO ${code}`);
    assert.equal(silent.status, 200);
    assert.equal(silent.reply, undefined);
    assert.match((await text(t, freshNumber(), `ESTADO ${code}`)).reply!, /seguimos buscando/);
    // The count is kept under a keyed hash of the number, never the number.
    const counts = JSON.stringify(await t.context.db.selectFrom('rate_limit_counts').selectAll().execute());
    assert.doesNotMatch(counts, new RegExp(guesser.slice(2)));
    // An hour later the number may try again.
    t.clock.advance(60 * 60 * 1000 + 1);
    assert.match((await text(t, guesser, `ESTADO ${code}`)).reply!, /seguimos buscando/);
    const audit = JSON.stringify(await lookups());
    assert.match(audit, /"limited"/);
    assert.match(audit, /"wrong"/);
    assert.doesNotMatch(audit, new RegExp(`${code}|${guesser.slice(2)}`, 'i'));
  });

  test('the family section gives a consenting contact a code, shown once and texted; revoking it works', async () => {
    const post = formPoster(t.app, t.context);
    const get = pageGetter(t.app, t.context);
    const phone = '+17735550177';
    const { id: caseId } = await openTestCase(t.context, legal.userId, {
      contacts: [testContact({ phone }), testContact({ phone: '+17735550178', consentToUpdates: false })],
    });
    const cipher = await caseKeyStoreFor(t.context).cipherFor(caseId);
    const [consenting, refusing] = await familyContacts(t.context, cipher, caseId);
    const before = await get(legal, `/console/cases/${caseId}`, 'es');
    assert.equal(before.statusCode, 200);
    const giveAction = (id: string) => `action="/console/cases/${caseId}/contacts/${id}/status-code"`;
    assert.ok(before.body.includes(giveAction(consenting!.id)));
    assert.ok(!before.body.includes(giveAction(refusing!.id)), 'no code for a contact who did not consent');
    assert.match(before.body, /Dar una clave de estado/);

    const shown = await post(
      legal,
      `/console/cases/${caseId}/contacts/${consenting!.id}/status-code`,
      {},
      'es',
    );
    assert.equal(shown.statusCode, 200);
    assert.match(String(shown.headers['cache-control']), /no-store/);
    const code = /id="status-code"[^>]*>([A-Z0-9]{6})</.exec(shown.body)?.[1];
    assert.ok(code, 'the code is shown');
    assert.match(shown.body, /También le enviamos la clave por mensaje/);
    assert.deepEqual(await outboxTextsTo(t.context, phone), [statusCodeText('es', code)]);
    const after = await get(legal, `/console/cases/${caseId}`);
    assert.ok(!after.body.includes(code), 'the code is never shown again');
    assert.match(after.body, /Revoke status code/);

    const outsider = await createStaffSession(t.context, ['legal']);
    const refused = await post(
      outsider,
      `/console/cases/${caseId}/contacts/${consenting!.id}/status-code`,
      {},
    );
    assert.equal(refused.statusCode, 404);
    const notConsenting = await post(
      legal,
      `/console/cases/${caseId}/contacts/${refusing!.id}/status-code`,
      {},
    );
    assert.equal(notConsenting.statusCode, 404);

    const revoked = await post(
      legal,
      `/console/cases/${caseId}/contacts/${consenting!.id}/status-code/revoke`,
      {},
    );
    assert.equal(revoked.statusCode, 303);
    assert.equal((await text(t, freshNumber(), `ESTADO ${code}`)).reply, wrongCodeReply(t.context, 'es'));
    const again = await post(
      legal,
      `/console/cases/${caseId}/contacts/${consenting!.id}/status-code/revoke`,
      {},
    );
    assert.equal(again.statusCode, 404);
  });

  test('no answer names the person or carries an A-number; every new text is GSM-7 and short', () => {
    const config = { networkName: 'Red Amparo', hotlineNumber: '+16015550123', timeZone: 'America/Chicago' };
    const facilities = [
      null,
      { name: 'Centro Ñandú Ávila', visiting: 'Sábados 8–11', phone: '601-555-0100' },
    ];
    const hearings = [null, new Date('2027-02-03T15:30:00Z')];
    const texts: string[] = [];
    for (const language of ['es', 'en'] as const) {
      for (const facility of facilities)
        for (const nextHearingAt of hearings)
          for (const releasedOn of [null, '2027-01-09'])
            for (const otherOutcome of [false, true]) {
              const facts: FamilyStatusFacts = { facility, nextHearingAt, releasedOn, otherOutcome };
              texts.push(composeStatusAnswer(config, language, facts));
              texts.push(composeStatusAnswer({ ...config, hotlineNumber: undefined }, language, facts));
            }
      texts.push(statusCodeText(language, 'K7M4PX'));
      texts.push(wrongCodeReply(t.context, language), tooManyTriesReply(t.context, language));
    }
    assert.equal(
      statusCodeText('es', 'K7M4PX'),
      'Su clave de estado es K7M4PX. Para saber de su familiar, escriba ESTADO K7M4PX.',
    );
    for (const body of texts) {
      assert.ok(isGsm7(body), body);
      assert.ok(countSegments(body).segments <= 2, body);
      assert.doesNotMatch(
        body,
        new RegExp(`${CANARY_PERSON.name.split(' ')[0]}|${CANARY_PERSON.aNumber}|Rosa`),
      );
      assert.doesNotMatch(body, /\{|\}/);
    }
    assert.ok(countSegments(statusCodeText('es', 'K7M4PX')).segments === 1);
    assert.ok(translate('es', 'cases.status_looking', { network: 'X' }).includes('seguimos'));
  });
});
