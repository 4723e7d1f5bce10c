// The Twilio stand-in's status callbacks, which the alert tests and bench/fanout rely on: each accepted
// message's StatusCallback gets 'sent' and 'delivered' (or 'undelivered' for the configured fraction), in
// either order as Twilio promises none,
// signed so that Amparo's own check accepts it against its public address, and they keep up with
// thousands of messages through a bounded number of connections. Without the option nothing is called.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { isAuthenticTwilioRequest } from '../../src/integrations/twilio/webhook.ts';
import { TwilioRestClient } from '../../src/integrations/twilio/rest-client.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../support/twilio-stand-in.ts';

const PUBLIC_URL = 'https://hotline.example.org';
const CALLBACK_PATH = '/webhooks/twilio/alert-status?alert=5f0c';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  params: Record<string, string>;
}

/** A bare HTTP receiver standing where Amparo would, recording every callback and the most ever open at once. */
async function startReceiver(
  answer = 200,
): Promise<{ server: Server; origin: string; received: Received[]; maxOpen: () => number }> {
  const received: Received[] = [];
  let open = 0;
  let maxOpen = 0;
  const server = createServer((req, res) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        params: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
      });
      // Answer a little later, so concurrent callbacks really overlap.
      setTimeout(() => {
        open--;
        res.writeHead(answer, { 'content-type': 'text/xml' });
        res.end('<Response/>');
      }, 2);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, received, maxOpen: () => maxOpen };
}

function clientFor(standIn: TwilioStandIn): TwilioRestClient {
  return new TwilioRestClient({
    accountSid: standIn.accountSid,
    authToken: standIn.authToken,
    apiBase: standIn.baseUrl,
  });
}

