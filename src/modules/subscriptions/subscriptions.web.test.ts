// The public /alerts double opt-in: form errors in the user's language with what was typed
// kept, an expired form, the texted code (console outbox), a wrong code, the right one; no text to a
// number that sent STOP, and none over the per-prefix cap.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';

interface FormSession {
  cookie: string;
  csrf: string;
}

describe(`alert sign-up on the web`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-11-24T15:00:00Z')),
      env: {
        AMPARO_NETWORK_NAME: 'Chicago Rapid Response',
        AMPARO_SMS_PROVIDER: 'console',
        AMPARO_SUBSCRIBE_CAP_PER_PREFIX_PER_HOUR: '2',
      },
    });
  });
  after(async () => {
    await t.close();
  });

  async function openForm(path: string, lang = 'en'): Promise<FormSession> {
    const res = await t.app.inject({
      url: path,
      headers: { accept: 'text/html', 'accept-language': lang },
    });
    assert.equal(res.statusCode, 200);
    const form = res.cookies.find((c) => c.name.endsWith('amparo_form'));
    assert.ok(form, 'the page sets the form-binding cookie');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    assert.ok(csrf);
    return { cookie: `${form.name}=${form.value}`, csrf };
  }

  function post(path: string, session: FormSession, fields: Record<string, string>, lang = 'en') {
    return t.app.inject({
      method: 'POST',
      url: path,
      payload: new URLSearchParams(fields).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: session.cookie,
        accept: 'text/html',
        'accept-language': lang,
      },
    });
  }

  async function textsTo(phone: string): Promise<string[]> {
    const rows = await t.context.db
      .selectFrom('sms_outbox')
      .select(['id', 'body_ciphertext'])
      .where('to_index', '=', t.context.secrets.blindIndex.phone(phone))
      .orderBy('created_at')
      .execute();
    return rows.map((row) =>
      t.context.secrets.fields.decrypt(
        { table: 'sms_outbox', column: 'body', rowId: row.id },
        row.body_ciphertext,
      ),
    );
  }

  function subscriber(phone: string) {
    return t.context.db
      .selectFrom('subscribers')
      .selectAll()
      .where('phone_index', '=', t.context.secrets.blindIndex.phone(phone))
      .executeTakeFirst();
  }

  test('bad input comes back in Spanish with everything typed; an expired form too', async () => {
    const session = await openForm('/alerts', 'es');
    const bad = await post(
      '/alerts',
      session,
      { _csrf: session.csrf, phone: '12', zips: '60623 99999x', language: 'es' },
      'es',
    );
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Escriba un número de celular/);
    assert.match(bad.body, /No conocemos estos códigos postales: 99999x/);
    assert.match(bad.body, /value="60623 99999x"/);
    const expired = await post(
      '/alerts',
      session,
      { _csrf: 'nope', phone: '(312) 555-7001', zips: '60623', language: 'es' },
      'es',
    );
    assert.equal(expired.statusCode, 403);
    assert.match(expired.body, /caducado/);
    assert.match(expired.body, /value="\(312\) 555-7001"/);
    assert.deepEqual(await textsTo('+13125557001'), []);
  });

  test('double opt-in: a pending subscriber, a texted code, a wrong code refused, the right one activates', async () => {
    const phone = '+13125557002';
    const session = await openForm('/alerts');
    const res = await post('/alerts', session, {
      _csrf: session.csrf,
      phone: '(312) 555-7002',
      zips: '60623, 60608',
      language: 'es',
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /action="\/alerts\/confirm"/);
    const pending = await subscriber(phone);
    assert.equal(pending?.status, 'pending');
    assert.deepEqual(pending?.zips, []);
    assert.ok(!pending.phone_ciphertext.includes('5557002'), 'the number is stored only encrypted');
    const [codeText, ...more] = await textsTo(phone);
    assert.equal(more.length, 0);
    assert.match(codeText ?? '', /Pueden aplicar tarifas/);
    const code = /(\d{6})/.exec(codeText ?? '')?.[1];
    assert.ok(code);

    const confirm = await openForm('/alerts/confirm');
    const wrongCode = code === '000000' ? '111111' : '000000';
    const wrong = await post('/alerts/confirm', confirm, {
      _csrf: confirm.csrf,
      phone: '3125557002',
      code: wrongCode,
    });
    assert.equal(wrong.statusCode, 422);
    assert.match(wrong.body, /That code is not right/);
    assert.match(wrong.body, /value="3125557002"/);
    assert.equal((await subscriber(phone))?.status, 'pending');

    const right = await post('/alerts/confirm', confirm, {
      _csrf: confirm.csrf,
      phone: '3125557002',
      code,
    });
    assert.equal(right.statusCode, 200);
    assert.match(right.body, /You will get alerts/);
    const active = await subscriber(phone);
    assert.equal(active?.status, 'active');
    assert.deepEqual(active?.zips, ['60623', '60608']);
    assert.equal(active?.language, 'es');
    assert.equal(active?.confirmation_code_hash, null);
  });

  test('a number that sent STOP is not texted from the web form, and the page does not say so', async () => {
    const phone = '+17735557003';
    await t.context.db
      .insertInto('sms_opt_outs')
      .values({ phone_index: t.context.secrets.blindIndex.phone(phone), opted_out_at: t.clock.now() })
      .execute();
    const session = await openForm('/alerts');
    const res = await post('/alerts', session, {
      _csrf: session.csrf,
      phone,
      zips: '60623',
      language: 'en',
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /action="\/alerts\/confirm"/);
    assert.deepEqual(await textsTo(phone), []);
  });

  test('web sign-ups over the per-prefix cap get no text', async () => {
    const phones = ['+16305557101', '+16305557202', '+16305557303'];
    for (const phone of phones) {
      const session = await openForm('/alerts');
      const res = await post('/alerts', session, {
        _csrf: session.csrf,
        phone,
        zips: '60623',
        language: 'en',
      });
      assert.equal(res.statusCode, 200);
    }
    assert.equal((await textsTo(phones[0]!)).length, 1);
    assert.equal((await textsTo(phones[1]!)).length, 1);
    assert.deepEqual(await textsTo(phones[2]!), []);
  });
});

