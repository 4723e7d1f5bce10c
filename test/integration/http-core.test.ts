// The HTTP shell on its own, with a small test module: headers, errors, bad input, logging, languages.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp, type HttpModule } from '../../src/http/app.ts';
import { PUBLIC, staffWith } from '../../src/http/access.ts';
import { html } from '../../src/http/html.ts';
import { renderPage } from '../../src/http/layout.ts';
import { htmlResponses, jsonResponses } from '../../src/http/schemas.ts';
import { createTestContext, type TestContext } from '../support/test-context.ts';

const CANARY = {
  ip: '203.0.113.77',
  userAgent: 'CanaryAgent/7.7 (canary-ua-5511)',
  phone: '+17735550199',
  text: 'canary-report-text-three-vans',
  name: 'Canary Personname',
};

const probeModule: HttpModule = {
  name: 'probe',
  register(app, context) {
    app.get(
      '/probe',
      { config: { access: PUBLIC }, schema: { response: htmlResponses() } },
      async (request, reply) =>
        reply.type('text/html; charset=utf-8').send(
          renderPage({
            request,
            networkName: context.config.networkName,
            title: 'Probe',
            body: html`<p>ok</p>`,
          }).value,
        ),
    );
    app.post(
      '/probe/form',
      {
        config: { access: PUBLIC, csrf: 'handler', rateLimit: { max: 3, timeWindow: '1 minute' } },
        schema: {
          body: { type: 'object', properties: { note: { type: 'string', maxLength: 50 } } },
          response: jsonResponses({ 200: { type: 'object', properties: { note: { type: 'string' } } } }),
        },
      },
      async (request) => ({ note: (request.body as { note?: string }).note ?? '' }),
    );
    app.get(
      '/probe/staff',
      { config: { access: staffWith('dispatcher') }, schema: { response: htmlResponses() } },
      async () => 'never',
    );
  },
};

