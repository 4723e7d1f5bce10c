// The caps on web sign-ups and the daily purge, with a clock the tests move: over the total hourly cap
// (AMPARO_SUBSCRIBE_CAP_PER_HOUR) a web sign-up gets no code and is pointed to signing up by text, while
// ALERTS texted in is still answered (the caps are for the web only, so a flood cannot lock people out);
// the per-client cap; the purge deletes opted-out subscribers past AMPARO_SUBSCRIBER_PURGE_DAYS and web
// sign-ups left unconfirmed for a day, keeps everyone else, and keeps the opt-out's blind index, so a purged
// number that sent STOP is still never texted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { outboxTextsTo } from '../dispatch/dispatch.test-helpers.ts';
import { text } from '../sms/sms.test-helpers.ts';
import { purgeOldSubscribers } from './subscriptions.service.ts';
import {
  challengeIn,
  sendQueuedSignupCodes,
  solveProofOfWork,
  subscriberOf,
} from './subscriptions.test-helpers.ts';

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Each number in its own prefix block (area code and exchange), so only the total cap can refuse it. */
function numberFactory(areaCode: number) {
  let issued = 0;
  return (): string => {
    issued += 1;
    return `+1${areaCode}${String(200 + issued).padStart(3, '0')}${String(4000 + issued).padStart(4, '0')}`;
  };
}

/** Settings every app here shares: a proof of work quick to solve. */
const QUICK_PROOF = { AMPARO_SUBSCRIBE_PROOF_OF_WORK: '500' };

/** The public pages, as the browser's script uses them; each code the sign-up queues is texted at once. */
function webForms(t: TestApp) {
  async function post(path: string, fields: Record<string, string>, address = '203.0.113.20') {
    const page = await t.app.inject({ url: path, headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 200);
    const form = page.cookies.find((c) => c.name.endsWith('amparo_form'));
    assert.ok(form, 'the page sets the form-binding cookie');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    assert.ok(csrf);
    const proof: Record<string, string> =
      path === '/alerts' ? { altcha: await solveProofOfWork(challengeIn(page.body)) } : {};
    const res = await t.app.inject({
      method: 'POST',
      url: path,
      remoteAddress: address,
      payload: new URLSearchParams({ _csrf: csrf, ...fields, ...proof }).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `${form.name}=${form.value}`,
        accept: 'text/html',
      },
    });
    await sendQueuedSignupCodes(t.context);
    return res;
  }
  return {
    signUp: (phone: string, zips = '60623', address?: string) =>
      post('/alerts', { phone, zips, language: 'en' }, address),
    confirm: (phone: string, code: string) => post('/alerts/confirm', { phone, code }),
  };
}

async function signupOutcomes(t: TestApp): Promise<{ accepted: number; refused: number }> {
  const rows = await t.context.db.selectFrom('subscription_signups').select('outcome').execute();
  return {
    accepted: rows.filter((row) => row.outcome === 'accepted').length,
    refused: rows.filter((row) => row.outcome === 'refused').length,
  };
}

describe(`the total hourly sign-up cap`, () => {
  let t: TestApp;
  const freshNumber = numberFactory(224);
  before(async () => {
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-11-25T02:00:00Z')),
      env: {
        ...TWILIO_TEST_ENV,
        ...QUICK_PROOF,
        AMPARO_SMS_PROVIDER: 'console',
        AMPARO_SUBSCRIBE_CAP_PER_HOUR: '3',
        // High enough that only the total can refuse anyone here.
        AMPARO_SUBSCRIBE_CAP_PER_PREFIX_PER_HOUR: '100',
        AMPARO_SUBSCRIBE_CAP_PER_CLIENT_PER_HOUR: '100',
      },
    });
  });
  after(async () => t.close());

  test('a web flood fills the hour: more web sign-ups get no code and are told to text; ALERTS by text still works', async () => {
    const web = webForms(t);
    const numbers = Array.from({ length: 6 }, freshNumber);
    const [first, second, third, overOnWeb, bySms, later] = numbers as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];

    // Three web sign-ups from three clients and three number blocks fill the hour.
    for (const [i, phone] of [first, second, third].entries()) {
      t.clock.advance(MINUTE_MS);
      assert.equal((await web.signUp(phone, '60623', `198.51.100.${i + 1}`)).statusCode, 200);
      assert.equal((await outboxTextsTo(t.context, phone)).length, 1, 'the code is texted under the cap');
    }
    assert.deepEqual(await signupOutcomes(t), { accepted: 3, refused: 0 });

    // The fourth on the web: no code, and the page says how to sign up by text instead.
    t.clock.advance(MINUTE_MS);
    const page = await web.signUp(overOnWeb, '60623', '198.51.100.4');
    assert.equal(page.statusCode, 429);
    assert.match(page.body, /cannot text a code to this number from the web right now.*text ALERTS/);
    assert.deepEqual(await outboxTextsTo(t.context, overOnWeb), []);
    assert.equal(await subscriberOf(t.context, overOnWeb), undefined);
    assert.deepEqual(await signupOutcomes(t), { accepted: 3, refused: 1 });

    // Someone who texts ALERTS meanwhile is answered and subscribed: the web's caps never reach them.
    for (const phone of [bySms, overOnWeb]) {
      t.clock.advance(MINUTE_MS);
      const answer = await text(t, phone, 'ALERTS 60623');
      assert.equal(answer.status, 200);
      assert.match(answer.reply ?? '', /Msg&data rates may apply/);
      assert.equal((await subscriberOf(t.context, phone))?.status, 'active');
    }
    assert.deepEqual(await signupOutcomes(t), { accepted: 3, refused: 1 }, 'texted sign-ups are not counted');
    assert.ok(!t.logs.text.includes(overOnWeb.slice(2)), 'the log names no number');

    // An hour after the first web sign-up, the window has room again.
    t.clock.advance(HOUR_MS - 5 * MINUTE_MS + 1000);
    assert.equal((await web.signUp(later)).statusCode, 200);
    assert.equal((await outboxTextsTo(t.context, later)).length, 1);
    assert.deepEqual(await signupOutcomes(t), { accepted: 4, refused: 1 });
  });
});

