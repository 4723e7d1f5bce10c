// The Twilio stand-in is as strict as Twilio where Amparo could get it wrong (each rule from the twilio-oai
// spec and Twilio's error dictionary), and what failed against it is fixed in Amparo: a family text to a
// country the account may not text is refused for that relative alone, and the others are still texted.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { TwilioApiError, TwilioRestClient } from '../../src/integrations/twilio/rest-client.ts';
import { RecipientRefusedError } from '../../src/integrations/messaging/sms-sender.ts';
import { createSmsSender } from '../../src/integrations/messaging/create-sms-sender.ts';
import { sendFamilyTexts, textFamily } from '../../src/modules/cases/cases.family.ts';
import { textFamilyJob } from '../../src/modules/cases/cases.jobs.ts';
import { openTestCase, queuedJobs, testContact } from '../../src/modules/cases/cases.test-helpers.ts';
import { createStaffSession } from '../support/staff.ts';
import { createTestApp, type TestApp } from '../support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../support/twilio-stand-in.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TWILIO_TEST_ENV } from '../support/twilio-webhooks.ts';

const FROM = '+15550100199';

function clientFor(standIn: TwilioStandIn): TwilioRestClient {
  return new TwilioRestClient({
    accountSid: standIn.accountSid,
    authToken: standIn.authToken,
    apiBase: standIn.baseUrl,
  });
}

async function refusal(promise: Promise<unknown>): Promise<{ status?: number; code?: number }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TwilioApiError);
    return { status: error.status, code: error.code };
  }
  assert.fail('expected a refusal');
}

interface Received {
  params: Record<string, string>;
}

