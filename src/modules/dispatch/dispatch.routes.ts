// Profiles, the roster, the dispatch panel and the responder's dispatch page. Handlers parse, authorize
// (declared in dispatch.policy.ts; per-object rules in the service), call the service and present.
import type { Notice } from '../../http/layout.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { hasAnyRole } from '../../http/access.ts';
import type { HttpServices } from '../../http/app.ts';
import { SESSION_FORM_TOKEN_TTL_MS } from '../../http/csrf.ts';
import { AppError } from '../../http/errors.ts';
import { readPhotoForm } from '../../http/multipart-form.ts';
import { fileResponses, htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { sendHtml } from '../../http/html-reply.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import { InvalidImageError, photoDecoder, type PreparedPhoto } from '../reports/photo.ts';
import {
  renderDispatchPage,
  renderPanel,
  renderProfile,
  dispatchStatusLabel,
  renderRoster,
  type DispatchPageState,
  type Page,
} from './dispatch.pages.ts';
import { calloutPreview, calloutResponders, type CalloutBlock, type CrowdCount } from './dispatch.callout.ts';
import { CALLOUT_RADIUS_KM } from './dispatch.ranking.ts';
import { formatDistance } from '../../geo/distance.ts';
import {
  answerDispatchPage,
  dispatchResponders,
  DISPATCHER_ROLES,
  editOwnProfile,
  viewDispatchPage,
  viewRoster,
} from './dispatch.policy.ts';
import {
  answerBody,
  calloutBody,
  dispatchBody,
  idParams,
  MAX_NOTES_CHARS,
  panelQuery,
  parseDispatchRequest,
  queryCount,
  profileBody,
  RESPONDER_ANSWERS,
  profileLanguagesValue,
  savedQuery,
  standDownBody,
  validateAnswerForm,
  validateProfileForm,
  validateVerificationForm,
  VERIFICATION_FIELD_BYTE_LIMIT,
  VERIFICATION_FORM_DEFAULTS,
  VERIFICATION_TEXT_FIELDS,
  type ProfileFormErrors,
  type ProfileFormValues,
  type VerificationFormErrors,
} from './dispatch.schemas.ts';
import {
  answerOnPage,
  dispatchPanel,
  loadProfile,
  recordVerification,
  roster,
  sendDispatch,
  standDownDispatch,
  viewDispatch,
  viewVerificationPhoto,
  type DispatchDeps,
  type DispatchPage,
} from './dispatch.service.ts';
import { needsPhoneOnShift, saveProfile } from '../staff/staff.service.ts';

const ANSWER_NOTICES: Record<string, MessageKey> = {
  on_way: 'verify.answered_on_way',
  arrived: 'verify.answered_arrived',
  declined: 'verify.answered_declined',
};

const VERIFY_PHOTO_ERRORS = {
  not_image: 'verify.error_photo_type',
  too_many_pixels: 'verify.error_photo_pixels',
  timed_out: 'verify.error_photo_timed_out',
  busy: 'verify.error_photo_busy',
} as const;

export function registerDispatchRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
  deps: DispatchDeps,
): void {
  const scope = dispatchRouteScope(context, services, deps);
  registerProfileRoutes(app, scope);
  registerPanelRoutes(app, scope);
  registerPanelActionRoutes(app, scope);
  registerDispatchAnswerRoutes(app, scope);
  registerDispatchVerifyRoutes(app, scope);
}

