// Rate limits as a client meets them: behind a reverse proxy that passes X-Forwarded-For on, across two app
// instances sharing one database, and for IPv6 clients, who hold a whole /64 each.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { loadModules } from '../modules/index.ts';
import { createTestApp, type TestApp } from '../../test/support/test-context.ts';

const LIMIT = 2;

/** One POST to /alerts (rate limited per client), from `remoteAddress`, with an optional X-Forwarded-For. */
async function hit(app: FastifyInstance, remoteAddress: string, forwardedFor?: string): Promise<number> {
  const response = await app.inject({
    method: 'POST',
    url: '/alerts',
    remoteAddress,
    headers: {
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    payload: '',
  });
  return response.statusCode;
}

async function statuses(count: number, send: (i: number) => Promise<number>): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push(await send(i));
  return seen;
}

for (const setting of ['1', '127.0.0.1', '127.0.0.0/8']) {
  describe(`behind a proxy (AMPARO_TRUST_PROXY=${setting})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp({
        env: { AMPARO_TRUST_PROXY: setting, AMPARO_PUBLIC_RATE_LIMIT: String(LIMIT) },
      });
    });
    after(async () => t.close());

    test('an address the client puts in X-Forwarded-For does not give it a fresh rate-limit bucket', async () => {
      // The proxy (127.0.0.1) appends the address it saw (198.51.100.7) to whatever the client sent.
      const seen = await statuses(LIMIT + 1, (i) =>
        hit(t.app, '127.0.0.1', `10.9.${i}.${i + 1}, 198.51.100.7`),
      );
      assert.notEqual(seen[0], 429);
      assert.equal(seen[LIMIT], 429, `the client is limited whatever it claims: ${seen.join(', ')}`);
      assert.notEqual(await hit(t.app, '127.0.0.1', '198.51.100.8'), 429, 'another client is not');
    });
  });
}

describe('rate limits without a proxy', () => {
  let t: TestApp;
  let second: FastifyInstance;
  before(async () => {
    t = await createTestApp({ env: { AMPARO_PUBLIC_RATE_LIMIT: String(LIMIT) } });
    // A second web process: its own app (and its own in-memory state) on the same database.
    const modules = await loadModules();
    second = await buildApp(t.context, {
      modules: modules.http,
      principals: modules.principalsFor(t.context),
    });
    await second.ready();
  });
  after(async () => {
    await second.close();
    await t.close();
  });

  test('one limit across two app instances on one database', async () => {
    const seen = await statuses(LIMIT + 1, (i) => hit(i % 2 === 0 ? t.app : second, '203.0.113.20'));
    assert.equal(seen[LIMIT], 429, seen.join(', '));
    assert.equal(await hit(second, '203.0.113.20'), 429);
    assert.notEqual(await hit(second, '203.0.113.21'), 429);
  });

  test('an IPv6 client is one client for its whole /64', async () => {
    const addresses = ['2001:db8:5:7::1', '2001:db8:5:7:a:b:c:d', '2001:0db8:0005:0007:ffff::9'];
    const seen = await statuses(LIMIT + 1, (i) => hit(t.app, addresses[i]!));
    assert.equal(seen[LIMIT], 429, seen.join(', '));
    assert.notEqual(await hit(t.app, '2001:db8:5:8::1'), 429, 'the next /64 is another client');
  });

  test('an IPv4-mapped IPv6 address is the IPv4 client', async () => {
    const addresses = ['203.0.113.30', '::ffff:203.0.113.30', '::ffff:cb00:711e'];
    const seen = await statuses(LIMIT + 1, (i) => hit(t.app, addresses[i]!));
    assert.equal(seen[LIMIT], 429, seen.join(', '));
  });
});