/** What Amparo's webhook check says about a callback, configured as an app at PUBLIC_URL would be. */
function amparoAccepts(standIn: TwilioStandIn, callback: Received, publicUrl = PUBLIC_URL): boolean {
  return isAuthenticTwilioRequest(
    {
      publicUrl: new URL(publicUrl),
      twilio: { accountSid: standIn.accountSid, authToken: standIn.authToken } as never,
    },
    { url: callback.path, headers: callback.headers, body: callback.params },
  );
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('Twilio stand-in status callbacks', () => {
  test('each message gets sent and its final status, signed for the public URL Amparo checks', async () => {
    const receiver = await startReceiver();
    const standIn = await startTwilioStandIn({
      statusCallbacks: { deliverTo: receiver.origin, undeliveredFraction: 0.25 },
    });
    try {
      const client = clientFor(standIn);
      const sent: { sid: string; to: string }[] = [];
      for (let i = 0; i < 8; i++) {
        const to = `+1312555${String(1000 + i)}`;
        const message = await client.sendMessage({
          from: '+15550100199',
          to,
          body: `alert ${i}`,
          statusCallback: `${PUBLIC_URL}${CALLBACK_PATH}`,
        });
        sent.push({ sid: message.sid, to });
      }
      // A message without a StatusCallback is never reported.
      await client.sendMessage({ from: '+15550100199', to: '+13125559999', body: 'no callback' });
      await standIn.statusCallbacks.idle();

      assert.equal(receiver.received.length, 16, 'two callbacks per message that asked for them');
      assert.equal(standIn.statusCallbacks.answered, 16);
      assert.equal(standIn.statusCallbacks.refused, 0);
      const finals: string[] = [];
      const orders: string[] = [];
      for (const { sid, to } of sent) {
        const mine = receiver.received.filter((r) => r.params.MessageSid === sid);
        const final = mine.find((r) => r.params.MessageStatus !== 'sent')!;
        assert.deepEqual(
          mine.map((r) => r.params.MessageStatus).sort(),
          [final.params.MessageStatus === 'undelivered' ? 'undelivered' : 'delivered', 'sent'].sort(),
          "'sent' and one final status",
        );
        orders.push(mine.map((r) => r.params.MessageStatus === 'sent').join());
        for (const callback of mine) {
          assert.equal(callback.path, CALLBACK_PATH, 'the path and query Amparo gave are kept');
          assert.equal(callback.params.AccountSid, standIn.accountSid);
          assert.equal(callback.params.SmsSid, sid);
          assert.equal(callback.params.SmsMessageSid, sid);
          assert.equal(callback.params.SmsStatus, callback.params.MessageStatus);
          assert.equal(callback.params.To, to);
          assert.equal(callback.params.From, '+15550100199');
          assert.equal(callback.params.ApiVersion, '2010-04-01');
          assert.equal(
            callback.params.ErrorCode,
            callback.params.MessageStatus === 'undelivered' ? '30003' : undefined,
          );
          assert.ok(amparoAccepts(standIn, callback), 'Amparo accepts the signature');
          // Signed for the URL Amparo published, not the address it was delivered to.
          assert.equal(amparoAccepts(standIn, callback, receiver.origin), false);
          // And the signature covers the body: a changed status is refused.
          assert.equal(
            amparoAccepts(standIn, { ...callback, params: { ...callback.params, MessageStatus: 'failed' } }),
            false,
          );
        }
        finals.push(final.params.MessageStatus!);
        assert.equal(standIn.messages.get(sid)!.status, final.params.MessageStatus);
      }
      assert.equal(finals.filter((s) => s === 'undelivered').length, 2, 'exactly a quarter undelivered');
      assert.equal(orders.filter((o) => o === 'false,true').length, 4, 'half of them final status first');
    } finally {
      await standIn.close();
      await closeServer(receiver.server);
    }
  });

  test('a messaging service sender is reported by its SID; a refused callback is counted', async () => {
    const receiver = await startReceiver(403);
    const standIn = await startTwilioStandIn({
      statusCallbacks: { deliverTo: receiver.origin, order: 'sent-first' },
    });
    try {
      const service = `MG${'0'.repeat(32)}`;
      await clientFor(standIn).sendMessage({
        messagingServiceSid: service,
        to: '+13125550000',
        body: 'via a service',
        statusCallback: `${PUBLIC_URL}${CALLBACK_PATH}`,
      });
      await standIn.statusCallbacks.idle();
      assert.equal(receiver.received.length, 2);
      for (const callback of receiver.received) {
        assert.equal(callback.params.MessagingServiceSid, service);
        assert.equal(callback.params.From, undefined);
        assert.ok(amparoAccepts(standIn, callback));
      }
      assert.equal(standIn.statusCallbacks.refused, 2);
      assert.deepEqual(
        standIn.statusCallbacks.results.map((r) => [r.status, r.httpStatus]),
        [
          ['sent', 403],
          ['delivered', 403],
        ],
      );
    } finally {
      await standIn.close();
      await closeServer(receiver.server);
    }
  });

  test('thousands of messages: every callback arrives, never more than the concurrency at once', async () => {
    const receiver = await startReceiver();
    const standIn = await startTwilioStandIn({
      recordRequests: false,
      statusCallbacks: { deliverTo: receiver.origin, concurrency: 6, record: false },
    });
    try {
      const client = clientFor(standIn);
      const count = 3000;
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < count) {
            const i = next++;
            await client.sendMessage({
              from: '+15550100199',
              to: `+1773${String(1_000_000 + i)}`,
              body: 'alert',
              statusCallback: `${PUBLIC_URL}${CALLBACK_PATH}`,
            });
          }
        }),
      );
      await standIn.statusCallbacks.idle();
      assert.equal(standIn.statusCallbacks.answered, 2 * count);
      assert.equal(standIn.statusCallbacks.pending, 0);
      assert.equal(standIn.statusCallbacks.results.length, 0, 'record: false keeps counts only');
      assert.equal(standIn.requests.length, 0, 'recordRequests: false keeps no request log');
      const bySid = new Map<string, string[]>();
      for (const r of receiver.received) {
        bySid.set(r.params.MessageSid!, [
          ...(bySid.get(r.params.MessageSid!) ?? []),
          r.params.MessageStatus!,
        ]);
      }
      assert.equal(bySid.size, count);
      assert.ok([...bySid.values()].every((s) => [...s].sort().join() === 'delivered,sent'));
      assert.ok(receiver.maxOpen() <= 6, `at most 6 callbacks open at once (saw ${receiver.maxOpen()})`);
      assert.ok(receiver.maxOpen() >= 2, 'callbacks do overlap');
    } finally {
      await standIn.close();
      await closeServer(receiver.server);
    }
  });

  test('without the option, accepted messages call nobody back (and are delivered at once)', async () => {
    const receiver = await startReceiver();
    const standIn = await startTwilioStandIn();
    try {
      await clientFor(standIn).sendMessage({
        from: '+15550100199',
        to: '+13125550000',
        body: 'plain',
        statusCallback: `${receiver.origin}${CALLBACK_PATH}`,
      });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(receiver.received.length, 0);
      assert.equal(standIn.requests.length, 1);
      assert.equal([...standIn.messages.values()][0]!.status, 'delivered');
    } finally {
      await standIn.close();
      await closeServer(receiver.server);
    }
  });
});