/** What the route groups below share: built once, when the routes are registered. */
function dispatchRouteScope(context: AppContext, services: HttpServices, deps: DispatchDeps) {
  const { config } = context;
  const { networkName, distanceUnit } = config;
  const page = (request: FastifyRequest): Page => ({
    request,
    networkName,
    timeZone: config.timeZone,
    distanceUnit,
  });
  const sessionToken = (request: FastifyRequest): string =>
    services.csrf.issue(request.principal!.csrfSecret);

  async function showPanel(
    request: FastifyRequest,
    reply: FastifyReply,
    incidentId: string,
    status: number,
    notice?: Notice,
  ) {
    const view = await dispatchPanel(context, incidentId);
    if (!view) throw new AppError('not_found');
    const callout = await calloutPreview(context, view);
    return sendHtml(
      reply,
      renderPanel(page(request), { ...view, callout }, sessionToken(request), notice),
      status,
    );
  }

  /** How far a callout reaches, in the network's unit. */
  const calloutRadius = (request: FastifyRequest): string =>
    formatDistance(CALLOUT_RADIUS_KM * 1000, distanceUnit, request.lang);

  /** Why a callout texted nobody, with the counts it found under the lock. */
  function calloutRefusal(request: FastifyRequest, block: CalloutBlock, crowd: CrowdCount): string {
    const t = request.t;
    switch (block) {
      case 'at_cap':
        return t('dispatch.callout_refused_at_cap', { count: crowd.onTheWay, cap: crowd.cap });
      case 'all_asked':
        return t('dispatch.callout_refused_all_asked', {
          onTheWay: crowd.onTheWay,
          awaiting: crowd.awaiting,
          cap: crowd.cap,
        });
      case 'no_place':
        return t('dispatch.callout_refused_no_place');
      case 'nobody_nearby':
        return t('dispatch.callout_refused_nobody_nearby', { distance: calloutRadius(request) });
    }
  }

  const viewerOf = (request: FastifyRequest, mayOversee: boolean) => ({
    userId: request.principal!.userId,
    mayOversee: mayOversee && hasAnyRole(request.principal, DISPATCHER_ROLES),
  });

  function emptyState(request: FastifyRequest): DispatchPageState {
    return { csrfToken: sessionToken(request), values: VERIFICATION_FORM_DEFAULTS, errors: {} };
  }

  /** The page for its own responder only: the POST routes never act for anyone else. */
  async function responderPage(request: FastifyRequest, dispatchId: string): Promise<DispatchPage> {
    const data = await viewDispatch(context, dispatchId, viewerOf(request, false));
    if (!data) throw new AppError('not_found');
    return data;
  }

  return {
    context,
    services,
    deps,
    networkName,
    get timeZone() {
      return context.config.timeZone;
    },
    page,
    sessionToken,
    showPanel,
    calloutRefusal,
    calloutRadius,
    viewerOf,
    emptyState,
    responderPage,
  };
}

type DispatchRouteScope = ReturnType<typeof dispatchRouteScope>;

/** Profile and roster. */
function registerProfileRoutes(app: FastifyInstance, scope: DispatchRouteScope): void {
  const { context, page, sessionToken } = scope;
  // ---------------------------------------------------------------------------------------------------
  // Profile and roster

  async function showProfile(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { status?: number; values?: ProfileFormValues; errors?: ProfileFormErrors; notice?: Notice },
  ) {
    const profile = await loadProfile(context, request.principal!.userId);
    return sendHtml(
      reply,
      renderProfile(page(request), {
        values: options.values ?? profile.values,
        errors: options.errors ?? {},
        csrfToken: sessionToken(request),
        roles: profile.roles,
        onShiftSince: profile.onShiftSince,
        openDispatches: profile.openDispatches,
        ...(options.notice ? { notice: options.notice } : {}),
      }),
      options.status,
    );
  }

  app.get<{ Querystring: { saved?: string } }>(
    '/console/profile',
    { config: { access: editOwnProfile }, schema: { querystring: savedQuery, response: htmlResponses() } },
    async (request, reply) =>
      showProfile(request, reply, {
        ...(request.query.saved !== undefined
          ? { notice: { kind: 'ok', text: request.t('profile.saved') } }
          : {}),
      }),
  );

  app.post<{
    Body: Partial<
      Record<'display_name' | 'phone' | 'texts_in' | 'home_zips' | 'on_shift' | 'from', string>
    > & {
      languages?: string | string[];
    };
  }>(
    '/console/profile',
    {
      config: { access: editOwnProfile },
      schema: { body: profileBody, response: { ...htmlResponses(422), ...redirectResponse } },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const values: ProfileFormValues = {
        display_name: request.body.display_name ?? '',
        phone: request.body.phone ?? '',
        languages: profileLanguagesValue(request.body.languages, request.body.texts_in),
        home_zips: request.body.home_zips ?? '',
        on_shift: request.body.on_shift ?? '',
      };
      const validation = validateProfileForm(values, needsPhoneOnShift(principal.roles));
      if (!validation.ok)
        return showProfile(request, reply, { status: 422, values, errors: validation.errors });
      await saveProfile(context, principal.userId, validation.input);
      return reply.redirect(request.body.from === 'home' ? '/console' : '/console/profile?saved=1', 303);
    },
  );

  app.get(
    '/console/roster',
    { config: { access: viewRoster }, schema: { response: htmlResponses() } },
    async (request, reply) => sendHtml(reply, renderRoster(page(request), await roster(context))),
  );
}