async function startReceiver(): Promise<{ server: Server; origin: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ params: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString())) });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<Response/>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('a stand-in as strict as Twilio', () => {
  let standIn: TwilioStandIn;
  before(async () => {
    standIn = await startTwilioStandIn({ holdMessages: true });
  });
  after(async () => standIn.close());

  test('refuses an invalid To (21211) or From (21212), a country not allowed (21408), a body over 1,600 (21617)', async () => {
    const client = clientFor(standIn);
    const send = (to: string, body = 'hola', from = FROM) => client.sendMessage({ from, to, body });
    assert.deepEqual(await refusal(send('3125550100')), { status: 400, code: 21211 }, 'not E.164');
    assert.deepEqual(await refusal(send('+1312555')), { status: 400, code: 21211 }, 'too short');
    assert.deepEqual(await refusal(send('+13125550100', 'x', '+1')), { status: 400, code: 21212 });
    for (const abroad of ['+2348012345678', '+998901234567', '+881612345678', '+18685551234']) {
      assert.deepEqual(await refusal(send(abroad)), { status: 400, code: 21408 }, abroad);
    }
    assert.deepEqual(await refusal(send('+13125550100', 'x'.repeat(1601))), { status: 400, code: 21617 });
    const sent = await send('+13125550100', 'x'.repeat(1600));
    assert.match(sent.sid, /^SM/);
    assert.equal(sent.status, 'queued');
    // A short code and an alphanumeric sender are senders too; Canada is allowed by default.
    await send('+14165550123', 'hi', '12345');
    await send('+13125550100', 'hi', 'AMPARO');

    const wider = await startTwilioStandIn({ allowedCountries: ['US', 'NG'] });
    try {
      await clientFor(wider).sendMessage({ from: FROM, to: '+2348012345678', body: 'hola' });
      assert.deepEqual(
        await refusal(clientFor(wider).sendMessage({ from: FROM, to: '+14165550123', body: 'hi' })),
        { status: 400, code: 21408 },
        'the list is the account’s: Canada is not on this one',
      );
    } finally {
      await wider.close();
    }
  });

  test('a message not final yet cannot be deleted (20009); its body can be redacted; once final it goes', async () => {
    const client = clientFor(standIn);
    const { sid } = await client.sendMessage({ from: FROM, to: '+13125550101', body: 'your code 123456' });
    assert.deepEqual(await refusal(client.deleteMessage(sid)), { status: 409, code: 20009 });
    await client.redactMessage(sid);
    assert.equal(standIn.messages.get(sid)?.body, '');
    assert.equal(standIn.holding().redacted, 1);
    standIn.settle(sid, 'delivered');
    await client.deleteMessage(sid);
    assert.ok(!standIn.messages.has(sid));
    assert.deepEqual(await refusal(client.deleteMessage(sid)), { status: 404, code: 20404 });
  });

  test('media are served through a 307 redirect to a second URL, under SM and MM messages alike', async () => {
    const incoming = standIn.receiveText({
      from: '+13125550102',
      body: '',
      media: [{ bytes: Buffer.from('picture'), contentType: 'image/jpeg' }],
      sidPrefix: 'SM',
    });
    const [file] = incoming.media;
    const url = `${standIn.baseUrl}${file!.path}`;
    const authorization = `Basic ${Buffer.from(`${standIn.accountSid}:${standIn.authToken}`).toString('base64')}`;
    const first = await fetch(url, { headers: { authorization }, redirect: 'manual' });
    assert.equal(first.status, 307);
    const location = first.headers.get('location')!;
    assert.ok(location.startsWith(`${standIn.baseUrl}/media-content/`));
    const content = await fetch(location);
    assert.equal(content.status, 200, 'the second URL needs no credentials');
    assert.equal(Buffer.from(await content.arrayBuffer()).toString(), 'picture');
    assert.equal((await fetch(url, { redirect: 'manual' })).status, 401, 'the API itself does');

    const client = clientFor(standIn);
    const resource = client.resourcePath(file!.url);
    assert.equal(resource?.kind, 'media', 'Amparo takes media under an SM message');
    const downloaded = await client.download(resource, 1000);
    assert.equal(downloaded.bytes.toString(), 'picture');
    await client.deleteMedia(incoming.messageSid, file!.sid);
    assert.equal((await fetch(location)).status, 404, 'gone with the media');
  });

  test('webhooks carry one SID under MessageSid, SmsMessageSid and SmsSid', () => {
    const { messageSid, params } = standIn.receiveText({ from: '+13125550103', body: 'hi' });
    assert.equal(params.MessageSid, messageSid);
    assert.equal(params.SmsMessageSid, messageSid);
    assert.equal(params.SmsSid, messageSid);
  });

  test('status callbacks come out of order, and end failed or undelivered with 30xxx codes', async () => {
    const receiver = await startReceiver();
    const callbacks = await startTwilioStandIn({
      statusCallbacks: {
        deliverTo: receiver.origin,
        fates: [
          { status: 'failed', errorCode: 30006 },
          { status: 'undelivered', errorCode: 30005 },
          { status: 'delivered' },
        ],
      },
    });
    try {
      const client = clientFor(callbacks);
      const sids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const sent = await client.sendMessage({
          from: FROM,
          to: `+1312555020${i}`,
          body: 'hi',
          statusCallback: 'https://hotline.example.org/webhooks/twilio/message-status',
        });
        sids.push(sent.sid);
      }
      await callbacks.statusCallbacks.idle();
      const of = (sid: string) => receiver.received.filter((r) => r.params.MessageSid === sid);
      assert.deepEqual(
        of(sids[0]!).map((r) => [r.params.MessageStatus, r.params.ErrorCode]),
        [['failed', '30006']],
        'failed: never sent, one callback',
      );
      assert.deepEqual(
        of(sids[1]!).map((r) => [r.params.MessageStatus, r.params.ErrorCode]),
        [
          ['undelivered', '30005'],
          ['sent', '30005'],
        ].map(([status, code]) => [status, status === 'sent' ? undefined : code]),
        'the final status overtakes sent',
      );
      assert.deepEqual(
        of(sids[2]!).map((r) => r.params.MessageStatus),
        ['sent', 'delivered'],
      );
      for (const callback of receiver.received) {
        assert.equal(callback.params.SmsSid, callback.params.MessageSid);
        assert.equal(callback.params.SmsMessageSid, callback.params.MessageSid);
      }
      assert.equal(callbacks.messages.get(sids[0]!)?.status, 'failed');
      assert.equal(callbacks.messages.get(sids[1]!)?.status, 'undelivered', 'a late sent changes nothing');
    } finally {
      await callbacks.close();
      receiver.server.closeAllConnections();
      await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
    }
  });

  test('a call in progress cannot be deleted (20009); its legs are listed by ParentCallSid', async () => {
    const client = clientFor(standIn);
    const { callSid } = standIn.receiveCall({ from: '+13125550104' });
    const leg = standIn.dialLeg(callSid, '+13125550105');
    assert.deepEqual(await client.childCalls(callSid), [leg.sid]);
    assert.deepEqual(await refusal(client.deleteCall(callSid)), { status: 409, code: 20009 });
    standIn.endCall(callSid);
    await client.deleteCall(leg.sid);
    await client.deleteCall(callSid);
    assert.equal(standIn.calls.size, 0);
  });
});

describe('what failed against the strict stand-in, fixed in Amparo', () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    t = await createTestApp({ env: { ...TWILIO_TEST_ENV, AMPARO_TWILIO_API_BASE: standIn.baseUrl } });
  });
  after(async () => {
    await t.close();
    await standIn.close();
  });

  test('a text Twilio refuses for its recipient is a refused recipient, with the code only', async () => {
    await assert.rejects(
      createSmsSender(t.context).send({ to: '+2348012345678', body: 'hola' }),
      (error: Error) =>
        error instanceof RecipientRefusedError &&
        error.code === 21408 &&
        !error.message.includes('8012345678'),
    );
  });

  test('a family text to a relative abroad fails for that relative; the others are still texted', async () => {
    const legal = await createStaffSession(t.context, ['legal']);
    const { id } = await openTestCase(t.context, legal.userId, {
      contacts: [
        testContact({ phone: '+525512345678', language: 'es' }),
        testContact({ phone: '+17735550146', language: 'es' }),
      ],
    });
    await t.context.db
      .transaction()
      .execute((trx) => textFamily(t.context, trx, { caseId: id, change: 'hearing' }));
    const [payload] = (await queuedJobs(t.context, textFamilyJob.name)).filter((p) => p.caseId === id);
    const outcome = await sendFamilyTexts(t.context, textFamilyJob.parse(payload));
    assert.deepEqual(outcome, { sent: 1, optedOut: 0, skipped: 0, failed: 1 });
    assert.ok([...standIn.messages.values()].some((m) => m.to === '+17735550146'));
  });
});
