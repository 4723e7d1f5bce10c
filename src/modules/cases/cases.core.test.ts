// The pieces every case module builds on: need-to-know access (openCaseForStaff), the sealed timeline, and
// the family texts (in the family's language, once, honouring STOP, with no name or A-number).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import { AppError } from '../../http/errors.ts';
import { outboxTextsTo } from '../dispatch/dispatch.test-helpers.ts';
import { recordOptOut } from '../opt-outs/opt-outs.service.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { createStaffSession } from '../../../test/support/staff.ts';
import { openCaseForStaff } from './cases.access.ts';
import { familyContacts, sendFamilyTexts, textFamily } from './cases.family.ts';
import { textFamilyJob } from './cases.jobs.ts';
import { unsealDetails } from './cases.model.ts';
import { readCaseTimeline, recordCaseEvent } from './cases.timeline.ts';
import {
  CANARY_PERSON,
  createTestTeam,
  openTestCase,
  queuedJobs,
  testCaseDetails,
  testContact,
} from './cases.test-helpers.ts';

const principal = (userId: string, roles: ('legal' | 'admin' | 'coordinator')[] = ['legal']) => ({
  userId,
  roles,
});

async function rejectsAsNotFound(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error) => error instanceof AppError && error.code === 'not_found', message);
}

