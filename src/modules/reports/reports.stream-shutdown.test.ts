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

const PROMPT_CLOSE_MS = 3_000;

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

async function timeClose(close: () => Promise<void>): Promise<number> {
  const started = Date.now();
  await Promise.race([
    close(),
    new Promise((resolve) => setTimeout(resolve, 30_000).unref()), // fail below rather than hang the suite
  ]);
  return Date.now() - started;
}

describe(`report stream at shutdown`, () => {
  for (const client of ['still reading', 'gone away'] as const) {
    test(`the app closes promptly with a stream open (client ${client})`, async () => {
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
        const elapsed = await timeClose(() => t.app.close());
        assert.ok(elapsed < PROMPT_CLOSE_MS, `app.close() took ${elapsed} ms with a stream open`);
        await ended; // the server let go of the connection too
      } finally {
        agent.destroy();
        await t.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }
});
