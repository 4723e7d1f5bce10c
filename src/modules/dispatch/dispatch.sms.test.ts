// A responder's answers by text, as the SMS webhook hands them over: inside a transaction, from an E.164
// number. Answers change the dispatch, the timeline and the audit log; anything from anyone else is left
// to the hotline (undefined).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { answerResponderText } from './dispatch.sms.ts';
import {
  auditActionsFor,
  createStaff,
  dispatchIdFor,
  dispatchThroughPanel,
  insertIncident,
  newPhone,
  timelineKinds,
  type TestStaff,
} from './dispatch.test-helpers.ts';

describe(`responder answers by text`, () => {
  let t: TestApp;
  let dispatcher: StaffSession;
  before(async () => {
    t = await createTestApp();
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => t.close());

  const text = (from: string, body: string) =>
    t.context.db.transaction().execute((trx) => answerResponderText(t.context, trx, { from, body }));

  async function dispatched(
    languages = ['en'],
  ): Promise<{ responder: TestStaff; dispatchId: string; reference: string }> {
    const incident = await insertIncident(t.context);
    const responder = await createStaff(t.context, ['responder'], { languages });
    assert.equal(
      (await dispatchThroughPanel(t.app, dispatcher, incident.id, responder.userId)).statusCode,
      303,
    );
    return {
      responder,
      dispatchId: await dispatchIdFor(t.context, incident.id, responder.userId),
      reference: incident.reference,
    };
  }

  const dispatchRow = (id: string) =>
    t.context.db.selectFrom('dispatches').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  test('"1" is on my way; "1 15" then gives an ETA; each answer is on the timeline and audited', async () => {
    const { responder, dispatchId, reference } = await dispatched();
    const first = await text(responder.phone!, '1');
    assert.equal(
      first,
      `Thanks: you're on your way to ${reference}. Add minutes for an ETA, e.g. 1 15. Observe from a safe distance; do not confront.`,
    );
    let row = await dispatchRow(dispatchId);
    assert.equal(row.status, 'on_way');
    assert.equal(row.eta_minutes, null);
    assert.ok(row.responded_at instanceof Date);

    const second = await text(responder.phone!, '1 15');
    assert.match(second ?? '', new RegExp(`on your way to ${reference}, there in 15 min`));
    row = await dispatchRow(dispatchId);
    assert.equal(row.eta_minutes, 15);
    const third = await text(responder.phone!, '1 20 min');
    assert.match(third ?? '', /there in 20 min/);
    assert.equal((await dispatchRow(dispatchId)).eta_minutes, 20);
    // "1" again keeps the ETA already given.
    await text(responder.phone!, '1');
    assert.equal((await dispatchRow(dispatchId)).eta_minutes, 20);

    const kinds = await timelineKinds(t.context, row.incident_id);
    assert.equal(kinds.filter((k) => k === 'dispatch_on_way').length, 4);
    assert.deepEqual(await auditActionsFor(t.context, dispatchId), [
      'dispatch.sent',
      'dispatch.answered',
      'dispatch.answered',
      'dispatch.answered',
      'dispatch.answered',
    ]);
    const details = await t.context.db
      .selectFrom('audit_log')
      .select('details')
      .where('subject_id', '=', dispatchId)
      .where('action', '=', 'dispatch.answered')
      .orderBy('seq')
      .execute();
    assert.deepEqual(details[1]!.details, {
      answer: 'on_way',
      etaMinutes: 15,
      incidentId: row.incident_id,
      via: 'sms',
    });
  });

  test('"2" is can\'t go, answered in the responder\'s language', async () => {
    const { responder, dispatchId, reference } = await dispatched(['mam', 'es']);
    assert.equal(await text(responder.phone!, '2'), `Gracias, anotado: no puede ir a ${reference}.`);
    assert.equal((await dispatchRow(dispatchId)).status, 'declined');
    // Nothing is open any more: the next text is the hotline's.
    assert.equal(await text(responder.phone!, '1'), undefined);
  });

  test('anything else from a responder with an open dispatch gets the choices again and changes nothing', async () => {
    const { responder, dispatchId, reference } = await dispatched();
    // The number as a person might type it on a form, not as Twilio sends it, still matches.
    const national = responder.phone!.replace('+1', '');
    assert.equal(
      await text(national, 'where is it?'),
      `${reference}: reply 1 on my way (1 15 = there in 15 min) or 2 can't.`,
    );
    assert.equal(
      await text(responder.phone!, '1 9999'),
      `${reference}: reply 1 on my way (1 15 = there in 15 min) or 2 can't.`,
    );
    const row = await dispatchRow(dispatchId);
    assert.equal(row.status, 'sent');
    assert.deepEqual(await auditActionsFor(t.context, dispatchId), ['dispatch.sent']);
  });

  test("STOP and HELP are the hotline's, even from a responder", async () => {
    const { responder, dispatchId } = await dispatched();
    for (const keyword of ['STOP', 'help', 'Alto', 'AYUDA', 'stop.', 'ES', 'Inicio']) {
      assert.equal(await text(responder.phone!, keyword), undefined, keyword);
    }
    assert.equal((await dispatchRow(dispatchId)).status, 'sent');
  });

  test("texts from anyone who is not a responder with an open dispatch are the hotline's", async () => {
    assert.equal(await text(newPhone(), '1'), undefined, 'an unknown number');
    const idle = await createStaff(t.context, ['responder']);
    assert.equal(await text(idle.phone!, '1'), undefined, 'a responder sent nowhere');
    const dispatcherWithPhone = await createStaff(t.context, ['dispatcher']);
    assert.equal(await text(dispatcherWithPhone.phone!, '2'), undefined, 'a dispatcher');
    assert.equal(await text('not a number', '1'), undefined);

    const { responder, dispatchId } = await dispatched();
    await t.context.db
      .updateTable('users')
      .set({ disabled_at: new Date() })
      .where('id', '=', responder.userId)
      .execute();
    assert.equal(await text(responder.phone!, '1'), undefined, 'a disabled account');
    assert.equal((await dispatchRow(dispatchId)).status, 'sent');
  });

  test('with two open dispatches, a text answers the one still waiting for an answer', async () => {
    const responder = await createStaff(t.context, ['responder']);
    const firstIncident = await insertIncident(t.context);
    await dispatchThroughPanel(t.app, dispatcher, firstIncident.id, responder.userId);
    const first = await dispatchIdFor(t.context, firstIncident.id, responder.userId);
    await text(responder.phone!, '1 10');
    t.clock.advance(60_000);
    const secondIncident = await insertIncident(t.context);
    await dispatchThroughPanel(t.app, dispatcher, secondIncident.id, responder.userId);
    const second = await dispatchIdFor(t.context, secondIncident.id, responder.userId);
    const reply = await text(responder.phone!, '2');
    assert.match(reply ?? '', new RegExp(secondIncident.reference));
    assert.equal((await dispatchRow(second)).status, 'declined');
    assert.equal((await dispatchRow(first)).status, 'on_way');
  });
});