describe(`HTTP core`, () => {
  let t: TestContext;
  let app: FastifyInstance;
  before(async () => {
    t = await createTestContext();
    app = await buildApp(t.context, { modules: [probeModule], principals: { load: async () => null } });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  test('every response carries strict security headers and no server banner', async () => {
    for (const url of ['/probe', '/healthz', '/missing', '/assets/amparo.css', '/probe/staff']) {
      const res = await app.inject({ url, headers: { accept: 'text/html' } });
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/, url);
      assert.match(csp, /frame-ancestors 'none'/, url);
      assert.doesNotMatch(csp, /https?:|\*/, `${url}: CSP must allow no other origin`);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', url);
      assert.equal(res.headers.server, undefined, url);
      assert.equal(res.headers['x-powered-by'], undefined, url);
    }
    assert.equal((await app.inject({ url: '/probe' })).headers['cache-control'], 'no-store');
  });

  test('browsers get an HTML error page and API clients JSON with a stable code', async () => {
    const page = await app.inject({
      url: '/missing',
      headers: { accept: 'text/html', 'accept-language': 'es' },
    });
    assert.equal(page.statusCode, 404);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /No hay nada en esta dirección/);
    const api = await app.inject({ url: '/missing', headers: { accept: 'application/json' } });
    assert.equal(api.statusCode, 404);
    assert.equal(api.json().error.code, 'not_found');
  });

  test('a staff route sends anonymous browsers to sign in and answers API clients 401', async () => {
    const page = await app.inject({ url: '/probe/staff', headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers.location, '/login?next=%2Fprobe%2Fstaff');
    const api = await app.inject({ url: '/probe/staff', headers: { accept: 'application/json' } });
    assert.equal(api.statusCode, 401);
    assert.equal(api.json().error.code, 'unauthenticated');
  });

  test('bad input gets a clear 4xx, never a 500', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const cases: {
      name: string;
      status: number;
      code: string;
      payload: string | Buffer;
      headers: Record<string, string>;
    }[] = [
      {
        name: 'invalid UTF-8 bytes',
        status: 400,
        code: 'invalid_encoding',
        payload: Buffer.from([0x6e, 0x6f, 0x74, 0x65, 0x3d, 0xff, 0xfe]),
        headers: form,
      },
      {
        name: 'percent-escaped invalid UTF-8',
        status: 400,
        code: 'invalid_encoding',
        payload: 'note=%C3%28',
        headers: form,
      },
      {
        name: 'overlong field',
        status: 400,
        code: 'invalid_request',
        payload: `note=${'x'.repeat(51)}`,
        headers: form,
      },
      {
        name: 'wrong content type',
        status: 415,
        code: 'unsupported_media_type',
        payload: 'note=x',
        headers: { 'content-type': 'text/plain', accept: 'application/json' },
      },
      {
        name: 'broken JSON',
        status: 400,
        code: 'invalid_request',
        payload: '{"note": ',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
      },
      {
        name: 'oversized body',
        status: 413,
        code: 'payload_too_large',
        payload: `note=${'x'.repeat(300 * 1024)}`,
        headers: form,
      },
    ];
    for (const [i, c] of cases.entries()) {
      // One client address per case, so the route's rate limit is not what answers.
      const remoteAddress = `192.0.2.${i + 10}`;
      const res = await app.inject({
        method: 'POST',
        url: '/probe/form',
        payload: c.payload,
        headers: c.headers,
        remoteAddress,
      });
      assert.equal(res.statusCode, c.status, c.name);
      assert.equal(res.json().error.code, c.code, c.name);
      assert.doesNotMatch(res.body, /at .*\.ts:\d+/, `${c.name}: no stack trace`);
    }
  });

  test('public endpoints are rate limited per client', async () => {
    const post = (ip: string) =>
      app.inject({
        method: 'POST',
        url: '/probe/form',
        payload: 'note=hi',
        remoteAddress: ip,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      });
    for (let i = 0; i < 3; i++) assert.equal((await post('198.51.100.1')).statusCode, 200);
    const limited = await post('198.51.100.1');
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'rate_limited');
    assert.equal((await post('198.51.100.2')).statusCode, 200, 'another client is not limited');
  });

  test('language comes from Accept-Language, and ?lang= switches and sticks', async () => {
    assert.match(
      (await app.inject({ url: '/probe', headers: { 'accept-language': 'es-MX,es;q=0.9' } })).body,
      /<html lang="es">/,
    );
    const switched = await app.inject({ url: '/probe?lang=en', headers: { 'accept-language': 'es' } });
    assert.match(switched.body, /<html lang="en">/);
    const cookie = switched.cookies.find((c) => c.name === 'amparo_lang');
    assert.equal(cookie?.value, 'en');
    const later = await app.inject({
      url: '/probe',
      headers: { 'accept-language': 'es', cookie: `amparo_lang=en` },
    });
    assert.match(later.body, /<html lang="en">/);
    assert.match(later.body, /href="\/probe\?lang=es"/);
  });

  test('the language link on any page, even an error page for a strange path, stays on this site', async () => {
    for (const url of ['//evil.example/x', '/\\evil.example/x', '/probe']) {
      const res = await app.inject({ url, headers: { accept: 'text/html' } });
      const link = /<a class="lang" href="([^"]+)"/.exec(res.body)?.[1];
      assert.ok(link, `${url} has a language link`);
      assert.match(link, /^\/(?![/\\])/, `${url}: ${link} is a path on this site`);
    }
  });

  test('logs carry route, status and duration only: canary values never appear', async () => {
    await app.inject({
      method: 'POST',
      url: `/probe/form?phone=${encodeURIComponent(CANARY.phone)}`,
      payload: `note=${encodeURIComponent(CANARY.text)}`,
      remoteAddress: CANARY.ip,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': CANARY.userAgent,
        'x-forwarded-for': CANARY.ip,
        'x-name': CANARY.name,
      },
    });
    await app.inject({
      url: `/missing/${encodeURIComponent(CANARY.text)}`,
      headers: { 'user-agent': CANARY.userAgent },
    });
    const logs = t.logs.text;
    assert.match(logs, /"route":"\/probe\/form"/, 'the request was logged');
    for (const [kind, value] of Object.entries(CANARY)) {
      assert.ok(!logs.includes(value), `log contains the ${kind} canary`);
    }
    assert.ok(!logs.includes('203.0.113'), 'no IP fragment');
  });

  test('the OpenAPI document is served', async () => {
    const res = await app.inject({ url: '/api/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/probe/form'].post, 'routes appear in the document');
  });

  test('a route without an access policy or response schema is refused at start', async () => {
    for (const bad of [
      (a: FastifyInstance) => a.get('/x', { schema: { response: htmlResponses() } }, async () => 'x'),
      (a: FastifyInstance) => a.get('/y', { config: { access: PUBLIC } }, async () => 'y'),
    ]) {
      const module: HttpModule = { name: 'bad', register: (a) => void bad(a) };
      await assert.rejects(
        buildApp(t.context, { modules: [module], principals: { load: async () => null } }),
        /declares no (access policy|response schema)/,
      );
    }
  });
});
