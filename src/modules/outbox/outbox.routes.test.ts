// The console outbox page: who may read it, what it shows (recipient masked, text escaped, newest first),
// and that reading it is audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { maskPhone } from './outbox.service.ts';

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
    assert.deepEqual(audit.details, { shown: 2 });
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
