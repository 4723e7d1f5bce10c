// The public /alerts double opt-in: form errors in the user's language with what was typed kept, an
// expired form, the proof of work (missing without JavaScript, forged, replayed, expired), numbers nobody
// may text (premium, shared cost, unassigned, outside AMPARO_SMS_COUNTRIES), the texted code (a queued job,
// console outbox), a wrong code, the right one; the same answer and the same writes whether or not the
// number once sent STOP; and the caps, which point to signing up by text.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { outboxTextsTo } from '../dispatch/dispatch.test-helpers.ts';
import { text } from '../sms/sms.test-helpers.ts';
import {
  challengeIn,
  sendQueuedSignupCodes,
  solveProofOfWork,
  subscriberOf,
} from './subscriptions.test-helpers.ts';

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

interface FormSession {
  cookie: string;
  csrf: string;
  page: string;
}

/** The pages as a browser uses them: open the form, answer its proof of work (unless told not to), post. */
function browser(t: TestApp) {
  async function open(path: string, lang = 'en'): Promise<FormSession> {
    const res = await t.app.inject({
      url: path,
      headers: { accept: 'text/html', 'accept-language': lang },
    });
    assert.equal(res.statusCode, 200);
    const form = res.cookies.find((c) => c.name.endsWith('amparo_form'));
    assert.ok(form, 'the page sets the form-binding cookie');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    assert.ok(csrf);
    return { cookie: `${form.name}=${form.value}`, csrf, page: res.body };
  }

  function post(
    path: string,
    session: FormSession,
    fields: Record<string, string>,
    options: { lang?: string; address?: string } = {},
  ) {
    return t.app.inject({
      method: 'POST',
      url: path,
      payload: new URLSearchParams({ _csrf: session.csrf, ...fields }).toString(),
      remoteAddress: options.address ?? '203.0.113.9',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: session.cookie,
        accept: 'text/html',
        'accept-language': options.lang ?? 'en',
      },
    });
  }

  /** A sign-up as the page's script sends it: the proof of work answered. */
  async function signUp(
    fields: { phone: string; zips?: string; language?: string },
    options: { lang?: string; address?: string } = {},
  ) {
    const session = await open('/alerts', options.lang);
    const altcha = await solveProofOfWork(challengeIn(session.page));
    return post('/alerts', session, { zips: '60623', language: 'en', ...fields, altcha }, options);
  }

  async function confirm(phone: string, code: string) {
    const session = await open('/alerts/confirm');
    return post('/alerts/confirm', session, { phone, code });
  }

  return { open, post, signUp, confirm };
}

