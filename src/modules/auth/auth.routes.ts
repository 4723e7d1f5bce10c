// Sign-in, sign-out, account links and staff administration over HTTP. Handlers parse, call one service
// function and present; the rules live in the services and access in auth.policy.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { AppContext } from '../../app/context.ts';
import type { InviteKind } from '../../db/schema.ts';
import type { HttpServices } from '../../http/app.ts';
import { ANONYMOUS_FORM_TOKEN_TTL_MS } from '../../http/csrf.ts';
import { ProofOfWork } from '../../http/proof-of-work.ts';
import { AppError } from '../../http/errors.ts';
import { htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { sendHtml } from '../../http/html-reply.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import {
  accountLinkPage,
  accountPage,
  enrolPage,
  loginPage,
  secondFactorCodePage,
  usersPage,
  type InviteFormState,
  type Notice,
} from './auth.pages.ts';
import { OWN_ACCOUNT_ACCESS, SIGN_IN_ACCESS, SIGN_IN_RATE_LIMIT, STAFF_ADMIN_ACCESS } from './auth.policy.ts';
import {
  abandonPending,
  beginSignInAfterSetup,
  completeSecondFactor,
  secondFactorPage,
  signInNeedsProof,
  signOut,
  signOutEverywhere,
  verifyPasswordStep,
} from './auth.service.ts';
import {
  acceptInvite,
  createInvite,
  findInvite,
  listPendingInvitations,
  resendInvite,
  revokeInvite,
} from './invites.service.ts';
import { pendingRoleRequests, ROLES_NEEDING_APPROVAL, twoAdminRuleIsOff } from './access-requests.service.ts';
import { lookupSession, type SessionLookup } from './sessions.service.ts';
import { networkTimeZone, saveNetworkTimeZone } from '../settings/settings.service.ts';
import { TIME_ZONE_FIELD, type TimeZoneFieldState } from '../settings/settings.pages.ts';
import { isOfferedZone } from '../settings/settings.zones.ts';
import {
  changeRoles,
  decideRoleRequest,
  listStaff,
  parseRoles,
  revokeSessions,
  setUserDisabled,
  type AdminChangeResult,
} from './users.service.ts';

type Body = Record<string, string | string[] | undefined>;

const MAX_FIELD = 2000;
/** The proof of work's answer: base64 of the signed challenge and the solution (about 700 characters). */
const MAX_PROOF = 4000;

function formSchema(fields: string[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((name) => [name, { type: 'string', maxLength: MAX_FIELD }])),
  };
}

const userParams = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
  },
  required: ['id'],
};

const tokenParams = {
  type: 'object',
  properties: { token: { type: 'string', maxLength: 200 } },
  required: ['token'],
};

