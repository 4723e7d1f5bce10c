// buildApp() assembles the web application from the shared context and the domain modules. The server and
// the tests both use it (tests through app.inject() against a real database).
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { AppContext } from '../app/context.ts';
import { isSecureOrigin, type Language, type TrustProxy } from '../config/config.ts';
import { isLanguage, languageFromAcceptLanguage, translator, type Translator } from '../i18n/i18n.ts';
import { hasAnyRole, type RouteAccess, type StaffPrincipal } from './access.ts';
import { registerConsoleChrome } from './console-chrome.ts';
import { CsrfTokens, SESSION_FORM_TOKEN_TTL_MS } from './csrf.ts';
import { AppError, ERROR_CODES, type ErrorCode } from './errors.ts';
import { renderErrorPage } from './layout.ts';
import { serializeError } from './logging.ts';
import { orderNavigation, type NavigationEntry } from './navigation.ts';
import { ClientKeyer, databaseRateLimitStore, sweepRateLimitCounts } from './rate-limit.ts';
import { isAuthenticTwilioRequest, isTwilioFormType } from '../integrations/twilio/webhook.ts';
import { htmlResponses, jsonResponses } from './schemas.ts';
import { registerSecurityHeaders } from './security-headers.ts';

/** Finds the signed-in staff member behind a request, if any. The auth module provides it. */
export interface PrincipalLoader {
  load(request: FastifyRequest, reply: FastifyReply): Promise<StaffPrincipal | null>;
}

export interface HttpServices {
  csrf: CsrfTokens;
  clientKeyer: ClientKeyer;
  cookies: CookieNames;
}

export interface HttpModule {
  name: string;
  register(app: FastifyInstance, context: AppContext, services: HttpServices): Promise<void> | void;
}

export interface CookieNames {
  session: string;
  form: string;
  lang: string;
  secure: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    lang: Language;
    t: Translator;
    principal: StaffPrincipal | null;
    /** Random per-browser value that anonymous forms' CSRF tokens are bound to. */
    formBinding: string;
  }
}

export interface BuildAppOptions {
  modules: HttpModule[];
  principals: PrincipalLoader;
  /** The staff navigation's entries, collected from the modules (none when left out). */
  navigation?: readonly NavigationEntry[];
}

const ASSETS_DIR = path.join(import.meta.dirname, 'assets');
const ASSET_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