async function queuedCodes(t: TestApp): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pgboss.job where name = 'subscriptions.send-code'`.execute(t.context.db);
  return rows[0]!.n;
}

async function optOut(t: TestApp, phone: string): Promise<void> {
  await t.context.db
    .insertInto('sms_opt_outs')
    .values({ phone_index: t.context.secrets.blindIndex.phone(phone), opted_out_at: t.clock.now() })
    .execute();
}

describe(`alert sign-up on the web`, () => {
  let t: TestApp;
  let web: ReturnType<typeof browser>;
  before(async () => {
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-11-24T15:00:00Z')),
      env: {
        AMPARO_NETWORK_NAME: 'Chicago Rapid Response',
        AMPARO_SMS_PROVIDER: 'console',
        AMPARO_SUBSCRIBE_CAP_PER_PREFIX_PER_HOUR: '2',
        AMPARO_SUBSCRIBE_CAP_PER_CLIENT_PER_HOUR: '1000',
        // Every test here posts from one address, and the clock seldom moves.
        AMPARO_PUBLIC_RATE_LIMIT: '1000',
        // Quick to solve; the suite below keeps the default work.
        AMPARO_SUBSCRIBE_PROOF_OF_WORK: '2000',
      },
    });
    web = browser(t);
  });
  after(async () => {
    await t.close();
  });

  test('bad input comes back in Spanish with everything typed; an expired form too', async () => {
    const bad = await web.signUp({ phone: '12', zips: '60623 99999x', language: 'es' }, { lang: 'es' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Escriba un número de celular/);
    assert.match(bad.body, /No conocemos estos códigos postales: 99999x/);
    assert.match(bad.body, /value="60623 99999x"/);
    const session = await web.open('/alerts', 'es');
    const expired = await web.post(
      '/alerts',
      { ...session, csrf: 'nope' },
      { phone: '(312) 555-7001', zips: '60623', language: 'es' },
      { lang: 'es' },
    );
    assert.equal(expired.statusCode, 403);
    assert.match(expired.body, /caducado/);
    assert.match(expired.body, /value="\(312\) 555-7001"/);
    assert.equal(await queuedCodes(t), 0);
    assert.deepEqual(await outboxTextsTo(t.context, '+13125557001'), []);
  });

  test('double opt-in: the code is queued as a job, texted, a wrong code refused, the right one activates', async () => {
    const phone = '+13125557002';
    const res = await web.signUp({ phone: '(312) 555-7002', zips: '60623, 60608', language: 'es' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /action="\/alerts\/confirm"/);
    // The answer comes before any text: the job holds the request's id and nothing else.
    assert.deepEqual(await outboxTextsTo(t.context, phone), []);
    const { rows } = await sql<{ data: unknown }>`
      select data from pgboss.job where name = 'subscriptions.send-code'`.execute(t.context.db);
    assert.equal(rows.length, 1);
    assert.deepEqual(Object.keys(rows[0]!.data as object), ['requestId']);
    assert.ok(!JSON.stringify(rows[0]!.data).includes('5557002'));

    assert.deepEqual(await sendQueuedSignupCodes(t.context), ['sent']);
    const pending = await subscriberOf(t.context, phone);
    assert.equal(pending?.status, 'pending');
    assert.deepEqual(pending?.zips, []);
    assert.ok(!pending.phone_ciphertext.includes('5557002'), 'the number is stored only encrypted');
    const [codeText, ...more] = await outboxTextsTo(t.context, phone);
    assert.equal(more.length, 0);
    assert.match(codeText ?? '', /Pueden aplicar tarifas/);
    const code = /(\d{6})/.exec(codeText ?? '')?.[1];
    assert.ok(code);
    assert.deepEqual(
      await t.context.db.selectFrom('subscription_code_requests').select('id').execute(),
      [],
      'the request is gone once its code is sent',
    );

    const wrong = await web.confirm('3125557002', code === '000000' ? '111111' : '000000');
    assert.equal(wrong.statusCode, 422);
    assert.match(wrong.body, /That code is not right/);
    assert.match(wrong.body, /value="3125557002"/);
    assert.equal((await subscriberOf(t.context, phone))?.status, 'pending');

    const right = await web.confirm('3125557002', code);
    assert.equal(right.statusCode, 200);
    assert.match(right.body, /You will get alerts/);
    const active = await subscriberOf(t.context, phone);
    assert.equal(active?.status, 'active');
    assert.deepEqual(active?.zips, ['60623', '60608']);
    assert.equal(active?.language, 'es');
    assert.equal(active?.confirmation_code_hash, null);
  });

  test('premium-rate, shared-cost, unassigned and foreign numbers are refused at the form, in the reader’s language', async () => {
    const cases: [string, string, RegExp, RegExp][] = [
      ['+1 900 765 4321', 'premium', /never text premium-rate or shared-cost/, /tarificación especial/],
      ['+33 8 10 12 34 56', 'shared cost', /never text premium-rate or shared-cost/, /costo compartido/],
      ['+1 555 010 0199', 'unassigned', /Enter a mobile phone number/, /Escriba un número de celular/],
      ['+881 234 567 890', 'satellite', /only phone numbers from: \+1/, /números de: \+1/],
      ['+234 803 123 4567', 'Nigeria', /only phone numbers from: \+1/, /números de: \+1/],
      ['+998 90 123 4567', 'Uzbekistan', /only phone numbers from: \+1/, /números de: \+1/],
    ];
    for (const [phone, what, english, spanish] of cases) {
      for (const [lang, message] of [
        ['en', english],
        ['es', spanish],
      ] as const) {
        const res = await web.signUp({ phone }, { lang });
        assert.equal(res.statusCode, 422, `${what} (${lang})`);
        assert.match(res.body, message, `${what} (${lang})`);
        assert.match(res.body, /aria-invalid="true"/);
      }
    }
    assert.equal(await queuedCodes(t), 0, 'nothing queued, nothing texted');
    const outbox = await t.context.db.selectFrom('sms_outbox').select('id').execute();
    assert.equal(outbox.length, 1, 'only the code of the earlier test');
  });

  test('without JavaScript the page says to text ALERTS (ALERTAS in Spanish); a post without the proof sends nothing', async () => {
    for (const [lang, word] of [
      ['en', 'ALERTS'],
      ['es', 'ALERTAS'],
    ] as const) {
      const session = await web.open('/alerts', lang);
      const noscript = /<noscript>([\s\S]*?)<\/noscript>/.exec(session.page)?.[1] ?? '';
      assert.match(noscript, new RegExp(`${word} .*60623.*\\(555\\) 010-0199`));
      assert.match(session.page, /<form id="alerts-form"[^>]* hidden/, 'the form shows only with JavaScript');
      assert.match(session.page, /<script src="\/assets\/proof-of-work\.js" defer>/);
      const res = await web.post(
        '/alerts',
        session,
        { phone: '(312) 555-7010', zips: '60623', language: lang },
        { lang },
      );
      assert.equal(res.statusCode, 422);
      assert.match(res.body, new RegExp(`JavaScript.*${word} .*60623.*\\(555\\) 010-0199`));
    }
    assert.equal(await queuedCodes(t), 0);
  });

  test('the proof of work is single-use and signed: a replayed, forged, wrong or expired one sends nothing', async () => {
    const session = await web.open('/alerts');
    const challenge = challengeIn(session.page);
    const altcha = await solveProofOfWork(challenge);
    const fields = { phone: '(312) 555-7020', zips: '60623', language: 'en' };
    const first = await web.post('/alerts', session, { ...fields, altcha });
    assert.equal(first.statusCode, 200);
    assert.equal(await queuedCodes(t), 1);

    const replayed = await web.post('/alerts', session, { ...fields, phone: '(312) 555-7021', altcha });
    assert.equal(replayed.statusCode, 422);
    assert.match(replayed.body, /did not go through/);

    const decoded = JSON.parse(Buffer.from(altcha, 'base64').toString('utf8'));
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
    const fresh = challengeIn((await web.open('/alerts')).page);
    const solved = JSON.parse(Buffer.from(await solveProofOfWork(fresh), 'base64').toString('utf8'));
    for (const [what, forged] of [
      [
        'a later expiry',
        encode({
          ...solved,
          challenge: {
            ...solved.challenge,
            parameters: { ...solved.challenge.parameters, data: { expires: 4102444800 } },
          },
        }),
      ],
      ['another challenge’s answer', encode({ ...solved, solution: decoded.solution })],
      ['a made-up key', encode({ ...solved, solution: { counter: 1, derivedKey: '00'.repeat(32) } })],
      ['not base64 JSON', 'hello'],
      [
        'a non-hex nonce',
        encode({
          ...solved,
          challenge: { ...solved.challenge, parameters: { ...solved.challenge.parameters, nonce: 'zz' } },
        }),
      ],
    ] as const) {
      const res = await web.post('/alerts', session, { ...fields, phone: '(312) 555-7022', altcha: forged });
      assert.equal(res.statusCode, 422, what);
      assert.match(res.body, /did not go through/, what);
    }

    // Solved in time but sent after the challenge's 30 minutes: refused too.
    const late = await web.open('/alerts');
    const lateAnswer = await solveProofOfWork(challengeIn(late.page));
    t.clock.advance(31 * MINUTE_MS);
    const expired = await web.post('/alerts', late, {
      ...fields,
      phone: '(312) 555-7023',
      altcha: lateAnswer,
    });
    assert.equal(expired.statusCode, 422);
    assert.equal(await queuedCodes(t), 1, 'only the first sign-up was queued');
    await sendQueuedSignupCodes(t.context);
  });

  test('a number that sent STOP gets the same answer after the same writes, and no text', async () => {
    // Three numbers: never seen, an active subscriber, and one that texted STOP. What the request writes
    // and what it answers must not tell them apart (the timing followed from the work).
    // Each in its own prefix block: this suite allows two sign-ups per block and hour.
    const fresh = '+18155557031';
    const subscribed = '+17795557032';
    const stopped = '+12175557033';
    await text(t, subscribed, 'ALERTS 60623');
    await optOut(t, stopped);

    async function rowCounts(): Promise<Map<string, number>> {
      const tables = await sql<{ name: string }>`
        select table_name as name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(t.context.db);
      const counts = new Map<string, number>();
      for (const { name } of tables.rows) {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)}`.execute(
          t.context.db,
        );
        counts.set(name, rows[0]!.n);
      }
      const jobs = await sql<{ name: string; n: number }>`
        select name, count(*)::int as n from pgboss.job group by name`.execute(t.context.db);
      for (const { name, n } of jobs.rows) counts.set(`pgboss.job:${name}`, n);
      return counts;
    }

    async function attempt(phone: string) {
      const session = await web.open('/alerts');
      const altcha = await solveProofOfWork(challengeIn(session.page));
      const before = await rowCounts();
      const res = await web.post('/alerts', session, { phone, zips: '60608', language: 'en', altcha });
      const afterwards = await rowCounts();
      const written = [...afterwards]
        .map(([name, n]) => [name, n - (before.get(name) ?? 0)] as const)
        .filter(([, n]) => n !== 0);
      const body = res.body.replaceAll(phone, '<phone>').replace(/name="_csrf" value="[^"]+"/, '');
      return { status: res.statusCode, headers: Object.keys(res.headers).sort(), body, written };
    }

    // A first sign-up forgets the spent challenges an earlier test let expire, which only time decides.
    await attempt('+18475557030');
    const answers = [await attempt(fresh), await attempt(subscribed), await attempt(stopped)];
    assert.equal(answers[0]!.status, 200);
    for (const answer of answers.slice(1)) assert.deepEqual(answer, answers[0]);
    assert.deepEqual(
      new Set(answers[0]!.written.map(([name]) => name)),
      new Set([
        'subscription_code_requests',
        'subscription_signups',
        'proof_of_work_spent',
        'pgboss.job:subscriptions.send-code',
      ]),
      'a request, a count, a spent challenge and a job: nothing about the number itself',
    );

    // Then the job: a code for the new number and the subscriber, none for the one that sent STOP.
    const subscribedTexts = (await outboxTextsTo(t.context, subscribed)).length;
    assert.deepEqual(await sendQueuedSignupCodes(t.context), ['sent', 'sent', 'sent', 'nothing_to_send']);
    assert.equal((await outboxTextsTo(t.context, fresh)).length, 1);
    assert.equal((await outboxTextsTo(t.context, subscribed)).length, subscribedTexts + 1);
    assert.deepEqual(await outboxTextsTo(t.context, stopped), []);
    assert.equal(await subscriberOf(t.context, stopped), undefined);
  });

  test('web sign-ups over the per-prefix cap get no text, and the page says to sign up by text', async () => {
    const phones = ['+16305557101', '+16305557202', '+16305557303'];
    const statuses = [];
    for (const phone of phones) statuses.push((await web.signUp({ phone })).statusCode);
    assert.deepEqual(statuses, [200, 200, 429]);
    const refused = await web.signUp({ phone: '+16305557404' }, { lang: 'es' });
    assert.match(refused.body, /no podemos enviar un código.*ALERTAS .*60623/);
    await sendQueuedSignupCodes(t.context);
    assert.equal((await outboxTextsTo(t.context, phones[0]!)).length, 1);
    assert.equal((await outboxTextsTo(t.context, phones[1]!)).length, 1);
    assert.deepEqual(await outboxTextsTo(t.context, phones[2]!), []);
  });

  test('at most 3 codes a day to one number, from any number of clients; the next day it may ask again', async () => {
    const phone = '+17085557501';
    const statuses = [];
    for (let i = 0; i < 4; i += 1) {
      t.clock.advance(HOUR_MS);
      statuses.push((await web.signUp({ phone }, { address: `198.51.100.${i + 1}` })).statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    await sendQueuedSignupCodes(t.context);
    assert.equal((await outboxTextsTo(t.context, phone)).length, 3);
    t.clock.advance(DAY_MS - 2 * HOUR_MS);
    assert.equal((await web.signUp({ phone })).statusCode, 200, 'the first code has left the day');
    await sendQueuedSignupCodes(t.context);
    assert.equal((await outboxTextsTo(t.context, phone)).length, 4);
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

  test('the page is the same as for any sign-up, the job ends quietly, and the number is not logged', async () => {
    const web = browser(t);
    for (const [phone, refusing] of [
      ['+13125557401', true],
      ['+13125557402', false],
    ] as const) {
      answering = refusing;
      for (const lang of ['en', 'es']) {
        const res = await web.signUp({ phone, language: lang }, { lang });
        assert.equal(res.statusCode, 200, `${phone} ${lang}: ${res.body.slice(0, 200)}`);
        assert.match(res.body, /action="\/alerts\/confirm"/);
      }
      assert.deepEqual(await sendQueuedSignupCodes(t.context), ['not_sent', 'not_sent']);
      assert.ok(!t.logs.text.includes(phone.slice(2)), 'the number is not in the log');
    }
  });
});