function field(body: unknown, name: string): string {
  const value = (body as Body | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/**
 * Where to go after signing in: only a path on this site. "//host" and "/\host" are refused because
 * browsers read them as another host.
 */
export function safeNext(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1000) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is being refused
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  return value;
}

const ADMIN_PROBLEMS: Record<Exclude<AdminChangeResult, 'ok' | 'pending'>, MessageKey> = {
  own_request: 'users.problem_own_request',
  not_found: 'users.problem_not_found',
  no_roles: 'users.problem_no_roles',
  own_admin_role: 'users.problem_own_admin_role',
  self_disable: 'users.problem_self_disable',
};

const DONE_NOTICES: Record<string, MessageKey> = {
  roles: 'users.done_roles',
  revoked: 'users.done_revoked',
  disabled: 'users.done_disabled',
  enabled: 'users.done_enabled',
  roles_pending: 'users.done_roles_pending',
  access_approved: 'users.done_access_approved',
  access_refused: 'users.done_access_refused',
  invite_revoked: 'users.done_invite_revoked',
};

const INVITE_PROBLEMS: Record<
  'invalid_email' | 'invalid_role' | 'email_taken' | 'needs_approval',
  MessageKey
> = {
  needs_approval: 'users.problem_invite_needs_approval',
  invalid_email: 'users.problem_invalid_email',
  invalid_role: 'users.problem_invalid_role',
  email_taken: 'users.problem_email_taken',
};

const ACCOUNT_LINK_PROBLEMS: Record<string, MessageKey> = {
  invalid_email: 'auth.problem_invalid_email',
  email_taken: 'auth.problem_email_taken',
  too_short: 'auth.problem_too_short',
  too_long: 'auth.problem_too_long',
  mismatch: 'auth.problem_mismatch',
};

export function registerAuthRoutes(app: FastifyInstance, context: AppContext, services: HttpServices): void {
  const scope = authRouteScope(context, services);
  registerSignInRoutes(app, scope);
  registerSecondFactorRoutes(app, scope);
  registerAccountRoutes(app, scope);
  registerAccountLinkRoutes(app, scope);
  registerStaffAdminRoutes(app, scope);
}

/** What the route groups below share: built once, when the routes are registered. */
function authRouteScope(context: AppContext, services: HttpServices) {
  const networkName = context.config.networkName;
  const sessionCookie = services.cookies.session;
  // The same work as the web alert sign-up's (AMPARO_SUBSCRIBE_PROOF_OF_WORK), signed for sign-in only.
  const proofOfWork = new ProofOfWork({
    keyring: context.secrets.keyring,
    clock: context.clock,
    db: context.db,
    maxCounter: context.config.subscriptions.proofOfWork,
    purpose: 'sign-in',
  });

  /** The client's rate-limit bucket: sign-in failures are counted per account and this. */
  function clientBucket(request: FastifyRequest): number {
    return Number(services.clientKeyer.keyFor(request.ip));
  }

  function setSessionCookie(reply: FastifyReply, token: string): void {
    // No Max-Age: the cookie ends with the browser, and the server ends the session long before anyway.
    reply.setCookie(sessionCookie, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: services.cookies.secure,
    });
  }

  function clearSessionCookie(reply: FastifyReply): void {
    reply.clearCookie(sessionCookie, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: services.cookies.secure,
    });
  }

  function currentSession(request: FastifyRequest): Promise<SessionLookup> {
    return lookupSession(context, request.cookies[sessionCookie]);
  }

  /** Whatever session this browser had is ended before a new one starts, not left behind unreachable. */
  async function endBrowserSession(request: FastifyRequest): Promise<void> {
    const previous = await currentSession(request);
    if (previous.kind === 'pending') await abandonPending(context, previous.session.id);
    if (previous.kind === 'full') await abandonPending(context, previous.principal.sessionId);
  }

  async function showLogin(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { email?: string; next: string | null; notice?: Notice; status?: number; proof?: boolean },
  ): Promise<FastifyReply> {
    const page = loginPage({
      request,
      networkName,
      csrf: services.csrf.issue(request.formBinding),
      email: options.email ?? '',
      next: options.next,
      ...(options.notice ? { notice: options.notice } : {}),
      ...(options.proof ? { challenge: await proofOfWork.challenge() } : {}),
    });
    return sendHtml(reply, page, options.status);
  }

  function loginFailed(request: FastifyRequest): Notice {
    return { kind: 'error', text: request.t('auth.failed') };
  }

  function secondFactorUrl(next: string | null): string {
    return next ? `/login/second-factor?next=${encodeURIComponent(next)}` : '/login/second-factor';
  }

  function loginUrl(next: string | null): string {
    return next ? `/login?next=${encodeURIComponent(next)}` : '/login';
  }

  return {
    context,
    services,
    networkName,
    sessionCookie,
    proofOfWork,
    clientBucket,
    setSessionCookie,
    clearSessionCookie,
    currentSession,
    endBrowserSession,
    showLogin,
    loginFailed,
    secondFactorUrl,
    loginUrl,
  };
}

type AuthRouteScope = ReturnType<typeof authRouteScope>;