/** The dispatch panel of a report. */
function registerPanelRoutes(app: FastifyInstance, scope: DispatchRouteScope): void {
  const { showPanel, calloutRadius } = scope;
  // ---------------------------------------------------------------------------------------------------
  // The dispatch panel

  /** What the panel says after a callout, from the counts the redirect carried. */
  function calloutNotice(
    request: FastifyRequest,
    query: { called_out?: string; room?: string },
  ): Notice | undefined {
    const count = queryCount(query.called_out);
    if (count === undefined) return undefined;
    const room = queryCount(query.room) ?? count;
    return {
      kind: 'ok',
      text:
        count < room
          ? request.t('dispatch.callout_short_notice', { count, room, distance: calloutRadius(request) })
          : request.t('dispatch.callout_sent_notice', { count }),
    };
  }

  app.get<{
    Params: { id: string };
    Querystring: { sent?: string; stood_down?: string; called_out?: string; room?: string };
  }>(
    '/console/incidents/:id/dispatch',
    {
      config: { access: dispatchResponders },
      schema: { params: idParams, querystring: panelQuery, response: htmlResponses(404) },
    },
    async (request, reply) =>
      showPanel(
        request,
        reply,
        request.params.id,
        200,
        request.query.sent !== undefined
          ? { kind: 'ok', text: request.t('dispatch.sent_notice') }
          : request.query.stood_down !== undefined
            ? { kind: 'ok', text: request.t('dispatch.stood_down_notice') }
            : calloutNotice(request, request.query),
      ),
  );
}

