import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import { TwilioApiError, TwilioRestClient } from './rest-client.ts';

const TO = '+15550100142';
const BODY = 'Verificado: agentes en 18th y Blue Island. Manténgase a salvo.';

describe('Twilio REST client against the local stand-in', () => {
  let standIn: TwilioStandIn;
  let client: TwilioRestClient;
  before(async () => {
    standIn = await startTwilioStandIn();
    client = new TwilioRestClient({
      accountSid: standIn.accountSid,
      authToken: standIn.authToken,
      apiBase: standIn.baseUrl,
    });
  });
  after(async () => standIn.close());

  test('sends a form-encoded message with Basic auth and returns Twilio’s sid and status', async () => {
    const sent = await client.sendMessage({
      from: '+15550100199',
      to: TO,
      body: BODY,
      statusCallback: 'https://hotline.example.org/webhooks/twilio/status',
    });
    assert.match(sent.sid, /^SM[0-9a-f]{32}$/);
    assert.equal(sent.status, 'queued');
    const request = standIn.requests.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, `/2010-04-01/Accounts/${standIn.accountSid}/Messages.json`);
    assert.equal(request.contentType, 'application/x-www-form-urlencoded');
    const credentials = Buffer.from(`${standIn.accountSid}:${standIn.authToken}`).toString('base64');
    assert.equal(request.authorization, `Basic ${credentials}`);
    assert.deepEqual(Object.fromEntries(request.form), {
      To: TO,
      From: '+15550100199',
      Body: BODY,
      StatusCallback: 'https://hotline.example.org/webhooks/twilio/status',
    });
    assert.equal(standIn.messages.get(sent.sid)?.body, BODY);
  });

  test('a messaging service replaces From, and no StatusCallback is sent when none is given', async () => {
    const service = 'MG' + 'a'.repeat(32);
    await client.sendMessage({ messagingServiceSid: service, to: TO, body: 'hola' });
    assert.deepEqual(Object.fromEntries(standIn.requests.at(-1)!.form), {
      To: TO,
      MessagingServiceSid: service,
      Body: 'hola',
    });
  });

  test('deletes a message at Twilio', async () => {
    const { sid } = await client.sendMessage({ from: '+15550100199', to: TO, body: 'borrar' });
    await client.deleteMessage(sid);
    assert.equal(standIn.messages.has(sid), false);
    const request = standIn.requests.at(-1)!;
    assert.equal(request.method, 'DELETE');
    assert.equal(request.path, `/2010-04-01/Accounts/${standIn.accountSid}/Messages/${sid}.json`);
    await assert.rejects(
      client.deleteMessage(sid),
      (e: TwilioApiError) => e.status === 404 && e.code === 20404,
    );
  });

  test('a refusal becomes a TwilioApiError with status and code, never the number or the text', async () => {
    const wrong = new TwilioRestClient({
      accountSid: standIn.accountSid,
      authToken: 'not-the-token',
      apiBase: standIn.baseUrl,
    });
    const error = await wrong.sendMessage({ from: '+15550100199', to: TO, body: BODY }).then(
      () => assert.fail('sent with a wrong token'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof TwilioApiError);
    assert.equal(error.status, 401);
    assert.equal(error.code, 20003);
    assert.match(error.message, /HTTP 401, Twilio error 20003/);
    const shown = `${error.message} ${error.stack ?? ''} ${JSON.stringify(error)}`;
    assert.ok(!shown.includes('5550100142'), 'no phone number in the error');
    assert.ok(!shown.includes('Blue Island'), 'no message text in the error');
  });

  test('the configured base URL is the one called; a base that answers nothing is an error without details', async () => {
    const before = standIn.requests.length;
    const elsewhere = new TwilioRestClient({
      accountSid: standIn.accountSid,
      authToken: standIn.authToken,
      apiBase: 'http://127.0.0.1:9',
    });
    const error = await elsewhere.sendMessage({ from: '+15550100199', to: TO, body: BODY }).then(
      () => assert.fail('sent to a closed port'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof TwilioApiError);
    assert.equal(error.status, undefined);
    assert.ok(!error.message.includes('5550100142'));
    assert.equal(standIn.requests.length, before, 'the stand-in was not called');
    // A trailing slash on the base is tolerated.
    const slashed = new TwilioRestClient({
      accountSid: standIn.accountSid,
      authToken: standIn.authToken,
      apiBase: `${standIn.baseUrl}/`,
    });
    await slashed.sendMessage({ from: '+15550100199', to: TO, body: 'x' });
    assert.equal(standIn.requests.at(-1)!.path, `/2010-04-01/Accounts/${standIn.accountSid}/Messages.json`);
  });

  test('an answer cut off mid-way, or a redirect, is an error; no redirect is followed', async () => {
    let redirected = 0;
    const server: Server = createServer((request, response) => {
      if (request.url?.includes('/elsewhere')) {
        redirected++;
        response.end('{"sid":"SM00000000000000000000000000000000","status":"queued"}');
      } else if (request.url?.includes('/Accounts/ACcut')) {
        response.writeHead(201, { 'content-type': 'application/json', 'content-length': '100' });
        response.write('{"sid":"SM');
        setTimeout(() => response.socket?.destroy(), 20);
      } else {
        response.writeHead(307, { location: '/elsewhere' });
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const cut = new TwilioRestClient({ accountSid: 'ACcut', authToken: 'x', apiBase });
      const error = await cut.sendMessage({ from: '+15550100199', to: TO, body: BODY }).then(
        () => assert.fail('a cut answer was taken'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof TwilioApiError);
      assert.equal(error.status, undefined);
      const moved = new TwilioRestClient({ accountSid: 'ACmoved', authToken: 'x', apiBase });
      await assert.rejects(
        moved.sendMessage({ from: '+15550100199', to: TO, body: BODY }),
        (e: unknown) => e instanceof TwilioApiError && e.status === 307,
      );
      assert.equal(redirected, 0, 'the redirect was followed');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