/** Signing in: the password step. */
function registerSignInRoutes(app: FastifyInstance, scope: AuthRouteScope): void {
  const {
    context,
    services,
    proofOfWork,
    clientBucket,
    setSessionCookie,
    endBrowserSession,
    showLogin,
    loginFailed,
    secondFactorUrl,
  } = scope;
  app.get<{ Querystring: { next?: string; signed_out?: string; created?: string } }>(
    '/login',
    { config: { access: SIGN_IN_ACCESS }, schema: { response: { ...htmlResponses(), ...redirectResponse } } },
    async (request, reply) => {
      const next = safeNext(request.query.next);
      if (request.principal) return reply.redirect(next ?? '/console', 303);
      const t = request.t;
      const notice: Notice | undefined =
        request.query.signed_out !== undefined
          ? { kind: 'ok', text: t('auth.signed_out') }
          : request.query.created !== undefined
            ? { kind: 'ok', text: t('auth.account_created') }
            : undefined;
      return showLogin(request, reply, { next, ...(notice ? { notice } : {}) });
    },
  );

  app.post(
    '/login',
    {
      config: { access: SIGN_IN_ACCESS, csrf: 'handler', rateLimit: SIGN_IN_RATE_LIMIT },
      schema: {
        body: {
          type: 'object',
          properties: {
            ...(formSchema(['_csrf', 'email', 'password', 'next']).properties as object),
            altcha: { type: 'string', maxLength: MAX_PROOF },
          },
        },
        response: { ...htmlResponses(401, 403), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const email = field(body, 'email').trim();
      const next = safeNext(field(body, 'next'));
      const verdict = services.csrf.verify(
        field(body, '_csrf'),
        request.formBinding,
        ANONYMOUS_FORM_TOKEN_TTL_MS,
      );
      if (verdict !== 'valid') {
        return showLogin(request, reply, {
          email,
          next,
          notice: { kind: 'error', text: request.t('auth.form_expired') },
          status: 403,
        });
      }
      const password = field(body, 'password');
      if (!email || !password) {
        return showLogin(request, reply, { email, next, notice: loginFailed(request), status: 401 });
      }
      const client = clientBucket(request);
      // Asked only of a client that failed too often for this email; the password is not even tried
      // without the proof, so guessing from there costs work whatever the answer would have been.
      if (await signInNeedsProof(context, email, client)) {
        const proof = await proofOfWork.spend(field(body, 'altcha'));
        if (proof !== 'valid') {
          const notice: Notice = { kind: 'error', text: request.t('auth.proof_needed') };
          return showLogin(request, reply, { email, next, notice, status: 401, proof: true });
        }
      }
      const result = await verifyPasswordStep(context, { email, password, clientBucket: client });
      if (!result.ok) {
        const notice = loginFailed(request);
        return showLogin(request, reply, { email, next, notice, status: 401, proof: result.proofNeeded });
      }
      await endBrowserSession(request);
      setSessionCookie(reply, result.pending.token);
      return reply.redirect(secondFactorUrl(next), 303);
    },
  );
}

/** Signing in: the second factor. */
function registerSecondFactorRoutes(app: FastifyInstance, scope: AuthRouteScope): void {
  const {
    context,
    services,
    networkName,
    clientBucket,
    setSessionCookie,
    clearSessionCookie,
    currentSession,
    showLogin,
    loginUrl,
  } = scope;
  async function showSecondFactor(
    request: FastifyRequest,
    reply: FastifyReply,
    lookup: Extract<SessionLookup, { kind: 'pending' }>,
    next: string | null,
    notice?: Notice,
    status = 200,
  ): Promise<FastifyReply> {
    const stage = await secondFactorPage(context, lookup.session);
    if (stage.kind === 'restart') {
      await abandonPending(context, lookup.session.id);
      clearSessionCookie(reply);
      return reply.redirect(loginUrl(next), 303);
    }
    const csrf = services.csrf.issue(lookup.session.csrf_secret);
    const base = { request, networkName, csrf, next, ...(notice ? { notice } : {}) };
    if (stage.kind === 'code') return sendHtml(reply, secondFactorCodePage(base), status);
    const qrSvg = await QRCode.toString(stage.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return sendHtml(reply, enrolPage({ ...base, secret: stage.secret, qrSvg }), status);
  }

  app.get<{ Querystring: { next?: string } }>(
    '/login/second-factor',
    { config: { access: SIGN_IN_ACCESS }, schema: { response: { ...htmlResponses(), ...redirectResponse } } },
    async (request, reply) => {
      const next = safeNext(request.query.next);
      const lookup = await currentSession(request);
      if (lookup.kind === 'full') return reply.redirect(next ?? '/console', 303);
      if (lookup.kind === 'none') return reply.redirect(loginUrl(next), 303);
      return showSecondFactor(request, reply, lookup, next);
    },
  );

  app.post(
    '/login/second-factor',
    {
      config: { access: SIGN_IN_ACCESS, csrf: 'handler', rateLimit: SIGN_IN_RATE_LIMIT },
      schema: {
        body: formSchema(['_csrf', 'code', 'next']),
        response: { ...htmlResponses(401, 403), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const next = safeNext(field(body, 'next'));
      const lookup = await currentSession(request);
      if (lookup.kind !== 'pending') return reply.redirect(loginUrl(next), 303);
      const verdict = services.csrf.verify(
        field(body, '_csrf'),
        lookup.session.csrf_secret,
        ANONYMOUS_FORM_TOKEN_TTL_MS,
      );
      if (verdict !== 'valid') {
        return showSecondFactor(
          request,
          reply,
          lookup,
          next,
          { kind: 'error', text: request.t('auth.form_expired') },
          403,
        );
      }
      const result = await completeSecondFactor(
        context,
        lookup.session,
        field(body, 'code'),
        clientBucket(request),
      );
      switch (result.kind) {
        case 'signed_in':
          setSessionCookie(reply, result.session.token);
          return reply.redirect(next ?? '/console', 303);
        case 'wrong_code':
          return showSecondFactor(
            request,
            reply,
            lookup,
            next,
            { kind: 'error', text: request.t('auth.code_wrong') },
            401,
          );
        case 'proof_needed':
          clearSessionCookie(reply);
          return showLogin(request, reply, {
            next,
            notice: { kind: 'error', text: request.t('auth.code_wrong_too_often') },
            status: 401,
            proof: true,
          });
        case 'restart':
          clearSessionCookie(reply);
          return reply.redirect(loginUrl(next), 303);
      }
    },
  );
}

/** Signing out, and the staff member's own account. */
function registerAccountRoutes(app: FastifyInstance, scope: AuthRouteScope): void {
  const { context, services, networkName, clearSessionCookie } = scope;
  app.post(
    '/logout',
    {
      config: { access: OWN_ACCOUNT_ACCESS },
      schema: { body: formSchema(['_csrf']), response: { ...htmlResponses(), ...redirectResponse } },
    },
    async (request, reply) => {
      await signOut(context, request.principal!);
      clearSessionCookie(reply);
      return reply.redirect('/login?signed_out=1', 303);
    },
  );

  app.get(
    '/console/account',
    { config: { access: OWN_ACCOUNT_ACCESS }, schema: { response: htmlResponses() } },
    async (request, reply) => {
      const principal = request.principal!;
      const page = accountPage({
        request,
        networkName,
        roles: principal.roles,
        csrf: services.csrf.issue(principal.csrfSecret),
      });
      return sendHtml(reply, page);
    },
  );

  app.post(
    '/console/account/sign-out-everywhere',
    {
      config: { access: OWN_ACCOUNT_ACCESS },
      schema: { body: formSchema(['_csrf']), response: { ...htmlResponses(), ...redirectResponse } },
    },
    async (request, reply) => {
      await signOutEverywhere(context, request.principal!);
      clearSessionCookie(reply);
      return reply.redirect('/login?signed_out=1', 303);
    },
  );
}

/** Account links: the first admin's setup link and admin invitations. */
function registerAccountLinkRoutes(app: FastifyInstance, scope: AuthRouteScope): void {
  const { context, services, networkName, setSessionCookie, endBrowserSession, secondFactorUrl } = scope;
  // Account links: the first admin's setup link and admin invitations.
  for (const kind of ['setup', 'invite'] as const satisfies readonly InviteKind[]) {
    const showForm = (
      request: FastifyRequest<{ Params: { token: string } }>,
      reply: FastifyReply,
      form: { role: Parameters<typeof accountLinkPage>[0]['role']; email: string | null },
      typedEmail: string,
      notice?: Notice,
      status = 200,
      timeZone: TimeZoneFieldState = {},
    ): FastifyReply =>
      sendHtml(
        reply,
        accountLinkPage({
          request,
          networkName,
          kind,
          action: `/${kind}/${encodeURIComponent(request.params.token)}`,
          csrf: services.csrf.issue(request.formBinding),
          role: form.role,
          email: form.email ?? typedEmail,
          emailFixed: form.email !== null,
          ...(notice ? { notice } : {}),
          ...(kind === 'setup' ? { timeZone: setupTimeZone(timeZone) } : {}),
        }),
        status,
      );
    // The setup page asks for the network's time zone, unless AMPARO_TIMEZONE already names it.
    const setupTimeZone = (state: TimeZoneFieldState): TimeZoneFieldState => {
      const current = networkTimeZone(context);
      return current.source === 'environment' ? { fixed: current.zone } : state;
    };

    app.get<{ Params: { token: string } }>(
      `/${kind}/:token`,
      { config: { access: SIGN_IN_ACCESS }, schema: { params: tokenParams, response: htmlResponses(410) } },
      async (request, reply) => {
        const form = await findInvite(context, kind, request.params.token);
        if (!form) throw new AppError('link_expired');
        return showForm(request, reply, form, '');
      },
    );

    app.post<{ Params: { token: string } }>(
      `/${kind}/:token`,
      {
        config: { access: SIGN_IN_ACCESS, csrf: 'handler', rateLimit: SIGN_IN_RATE_LIMIT },
        schema: {
          params: tokenParams,
          body: formSchema(['_csrf', 'email', 'password', 'password_repeat', TIME_ZONE_FIELD]),
          response: { ...htmlResponses(400, 403, 409, 410), ...redirectResponse },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const form = await findInvite(context, kind, request.params.token);
        if (!form) throw new AppError('link_expired');
        const typedEmail = field(body, 'email').trim();
        const verdict = services.csrf.verify(
          field(body, '_csrf'),
          request.formBinding,
          ANONYMOUS_FORM_TOKEN_TTL_MS,
        );
        if (verdict !== 'valid') {
          const notice: Notice = { kind: 'error', text: request.t('auth.form_expired') };
          return showForm(request, reply, form, typedEmail, notice, 403);
        }
        const zone = kind === 'setup' ? field(body, TIME_ZONE_FIELD) : '';
        if (zone !== '' && !isOfferedZone(zone)) {
          const notice: Notice = { kind: 'error', text: request.t('settings.time_zone_invalid') };
          return showForm(request, reply, form, typedEmail, notice, 400, { invalid: true });
        }
        const result = await acceptInvite(context, kind, request.params.token, {
          email: typedEmail,
          password: field(body, 'password'),
          repeated: field(body, 'password_repeat'),
        });
        if (result.ok && zone !== '') await saveNetworkTimeZone(context, zone);
        if (result.ok && kind === 'setup') {
          const pending = await beginSignInAfterSetup(context, result.userId);
          if (pending) {
            await endBrowserSession(request);
            setSessionCookie(reply, pending.token);
            return reply.redirect(secondFactorUrl(null), 303);
          }
        }
        if (result.ok) return reply.redirect('/login?created=1', 303);
        if (result.problem === 'link_expired') throw new AppError('link_expired');
        const notice: Notice = { kind: 'error', text: request.t(ACCOUNT_LINK_PROBLEMS[result.problem]!) };
        return showForm(
          request,
          reply,
          form,
          typedEmail,
          notice,
          result.problem === 'email_taken' ? 409 : 400,
          { selected: zone },
        );
      },
    );
  }
}

/** Staff administration (admins). */
function registerStaffAdminRoutes(app: FastifyInstance, scope: AuthRouteScope): void {
  const { context, services, networkName } = scope;
  // An invitation is a grant too: legal and admin are given on the staff list, where a second admin
  // approves them (the command line's `amparo user invite` is for whoever runs the server).
  const inviteNeedsApproval = (role: string): boolean =>
    !twoAdminRuleIsOff(context.config) && (ROLES_NEEDING_APPROVAL as readonly string[]).includes(role);
  // Staff administration.
  async function showUsers(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { notice?: Notice; inviteLink?: string; invite?: InviteFormState; status?: number } = {},
  ): Promise<FastifyReply> {
    const principal = request.principal!;
    const page = usersPage({
      request,
      networkName,
      users: await listStaff(context),
      pending: await pendingRoleRequests(context),
      selfId: principal.userId,
      csrf: services.csrf.issue(principal.csrfSecret),
      invite: options.invite ?? { email: '', role: 'responder' },
      invites: await listPendingInvitations(context),
      timeZone: context.config.timeZone,
      ...(options.notice ? { notice: options.notice } : {}),
      ...(options.inviteLink ? { inviteLink: options.inviteLink } : {}),
    });
    return sendHtml(reply, page, options.status);
  }

  app.get<{ Querystring: { done?: string } }>(
    '/console/users',
    { config: { access: STAFF_ADMIN_ACCESS }, schema: { response: htmlResponses() } },
    async (request, reply) => {
      const done =
        request.query.done && Object.hasOwn(DONE_NOTICES, request.query.done)
          ? DONE_NOTICES[request.query.done]
          : undefined;
      return showUsers(request, reply, done ? { notice: { kind: 'ok', text: request.t(done) } } : {});
    },
  );

  app.post(
    '/console/users/invite',
    {
      config: { access: STAFF_ADMIN_ACCESS },
      schema: { body: formSchema(['_csrf', 'email', 'role']), response: htmlResponses(400, 409) },
    },
    async (request, reply) => {
      const invite = { email: field(request.body, 'email').trim(), role: field(request.body, 'role') };
      const result = inviteNeedsApproval(invite.role)
        ? ({ ok: false, problem: 'needs_approval' } as const)
        : await createInvite(context, { ...invite, createdBy: request.principal!.userId });
      if (result.ok) {
        return showUsers(request, reply, {
          notice: { kind: 'ok', text: request.t('users.invite_created') },
          inviteLink: result.link,
        });
      }
      const text = request.t(INVITE_PROBLEMS[result.problem]);
      return showUsers(request, reply, {
        notice: { kind: 'error', text },
        invite,
        status: result.problem === 'email_taken' ? 409 : 400,
      });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/console/users/invites/:id/revoke',
    {
      config: { access: STAFF_ADMIN_ACCESS },
      schema: {
        params: userParams,
        body: formSchema(['_csrf']),
        response: { ...htmlResponses(404), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const result = await revokeInvite(context, {
        inviteId: request.params.id,
        actorId: request.principal!.userId,
      });
      if (result === 'ok') return reply.redirect('/console/users?done=invite_revoked', 303);
      const notice: Notice = { kind: 'error', text: request.t('users.problem_invite_not_found') };
      return showUsers(request, reply, { notice, status: 404 });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/console/users/invites/:id/resend',
    {
      config: { access: STAFF_ADMIN_ACCESS },
      schema: { params: userParams, body: formSchema(['_csrf']), response: htmlResponses(400, 404, 409) },
    },
    async (request, reply) => {
      const result = await resendInvite(context, {
        inviteId: request.params.id,
        actorId: request.principal!.userId,
        needsApproval: inviteNeedsApproval,
      });
      if (result.ok) {
        return showUsers(request, reply, {
          notice: { kind: 'ok', text: request.t('users.invite_resent') },
          inviteLink: result.link,
        });
      }
      const problem: Record<typeof result.problem, [MessageKey, number]> = {
        not_found: ['users.problem_invite_not_found', 404],
        needs_approval: ['users.problem_invite_needs_approval', 400],
        email_taken: ['users.problem_email_taken', 409],
      };
      const [key, status] = problem[result.problem];
      return showUsers(request, reply, { notice: { kind: 'error', text: request.t(key) }, status });
    },
  );

  function adminAction(
    path: string,
    done: string,
    action: (request: FastifyRequest<{ Params: { id: string } }>) => Promise<AdminChangeResult>,
  ): void {
    app.post<{ Params: { id: string } }>(
      path,
      {
        config: { access: STAFF_ADMIN_ACCESS },
        schema: {
          params: userParams,
          body: {
            type: 'object',
            properties: {
              _csrf: { type: 'string', maxLength: MAX_FIELD },
              roles: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 50 } },
            },
          },
          response: { ...htmlResponses(404, 409), ...redirectResponse },
        },
      },
      async (request, reply) => {
        const result = await action(request);
        if (result === 'ok') return reply.redirect(`/console/users?done=${done}`, 303);
        if (result === 'pending') return reply.redirect(`/console/users?done=${done}_pending`, 303);
        const notice: Notice = { kind: 'error', text: request.t(ADMIN_PROBLEMS[result]) };
        return showUsers(request, reply, { notice, status: result === 'not_found' ? 404 : 409 });
      },
    );
  }

  adminAction('/console/users/:id/roles', 'roles', (request) =>
    changeRoles(context, request.principal!, request.params.id, parseRoles((request.body as Body).roles)),
  );
  for (const [verb, approve] of [
    ['approve', true],
    ['refuse', false],
  ] as const) {
    app.post<{ Params: { id: string } }>(
      `/console/users/access-requests/:id/${verb}`,
      {
        config: { access: STAFF_ADMIN_ACCESS },
        schema: {
          params: userParams,
          body: formSchema(['_csrf']),
          response: { ...htmlResponses(404, 409), ...redirectResponse },
        },
      },
      async (request, reply) => {
        const outcome = await decideRoleRequest(context, request.principal!, request.params.id, approve);
        if (outcome === 'approved' || outcome === 'refused') {
          return reply.redirect(`/console/users?done=access_${outcome}`, 303);
        }
        const notice: Notice = { kind: 'error', text: request.t(ADMIN_PROBLEMS[outcome]) };
        return showUsers(request, reply, { notice, status: outcome === 'not_found' ? 404 : 409 });
      },
    );
  }
  adminAction('/console/users/:id/revoke-sessions', 'revoked', (request) =>
    revokeSessions(context, request.principal!, request.params.id),
  );
  adminAction('/console/users/:id/disable', 'disabled', (request) =>
    setUserDisabled(context, request.principal!, request.params.id, true),
  );
  adminAction('/console/users/:id/enable', 'enabled', (request) =>
    setUserDisabled(context, request.principal!, request.params.id, false),
  );
}
