// The console outbox page: who may read it, what it shows (recipient masked, text escaped, newest first),
// and that reading it is audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { sendFamilyTexts } from '../cases/cases.family.ts';
import { openTestCase, testContact } from '../cases/cases.test-helpers.ts';
import { maskPhone, purgeOutbox } from './outbox.service.ts';

test('a masked number keeps only its last four digits', () => {
  assert.equal(maskPhone('+17735550188'), '+•••••••0188');
  assert.equal(maskPhone('+525512345678'), '+••••••••5678');
});

describe(`console outbox page`, () => {
  let t: TestApp;
  let dispatcher: StaffSession;
  before(async () => {
    t = await createTestApp();
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => t.close());

  const get = (session: StaffSession) =>
    t.app.inject({ url: '/console/outbox', headers: { accept: 'text/html', cookie: session.cookie } });

  test('says so when nothing has been sent', async () => {
    const res = await get(dispatcher);
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('id="outbox-empty"'));
  });

  test('a dispatcher reads the texts, newest first, with the number masked and the text escaped', async () => {
    const sender = createSmsSender(t.context);
    await sender.send({ to: '(773) 555-0188', body: 'Primera: reunión a las 6' });
    t.clock.advance(60_000);
    await sender.send({ to: '+1 312 555 0107', body: 'Second <script>alert(1)</script>' });
    const res = await get(dispatcher);
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('+•••••••0188'), 'first recipient, masked');
    assert.ok(res.body.includes('+•••••••0107'), 'second recipient, masked');
    assert.ok(!res.body.includes('5550188') && !res.body.includes('7735550'), 'never the whole number');
    assert.ok(res.body.includes('Primera: reunión a las 6'));
    assert.ok(res.body.includes('Second &lt;script&gt;alert(1)&lt;/script&gt;'), 'text escaped');
    assert.ok(!res.body.includes('<script>alert(1)'));
    assert.ok(res.body.indexOf('0107') < res.body.indexOf('0188'), 'newest first');
    assert.ok(res.body.includes('href="/console/outbox"'), 'the nav links to the outbox');
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select(['actor_id', 'details'])
      .where('action', '=', 'outbox.viewed')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(audit.actor_id, dispatcher.userId);
    assert.deepEqual(audit.details, { shown: 2, hidden: 0 });
  });

  test('Spanish staff get the page in Spanish', async () => {
    const res = await t.app.inject({
      url: '/console/outbox?lang=es',
      headers: { accept: 'text/html', cookie: dispatcher.cookie },
    });
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('Bandeja de salida'));
    assert.ok(res.body.includes('Segmentos'));
  });

  test('a responder is refused and the nav does not offer the outbox', async () => {
    const responder = await createStaffSession(t.context, ['responder']);
    const res = await get(responder);
    assert.equal(res.statusCode, 403);
    assert.ok(!res.body.includes('0188'));
    const home = await t.app.inject({
      url: '/console',
      headers: { accept: 'text/html', cookie: responder.cookie },
    });
    assert.equal(home.statusCode, 200);
    assert.ok(!home.body.includes('href="/console/outbox"'));
  });
});

describe(`console outbox: need to know and retention`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  const get = (session: StaffSession) =>
    t.app.inject({ url: '/console/outbox', headers: { accept: 'text/html', cookie: session.cookie } });

  test('texts about a case are shown only to staff who may open the case', async () => {
    const assigned = await createStaffSession(t.context, ['legal']);
    const otherLegal = await createStaffSession(t.context, ['legal']);
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const admin = await createStaffSession(t.context, ['admin', 'coordinator']);
    const { id: caseId } = await openTestCase(t.context, assigned.userId, {
      contacts: [testContact({ phone: '+17735550142' })],
    });
    await createSmsSender(t.context).send({ to: '+13125550107', body: 'Alert: meeting at six' });
    const outcome = await sendFamilyTexts(t.context, {
      caseId,
      change: 'hearing',
      notificationId: '6f0c1a8e-7d59-4b51-9a3e-0c2b8d1f4a11',
    });
    assert.notEqual(outcome, 'gone');

    for (const reader of [dispatcher, admin]) {
      const res = await get(reader);
      assert.equal(res.statusCode, 200);
      assert.ok(!res.body.includes('0142'), 'the family text is not shown to staff who cannot open the case');
      assert.ok(res.body.includes('0107'), 'other texts still are');
      assert.match(res.body, /id="outbox-hidden"[^>]*>[^<]*: 1\./);
    }
    const mine = await get(assigned);
    assert.equal(mine.statusCode, 200, 'legal staff may open the outbox for their cases');
    assert.ok(mine.body.includes('0142'), 'the assigned legal staff member sees the text about the case');
    assert.ok(!mine.body.includes('0107'), 'but not the texts that are not about a case');
    const theirs = await get(otherLegal);
    assert.equal(theirs.statusCode, 200);
    assert.ok(!theirs.body.includes('0142') && !theirs.body.includes('0107'));
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'outbox.viewed')
      .where('actor_id', '=', dispatcher.userId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(audit.details, { shown: 1, hidden: 1 });
  });

  test('texts are deleted AMPARO_OUTBOX_RETENTION_DAYS after they were written, newer ones kept', async () => {
    const days = t.context.config.outbox.retentionDays;
    assert.equal(days, 7, 'the default');
    const sender = createSmsSender(t.context);
    await sender.send({ to: '+13125550181', body: 'old' });
    t.clock.advance(2 * 86_400_000);
    await sender.send({ to: '+13125550182', body: 'newer' });
    t.clock.advance((days - 2) * 86_400_000 + 1000);
    const count = async () =>
      Number(
        (
          await t.context.db
            .selectFrom('sms_outbox')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    assert.ok((await purgeOutbox(t.context)) >= 1);
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const res = await get(dispatcher);
    assert.ok(!res.body.includes('0181'), 'the old text is gone');
    assert.ok(res.body.includes('0182'), 'the newer one is kept');
    assert.ok((await count()) < before);
    assert.match(res.body, /deleted after 7 days/);
  });
});
