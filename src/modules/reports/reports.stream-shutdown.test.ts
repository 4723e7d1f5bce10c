// An open live report stream must not hold the server's shutdown up: a deploy or restart closes the app while
// dispatchers' consoles are connected, and their browsers simply reconnect to the next process.
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createStaffSession } from '../../../test/support/staff.ts';
import { createTestApp } from '../../../test/support/test-context.ts';

/**
 * Only so a close held up by the stream fails instead of stalling the suite: left open, a stream lasts 10
 * minutes, and a kept-alive connection is ruled out by its 'connection: close' header (asserted below).
 */
const HANG_GUARD_MS = 30_000;

/** Opens the stream on a kept-alive connection and resolves once the server has said it is connected. */
function openStream(address: string, cookie: string, agent: http.Agent) {
  return new Promise<{ request: http.ClientRequest; response: http.IncomingMessage }>((resolve, reject) => {
    const request = http.get(
      `${address}/console/reports/events`,
      { agent, headers: { cookie, accept: 'text/event-stream' } },
      (response) => {
        let received = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          received += chunk;
          if (received.includes(': connected')) resolve({ request, response });
        });
        response.on('error', () => {});
        if (response.statusCode !== 200) reject(new Error(`status ${response.statusCode}`));
      },
    );
    request.on('error', () => {});
    setTimeout(() => reject(new Error('stream never connected')), 10_000).unref();
  });
}

/** Whether close() settled on its own or the guard ran out first, and how long it took (reported only). */
async function timeClose(close: () => Promise<void>): Promise<{ settled: boolean; ms: number }> {
  const started = Date.now();
  const settled = await Promise.race([
    close().then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), HANG_GUARD_MS).unref()),
  ]);
  return { settled, ms: Date.now() - started };
}

describe(`report stream at shutdown`, () => {
  for (const client of ['still reading', 'gone away'] as const) {
    test(`the app closes promptly with a stream open (client ${client})`, async (context) => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-stream-close-'));
      const t = await createTestApp({ env: { AMPARO_DATA_DIR: dataDir } });
      const agent = new http.Agent({ keepAlive: true });
      try {
        const dispatcher = await createStaffSession(t.context, ['dispatcher']);
        const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
        const stream = await openStream(address, dispatcher.cookie, agent);
        // The connection is never reused, so it cannot idle in keep-alive once the stream has ended.
        assert.equal(stream.response.headers.connection, 'close');
        if (client === 'gone away') stream.response.destroy();
        const ended = new Promise<void>((resolve) => stream.response.once('close', resolve));
        const closing = await timeClose(() => t.app.close());
        context.diagnostic(`app.close() took ${closing.ms} ms with a stream open`);
        assert.ok(
          closing.settled,
          `app.close() was still waiting for the open stream after ${closing.ms} ms`,
        );
        await ended; // the server let go of the connection too
      } finally {
        agent.destroy();
        await t.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }
});
