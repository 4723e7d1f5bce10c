// Text conversations end to end, through the signed webhook, in English and Spanish: guided, all-in-one,
// abandoned (a partial report after the timeout, driven by the test clock), STOP mid-way, HELP/AYUDA,
// switching language, the reply window, and the number kept only as ciphertext plus blind index.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { translate } from '../../i18n/i18n.ts';
import { sendOwedReply, sweepConversations } from './sms.service.ts';
import { freshNumber, openConversationOf, reportsFrom, text, type Answer } from './sms.test-helpers.ts';

const NETWORK = 'Chicago Rapid Response';
/** The Spanish STOP confirmation (it names the date until which the report is kept). */
const STOPPED_ES = new RegExp(`^${NETWORK}: ya no le escribiremos\\. .* INICIO para volver\\.$`);
/** Longer than the default reply window (10 s), so each text of a conversation gets its answer. */
const PAUSE_MS = 30_000;

describe(`SMS intake`, () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-11-23T14:00:00Z')),
      env: { ...TWILIO_TEST_ENV, AMPARO_TWILIO_API_BASE: standIn.baseUrl, AMPARO_NETWORK_NAME: NETWORK },
    });
  });
  after(async () => {
    await t.close();
    await standIn.close();
  });

  /** Texts one message after another, pausing past the reply window, and returns every answer. */
  async function converse(from: string, bodies: string[]): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (const body of bodies) {
      t.clock.advance(PAUSE_MS);
      const answer = await text(t, from, body);
      assert.equal(answer.status, 200, answer.body);
      answers.push(answer);
    }
    return answers;
  }

  test('English, guided: one short question at a time, then a report with every text kept', async () => {
    const from = freshNumber();
    const replies = (
      await converse(from, [
        'Hi',
        '1',
        '26th and Kedzie, Chicago 60623',
        '2',
        '3 agents, 2 cars',
        'Vests say ICE',
        '1',
      ])
    ).map((a) => a.reply);
    assert.deepEqual(replies.slice(0, 6), [
      `${NETWORK}: thanks for texting. STOP to end. ${translate('en', 'sms.question_activity')}`,
      translate('en', 'sms.question_location'),
      translate('en', 'sms.question_seen_when'),
      translate('en', 'sms.question_count'),
      translate('en', 'sms.question_uniform'),
      translate('en', 'sms.question_source'),
    ]);
    const [report] = await reportsFrom(t, from);
    assert.ok(report, 'a report was made');
    assert.equal(replies[6], translate('en', 'sms.received', { reference: report.reference }));
    assert.equal(report.channel, 'sms');
    assert.equal(report.language, 'en');
    assert.equal(report.incomplete, false);
    assert.equal(report.status, 'new');
    assert.equal(report.activity, 'detaining');
    assert.equal(report.location, '26th and Kedzie, Chicago 60623');
    assert.equal(report.zip, '60623');
    assert.equal(report.seen_when, 'last_15_minutes');
    assert.equal(report.agents_count, 3);
    assert.equal(report.vehicles_count, 2);
    assert.equal(report.uniform, 'Vests say ICE');
    assert.equal(report.agency, 'ice');
    assert.equal(report.source, 'saw');
    assert.equal(report.callbackPhone, from);
    const lines = report.details!.split('\n');
    assert.equal(lines.length, 7, 'every text, the greeting included');
    assert.match(lines[0]!, /^\[2026-11-23T14:00:30Z\] Hi$/);
    assert.match(lines[3]!, /\(seen_when\) 2$/);
    assert.equal(await openConversationOf(t, from), undefined, 'the conversation is closed');
  });

  test('Spanish, guided, with the language guessed from the first text', async () => {
    const from = freshNumber();
    const answers = await converse(from, [
      'Hola, hay migra aquí',
      'se llevaron a mi vecino',
      'Calle 26 y Kedzie',
      '1',
      'no sé',
      'NADA',
      '2',
    ]);
    assert.equal(
      answers[0]!.reply,
      `${NETWORK}: gracias. ALTO para terminar. ${translate('es', 'sms.question_activity')}`,
    );
    assert.equal(answers[1]!.reply, translate('es', 'sms.question_location'));
    assert.equal(answers[4]!.reply, translate('es', 'sms.question_uniform'));
    const [report] = await reportsFrom(t, from);
    assert.ok(report);
    assert.equal(answers[6]!.reply, translate('es', 'sms.received', { reference: report.reference }));
    assert.equal(report.language, 'es');
    assert.equal(report.activity, 'detaining');
    assert.equal(report.location, 'Calle 26 y Kedzie');
    assert.equal(report.seen_when, 'now');
    assert.equal(report.agents_count, null, '"no sé" settles the count as unknown');
    assert.equal(report.source, 'heard');
    assert.equal(report.incomplete, false);
    assert.match(report.details!, /Hola, hay migra aquí/);
  });

  test('English, all-in-one: one text makes the report, no questions', async () => {
    const from = freshNumber();
    const [answer] = await converse(from, [
      'ICE detaining 2 people at 26th and Kedzie now, 3 agents, vests say POLICE ICE, I saw it',
    ]);
    const [report] = await reportsFrom(t, from);
    assert.ok(report);
    assert.equal(answer!.reply, translate('en', 'sms.received', { reference: report.reference }));
    assert.equal(report.activity, 'detaining');
    assert.equal(report.location, '26th and Kedzie');
    assert.equal(report.seen_when, 'now');
    assert.equal(report.agents_count, 3);
    assert.equal(report.uniform, 'vests say POLICE ICE');
    assert.equal(report.source, 'saw');
    assert.equal(report.incomplete, false);
  });

  test('Spanish, all-in-one but missing a part: only what is missing is asked', async () => {
    const from = freshNumber();
    const answers = await converse(from, [
      'La migra está deteniendo gente en la 26 y Kedzie ahora, 4 agentes, chalecos dicen POLICE ICE',
      'yo lo vi',
    ]);
    assert.equal(
      answers[0]!.reply,
      `${NETWORK}: gracias. ALTO para terminar. ${translate('es', 'sms.question_source')}`,
    );
    const [report] = await reportsFrom(t, from);
    assert.ok(report);
    assert.equal(answers[1]!.reply, translate('es', 'sms.received', { reference: report.reference }));
    assert.equal(report.agents_count, 4);
    assert.equal(report.source, 'saw');
    assert.equal(report.language, 'es');
  });

  test('abandoned: silent past the timeout, the conversation becomes a partial report; nobody is texted', async () => {
    const from = freshNumber();
    await converse(from, ['hay agentes en la calle 18 y Blue Island', '3']);
    const sentBefore = standIn.messages.size;
    t.clock.advance(19 * 60_000);
    assert.equal((await sweepConversations(t.context)).abandoned, 0, 'not yet');
    assert.equal((await reportsFrom(t, from)).length, 0);
    t.clock.advance(2 * 60_000);
    const swept = await sweepConversations(t.context);
    assert.ok(swept.abandoned >= 1);
    const [report] = await reportsFrom(t, from);
    assert.ok(report, 'a partial report');
    assert.equal(report.incomplete, true);
    assert.equal(report.language, 'es');
    assert.equal(report.location, 'la calle 18 y Blue Island');
    assert.equal(report.activity, 'watching', '3 was the answer to "what is happening"');
    assert.match(report.details!, /hay agentes en la calle 18 y Blue Island\n.*\(activity\) 3$/);
    assert.equal(standIn.messages.size, sentBefore, 'no text about it');
    assert.equal(await openConversationOf(t, from), undefined);
    // A later text starts afresh.
    const [next] = await converse(from, ['hola']);
    assert.match(next!.reply ?? '', /gracias\. ALTO para terminar/);
  });

  test('STOP mid-way: confirmed once (by Twilio), what was sent kept as a partial report, then silence until START', async () => {
    const from = freshNumber();
    await converse(from, ['ICE at 26th and Kedzie', '5']);
    const [stop] = await converse(from, ['Stop']);
    assert.equal(stop!.reply, undefined, "Twilio's default handling confirmed it: no second reply");
    const optOut = await t.context.db
      .selectFrom('sms_opt_outs')
      .selectAll()
      .where('phone_index', '=', t.context.secrets.blindIndex.phone(from))
      .executeTakeFirst();
    assert.ok(optOut, 'recorded by blind index');
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select(['actor_id', 'subject_id', 'details'])
      .where('action', '=', 'sms.opted_out')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(audit.actor_id, null, 'the sender, not staff');
    assert.ok(!JSON.stringify(audit).includes(from.slice(2)), 'the audit log never holds the number');
    const [partial] = await reportsFrom(t, from);
    assert.ok(partial);
    assert.equal(partial.incomplete, true);
    assert.equal(partial.activity, 'raid');
    assert.equal(partial.location, '26th and Kedzie');
    assert.doesNotMatch(partial.details!, /Stop/, 'the keyword is not part of the report');

    // Opted out: no automatic replies, but what they text is still a report.
    const [later] = await converse(from, ['they came back, 2 trucks at 26th and Kedzie']);
    assert.equal(later!.reply, undefined);
    assert.equal(later!.body, '<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    const reports = await reportsFrom(t, from);
    assert.equal(reports.length, 2);
    assert.equal(reports[1]!.vehicles_count, 2);
    assert.equal(reports[1]!.incomplete, true);
    assert.equal(await openConversationOf(t, from), undefined, 'no conversation while opted out');

    const [start] = await converse(from, ['START']);
    assert.equal(start!.reply, undefined, 'Twilio answered START');
    const [again] = await converse(from, ['hello']);
    assert.match(again!.reply ?? '', /What is happening\?/);
  });

  test('ALTO mid-way in Spanish, and INICIO', async () => {
    const from = freshNumber();
    await converse(from, ['hola, hay agentes']);
    const [alto] = await converse(from, ['ALTO']);
    assert.match(alto!.reply ?? '', STOPPED_ES);
    const [partial] = await reportsFrom(t, from);
    assert.equal(partial?.incomplete, true);
    assert.equal(partial?.language, 'es');
    const [inicio] = await converse(from, ['inicio']);
    assert.equal(inicio!.reply, translate('es', 'sms.started', { network: NETWORK }));
  });

  test('STOP is confirmed even inside the reply window, and a STOP with nothing before stores no report', async () => {
    const from = freshNumber();
    await converse(from, ['hi']);
    t.clock.advance(1_000);
    const stop = await text(t, from, 'ALTO');
    assert.match(stop.reply ?? '', STOPPED_ES);
    assert.equal((await reportsFrom(t, from)).length, 1, 'the greeting is kept');
    const stranger = freshNumber();
    const alone = await text(t, stranger, 'Cancelar');
    assert.match(alone.reply ?? '', STOPPED_ES);
    assert.equal((await reportsFrom(t, stranger)).length, 0);
  });

  test('HELP (by Twilio) and AYUDA are answered once and the conversation carries on where it was', async () => {
    const from = freshNumber();
    await converse(from, ['hi', '1']);
    const [help] = await converse(from, ['HELP']);
    assert.equal(help!.reply, undefined, "Twilio's default handling answered HELP");
    const [ayuda] = await converse(from, ['ayuda']);
    assert.equal(
      ayuda!.reply,
      translate('es', 'alerts.help', { network: NETWORK, hotline: t.context.config.hotlineNumber! }),
    );
    const conversation = await openConversationOf(t, from);
    assert.equal(conversation?.step, 'location', 'still waiting for where');
    const [where] = await converse(from, ['Calle 26 y Kedzie']);
    assert.equal(where!.reply, translate('es', 'sms.question_seen_when'), 'AYUDA switched to Spanish');
  });

  test('the language can be switched at any time, and the question is asked again in it', async () => {
    const from = freshNumber();
    const [first, es, answer, en] = await converse(from, ['hi there', 'ES', '1', 'english']);
    assert.match(first!.reply ?? '', /What is happening\?/);
    assert.equal(es!.reply, translate('es', 'sms.question_activity'));
    assert.equal(answer!.reply, translate('es', 'sms.question_location'));
    assert.equal(en!.reply, translate('en', 'sms.question_location'));
    const [, , , , , done] = await converse(from, ['26th and Kedzie', '1', '2', 'none', '1', 'REPORTE']);
    const [report] = await reportsFrom(t, from);
    assert.ok(report);
    assert.equal(report.language, 'en', 'the language when it finished');
    assert.equal(
      done!.reply,
      `${NETWORK}: gracias. ALTO para terminar. ${translate('es', 'sms.question_activity')}`,
      'REPORTE after a report starts afresh, in Spanish',
    );
  });

  test('the reply window: a second text inside it is stored without an answer; the owed question follows by job', async () => {
    const from = freshNumber();
    const [first] = await converse(from, ['hi']);
    assert.ok(first!.reply);
    t.clock.advance(3_000);
    const quick = await text(t, from, '1');
    assert.equal(quick.reply, undefined, 'inside the window: empty response');
    const conversation = await openConversationOf(t, from);
    assert.ok(conversation);
    assert.equal(conversation.step, 'location', 'the answer was still taken');
    const queued = await sql<{ n: number }>`select count(*)::int as n from pgboss.job
      where name = 'sms.send-owed-reply' and data->>'conversationId' = ${conversation.id}`.execute(
      t.context.db,
    );
    assert.equal(queued.rows[0]!.n, 1, 'the owed question is scheduled');

    // A burst inside the window answers nothing more and schedules nothing more.
    t.clock.advance(1_000);
    assert.equal((await text(t, from, '', { NumMedia: '0' })).reply, undefined);

    assert.equal(await sendOwedReply(t.context, conversation.id), 'rescheduled', 'the window has not passed');
    t.clock.advance(10_000);
    assert.equal(await sendOwedReply(t.context, conversation.id), 'sent');
    const sent = [...standIn.messages.values()].filter((m) => m.to === from);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.body, translate('en', 'sms.question_location'));
    assert.equal(await sendOwedReply(t.context, conversation.id), 'nothing_owed', 'sent once');
    // The answer to the question sent by job is read as such.
    const [where] = await converse(from, ['26th and Kedzie']);
    assert.equal(where!.reply, translate('en', 'sms.question_seen_when'));
  });

  test('the reference owed after a finish inside the window is sent by job', async () => {
    const from = freshNumber();
    await converse(from, ['hi']);
    t.clock.advance(2_000);
    const finished = await text(
      t,
      from,
      'ICE detaining 2 people at 26th and Kedzie now, 3 agents, vests say POLICE ICE, I saw it',
    );
    assert.equal(finished.reply, undefined);
    const [report] = await reportsFrom(t, from);
    assert.ok(report);
    const conversation = await t.context.db
      .selectFrom('sms_conversations')
      .select('id')
      .where('report_id', '=', report.id)
      .executeTakeFirstOrThrow();
    t.clock.advance(10_000);
    assert.equal(await sendOwedReply(t.context, conversation.id), 'sent');
    const sent = [...standIn.messages.values()].filter((m) => m.to === from);
    assert.deepEqual(
      sent.map((m) => m.body),
      [translate('en', 'sms.received', { reference: report.reference })],
    );
  });

  test('closed conversations keep nothing of the texts and are deleted after an hour', async () => {
    const from = freshNumber();
    await converse(from, [
      'ICE detaining 2 people at 26th and Kedzie now, 3 agents, vests say POLICE ICE, I saw it',
    ]);
    const closed = await t.context.db
      .selectFrom('sms_conversations')
      .selectAll()
      .where('phone_index', '=', t.context.secrets.blindIndex.phone(from))
      .executeTakeFirstOrThrow();
    assert.equal(closed.step, 'done');
    const kept = t.context.secrets.fields.decrypt(
      { table: 'sms_conversations', column: 'answers', rowId: closed.id },
      closed.answers_ciphertext,
    );
    assert.ok(!kept.includes('Kedzie'), 'the report holds the texts, not the closed conversation');
    t.clock.advance(61 * 60_000);
    const swept = await sweepConversations(t.context);
    assert.ok(swept.deleted >= 1);
    const gone = await t.context.db
      .selectFrom('sms_conversations')
      .select('id')
      .where('id', '=', closed.id)
      .executeTakeFirst();
    assert.equal(gone, undefined);
    assert.equal((await reportsFrom(t, from)).length, 1, 'the report stays');
  });

  test('the number is stored only as ciphertext and blind index, and never logged', async () => {
    const from = freshNumber();
    await converse(from, ['ICE at 26th and Kedzie', '1', 'STOP', 'still here', 'HELP']);
    const digits = from.slice(2);
    const tables = ['sms_conversations', 'sms_opt_outs', 'sms_media', 'reports', 'twilio_webhook_receipts'];
    for (const table of tables) {
      const dump = await sql<{ row: string }>`select t::text as row from ${sql.table(table)} t`.execute(
        t.context.db,
      );
      for (const { row } of dump.rows) {
        assert.ok(!row.includes(digits), `${table} holds the number in the clear`);
        assert.ok(!row.includes('Kedzie'), `${table} holds report text in the clear`);
      }
    }
    const jobs = await sql<{ data: string }>`select data::text as data from pgboss.job`.execute(t.context.db);
    assert.ok(
      jobs.rows.every((job) => !job.data.includes(digits)),
      'job payloads carry ids only',
    );
    assert.ok(!t.logs.text.includes(digits), 'logs never carry the number');
    assert.ok(!t.logs.text.includes('Kedzie'), 'logs never carry the text');
  });
});
