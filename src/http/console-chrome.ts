// What every console page shows around its own content, worked out once per request before the handler runs
// (the layout renders synchronously): who is signed in, a sign-out token, the navigation's counts of what waits
// on this person, and the notice left by the action just done (a short-lived cookie set when a staff form's POST
// answers with a 303 to a console page, read and cleared by the next console page that shows it).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { CATALOGS, type MessageKey } from '../i18n/i18n.ts';
import type { CsrfTokens } from './csrf.ts';
import { serializeError } from './logging.ts';
import { visibleNavigation } from './navigation.ts';

export interface ConsoleChrome {
  /** The signed-in person's display name, else their email (blank when no module told). */
  signedInAs: string;
  /** A token for the header's sign-out form. */
  signOutToken: string;
  /** Each navigation entry's count (by href), only those above zero. */
  counts: ReadonlyMap<string, number>;
  /** The notice the last action left, if any. */
  notice: MessageKey | undefined;
  /** Set by the layout once the notice is on the page: the cookie is cleared then, not before. */
  noticeShown: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Worked out for signed-in staff's console pages (GET, and POST for a form sent back); null elsewhere. */
    consoleChrome: ConsoleChrome | null;
  }
}

/** How a console page names the signed-in person. The staff module provides it. */
export type SignedInName = (request: FastifyRequest, context: AppContext) => Promise<string | undefined>;

const signedInNames = new WeakMap<FastifyInstance, SignedInName>();

/** Registers how the header names the signed-in person (one per app: the staff module's). */
export function registerSignedInName(app: FastifyInstance, name: SignedInName): void {
  signedInNames.set(app, name);
}

/** Said after any successful action that did not choose its own words. */
export const DEFAULT_NOTICE: MessageKey = 'notice.saved';

const noticeKeys = new WeakMap<FastifyReply, MessageKey>();

/** A route's own words for the notice after its action (shown on the page its 303 leads to). */
export function setNotice(reply: FastifyReply, key: MessageKey): void {
  noticeKeys.set(reply, key);
}

/** A key from the cookie is shown only if it is one of Amparo's messages with nothing left to fill in. */
function readNoticeKey(value: string | undefined): MessageKey | undefined {
  if (!value || !Object.hasOwn(CATALOGS.en, value)) return undefined;
  const key = value as MessageKey;
  return CATALOGS.en[key].includes('{') ? undefined : key;
}

export function noticeCookieName(secure: boolean): string {
  return `${secure ? '__Host-' : ''}amparo_notice`;
}

function isConsolePage(request: FastifyRequest): boolean {
  const config = request.routeOptions.config;
  // A form sent back with its errors (POST) is a console page too.
  if (request.method !== 'GET' && request.method !== 'POST') return false;
  if (config.access?.kind !== 'staff' || config.background === true) return false;
  return !(request.headers.accept ?? '').includes('text/event-stream');
}

async function countsFor(request: FastifyRequest, context: AppContext): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await Promise.all(
    visibleNavigation(request).map(async (entry) => {
      if (!entry.count) return;
      try {
        const count = await entry.count(request, context);
        if (count > 0) counts.set(entry.href, count);
      } catch (error) {
        // A count is a convenience: the page is still worth showing without it.
        request.log.warn({ err: serializeError(error), entry: entry.href }, 'navigation count failed');
      }
    }),
  );
  return counts;
}

async function nameFor(request: FastifyRequest, context: AppContext): Promise<string> {
  const name = signedInNames.get(request.server);
  if (!name) return '';
  try {
    return (await name(request, context)) ?? '';
  } catch (error) {
    request.log.warn({ err: serializeError(error) }, 'signed-in name failed');
    return '';
  }
}

export function registerConsoleChrome(
  app: FastifyInstance,
  context: AppContext,
  options: { csrf: CsrfTokens; secure: boolean },
): void {
  const cookie = noticeCookieName(options.secure);
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict', secure: options.secure } as const;
  app.decorateRequest('consoleChrome', null);

  app.addHook('preHandler', async (request) => {
    const principal = request.principal;
    if (!principal || !isConsolePage(request)) return;
    const [signedInAs, counts] = await Promise.all([nameFor(request, context), countsFor(request, context)]);
    request.consoleChrome = {
      signedInAs,
      signOutToken: options.csrf.issue(principal.csrfSecret),
      counts,
      // Only a page one goes to shows the last action's notice, not a form sent back.
      notice: request.method === 'GET' ? readNoticeKey(request.cookies[cookie]) : undefined,
      noticeShown: false,
    };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.consoleChrome?.noticeShown) reply.clearCookie(cookie, cookieOptions);
    if (
      request.method === 'POST' &&
      reply.statusCode === 303 &&
      request.principal &&
      request.routeOptions.config.access?.kind === 'staff' &&
      String(reply.getHeader('location') ?? '').startsWith('/console')
    ) {
      reply.setCookie(cookie, noticeKeys.get(reply) ?? DEFAULT_NOTICE, { ...cookieOptions, maxAge: 60 });
    }
    return payload;
  });
}
