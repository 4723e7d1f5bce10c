// Standing a responder down: the dispatcher calls a dispatch off from the panel. The dispatch stops counting
// toward the crowd cap, its page and its verification are closed, a text tells the responder, in their
// language, that they are no longer needed, and their "1" by text no longer answers it.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { isGsm7, countSegments } from '../../integrations/messaging/segments.ts';
import { composeStandDownText } from './dispatch.message.ts';
import { sendStandDownText } from './dispatch.service.ts';
import { answerResponderText } from './dispatch.sms.ts';
import {
  auditActionsFor,
  createStaff,
  dispatchIdFor,
  dispatchThroughPanel,
  insertIncident,
  outboxTextsTo,
  timelineKinds,
  type TestIncident,
  type TestStaff,
} from './dispatch.test-helpers.ts';

test('the stand-down text is one GSM-7 segment in every language, even with a long reference', () => {
  for (const language of ['en', 'es'] as const) {
    const text = composeStandDownText(language, 'ZZZZZZZZZZZZ');
    assert.ok(text.includes('ZZZZZZZZZZZZ'), text);
    assert.ok(isGsm7(text), `${language}: ${text}`);
    assert.equal(countSegments(text).segments, 1, text);
  }
});

describe(`standing a responder down`, () => {
  let t: TestApp;
  let dataDir: string;
  let dispatcher: StaffSession;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-stand-down-'));
    t = await createTestApp({ env: { AMPARO_CROWD_CAP: '2', AMPARO_DATA_DIR: dataDir } });
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function sendOne(
    incident: TestIncident,
    languages = ['en'],
  ): Promise<{ responder: TestStaff; dispatchId: string }> {
    const responder = await createStaff(t.context, ['responder'], { languages });
    const sent = await dispatchThroughPanel(t.app, dispatcher, incident.id, responder.userId);
    assert.equal(sent.statusCode, 303, sent.body);
    return { responder, dispatchId: await dispatchIdFor(t.context, incident.id, responder.userId) };
  }

  const standDown = (session: StaffSession, dispatchId: string, lang = 'en', csrf = session.csrfToken) =>
    t.app.inject({
      method: 'POST',
      url: `/console/dispatches/${dispatchId}/cancel`,
      headers: {
        accept: 'text/html',
        cookie: session.cookie,
        'accept-language': lang,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: csrf }).toString(),
    });

  const panel = (incidentId: string, query = '', lang = 'en') =>
    t.app.inject({
      url: `/console/incidents/${incidentId}/dispatch${query}`,
      headers: { accept: 'text/html', cookie: dispatcher.cookie, 'accept-language': lang },
    });

  const statusOf = async (dispatchId: string) =>
    (
      await t.context.db
        .selectFrom('dispatches')
        .select('status')
        .where('id', '=', dispatchId)
        .executeTakeFirstOrThrow()
    ).status;

  async function standDownJobs(dispatchId: string): Promise<unknown[]> {
    const jobs = await sql<{ data: unknown }>`
      select data from pgboss.job where name = 'dispatch.send-stand-down'`.execute(t.context.db);
    return jobs.rows.map((r) => r.data).filter((data) => JSON.stringify(data).includes(dispatchId));
  }

  const setStatus = (dispatchId: string, status: 'on_way' | 'arrived' | 'done') =>
    t.context.db.updateTable('dispatches').set({ status }).where('id', '=', dispatchId).execute();

  test('the panel offers "Stand down" for open dispatches; standing down closes it, records it and texts the responder', async () => {
    const incident = await insertIncident(t.context);
    const { responder, dispatchId } = await sendOne(incident, ['es', 'en']);
    await setStatus(dispatchId, 'on_way');

    const before = await panel(incident.id);
    const row = new RegExp(
      `<tr data-id="${dispatchId}" data-status="on_way">[\\s\\S]*?action="/console/dispatches/${dispatchId}/cancel"[\\s\\S]*?name="_csrf"[\\s\\S]*?Stand down`,
    );
    assert.match(before.body, row);

    const res = await standDown(dispatcher, dispatchId);
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `/console/incidents/${incident.id}/dispatch?stood_down=1`);
    assert.equal(await statusOf(dispatchId), 'cancelled');
    assert.ok((await timelineKinds(t.context, incident.id)).includes('dispatch_cancelled'));
    assert.deepEqual(await auditActionsFor(t.context, dispatchId), ['dispatch.sent', 'dispatch.cancelled']);
    assert.deepEqual(await standDownJobs(dispatchId), [{ dispatchId }], 'the job carries the id only');
    // The incident page's timeline: by name until the incidents module gives the kind its words.
    const incidentPage = await t.app.inject({
      url: `/console/incidents/${incident.id}`,
      headers: { accept: 'text/html', cookie: dispatcher.cookie },
    });
    assert.equal(incidentPage.statusCode, 200);
    assert.match(incidentPage.body, /class="timeline"[\s\S]*(Responder stood down|dispatch cancelled)/);

    const after = await panel(incident.id, '?stood_down=1');
    assert.match(after.body, /Stood down\. A text tells the responder they are no longer needed/);
    assert.match(
      after.body,
      new RegExp(`<tr data-id="${dispatchId}" data-status="cancelled">[\\s\\S]*?Called off`),
    );
    assert.ok(!after.body.includes(`/console/dispatches/${dispatchId}/cancel`), 'no button once called off');

    // The text, in the responder's first language, through the console outbox.
    const before2 = (await outboxTextsTo(t.context, responder.phone!)).length;
    assert.equal(await sendStandDownText(t.context, dispatchId), 'sent');
    const texts = await outboxTextsTo(t.context, responder.phone!);
    assert.equal(texts.length, before2 + 1);
    assert.equal(texts.at(-1), `Puede retirarse: ya no se le necesita en ${incident.reference}. Gracias.`);
    assert.ok(!t.logs.text.includes(responder.phone!.slice(-7)), 'the number is not logged');
  });

  test('an English-speaking responder is stood down in English; a dispatch that is not called off gets no such text', async () => {
    const incident = await insertIncident(t.context);
    const { responder, dispatchId } = await sendOne(incident, ['en']);
    assert.equal(await sendStandDownText(t.context, dispatchId), 'not_cancelled');
    assert.equal((await standDown(dispatcher, dispatchId)).statusCode, 303);
    assert.equal(await sendStandDownText(t.context, dispatchId), 'sent');
    assert.deepEqual(await outboxTextsTo(t.context, responder.phone!), [
      `Stand down: you are no longer needed at ${incident.reference}. Thank you.`,
    ]);
  });

  test('a called-off responder no longer counts toward the crowd cap', async () => {
    const incident = await insertIncident(t.context);
    const first = await sendOne(incident);
    const second = await sendOne(incident);
    await setStatus(first.dispatchId, 'on_way');
    await setStatus(second.dispatchId, 'arrived');
    assert.match((await panel(incident.id)).body, /id="crowd-cap"/);
    const third = await createStaff(t.context, ['responder']);
    assert.equal((await dispatchThroughPanel(t.app, dispatcher, incident.id, third.userId)).statusCode, 409);

    assert.equal((await standDown(dispatcher, second.dispatchId)).statusCode, 303);
    const page = await panel(incident.id);
    assert.ok(!page.body.includes('id="crowd-cap"'));
    assert.match(page.body, /1 of at most 2 responders on their way or at the scene/);
    assert.equal((await dispatchThroughPanel(t.app, dispatcher, incident.id, third.userId)).statusCode, 303);
  });

  test('the called-off dispatch page says so, and a verification or an answer is refused clearly', async () => {
    const incident = await insertIncident(t.context);
    const { responder, dispatchId } = await sendOne(incident);
    await setStatus(dispatchId, 'arrived');
    assert.equal((await standDown(dispatcher, dispatchId)).statusCode, 303);

    const page = await t.app.inject({
      url: `/console/dispatches/${dispatchId}`,
      headers: { accept: 'text/html', cookie: responder.cookie, 'accept-language': 'es' },
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Quien despacha canceló esto: ya no se le necesita aquí/);
    assert.ok(!page.body.includes('id="verification-form"'));

    const form = new FormData();
    for (const [name, value] of Object.entries({
      _csrf: responder.csrfToken,
      anyone_present: 'no',
      outcome: 'false_alarm',
    }))
      form.append(name, value);
    const body = new Response(form);
    const verify = await t.app.inject({
      method: 'POST',
      url: `/console/dispatches/${dispatchId}`,
      payload: Buffer.from(await body.arrayBuffer()),
      headers: {
        'content-type': body.headers.get('content-type')!,
        cookie: responder.cookie,
        accept: 'text/html',
      },
    });
    assert.equal(verify.statusCode, 409);
    assert.match(verify.body, /This dispatch was called off, so nothing was saved/);
    const verifications = await t.context.db
      .selectFrom('verifications')
      .select('id')
      .where('dispatch_id', '=', dispatchId)
      .execute();
    assert.deepEqual(verifications, []);
    assert.equal(await statusOf(dispatchId), 'cancelled');

    const answer = await t.app.inject({
      method: 'POST',
      url: `/console/dispatches/${dispatchId}/answer`,
      headers: {
        accept: 'text/html',
        cookie: responder.cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: responder.csrfToken, answer: 'on_way' }).toString(),
    });
    assert.equal(answer.statusCode, 409);
    assert.match(answer.body, /The dispatcher called this off/);
    assert.equal(await statusOf(dispatchId), 'cancelled');
  });

  test('a "1" by text after a stand-down is not taken as an answer to it', async () => {
    const incident = await insertIncident(t.context);
    const { responder, dispatchId } = await sendOne(incident);
    assert.equal((await standDown(dispatcher, dispatchId)).statusCode, 303);
    const reply = await t.context.db
      .transaction()
      .execute((trx) => answerResponderText(t.context, trx, { from: responder.phone!, body: '1' }));
    assert.equal(reply, undefined, 'left to the hotline');
    assert.equal(await statusOf(dispatchId), 'cancelled');
    assert.deepEqual(await auditActionsFor(t.context, dispatchId), ['dispatch.sent', 'dispatch.cancelled']);
  });

  test("a finished dispatch is not stood down: the panel says why, in the dispatcher's language", async () => {
    const incident = await insertIncident(t.context);
    const { dispatchId } = await sendOne(incident);
    await setStatus(dispatchId, 'done');
    const res = await standDown(dispatcher, dispatchId);
    assert.equal(res.statusCode, 409);
    assert.match(
      res.body,
      /Not stood down: this dispatch is no longer open \(Verified\)\. Nothing was changed\./,
    );
    const es = await standDown(dispatcher, dispatchId, 'es');
    assert.equal(es.statusCode, 409);
    assert.match(es.body, /No se retiró: este despacho ya no está abierto/);
    assert.equal(await statusOf(dispatchId), 'done');
    assert.deepEqual(await standDownJobs(dispatchId), []);

    // Twice in a row: the second is told it is already called off, and nothing is sent twice.
    const other = await sendOne(incident);
    assert.equal((await standDown(dispatcher, other.dispatchId)).statusCode, 303);
    const again = await standDown(dispatcher, other.dispatchId);
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /no longer open \(Called off\)/);
    assert.equal((await standDownJobs(other.dispatchId)).length, 1);
  });

  test('only dispatchers stand responders down; unknown dispatches are 404; the form token is required', async () => {
    const incident = await insertIncident(t.context);
    const { responder, dispatchId } = await sendOne(incident);
    assert.equal((await standDown(responder, dispatchId)).statusCode, 403);
    const legal = await createStaffSession(t.context, ['legal']);
    assert.equal((await standDown(legal, dispatchId)).statusCode, 403);
    assert.equal((await standDown(dispatcher, dispatchId, 'en', 'forged')).statusCode, 403);
    assert.equal(await statusOf(dispatchId), 'sent');
    assert.equal((await standDown(dispatcher, crypto.randomUUID())).statusCode, 404);
    assert.equal((await standDown(dispatcher, 'nonsense')).statusCode, 404);
    for (const role of ['admin', 'coordinator'] as const) {
      const other = await sendOne(incident);
      const session = await createStaffSession(t.context, [role]);
      assert.equal((await standDown(session, other.dispatchId)).statusCode, 303, role);
    }
  });
});
