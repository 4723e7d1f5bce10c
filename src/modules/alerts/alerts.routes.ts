// The console's community alerts: compose, target, preview, approve, cancel, watch delivery. Handlers parse,
// authorize (declared in alerts.policy.ts; the composer-cannot-approve rule in the service), call the service
// and present; the rules live in alerts.service.ts.
import type { FormErrors } from '../../http/form.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { hasAnyRole } from '../../http/access.ts';
import type { HttpServices } from '../../http/app.ts';
import { AppError } from '../../http/errors.ts';
import { eventStreams, replayCursor } from '../../http/event-stream.ts';
import { eventStreamResponses, htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { sendHtml } from '../../http/html-reply.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import { incidentStatusLabel } from '../incidents/incidents.pages.ts';
import {
  presentProgress,
  renderAlertDetail,
  renderAlertList,
  renderComposePage,
  type DetailForm,
  type DetailState,
  type Page,
} from './alerts.pages.ts';
import {
  ALERT_TARGETING_ROLES,
  approveAlerts,
  composeAlerts,
  targetAlerts,
  viewAlerts,
} from './alerts.policy.ts';
import {
  alertIdParams,
  approveBody,
  cancelBody,
  composeBody,
  composeQuery,
  detailQuery,
  eventsQuery,
  listQuery,
  targetingBody,
  validateComposeForm,
  validateTargetingForm,
} from './alerts.schemas.ts';
import {
  AlertProgressWatch,
  approveAlert,
  cancelAlert,
  composeAlert,
  composeView,
  editAlertWording,
  listAlertsForConsole,
  progressOf,
  retargetAlert,
  twoPersonRuleIsOff,
  viewAlert,
  type ProgressSnapshot,
} from './alerts.service.ts';

type Body = Record<string, unknown>;
type IdParams = { Params: { id: string } };

/** While someone watches an alert, its counts are also re-read this often, in case a signal was lost. */
export const PROGRESS_REREAD_MS = 5000;

const SAVED_NOTICES: Record<string, MessageKey> = {
  composed: 'alerts.notice_composed',
  edited: 'alerts.notice_edited',
  targeted: 'alerts.notice_targeted',
  approved: 'alerts.notice_approved',
  cancelled: 'alerts.notice_cancelled',
};

export function registerAlertRoutes(app: FastifyInstance, context: AppContext, services: HttpServices): void {
  const scope = alertRouteScope(context, services, app);
  registerAlertListRoutes(app, scope);
  registerAlertComposeRoutes(app, scope);
  registerAlertDetailRoutes(app, scope);
  registerAlertDecisionRoutes(app, scope);
  registerAlertProgressRoutes(app, scope);
}

/** What the route groups below share: built once, when the routes are registered. */
function alertRouteScope(context: AppContext, services: HttpServices, app: FastifyInstance) {
  const { config } = context;
  const { networkName, distanceUnit } = config;
  const page = (request: FastifyRequest): Page => ({
    request,
    networkName,
    timeZone: config.timeZone,
    distanceUnit,
  });
  const csrfFor = (request: FastifyRequest) => services.csrf.issue(request.principal!.csrfSecret);
  const twoPersonOff = twoPersonRuleIsOff(context.config);
  if (twoPersonOff) {
    context.logger.warn(
      'AMPARO_ALERT_TWO_PERSON_APPROVAL is off: whoever composes a community alert can approve it alone',
    );
  }

  const openEventStream = eventStreams(app, { secure: services.cookies.secure });
  const watch = new AlertProgressWatch(context, { pollMs: PROGRESS_REREAD_MS });
  app.addHook('onClose', async () => watch.close());

  const detailPage = async (
    request: FastifyRequest<IdParams>,
    reply: FastifyReply,
    status: number,
    extra: Pick<DetailState, 'notice' | 'problem'> = {},
  ) => {
    const principal = request.principal!;
    const detail = await viewAlert(context, request.params.id, principal.userId);
    if (!detail) throw new AppError('not_found');
    return sendHtml(
      reply,
      renderAlertDetail(page(request), detail, {
        csrfToken: csrfFor(request),
        canTarget: hasAnyRole(principal, ALERT_TARGETING_ROLES),
        twoPersonOff,
        renderedAt: context.clock.now(),
        ...extra,
      }),
      status,
    );
  };

  const problemPage = (
    request: FastifyRequest<IdParams>,
    reply: FastifyReply,
    status: number,
    form: DetailForm,
    problem: {
      errors?: FormErrors<string>;
      values?: Record<string, string>;
      message?: { key: MessageKey; params?: Record<string, string | number> };
    },
  ) =>
    detailPage(request, reply, status, {
      problem: {
        form,
        errors: problem.errors ?? {},
        values: problem.values ?? {},
        ...(problem.message ? { message: problem.message } : {}),
      },
    });

  return {
    context,
    services,
    networkName,
    get timeZone() {
      return context.config.timeZone;
    },
    page,
    csrfFor,
    twoPersonOff,
    openEventStream,
    watch,
    detailPage,
    problemPage,
  };
}

type AlertRouteScope = ReturnType<typeof alertRouteScope>;

/** The list of alerts. */
function registerAlertListRoutes(app: FastifyInstance, scope: AlertRouteScope): void {
  const { context, page, twoPersonOff } = scope;
  // ---- the list ----------------------------------------------------------------------------------------

  app.get(
    '/console/alerts',
    { config: { access: viewAlerts }, schema: { querystring: listQuery, response: htmlResponses() } },
    async (request, reply) =>
      sendHtml(reply, renderAlertList(page(request), await listAlertsForConsole(context), twoPersonOff), 200),
  );
}

/** Composing an alert, new or from an incident. */
function registerAlertComposeRoutes(app: FastifyInstance, scope: AlertRouteScope): void {
  const { context, page, csrfFor, twoPersonOff } = scope;
  // ---- composing ---------------------------------------------------------------------------------------

  const composePage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    incidentId: string | null,
    status: number,
    problem: {
      kind?: string | undefined;
      values?: Record<string, string>;
      errors?: FormErrors<string>;
      message?: { key: MessageKey; params?: Record<string, string | number> };
    } = {},
  ) => {
    const result = await composeView(context, incidentId, problem.kind);
    switch (result.outcome) {
      case 'not_found':
        throw new AppError('not_found');
      case 'merged':
        return reply.redirect(`/console/incidents/${result.into}/alerts/new`, 303);
      case 'found':
        return sendHtml(
          reply,
          renderComposePage(page(request), {
            view: result.view,
            csrfToken: csrfFor(request),
            twoPersonOff,
            ...(problem.values ? { values: problem.values } : {}),
            ...(problem.errors ? { errors: problem.errors } : {}),
            ...(problem.message ? { message: problem.message } : {}),
          }),
          status,
        );
    }
  };

  app.get<IdParams & { Querystring: { kind?: string } }>(
    '/console/incidents/:id/alerts/new',
    {
      config: { access: composeAlerts },
      schema: {
        params: alertIdParams,
        querystring: composeQuery,
        response: { ...htmlResponses(404), ...redirectResponse },
      },
    },
    async (request, reply) =>
      composePage(request, reply, request.params.id, 200, { kind: request.query.kind }),
  );

  app.get<{ Querystring: { kind?: string } }>(
    '/console/alerts/new',
    {
      config: { access: composeAlerts },
      schema: { querystring: composeQuery, response: htmlResponses() },
    },
    async (request, reply) => composePage(request, reply, null, 200),
  );

  const compose = async (
    request: FastifyRequest<{ Body: Body }>,
    reply: FastifyReply,
    incidentId: string | null,
  ) => {
    const kind = typeof request.body.kind === 'string' ? request.body.kind : undefined;
    const form = validateComposeForm(request.body);
    if (!form.ok)
      return composePage(request, reply, incidentId, 422, { kind, values: form.values, errors: form.errors });
    const result = await composeAlert(context, request.principal!.userId, incidentId, form.value);
    switch (result.outcome) {
      case 'created':
        return reply.redirect(`/console/alerts/${result.id}?saved=composed`, 303);
      case 'not_found':
        throw new AppError('not_found');
      case 'merged':
        return reply.redirect(`/console/incidents/${result.into}/alerts/new`, 303);
      case 'simulated_only':
        return composePage(request, reply, incidentId, 409, {
          values: {
            what: form.value.whatKey ?? '',
            advice: form.value.adviceKey,
            area_label: form.value.areaLabel,
          },
          message: { key: 'alerts.error_simulated_only' },
        });
      case 'kind_not_allowed':
        return composePage(request, reply, incidentId, 409, {
          values: {
            what: form.value.whatKey ?? '',
            advice: form.value.adviceKey,
            area_label: form.value.areaLabel,
          },
          message: {
            key: `alerts.rule_${form.value.kind}` as MessageKey,
            params: { status: result.status ? incidentStatusLabel(request.t, result.status) : '' },
          },
        });
    }
  };

  app.post<IdParams & { Body: Body }>(
    '/console/incidents/:id/alerts',
    {
      config: { access: composeAlerts },
      schema: {
        params: alertIdParams,
        body: composeBody,
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => compose(request, reply, request.params.id),
  );

  app.post<{ Body: Body }>(
    '/console/alerts',
    {
      config: { access: composeAlerts },
      schema: { body: composeBody, response: { ...htmlResponses(409, 422), ...redirectResponse } },
    },
    async (request, reply) => compose(request, reply, null),
  );
}

/** One alert: its page, and editing and targeting it. */
function registerAlertDetailRoutes(app: FastifyInstance, scope: AlertRouteScope): void {
  const { context, detailPage, problemPage } = scope;
  // ---- one alert ---------------------------------------------------------------------------------------

  app.get<IdParams & { Querystring: { saved?: string } }>(
    '/console/alerts/:id',
    {
      config: { access: viewAlerts },
      schema: { params: alertIdParams, querystring: detailQuery, response: htmlResponses(404) },
    },
    async (request, reply) => {
      // Own keys only: ?saved=constructor must not pick up what every object inherits.
      const saved = request.query.saved;
      const notice = saved && Object.hasOwn(SAVED_NOTICES, saved) ? SAVED_NOTICES[saved] : undefined;
      return detailPage(request, reply, 200, notice ? { notice } : {});
    },
  );

  app.post<IdParams & { Body: Body }>(
    '/console/alerts/:id/edit',
    {
      config: { access: composeAlerts },
      schema: {
        params: alertIdParams,
        body: composeBody,
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const form = validateComposeForm(request.body);
      if (!form.ok)
        return problemPage(request, reply, 422, 'edit', { errors: form.errors, values: form.values });
      const outcome = await editAlertWording(
        context,
        request.principal!.userId,
        request.params.id,
        form.value,
      );
      switch (outcome) {
        case 'edited':
          return reply.redirect(`/console/alerts/${request.params.id}?saved=edited`, 303);
        case 'not_found':
          throw new AppError('not_found');
        case 'not_draft':
          return problemPage(request, reply, 409, 'edit', { message: { key: 'alerts.error_not_draft' } });
        case 'kind_changed':
          return problemPage(request, reply, 422, 'edit', { message: { key: 'alerts.error_kind_changed' } });
        case 'incident_merged':
          return problemPage(request, reply, 409, 'edit', {
            message: { key: 'alerts.error_incident_merged' },
          });
        case 'kind_not_allowed': {
          const detail = await viewAlert(context, request.params.id, request.principal!.userId);
          return problemPage(request, reply, 409, 'edit', {
            message: {
              key: `alerts.rule_${form.value.kind}` as MessageKey,
              params: {
                status: detail?.incident ? incidentStatusLabel(request.t, detail.incident.status) : '',
              },
            },
          });
        }
      }
    },
  );

  app.post<IdParams & { Body: Body }>(
    '/console/alerts/:id/targeting',
    {
      config: { access: targetAlerts },
      schema: {
        params: alertIdParams,
        body: targetingBody,
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const form = validateTargetingForm(request.body, context.config.distanceUnit);
      if (!form.ok)
        return problemPage(request, reply, 422, 'targeting', { errors: form.errors, values: form.values });
      const outcome = await retargetAlert(context, request.principal!.userId, request.params.id, form.value);
      switch (outcome) {
        case 'saved':
          return reply.redirect(`/console/alerts/${request.params.id}?saved=targeted`, 303);
        case 'not_found':
          throw new AppError('not_found');
        case 'not_draft':
          return problemPage(request, reply, 409, 'targeting', {
            message: { key: 'alerts.error_not_draft' },
          });
      }
    },
  );
}

/** One alert: approving, rejecting and cancelling it. */
function registerAlertDecisionRoutes(app: FastifyInstance, scope: AlertRouteScope): void {
  const { context, problemPage } = scope;
  app.post<IdParams & { Body: Body }>(
    '/console/alerts/:id/approve',
    {
      config: { access: approveAlerts },
      schema: {
        params: alertIdParams,
        body: approveBody,
        response: { ...htmlResponses(404, 409), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const seen = typeof request.body.seen === 'string' ? request.body.seen : '';
      const result = await approveAlert(context, request.principal!.userId, request.params.id, seen);
      const refuse = (message: { key: MessageKey; params?: Record<string, string | number> }) =>
        problemPage(request, reply, 409, 'approve', { message });
      switch (result.outcome) {
        case 'approved':
          return reply.redirect(`/console/alerts/${request.params.id}?saved=approved`, 303);
        case 'not_found':
          throw new AppError('not_found');
        case 'not_draft':
          return refuse({ key: 'alerts.error_not_draft' });
        case 'own_alert':
          return refuse({ key: 'alerts.error_own_alert' });
        case 'changed':
          return refuse({ key: 'alerts.error_changed' });
        case 'incident_merged':
          return refuse({ key: 'alerts.error_incident_merged' });
        case 'no_recipients':
          return refuse({ key: 'alerts.error_no_recipients' });
        case 'simulated_only':
          return refuse({ key: 'alerts.error_simulated_only' });
        case 'kind_not_allowed': {
          const detail = await viewAlert(context, request.params.id, request.principal!.userId);
          return refuse({
            key: `alerts.rule_${detail?.kind ?? 'confirmed_activity'}` as MessageKey,
            params: { status: incidentStatusLabel(request.t, result.status) },
          });
        }
      }
    },
  );

  app.post<IdParams & { Body: Body }>(
    '/console/alerts/:id/cancel',
    {
      config: { access: composeAlerts },
      schema: {
        params: alertIdParams,
        body: cancelBody,
        response: { ...htmlResponses(404, 409), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const outcome = await cancelAlert(context, request.principal!.userId, request.params.id);
      switch (outcome) {
        case 'cancelled':
          return reply.redirect(`/console/alerts/${request.params.id}?saved=cancelled`, 303);
        case 'not_found':
          throw new AppError('not_found');
        case 'not_draft':
          return problemPage(request, reply, 409, 'cancel', { message: { key: 'alerts.error_not_draft' } });
      }
    },
  );
}

/** An alert's live delivery progress. */
function registerAlertProgressRoutes(app: FastifyInstance, scope: AlertRouteScope): void {
  const { context, openEventStream, watch } = scope;
  // ---- live progress -----------------------------------------------------------------------------------

  app.get<IdParams & { Querystring: { since?: string } }>(
    '/console/alerts/:id/events',
    {
      config: { access: viewAlerts, background: true },
      schema: {
        params: alertIdParams,
        querystring: eventsQuery,
        response: eventStreamResponses(404),
      },
    },
    async (request, reply) => {
      const alertId = request.params.id;
      const first = await progressOf(context, alertId);
      if (!first) throw new AppError('not_found');
      const t = request.t;
      await openEventStream<ProgressSnapshot>(request, reply, {
        // Progress is a state, not a history: whatever the cursor, a (re)connecting page first gets the counts
        // as they are now, then every change.
        cursor: replayCursor(request.headers['last-event-id'], request.query.since) ?? 0,
        subscribe: (deliver) => watch.subscribe(alertId, deliver),
        replay: async () => {
          const now = await progressOf(context, alertId);
          return now ? [now] : [];
        },
        toEvent: (progress) => ({
          event: 'progress',
          data: presentProgress(t, progress),
          id: context.clock.now().getTime(),
        }),
        retryMs: 3000,
      });
    },
  );
}