/** What the panel does: call out responders in the area, dispatch one, stand one down. */
function registerPanelActionRoutes(app: FastifyInstance, scope: DispatchRouteScope): void {
  const { context, showPanel, calloutRefusal } = scope;
  // Call out responders in the area: one press texts the nearest free on-shift responders, as many as the
  // crowd cap still has room for (dispatch.callout.ts; never subscribers, never above the cap).
  app.post<{ Params: { id: string } }>(
    '/console/incidents/:id/callout',
    {
      config: { access: dispatchResponders },
      schema: {
        params: idParams,
        body: calloutBody,
        response: { ...htmlResponses(404, 409), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const incidentId = request.params.id;
      const result = await calloutResponders(context, request.principal!.userId, incidentId);
      switch (result.outcome) {
        case 'called_out':
          return reply.redirect(
            `/console/incidents/${incidentId}/dispatch?called_out=${result.dispatchIds.length}&room=${result.room}`,
            303,
          );
        case 'not_found':
          throw new AppError('not_found');
        case 'closed':
          return showPanel(request, reply, incidentId, 409, {
            kind: 'error',
            text: request.t('dispatch.closed'),
          });
        case 'blocked':
          return showPanel(request, reply, incidentId, 409, {
            kind: 'error',
            text: calloutRefusal(request, result.block, result.crowd),
          });
      }
    },
  );

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/console/incidents/:id/dispatch',
    {
      config: { access: dispatchResponders },
      schema: {
        params: idParams,
        body: dispatchBody,
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const incidentId = request.params.id;
      const t = request.t;
      const parsed = parseDispatchRequest(request.body);
      if (!parsed) {
        return showPanel(request, reply, incidentId, 422, {
          kind: 'error',
          text: t('dispatch.error_choose'),
        });
      }
      const result = await sendDispatch(context, request.principal!.userId, incidentId, parsed);
      switch (result.outcome) {
        case 'sent':
          return reply.redirect(`/console/incidents/${incidentId}/dispatch?sent=1`, 303);
        case 'not_found':
          throw new AppError('not_found');
        case 'closed':
          return showPanel(request, reply, incidentId, 409, { kind: 'error', text: t('dispatch.closed') });
        case 'not_available':
          return showPanel(request, reply, incidentId, 409, {
            kind: 'error',
            text: t('dispatch.error_not_available'),
          });
        case 'already_dispatched':
          return showPanel(request, reply, incidentId, 409, {
            kind: 'error',
            text: t('dispatch.error_already_dispatched'),
          });
        case 'over_cap':
          return showPanel(request, reply, incidentId, 409, {
            kind: 'error',
            text: t('dispatch.error_over_cap', { count: result.onTheWay }),
          });
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/console/dispatches/:id/cancel',
    {
      config: { access: dispatchResponders },
      schema: {
        params: idParams,
        body: standDownBody,
        response: { ...htmlResponses(404, 409), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const result = await standDownDispatch(context, request.principal!.userId, request.params.id);
      switch (result.outcome) {
        case 'stood_down':
          return reply.redirect(`/console/incidents/${result.incidentId}/dispatch?stood_down=1`, 303);
        case 'not_found':
          throw new AppError('not_found');
        case 'not_open':
          // Verified, declined or already called off meanwhile: the panel as it is now, and why nothing changed.
          return showPanel(request, reply, result.incidentId, 409, {
            kind: 'error',
            text: request.t('dispatch.error_not_open', {
              status: dispatchStatusLabel(request.t, result.status),
            }),
          });
      }
    },
  );
}

/** The dispatch page: the responder answers; dispatchers look on. */
function registerDispatchAnswerRoutes(app: FastifyInstance, scope: DispatchRouteScope): void {
  const { context, page, viewerOf, emptyState, responderPage } = scope;
  // ---------------------------------------------------------------------------------------------------
  // The dispatch page: the responder answers and verifies; dispatchers look on

  app.get<{ Params: { id: string }; Querystring: { saved?: string; answered?: string } }>(
    '/console/dispatches/:id',
    {
      config: { access: viewDispatchPage },
      schema: {
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            saved: { type: 'string', maxLength: 8 },
            answered: { type: 'string', maxLength: 16 },
            lang: { type: 'string' },
          },
        },
        response: htmlResponses(404),
      },
    },
    async (request, reply) => {
      const data = await viewDispatch(context, request.params.id, viewerOf(request, true));
      if (!data) throw new AppError('not_found');
      const t = request.t;
      // Own keys only: ?answered=constructor must not pick up what every object inherits.
      const answered = request.query.answered;
      const answerKey =
        answered !== undefined && Object.hasOwn(ANSWER_NOTICES, answered)
          ? ANSWER_NOTICES[answered]
          : undefined;
      const notice: Notice | undefined =
        request.query.saved !== undefined
          ? { kind: 'ok', text: t('verify.saved') }
          : answerKey
            ? { kind: 'ok', text: t(answerKey) }
            : undefined;
      return sendHtml(
        reply,
        renderDispatchPage(page(request), data, { ...emptyState(request), ...(notice ? { notice } : {}) }),
      );
    },
  );

  app.post<{ Params: { id: string }; Body: { answer?: string; eta?: string } }>(
    '/console/dispatches/:id/answer',
    {
      config: { access: answerDispatchPage },
      schema: {
        params: idParams,
        body: answerBody,
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const dispatchId = request.params.id;
      const validation = validateAnswerForm(request.body);
      if (!validation.ok) {
        const data = await responderPage(request, dispatchId);
        return sendHtml(
          reply,
          renderDispatchPage(page(request), data, {
            ...emptyState(request),
            eta: request.body.eta ?? '',
            answerError: validation.error,
          }),
          422,
        );
      }
      const outcome = await answerOnPage(context, {
        dispatchId,
        responderId: request.principal!.userId,
        answer: validation.answer,
        etaMinutes: validation.etaMinutes,
      });
      if (outcome === 'not_found') throw new AppError('not_found');
      if (outcome === 'not_allowed') {
        const data = await responderPage(request, dispatchId);
        return sendHtml(
          reply,
          renderDispatchPage(page(request), data, {
            ...emptyState(request),
            notice: {
              kind: 'error',
              text: request.t(
                data.dispatch.status === 'cancelled' ? 'verify.called_off' : 'verify.error_answer_closed',
              ),
            },
          }),
          409,
        );
      }
      const answer = RESPONDER_ANSWERS.find((a) => a === validation.answer)!;
      return reply.redirect(`/console/dispatches/${dispatchId}?answered=${answer}`, 303);
    },
  );
}

/** The responder's verification of a dispatch, and its photo. */
function registerDispatchVerifyRoutes(app: FastifyInstance, scope: DispatchRouteScope): void {
  const { context, services, deps, page, viewerOf, emptyState, responderPage } = scope;
  app.post<{ Params: { id: string } }>(
    '/console/dispatches/:id',
    {
      // Multipart: the body is read by the handler, so the handler checks the session's form token itself
      // and, when it has expired, brings the form back with everything typed.
      config: { access: answerDispatchPage, csrf: 'handler' },
      schema: {
        params: idParams,
        response: { ...htmlResponses(403, 404, 409, 413, 422, 503), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const dispatchId = request.params.id;
      const principal = request.principal!;
      const form = await readPhotoForm(request, {
        textFields: VERIFICATION_TEXT_FIELDS,
        listFields: ['identified_by'],
        fieldByteLimit: VERIFICATION_FIELD_BYTE_LIMIT,
      });
      // Checked before anything is shown: another responder learns nothing about this dispatch.
      const data = await responderPage(request, dispatchId);
      const validation = validateVerificationForm(form.values);
      const errors: VerificationFormErrors = validation.ok ? {} : { ...validation.errors };
      for (const field of form.truncated)
        errors[field] = { key: 'verify.error_too_long', params: { max: MAX_NOTES_CHARS } };
      const photoSent = form.photo !== undefined || form.photoTooLarge;
      const again = (status: number, extra: Partial<DispatchPageState> = {}) =>
        sendHtml(
          reply,
          renderDispatchPage(page(request), data, {
            ...emptyState(request),
            values: form.values,
            errors,
            photoDropped: photoSent,
            ...extra,
          }),
          status,
        );

      const verdict = services.csrf.verify(form.csrf, principal.csrfSecret, SESSION_FORM_TOKEN_TTL_MS);
      if (verdict !== 'valid') return again(403, { formExpired: true });
      // Called off: nothing to check in the form, the dispatcher no longer wants this verification.
      if (data.dispatch.status === 'cancelled') {
        return sendHtml(
          reply,
          renderDispatchPage(page(request), data, {
            ...emptyState(request),
            notice: { kind: 'error', text: request.t('verify.error_called_off') },
          }),
          409,
        );
      }

      let photo: PreparedPhoto | undefined;
      if (form.photoTooLarge) errors.photo = { key: 'verify.error_photo_size' };
      else if (form.photo) {
        const decoder = photoDecoder(context);
        try {
          // A form that comes back anyway is not worth a decode: the headers are enough to say what is wrong.
          if (!validation.ok || Object.keys(errors).length > 0) await decoder.inspect(form.photo);
          else photo = await decoder.prepare(form.photo);
        } catch (error) {
          if (!(error instanceof InvalidImageError)) throw error;
          errors.photo = { key: VERIFY_PHOTO_ERRORS[error.reason] };
        }
      }
      if (!validation.ok || Object.keys(errors).length > 0) {
        if (form.photoTooLarge) return again(413);
        // No decode place free: the form, as typed, waits for the responder to save again in a moment.
        return again(errors.photo?.key === 'verify.error_photo_busy' ? 503 : 422);
      }

      const result = await recordVerification(deps, dispatchId, principal.userId, validation.input, photo);
      switch (result.outcome) {
        case 'recorded':
          return reply.redirect(`/console/dispatches/${dispatchId}?saved=1`, 303);
        case 'not_found':
          throw new AppError('not_found');
        case 'closed': {
          // Already verified (a second tap on Save), declined or called off meanwhile: show the dispatch as
          // it is now.
          const now = await responderPage(request, dispatchId);
          const why = result.status === 'cancelled' ? 'verify.error_called_off' : 'verify.error_closed';
          return sendHtml(
            reply,
            renderDispatchPage(page(request), now, {
              ...emptyState(request),
              notice: { kind: 'error', text: request.t(why) },
            }),
            409,
          );
        }
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/console/dispatches/:id/photo',
    {
      config: { access: viewDispatchPage },
      schema: {
        params: idParams,
        response: fileResponses(['image/jpeg', 'image/png'], 404),
      },
    },
    async (request, reply) => {
      const photo = await viewVerificationPhoto(deps, request.params.id, viewerOf(request, true));
      if (!photo) throw new AppError('not_found');
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', 'inline')
        .type(photo.contentType)
        .send(photo.bytes);
    },
  );
}