describe(`case core: access, timeline, family texts`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { AMPARO_NETWORK_NAME: 'Red Amparo' } });
  });
  after(async () => t.close());

  test('the opener, an assignee or a team member opens a case; anyone else gets the same 404', async () => {
    const opener = await createStaffSession(t.context, ['legal']);
    const teammate = await createStaffSession(t.context, ['legal']);
    const otherTeam = await createStaffSession(t.context, ['legal']);
    const admin = await createStaffSession(t.context, ['admin']);
    const coordinator = await createStaffSession(t.context, ['coordinator']);
    const teamId = await createTestTeam(t.context, 'North side', [opener.userId, teammate.userId]);
    await createTestTeam(t.context, 'South side', [otherTeam.userId, admin.userId]);
    const { id } = await openTestCase(t.context, opener.userId, { teamId });

    const opened = await openCaseForStaff(t.context, principal(opener.userId), id);
    assert.equal(opened.caseRow.id, id);
    assert.equal(unsealDetails(opened.cipher, opened.caseRow).person.name, 'María Elena García López');
    const byTeam = await openCaseForStaff(t.context, principal(teammate.userId), id);
    assert.equal(byTeam.caseRow.status, 'open');

    await rejectsAsNotFound(openCaseForStaff(t.context, principal(otherTeam.userId), id), 'another team');
    await rejectsAsNotFound(openCaseForStaff(t.context, principal(admin.userId, ['admin']), id), 'admin');
    await rejectsAsNotFound(
      openCaseForStaff(t.context, principal(coordinator.userId, ['coordinator']), id),
      'coordinator',
    );
    // Even a member of the case's team needs the legal role.
    await rejectsAsNotFound(openCaseForStaff(t.context, principal(opener.userId, ['admin']), id), 'no legal');
    await rejectsAsNotFound(
      openCaseForStaff(t.context, principal(opener.userId), '00000000-0000-4000-8000-000000000000'),
      'no such case',
    );
    await rejectsAsNotFound(openCaseForStaff(t.context, principal(opener.userId), 'not-a-uuid'), 'bad id');
  });

  test('a case whose key is gone, or that was merged away, is not found', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const destroyed = await openTestCase(t.context, legal.userId);
    await caseKeyStoreFor(t.context).destroy(destroyed.id);
    await rejectsAsNotFound(openCaseForStaff(t.context, principal(legal.userId), destroyed.id), 'key gone');

    const kept = await openTestCase(t.context, legal.userId);
    const merged = await openTestCase(t.context, legal.userId);
    await t.context.db
      .updateTable('cases')
      .set({ merged_into: kept.id })
      .where('id', '=', merged.id)
      .execute();
    await rejectsAsNotFound(openCaseForStaff(t.context, principal(legal.userId), merged.id), 'merged');
  });

  test('timeline entries are sealed with the case key and read back in order', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const { id } = await openTestCase(t.context, legal.userId);
    const { cipher } = await openCaseForStaff(t.context, principal(legal.userId), id);
    const at = new Date(t.clock.now().getTime() + 60_000);
    await t.context.db.transaction().execute(async (trx) => {
      await recordCaseEvent(trx, cipher, {
        caseId: id,
        actorId: legal.userId,
        kind: 'note',
        details: { summary: 'Called the consulate about Canaria' },
        at,
      });
    });
    const timeline = await readCaseTimeline(t.context.db, cipher, id);
    assert.deepEqual(
      timeline.map((entry) => entry.kind),
      ['opened', 'note'],
    );
    assert.equal(timeline[1]?.details.summary, 'Called the consulate about Canaria');
    const storedRows = await t.context.db
      .selectFrom('case_events')
      .select(['details_ciphertext', 'kind'])
      .where('case_id', '=', id)
      .execute();
    assert.deepEqual(
      storedRows.map((row) => row.kind),
      ['sealed', 'sealed'],
      'what happened is not in the clear',
    );
    const stored = storedRows.find((row) => row.details_ciphertext?.length !== 0)!;
    assert.ok(storedRows.every((row) => !row.details_ciphertext?.includes('note')));
    assert.ok(stored.details_ciphertext?.startsWith('c1.'), 'sealed with the case key');
    assert.ok(!stored.details_ciphertext?.includes('consulate'));
    // Another case's key cannot read it.
    const other = await openTestCase(t.context, legal.userId);
    const otherCipher = await caseKeyStoreFor(t.context).cipherFor(other.id);
    await assert.rejects(readCaseTimeline(t.context.db, otherCipher, id));
  });

  test('family texts: consenting contacts in their language, no name or A-number, once, STOP honoured', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const spanish = testContact({ name: 'Rosa Canaria', phone: '+17735550142', language: 'es' });
    const english = testContact({ name: 'Tom Canaria', phone: '+17735550143', language: 'en' });
    const noConsent = testContact({ phone: '+17735550144', consentToUpdates: false });
    const stopped = testContact({ phone: '+17735550145' });
    const { id } = await openTestCase(t.context, legal.userId, {
      details: testCaseDetails({ name: CANARY_PERSON.name, aNumber: CANARY_PERSON.aNumber }),
      contacts: [spanish, english, noConsent, stopped],
    });
    await recordOptOut(t.context.db, t.context.secrets.blindIndex.phone('+17735550145'), t.clock.now());

    const { cipher } = await openCaseForStaff(t.context, principal(legal.userId), id);
    const contacts = await familyContacts(t.context, cipher, id);
    assert.deepEqual(
      contacts.map((c) => [c.name, c.language, c.consentToUpdates]),
      [
        ['Rosa Canaria', 'es', true],
        ['Tom Canaria', 'en', true],
        ['Rosa García', 'es', false],
        ['Rosa García', 'es', true],
      ],
    );

    await t.context.db
      .transaction()
      .execute((trx) => textFamily(t.context, trx, { caseId: id, change: 'facility' }));
    const payloads = (await queuedJobs(t.context, textFamilyJob.name)).filter((p) => p.caseId === id);
    assert.equal(payloads.length, 1);
    const payload = textFamilyJob.parse(payloads[0]);
    assert.deepEqual(Object.keys(payloads[0]!).sort(), ['caseId', 'change', 'notificationId']);

    const outcome = await sendFamilyTexts(t.context, payload);
    assert.deepEqual(outcome, { sent: 2, optedOut: 1, skipped: 1, failed: 0 });
    const toSpanish = await outboxTextsTo(t.context, '+17735550142');
    assert.equal(toSpanish.length, 1);
    assert.match(
      toSpanish[0]!,
      /^Red Amparo: hay novedades sobre su familiar: cambio el centro de detencion\./,
    );
    assert.match(toSpanish[0]!, /Llame al \+1 555 010 0199/);
    assert.match((await outboxTextsTo(t.context, '+17735550143'))[0]!, /the detention center changed/);
    assert.deepEqual(await outboxTextsTo(t.context, '+17735550144'), [], 'no consent, no text');
    assert.deepEqual(await outboxTextsTo(t.context, '+17735550145'), [], 'STOP honoured');
    for (const text of [...toSpanish, ...(await outboxTextsTo(t.context, '+17735550143'))]) {
      for (const canary of ['Canaria', 'Quetzalli', 'Benavides', '207334518', '7334518', 'Rosa', 'Tom']) {
        assert.ok(!text.includes(canary), `the text carries "${canary}"`);
      }
    }

    // The job retried: nobody is texted twice.
    const again = await sendFamilyTexts(t.context, payload);
    assert.deepEqual(again, { sent: 0, optedOut: 0, skipped: 4, failed: 0 });
    assert.equal((await outboxTextsTo(t.context, '+17735550142')).length, 1);

    // A hearing change is a new notification: texted again, with its own words.
    await t.context.db
      .transaction()
      .execute((trx) => textFamily(t.context, trx, { caseId: id, change: 'hearing' }));
    const hearing = (await queuedJobs(t.context, textFamilyJob.name)).filter(
      (p) => p.caseId === id && p.change === 'hearing',
    );
    await sendFamilyTexts(t.context, textFamilyJob.parse(hearing[0]));
    const texts = await outboxTextsTo(t.context, '+17735550142');
    assert.equal(texts.length, 2);
    assert.match(texts[1]!, /audiencia/);
  });

  test('the job sends nothing for a case whose key was destroyed', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const { id } = await openTestCase(t.context, legal.userId, {
      contacts: [testContact({ phone: '+17735550151' })],
    });
    await caseKeyStoreFor(t.context).destroy(id);
    const outcome = await sendFamilyTexts(t.context, {
      caseId: id,
      change: 'outcome',
      notificationId: '11111111-1111-4111-8111-111111111111',
    });
    assert.equal(outcome, 'gone');
    assert.deepEqual(await outboxTextsTo(t.context, '+17735550151'), []);
  });

  test('the job payload refuses anything but ids and a change kind', () => {
    assert.throws(() =>
      textFamilyJob.parse({
        caseId: '11111111-1111-4111-8111-111111111111',
        change: 'facility',
        notificationId: '11111111-1111-4111-8111-111111111111',
        phone: '+17735550142',
      }),
    );
    assert.throws(() =>
      textFamilyJob.parse({
        caseId: '11111111-1111-4111-8111-111111111111',
        change: 'news',
        notificationId: '11111111-1111-4111-8111-111111111111',
      }),
    );
  });
});