describe(`the per-client hourly cap`, () => {
  let t: TestApp;
  const freshNumber = numberFactory(312);
  before(async () => {
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-11-25T05:00:00Z')),
      env: { ...TWILIO_TEST_ENV, ...QUICK_PROOF, AMPARO_SMS_PROVIDER: 'console' },
    });
  });
  after(async () => t.close());

  test('one client gets 10 codes an hour (the default), however many numbers it types; others are not affected', async () => {
    const web = webForms(t);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1)
      statuses.push((await web.signUp(freshNumber(), '60623', '192.0.2.50')).statusCode);
    assert.deepEqual(statuses, [...Array<number>(10).fill(200), 429, 429]);
    assert.equal((await web.signUp(freshNumber(), '60623', '192.0.2.51')).statusCode, 200, 'another client');
    t.clock.advance(HOUR_MS);
    assert.equal((await web.signUp(freshNumber(), '60623', '192.0.2.50')).statusCode, 200, 'the next hour');
  });
});

describe(`the daily subscriber purge`, () => {
  let t: TestApp;
  const freshNumber = numberFactory(331);
  const PURGE_DAYS = 10;
  before(async () => {
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-11-25T03:00:00Z')),
      env: {
        ...TWILIO_TEST_ENV,
        ...QUICK_PROOF,
        AMPARO_SMS_PROVIDER: 'console',
        AMPARO_SUBSCRIBER_PURGE_DAYS: String(PURGE_DAYS),
        AMPARO_PUBLIC_RATE_LIMIT: '1000',
      },
    });
  });
  after(async () => t.close());

  async function optedOut(phone: string): Promise<boolean> {
    const row = await t.context.db
      .selectFrom('sms_opt_outs')
      .select('phone_index')
      .where('phone_index', '=', t.context.secrets.blindIndex.phone(phone))
      .executeTakeFirst();
    return row !== undefined;
  }

  async function say(phone: string, body: string) {
    t.clock.advance(MINUTE_MS);
    const answer = await text(t, phone, body);
    assert.equal(answer.status, 200);
    return answer.reply;
  }

  const codeIn = (message: string | undefined): string => {
    const code = /(\d{6})/.exec(message ?? '')?.[1];
    assert.ok(code, 'a 6-digit code');
    return code;
  };

  test('opted-out subscribers go after the configured days, not before; the opt-out stays and is still honoured', async () => {
    const web = webForms(t);
    const leaving = freshNumber();
    const staying = freshNumber();
    await say(leaving, 'ALERTS 60623');
    await say(staying, 'ALERTAS 60608');
    assert.match((await say(leaving, 'ALTO')) ?? '', /.+/, 'ALTO is confirmed');
    const stoppedAt = (await subscriberOf(t.context, leaving))?.opted_out_at;
    assert.ok(stoppedAt);

    // A minute short of the delay: still there.
    t.clock.advance(PURGE_DAYS * DAY_MS - 2 * MINUTE_MS);
    let removed = await purgeOldSubscribers(t.context);
    assert.equal(removed.optedOut, 0);
    assert.ok(await subscriberOf(t.context, leaving), 'kept until the delay has passed');

    // A minute past it: gone.
    t.clock.advance(3 * MINUTE_MS);
    removed = await purgeOldSubscribers(t.context);
    assert.equal(removed.optedOut, 1);
    assert.equal(
      await subscriberOf(t.context, leaving),
      undefined,
      'the number (ciphertext and index) is gone',
    );
    assert.equal((await subscriberOf(t.context, staying))?.status, 'active', 'active subscribers are kept');
    assert.equal(await optedOut(leaving), true, 'the opt-out blind index stays');

    // What the blind index is kept for: the web form still never texts a number that sent STOP.
    const again = await web.signUp(leaving);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(await outboxTextsTo(t.context, leaving), []);
    assert.equal(await subscriberOf(t.context, leaving), undefined);
  });

  test('web sign-ups never confirmed go a day after their latest code; confirmed ones and fresh codes stay', async () => {
    const web = webForms(t);
    const abandoned = freshNumber();
    const askedAgain = freshNumber();
    const confirmed = freshNumber();
    for (const phone of [abandoned, askedAgain, confirmed]) {
      assert.equal((await web.signUp(phone)).statusCode, 200);
    }
    const [confirmedCode] = await outboxTextsTo(t.context, confirmed);
    assert.equal((await web.confirm(confirmed, codeIn(confirmedCode))).statusCode, 200);
    assert.equal((await subscriberOf(t.context, confirmed))?.status, 'active');

    // Nearly a day later the second one asks again and gets a new code; then the purge runs.
    t.clock.advance(DAY_MS - 30 * MINUTE_MS);
    assert.equal((await web.signUp(askedAgain)).statusCode, 200);
    t.clock.advance(20 * MINUTE_MS);
    let removed = await purgeOldSubscribers(t.context);
    assert.equal(removed.unconfirmed, 0, 'under a day: nobody goes');

    t.clock.advance(20 * MINUTE_MS);
    removed = await purgeOldSubscribers(t.context);
    assert.equal(removed.unconfirmed, 1);
    assert.equal(await subscriberOf(t.context, abandoned), undefined, 'unconfirmed for a day: deleted');
    assert.equal(
      (await subscriberOf(t.context, askedAgain))?.status,
      'pending',
      'its newest code is 20 minutes old',
    );
    assert.equal((await subscriberOf(t.context, confirmed))?.status, 'active');

    // The code sent a few minutes before the purge still works.
    const codes = await outboxTextsTo(t.context, askedAgain);
    assert.equal(codes.length, 2);
    const confirm = await web.confirm(askedAgain, codeIn(codes[1]));
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /You will get alerts/);
    assert.equal((await subscriberOf(t.context, askedAgain))?.status, 'active');
  });

  test("an active subscriber's unconfirmed web change is dropped after a day; the subscription is not", async () => {
    const web = webForms(t);
    const phone = freshNumber();
    await say(phone, 'ALERTS 60623');
    // Someone (maybe not the owner) asks on the web to change the ZIP codes, and the code is never typed.
    assert.equal((await web.signUp(phone, '60608')).statusCode, 200);
    const asked = await subscriberOf(t.context, phone);
    assert.deepEqual(asked?.pending_zips, ['60608']);
    assert.ok(asked?.confirmation_code_hash);

    t.clock.advance(DAY_MS + 2 * HOUR_MS);
    await purgeOldSubscribers(t.context);
    const after = await subscriberOf(t.context, phone);
    assert.equal(after?.status, 'active');
    assert.deepEqual(after?.zips, ['60623'], 'still what the phone itself asked for');
    assert.equal(after?.pending_zips, null);
    assert.equal(after?.pending_language, null);
    assert.equal(after?.confirmation_code_hash, null);
    assert.equal(after?.confirmation_expires_at, null);
  });

  test('sign-up counts are kept a day and an hour (the per-number cap looks back a day), then deleted', async () => {
    const web = webForms(t);
    assert.equal((await web.signUp(freshNumber())).statusCode, 200);
    const since = (at: Date) =>
      t.context.db.selectFrom('subscription_signups').select('id').where('at', '>=', at).execute();
    const recent = new Date(t.clock.now().getTime() - MINUTE_MS);
    assert.equal((await since(recent)).length, 1);

    t.clock.advance(DAY_MS);
    await purgeOldSubscribers(t.context);
    assert.equal((await since(recent)).length, 1, 'a day old: still counted');
    t.clock.advance(HOUR_MS + MINUTE_MS);
    await purgeOldSubscribers(t.context);
    const left = await t.context.db.selectFrom('subscription_signups').select('id').execute();
    assert.deepEqual(left, [], 'every count is older than a day and an hour now');
  });
});