export function cookieNames(context: AppContext): CookieNames {
  const secure = isSecureOrigin(context.config);
  // __Host- cookies need Secure, which browsers refuse over plain http://localhost.
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}amparo_session`, form: `${prefix}amparo_form`, lang: 'amparo_lang', secure };
}

export async function buildApp(context: AppContext, options: BuildAppOptions): Promise<FastifyInstance> {
  // Typed as Fastify's own logger interface so route and plugin types line up with the ecosystem's.
  const loggerInstance: FastifyBaseLogger = context.logger;
  const app = Fastify({
    loggerInstance,
    // Fastify's own request lines include the URL and client address; ours (below) carry neither.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: trustProxyOption(context.config.trustProxy),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
  });
  const services: HttpServices = {
    csrf: new CsrfTokens(context.secrets.keyring.derive('csrf'), context.clock),
    clientKeyer: new ClientKeyer(context.secrets.keyring.derive('rate-limit-clients'), context.clock),
    cookies: cookieNames(context),
  };

  enforceRouteDeclarations(app);
  registerSecurityHeaders(app, { secure: services.cookies.secure });
  registerRequestLogging(app);
  registerErrorHandling(app, context);
  registerUrlEncodedParser(app);

  await app.register(cookie);
  await app.register(multipart, {
    limits: { fileSize: 10 * 1024 * 1024, files: 1, fields: 40, fieldSize: 8 * 1024, parts: 41 },
    throwFileSizeLimit: true,
  });
  await app.register(rateLimit, {
    global: false,
    store: databaseRateLimitStore(context.db, context.clock),
    keyGenerator: (request) => services.clientKeyer.keyFor(request.ip),
    errorResponseBuilder: () => new AppError('rate_limited'),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Amparo', version: '0.1.0', description: 'Rapid response network platform' },
    },
  });

  // Defaults for a request that fails before the language hook has run: the network's default language.
  app.decorateRequest('lang', context.config.defaultLanguage);
  app.decorateRequest('t', translator(context.config.defaultLanguage));
  app.decorateRequest('principal', null);
  app.decorateRequest('formBinding', '');
  app.decorate('navigation', orderNavigation(options.navigation ?? []));

  app.addHook('onRequest', async (request, reply) => {
    // Twilio's webhooks are no browser: no cookies, no forms, no staff session, answers in TwiML. Setting a
    // form cookie on each answer was work thrown away on the busiest path (access is checked below, in
    // preValidation, once the signed body is parsed). Twilio posts forms only: any other body is refused
    // here, before it is read.
    if (request.routeOptions.config.access?.kind === 'twilio') {
      if (!isTwilioFormType(request.headers['content-type'])) throw new AppError('unsupported_media_type');
      return;
    }
    chooseLanguage(request, reply, context, services.cookies);
    request.formBinding = formBinding(request, reply, services.cookies);
    request.principal = await options.principals.load(request, reply);
    enforceAccess(request);
  });
  // Twilio's signature covers the body, so it is checked as soon as the body is parsed, before validation
  // or any handler: a forged or unsigned webhook is refused with 403 and nothing is stored.
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.config.access?.kind !== 'twilio') return;
    if (!isAuthenticTwilioRequest(context.config, request)) throw new AppError('forbidden');
  });
  // Staff forms are checked here, after the body is parsed; public forms check their own token so they can
  // come back with everything typed.
  app.addHook('preHandler', async (request) => {
    const config = request.routeOptions.config;
    if (request.method === 'GET' || request.method === 'HEAD' || config.access?.kind !== 'staff') return;
    if ((config.csrf ?? 'session') !== 'session') return;
    const body = request.body as Record<string, unknown> | undefined;
    const token = request.headers['x-csrf-token'] ?? body?._csrf;
    const verdict = services.csrf.verify(token, request.principal?.csrfSecret, SESSION_FORM_TOKEN_TTL_MS);
    if (verdict !== 'valid') throw new AppError('csrf_failed');
  });
  registerConsoleChrome(app, context, { csrf: services.csrf, secure: services.cookies.secure });

  const stopSweeping = sweepRateLimitCounts(context.db, context.clock, (error) =>
    context.logger.warn({ err: error }, 'could not delete expired rate-limit counters'),
  );
  app.addHook('onClose', async () => stopSweeping());

  registerCoreRoutes(app, context);
  for (const module of options.modules) await module.register(app, context, services);
  return app;
}

/**
 * Fastify's trustProxy from AMPARO_TRUST_PROXY. A hop count becomes a function: Fastify 5 reads a bare number
 * as "trust nobody", since hops cannot tell the proxy from a client that reaches Amparo directly (the README
 * says to bind Amparo where only the proxy can reach it, or to name the proxies' addresses instead).
 */
function trustProxyOption(
  setting: TrustProxy,
): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}

export interface DeclaredRoute {
  method: string;
  url: string;
  access: RouteAccess;
}

const declaredRoutes = new WeakMap<FastifyInstance, DeclaredRoute[]>();

/** Every route the app registered, with its access policy (the route × role matrix test walks these). */
export function routesOf(app: FastifyInstance): readonly DeclaredRoute[] {
  return declaredRoutes.get(app) ?? [];
}

/** Every route must say who may use it and what it accepts and answers, or Amparo refuses to start. */
function enforceRouteDeclarations(app: FastifyInstance): void {
  const routes: DeclaredRoute[] = [];
  declaredRoutes.set(app, routes);
  app.addHook('onRoute', (route) => {
    const where = `${String(route.method)} ${route.url}`;
    if (!route.config?.access) throw new Error(`Route ${where} declares no access policy.`);
    if (!route.schema?.response) throw new Error(`Route ${where} declares no response schema.`);
    for (const method of [route.method].flat()) {
      // Fastify adds a HEAD twin for every GET; it shares the GET's declaration.
      if (method !== 'HEAD') routes.push({ method, url: route.url, access: route.config.access });
    }
  });
}

function enforceAccess(request: FastifyRequest): void {
  const access = request.routeOptions.config.access;
  // No route matched: the not-found handler answers, and it reveals nothing.
  if (!access) return;
  switch (access.kind) {
    case 'public':
      return;
    case 'twilio':
      // Checked once the body is parsed (the signature covers it): see the preValidation hook.
      return;
    case 'staff':
      if (!request.principal) throw new AppError('unauthenticated');
      if (!hasAnyRole(request.principal, access.roles)) throw new AppError('forbidden');
      return;
  }
}

function chooseLanguage(
  request: FastifyRequest,
  reply: FastifyReply,
  context: AppContext,
  cookies: CookieNames,
): void {
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.lang;
  let lang: Language;
  if (isLanguage(fromQuery)) {
    lang = fromQuery;
    reply.setCookie(cookies.lang, lang, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: cookies.secure,
      maxAge: 365 * 24 * 3600,
    });
  } else {
    const fromCookie = request.cookies[cookies.lang];
    lang = isLanguage(fromCookie)
      ? fromCookie
      : languageFromAcceptLanguage(request.headers['accept-language'], context.config.defaultLanguage);
  }
  request.lang = lang;
  request.t = translator(lang);
}

function formBinding(request: FastifyRequest, reply: FastifyReply, cookies: CookieNames): string {
  const existing = request.cookies[cookies.form];
  if (existing && /^[A-Za-z0-9_-]{20,64}$/.test(existing)) return existing;
  const value = crypto.randomUUID().replaceAll('-', '');
  // Lax, not Strict: someone following the network's link from a social post must still get a form that
  // submits. It is not a credential, only what anonymous forms' tokens are bound to.
  reply.setCookie(cookies.form, value, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: cookies.secure,
  });
  return value;
}

function registerRequestLogging(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        route: request.routeOptions.url ?? 'unmatched',
        method: request.method,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
}

export function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html') || (accept === '' && request.method !== 'GET' && isFormPost(request));
}

function isFormPost(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  return type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data');
}

/** Maps the framework's and plugins' own errors onto Amparo's codes. */
function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const known = error as { code?: string; statusCode?: number; validation?: unknown };
  const byCode: Record<string, ErrorCode> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
    FST_REQ_FILE_TOO_LARGE: 'payload_too_large',
    FST_PARTS_LIMIT: 'payload_too_large',
    FST_FILES_LIMIT: 'payload_too_large',
    FST_FIELDS_LIMIT: 'payload_too_large',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
    FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
    FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
    FST_PROTO_VIOLATION: 'invalid_request',
  };
  const mapped = known.code ? byCode[known.code] : undefined;
  if (mapped) return new AppError(mapped);
  if (known.validation) return new AppError('invalid_request');
  if (typeof known.statusCode === 'number') {
    if (known.statusCode === 413) return new AppError('payload_too_large');
    if (known.statusCode === 415) return new AppError('unsupported_media_type');
    if (known.statusCode === 429) return new AppError('rate_limited');
    if (known.statusCode >= 400 && known.statusCode < 500) return new AppError('invalid_request');
  }
  return undefined;
}

function registerErrorHandling(app: FastifyInstance, context: AppContext): void {
  app.setErrorHandler(async (error, request, reply) => {
    const appError = toAppError(error);
    if (!appError)
      request.log.error({ err: serializeError(error), route: request.routeOptions.url }, 'unexpected error');
    const code: ErrorCode = appError?.code ?? 'internal';
    const status = ERROR_CODES[code].status;
    if (code === 'unauthenticated' && wantsHtml(request) && request.method === 'GET') {
      return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    }
    return sendError(reply, request, context, code, status, appError?.fields);
  });
  app.setNotFoundHandler(async (request, reply) =>
    sendError(reply, request, context, 'not_found', 404, undefined),
  );
}

function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  context: AppContext,
  code: ErrorCode,
  status: number,
  fields: Record<string, string> | undefined,
): FastifyReply {
  const message = request.t(ERROR_CODES[code].message);
  reply.code(status);
  if (wantsHtml(request)) {
    return reply
      .type('text/html; charset=utf-8')
      .send(renderErrorPage({ request, networkName: context.config.networkName, message }).value);
  }
  return reply
    .type('application/json; charset=utf-8')
    .send({ error: { code, message, ...(fields ? { fields } : {}) } });
}

/**
 * application/x-www-form-urlencoded, decoded strictly: bytes that are not UTF-8, or percent-escapes that
 * decode to something that is not UTF-8, are refused with a clear error instead of being silently replaced.
 */
function registerUrlEncodedParser(app: FastifyInstance): void {
  // Nothing here takes plain text; refusing it gives a clear 415 instead of a confusing validation error.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: 256 * 1024 },
    (_request, body: Buffer, done) => {
      try {
        done(null, parseUrlEncoded(body));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}

export function parseUrlEncoded(body: Buffer): Record<string, string | string[]> {
  if (!isUtf8(body)) throw new AppError('invalid_encoding');
  const result: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const pair of body.toString('utf8').split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent((at === -1 ? pair : pair.slice(0, at)).replaceAll('+', ' '));
      value = at === -1 ? '' : decodeURIComponent(pair.slice(at + 1).replaceAll('+', ' '));
    } catch {
      throw new AppError('invalid_encoding');
    }
    const previous = result[name];
    if (previous === undefined) result[name] = value;
    else result[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return result;
}

function registerCoreRoutes(app: FastifyInstance, context: AppContext): void {
  app.get(
    '/healthz',
    {
      config: { access: { kind: 'public' } },
      schema: {
        hide: true,
        response: jsonResponses({
          200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] },
        }),
      },
    },
    async () => {
      await sql`select 1`.execute(context.db);
      return { status: 'ok' };
    },
  );

  app.get(
    '/api/openapi.json',
    {
      config: { access: { kind: 'public' } },
      schema: {
        hide: true,
        response: jsonResponses({ 200: { type: 'object', additionalProperties: true } }),
      },
    },
    async () => app.swagger(),
  );

  // Browsers ask every site for /favicon.ico; a 404 on every page fills logs and costs a round trip.
  app.get(
    '/favicon.ico',
    {
      config: { access: { kind: 'public' } },
      schema: {
        hide: true,
        response: { 200: { content: { 'image/x-icon': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) =>
      reply
        .header('cache-control', 'public, max-age=86400')
        .type('image/x-icon')
        .send(await readFile(path.join(ASSETS_DIR, 'favicon.ico'))),
  );

  app.get<{ Params: { name: string } }>(
    '/assets/:name',
    {
      config: { access: { kind: 'public' } },
      schema: {
        hide: true,
        params: {
          type: 'object',
          properties: { name: { type: 'string', pattern: '^[a-z0-9-]+\\.(css|js)$' } },
          required: ['name'],
        },
        response: {
          200: {
            content: {
              'text/css': { schema: { type: 'string' } },
              'text/javascript': { schema: { type: 'string' } },
            },
          },
          ...htmlResponses(404),
        },
      },
    },
    async (request, reply) => {
      const file = path.basename(request.params.name);
      let content: Buffer;
      try {
        content = await readFile(path.join(ASSETS_DIR, file));
      } catch {
        throw new AppError('not_found');
      }
      const type = ASSET_TYPES[path.extname(file)] ?? 'application/octet-stream';
      return reply.header('cache-control', 'public, max-age=3600').type(type).send(content);
    },
  );
}
