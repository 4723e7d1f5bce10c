// The console's hotline text simulator: staff text the hotline as a pretend number through the same
// conversation, so a demo works offline. Pretend numbers only; replies owed later stay in the console
// outbox even when Twilio is configured; reports say they are simulated; each use is audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { translate } from '../../i18n/i18n.ts';
import { openConversationOf, reportsFrom } from './sms.test-helpers.ts';
import { isPretendNumber, sendOwedReply } from './sms.service.ts';

const PATH = '/console/hotline/simulator';

test('pretend numbers are exactly the 555-0100..0199 range', () => {
  assert.equal(isPretendNumber('+13125550142'), true);
  assert.equal(isPretendNumber('+17735550100'), true);
  assert.equal(isPretendNumber('+13125550200'), false);
  assert.equal(isPretendNumber('+13125551042'), false);
  assert.equal(isPretendNumber('+443125550142'), false);
});

describe(`hotline text simulator`, () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let dispatcher: StaffSession;
  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    t = await createTestApp({
      env: { ...TWILIO_TEST_ENV, AMPARO_TWILIO_API_BASE: standIn.baseUrl },
    });
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => {
    await t.close();
    await standIn.close();
  });

  async function send(fields: Record<string, string | string[]>, session = dispatcher, lang = 'en') {
    const form = new URLSearchParams();
    form.set('_csrf', session.csrfToken);
    for (const [name, value] of Object.entries(fields)) {
      for (const item of [value].flat()) form.append(name, item);
    }
    return t.app.inject({
      method: 'POST',
      url: `${PATH}?lang=${lang}`,
      headers: {
        cookie: session.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
      },
      payload: form.toString(),
    });
  }

  function historyOf(body: string): string[] {
    return [...body.matchAll(/name="history" value="([^"]*)"/g)].map((m) =>
      m[1]!
        .replaceAll('&gt;', '>')
        .replaceAll('&lt;', '<')
        .replaceAll('&quot;', '"')
        .replaceAll('&#39;', "'")
        .replaceAll('&amp;', '&'),
    );
  }

  test('the page offers a pretend number and a form; the console nav links to it', async () => {
    const res = await t.app.inject({
      url: PATH,
      headers: { cookie: dispatcher.cookie, accept: 'text/html' },
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /name="phone" type="tel" value="\+1 312 555 01\d\d"/);
    assert.match(res.body, /name="_csrf" value="[^"]+"/);
    assert.ok(res.body.includes(`href="${PATH}"`));
  });

  test('a conversation runs through the same intake, carried from page to page', async () => {
    const phone = '+1 312 555 0150';
    t.clock.advance(60_000);
    const first = await send({ phone, body: 'hi <b>there</b>' });
    assert.equal(first.statusCode, 200, first.body);
    assert.ok(first.body.includes('hi &lt;b&gt;there&lt;/b&gt;'), 'typed text is escaped');
    assert.ok(!first.body.includes('<b>there'));
    const history = historyOf(first.body);
    assert.equal(history.length, 2);
    assert.equal(history[0], '> hi <b>there</b>');
    assert.match(history[1]!, /^< .*thanks for texting.*What is happening\?/);

    t.clock.advance(60_000);
    const second = await send({
      phone,
      body: 'ICE detaining 2 people at 26th and Kedzie now, 3 agents, vests say POLICE ICE, I saw it',
      history,
    });
    const [report] = await reportsFrom(t, '+13125550150');
    assert.ok(report);
    assert.equal(historyOf(second.body).length, 4);
    assert.ok(second.body.includes(report.reference));
    assert.ok(
      report.details!.startsWith(translate('en', 'sms.simulated_report_note')),
      'marked as simulated',
    );
    const stored = await t.context.db
      .selectFrom('reports')
      .select('simulated')
      .where('reference', '=', report.reference)
      .executeTakeFirstOrThrow();
    assert.equal(stored.simulated, true, 'flagged, so pages mark it and counts and alerts leave it out');
    assert.match(report.details!, /hi <b>there<\/b>/);
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select(['actor_id', 'details'])
      .where('action', '=', 'sms.simulated')
      .execute();
    assert.equal(audit.length, 2);
    assert.ok(audit.every((row) => row.actor_id === dispatcher.userId));
    assert.ok(!JSON.stringify(audit).includes('Kedzie'), 'the audit log never holds what was typed');
  });

  test('a reply owed to a pretend number goes to the console outbox, never to Twilio', async () => {
    const phone = '+1 312 555 0151';
    t.clock.advance(60_000);
    await send({ phone, body: 'hello' });
    t.clock.advance(2_000);
    const quick = await send({ phone, body: '1' });
    assert.ok(quick.body.includes(translate('en', 'sms.simulator_no_reply')));
    const conversation = await openConversationOf(t, '+13125550151');
    assert.ok(conversation);
    t.clock.advance(10_000);
    const sentBefore = standIn.messages.size;
    assert.equal(await sendOwedReply(t.context, conversation.id), 'sent');
    assert.equal(standIn.messages.size, sentBefore, 'nothing went to Twilio');
    const outbox = await t.context.db
      .selectFrom('sms_outbox')
      .selectAll()
      .where('to_index', '=', t.context.secrets.blindIndex.phone('+13125550151'))
      .execute();
    assert.equal(outbox.length, 1);
    const body = t.context.secrets.fields.decrypt(
      { table: 'sms_outbox', column: 'body', rowId: outbox[0]!.id },
      outbox[0]!.body_ciphertext,
    );
    assert.equal(body, translate('en', 'sms.question_location'));
  });

  test('only pretend numbers, and a text, are accepted; the errors come in the staff member’s language', async () => {
    const before = await t.context.db.selectFrom('sms_conversations').select('id').execute();
    const real = await send({ phone: '+1 773 555 2368', body: 'hi' });
    assert.equal(real.statusCode, 400);
    assert.ok(real.body.includes(translate('en', 'sms.simulator_error_phone')));
    const empty = await send({ phone: '+1 312 555 0152', body: '   ' }, dispatcher, 'es');
    assert.equal(empty.statusCode, 400);
    assert.ok(empty.body.includes(translate('es', 'sms.simulator_error_body')));
    assert.ok(empty.body.includes('value="+1 312 555 0152"'), 'what was typed comes back');
    const after = await t.context.db.selectFrom('sms_conversations').select('id').execute();
    assert.equal(after.length, before.length, 'nothing stored');
  });

  test('a form without its token is refused, and a responder may not use it', async () => {
    const forged = await t.app.inject({
      method: 'POST',
      url: PATH,
      headers: { cookie: dispatcher.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ phone: '+1 312 555 0153', body: 'hi' }).toString(),
    });
    assert.equal(forged.statusCode, 403);
    const responder = await createStaffSession(t.context, ['responder']);
    const res = await t.app.inject({
      url: PATH,
      headers: { cookie: responder.cookie, accept: 'text/html' },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(await openConversationOf(t, '+13125550153'), undefined);
  });
});