describe(`alert sign-up on the web when Twilio refuses the text`, () => {
  // Twilio answers every text with 21211 (not a valid To number), or does not answer at all.
  let t: TestApp;
  let twilio: Server;
  let answering = true;
  before(async () => {
    twilio = createServer((request, response) => {
      if (!answering) return void response.destroy();
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 21211, message: 'The To number is not a valid phone number.' }));
    });
    await new Promise<void>((resolve) => twilio.listen(0, '127.0.0.1', resolve));
    t = await createTestApp({
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_SMS_PROVIDER: 'twilio',
        AMPARO_TWILIO_API_BASE: `http://127.0.0.1:${(twilio.address() as AddressInfo).port}`,
      },
    });
  });
  after(async () => {
    await t.close();
    await new Promise((resolve) => twilio.close(resolve));
  });

  test('the page is the same as for any sign-up, never an error, and the number is not logged', async () => {
    for (const [phone, refusing] of [
      ['+13125557401', true],
      ['+13125557402', false],
    ] as const) {
      answering = refusing;
      for (const lang of ['en', 'es']) {
        const form = await t.app.inject({
          url: '/alerts',
          headers: { accept: 'text/html', 'accept-language': lang },
        });
        const cookie = form.cookies.find((c) => c.name.endsWith('amparo_form'))!;
        const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
        const res = await t.app.inject({
          method: 'POST',
          url: '/alerts',
          payload: new URLSearchParams({ _csrf: csrf, phone, zips: '60623', language: lang }).toString(),
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            cookie: `${cookie.name}=${cookie.value}`,
            accept: 'text/html',
            'accept-language': lang,
          },
        });
        assert.equal(res.statusCode, 200, `${phone} ${lang}: ${res.body.slice(0, 200)}`);
        assert.match(res.body, /action="\/alerts\/confirm"/);
      }
      assert.ok(!t.logs.text.includes(phone.slice(2)), 'the number is not in the log');
    }
  });
});
