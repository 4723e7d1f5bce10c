// The incident board, an incident's page and its forms, and the board's live stream. Handlers parse,
// authorize (declared in incidents.policy.ts), call the service and present; the rules live in
// incidents.service.ts and incidents.lifecycle.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { HttpServices } from '../../http/app.ts';
import { AppError } from '../../http/errors.ts';
import { eventStreams, replayCursor } from '../../http/event-stream.ts';
import { eventStreamResponses, fileResponses, htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { allowImagesFrom } from '../../http/security-headers.ts';
import { sendHtml } from '../../http/html-reply.ts';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { MAP_ASSETS, MAX_RANGE_BYTES, mapFileInfo, parseRange, readRange } from './incidents.tiles.ts';
import type { LiveIncidentBoard } from './incidents.feed.ts';
import { MAP_TILES_ROUTE, parseFrameKey, tileOrigin, type MapFrame } from './incidents.map.ts';
import {
  presentIncident,
  presentTriage,
  renderBoard,
  renderGroupingPage,
  renderIncidentDetail,
  type DetailProblem,
} from './incidents.pages.ts';
import { loadIncidentPageSections } from './incidents.page-parts.ts';
import { manageIncidents, viewIncidents } from './incidents.policy.ts';
import {
  addReportBody,
  boardQuerySchema,
  createIncidentBody,
  eventsQuerySchema,
  incidentIdParams,
  mergeBody,
  newIncidentQuery,
  placeBody,
  validatePlaceForm,
  readBoardQuery,
  splitBody,
  statusChangeBody,
  validateCreateForm,
  validateMergeForm,
  validateSplitForm,
  validateStatusForm,
  type BoardQueryString,
} from './incidents.schemas.ts';
import {
  addReportToIncident,
  boardChangesSince,
  changeStatusAsDispatcher,
  createIncidentFromReport,
  loadBoard,
  matchesBoard,
  mergeIncidents,
  placeIncident,
  splitIncident,
  viewIncident,
  viewReportForGrouping,
  type BoardChange,
} from './incidents.service.ts';
import type { MessageKey } from '../../i18n/i18n.ts';

type Body = Record<string, unknown>;
type IdParams = { Params: { id: string } };

export function registerIncidentRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
  board: LiveIncidentBoard,
): void {
  const scope = incidentRouteScope(context, services, board);
  registerBoardRoutes(app, scope);
  registerGroupingRoutes(app, scope);
  registerIncidentDetailRoutes(app, scope);
  registerIncidentChangeRoutes(app, scope);
  registerMapRoutes(app, scope);
}

/** What the route groups below share: built once, when the routes are registered. */
function incidentRouteScope(context: AppContext, services: HttpServices, board: LiveIncidentBoard) {
  const { networkName, mapTileUrl } = context.config;
  const page = (request: FastifyRequest) => ({ request, networkName, timeZone: context.config.timeZone });
  const csrfFor = (request: FastifyRequest) => services.csrf.issue(request.principal!.csrfSecret);

  const groupingPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    reportId: string,
    status: number,
    problem: {
      errors?: Record<string, { key: MessageKey }>;
      values?: Record<string, string>;
      message?: { key: MessageKey; params?: Record<string, string | number> };
    } = {},
  ) => {
    const view = await viewReportForGrouping(context, reportId, request.principal!.userId);
    if (!view) throw new AppError('not_found');
    return sendHtml(
      reply,
      renderGroupingPage(page(request), {
        view,
        csrfToken: csrfFor(request),
        radiusMeters: context.config.hotline.incidentRadiusMeters,
        windowMinutes: context.config.hotline.incidentWindowMinutes,
        ...problem,
      }),
      status,
    );
  };

  const detailPage = async (
    request: FastifyRequest<IdParams>,
    reply: FastifyReply,
    status: number,
    problem?: DetailProblem,
  ) => {
    const result = await viewIncident(context, request.params.id, request.principal!.userId);
    const mapFile = (await mapFileInfo(context.config.mapPmtiles)) !== undefined;
    switch (result.outcome) {
      case 'not_found':
        throw new AppError('not_found');
      case 'merged':
        return reply.redirect(`/console/incidents/${result.into}`, 303);
      case 'found':
        return sendHtml(
          reply,
          renderIncidentDetail(
            {
              ...page(request),
              mapFile,
              sections: await loadIncidentPageSections(request, result.incident),
            },
            result.incident,
            csrfFor(request),
            problem,
          ),
          status,
        );
    }
  };

  return {
    context,
    services,
    board,
    get timeZone() {
      return context.config.timeZone;
    },
    mapTileUrl,
    page,
    csrfFor,
    groupingPage,
    detailPage,
  };
}

type IncidentRouteScope = ReturnType<typeof incidentRouteScope>;

/** The incident board and its live updates. */
function registerBoardRoutes(app: FastifyInstance, scope: IncidentRouteScope): void {
  const { context, services, board, mapTileUrl, page, csrfFor } = scope;
  const openEventStream = eventStreams(app, { secure: services.cookies.secure });

  app.get<{ Querystring: BoardQueryString }>(
    '/console/incidents',
    {
      config: { access: viewIncidents },
      schema: { querystring: boardQuerySchema, response: htmlResponses() },
    },
    async (request, reply) => {
      const { filters, zipError } = readBoardQuery(request.query);
      const renderedAt = context.clock.now();
      const view = await loadBoard(context, filters);
      // Street tiles are the only thing a page may fetch from elsewhere, and only when the network chose them.
      const origin = tileOrigin(mapTileUrl);
      if (origin) allowImagesFrom(reply, origin);
      const mapFile = (await mapFileInfo(context.config.mapPmtiles)) !== undefined;
      return sendHtml(
        reply,
        renderBoard(page(request), {
          view,
          filters,
          zipError,
          csrfToken: csrfFor(request),
          renderedAt,
          tileTemplate: mapTileUrl,
          mapFile,
        }),
        200,
      );
    },
  );

  app.get<{ Querystring: BoardQueryString }>(
    '/console/incidents/events',
    {
      config: { access: viewIncidents, background: true },
      schema: {
        querystring: eventsQuerySchema,
        response: eventStreamResponses(),
      },
    },
    async (request, reply) => {
      const { t, lang } = request;
      const { filters } = readBoardQuery(request.query);
      const frame: MapFrame | undefined = parseFrameKey(request.query.frame);
      await openEventStream<BoardChange>(request, reply, {
        cursor: replayCursor(request.headers['last-event-id'], request.query.since),
        subscribe: (deliver) => board.subscribe(deliver),
        // A change seen both in the replay and live is sent twice; the board applies it twice, harmlessly.
        replay: (cursor) => boardChangesSince(context, cursor),
        // Each event's id is when its change happened, so a reconnecting browser's Last-Event-ID says where to
        // resume. Only what the board shows travels: references, labels, counts, a marker's place on this map.
        toEvent: (change) => {
          if (change.kind === 'incident') {
            const hidden = !matchesBoard(change.row, filters, context.clock.now());
            return {
              event: 'incident',
              data: presentIncident(change.row, t, lang, context.config.timeZone, {
                frame,
                hidden,
                reportIds: change.reportIds,
              }),
              id: change.row.changed_at.getTime(),
            };
          }
          return {
            event: 'report',
            data: presentTriage(change.entry, t, lang, context.config.timeZone),
            id: change.entry.report.created_at.getTime(),
          };
        },
        retryMs: 3000,
      });
    },
  );
}

/** Grouping a report into a new incident. */
function registerGroupingRoutes(app: FastifyInstance, scope: IncidentRouteScope): void {
  const { context, groupingPage } = scope;
  app.get<{ Querystring: { report?: string } }>(
    '/console/incidents/new',
    {
      config: { access: viewIncidents },
      schema: { querystring: newIncidentQuery, response: htmlResponses(404) },
    },
    async (request, reply) => groupingPage(request, reply, request.query.report ?? '', 200),
  );

  app.post<{ Body: Body }>(
    '/console/incidents',
    {
      config: { access: manageIncidents },
      schema: {
        body: createIncidentBody,
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const reportId = typeof request.body.report_id === 'string' ? request.body.report_id : '';
      const form = validateCreateForm(request.body);
      if (!form.ok)
        return groupingPage(request, reply, reportId, 422, { errors: form.errors, values: form.values });
      const result = await createIncidentFromReport(context, request.principal!.userId, form.value);
      switch (result.outcome) {
        case 'created':
          return reply.redirect(`/console/incidents/${result.id}`, 303);
        case 'report_not_found':
          throw new AppError('not_found');
        case 'already_grouped':
          // Someone else grouped it meanwhile: the page now shows where it went.
          return groupingPage(request, reply, reportId, 409, {
            message: { key: 'incidents.error_already_grouped' },
          });
        case 'no_place':
          return groupingPage(request, reply, reportId, 422, {
            errors: { point: { key: 'incidents.error_no_place' } },
            values: { ...request.body, point: '', zip: '' },
          });
      }
    },
  );
}

/** An incident's page, adding a report to it and changing its status. */
function registerIncidentDetailRoutes(app: FastifyInstance, scope: IncidentRouteScope): void {
  const { context, groupingPage, detailPage } = scope;
  app.get<IdParams>(
    '/console/incidents/:id',
    {
      config: { access: viewIncidents },
      schema: { params: incidentIdParams, response: { ...htmlResponses(404), ...redirectResponse } },
    },
    async (request, reply) => detailPage(request, reply, 200),
  );

  app.post<IdParams & { Body: Body }>(
    '/console/incidents/:id/reports',
    {
      config: { access: manageIncidents },
      schema: {
        params: incidentIdParams,
        body: addReportBody,
        response: { ...htmlResponses(404, 409), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const reportId = typeof request.body.report_id === 'string' ? request.body.report_id : '';
      const outcome = await addReportToIncident(
        context,
        request.principal!.userId,
        request.params.id,
        reportId,
      );
      switch (outcome) {
        case 'linked':
        case 'unchanged':
          return reply.redirect(`/console/incidents/${request.params.id}`, 303);
        case 'not_found':
        case 'report_not_found':
          throw new AppError('not_found');
        case 'already_grouped':
          return groupingPage(request, reply, reportId, 409, {
            message: { key: 'incidents.error_already_grouped' },
          });
      }
    },
  );

  app.post<IdParams & { Body: Body }>(
    '/console/incidents/:id/status',
    {
      config: { access: manageIncidents },
      schema: {
        params: incidentIdParams,
        body: statusChangeBody,
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const form = validateStatusForm(request.body);
      if (!form.ok)
        return detailPage(request, reply, 422, { form: 'status', errors: form.errors, values: form.values });
      const outcome = await changeStatusAsDispatcher(context, request.principal!.userId, {
        incidentId: request.params.id,
        ...form.value,
      });
      switch (outcome) {
        case 'changed':
        case 'unchanged':
          return reply.redirect(`/console/incidents/${request.params.id}`, 303);
        case 'not_found':
          throw new AppError('not_found');
        case 'not_allowed':
          return detailPage(request, reply, 409, {
            form: 'status',
            errors: {},
            values: { reason: form.value.reason },
            message: {
              key:
                form.value.to === 'confirmed'
                  ? 'incidents.error_confirm_needs_verification'
                  : 'incidents.error_not_allowed',
            },
          });
      }
    },
  );
}

/** Merging an incident into another and splitting reports off into a new one. */
function registerIncidentChangeRoutes(app: FastifyInstance, scope: IncidentRouteScope): void {
  const { context, detailPage } = scope;
  app.post<IdParams & { Body: Body }>(
    '/console/incidents/:id/merge',
    {
      config: { access: manageIncidents },
      schema: {
        params: incidentIdParams,
        body: mergeBody,
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const form = validateMergeForm(request.body);
      if (!form.ok)
        return detailPage(request, reply, 422, { form: 'merge', errors: form.errors, values: form.values });
      const outcome = await mergeIncidents(context, request.principal!.userId, {
        sourceId: request.params.id,
        ...form.value,
      });
      const problem = (key: MessageKey): DetailProblem => ({
        form: 'merge',
        errors: {},
        values: { reason: form.value.reason ?? '' },
        message: { key },
      });
      switch (outcome) {
        case 'merged':
          return reply.redirect(`/console/incidents/${form.value.targetId}`, 303);
        case 'not_found':
          throw new AppError('not_found');
        case 'target_not_found':
          return detailPage(request, reply, 409, problem('incidents.error_merge_target'));
        case 'same_incident':
          return detailPage(request, reply, 422, problem('incidents.error_merge_same'));
        case 'would_bury_verified':
          return detailPage(request, reply, 409, problem('incidents.error_merge_verified'));
      }
    },
  );

  app.post<IdParams & { Body: Body }>(
    '/console/incidents/:id/split',
    {
      config: { access: manageIncidents },
      schema: {
        params: incidentIdParams,
        body: splitBody,
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const form = validateSplitForm(request.body);
      if (!form.ok)
        return detailPage(request, reply, 422, { form: 'split', errors: form.errors, values: form.values });
      const result = await splitIncident(context, request.principal!.userId, request.params.id, form.value);
      switch (result.outcome) {
        case 'split':
          return reply.redirect(`/console/incidents/${result.id}`, 303);
        case 'not_found':
          throw new AppError('not_found');
        case 'reports_not_in_incident':
          return detailPage(request, reply, 409, {
            form: 'split',
            errors: {},
            values: {},
            message: { key: 'incidents.error_split_reports' },
          });
      }
    },
  );
}

/** The incident's place, the map file and the map's libraries. */
function registerMapRoutes(app: FastifyInstance, scope: IncidentRouteScope): void {
  const { context, detailPage } = scope;
  app.post<IdParams & { Body: Body }>(
    '/console/incidents/:id/place',
    {
      config: { access: manageIncidents },
      schema: {
        params: incidentIdParams,
        body: placeBody,
        response: { ...htmlResponses(404, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const form = validatePlaceForm(request.body);
      if (!form.ok)
        return detailPage(request, reply, 422, { form: 'place', errors: form.errors, values: form.values });
      const outcome = await placeIncident(context, request.principal!.userId, request.params.id, form.value);
      switch (outcome) {
        case 'placed':
          return reply.redirect(`/console/incidents/${request.params.id}#place-heading`, 303);
        case 'not_found':
          throw new AppError('not_found');
        case 'no_place':
          return detailPage(request, reply, 422, {
            form: 'place',
            errors: { point: { key: 'incidents.error_no_place' } },
            values: { point: '', place_name: '' },
          });
      }
    },
  );

  // Staff only: a street map of the network's area says where it works.
  app.get(
    MAP_TILES_ROUTE,
    {
      config: { access: viewIncidents, background: true },
      schema: {
        response: {
          200: { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          206: { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          416: { description: 'Range Not Satisfiable', type: 'null' },
          ...htmlResponses(404),
        },
      },
    },
    async (request, reply) => {
      const file = context.config.mapPmtiles;
      const info = await mapFileInfo(file);
      if (!file || !info) throw new AppError('not_found');
      const range = parseRange(request.headers.range, info.size);
      reply
        .header('accept-ranges', 'bytes')
        .header('etag', info.etag)
        .header('cache-control', 'private, max-age=300');
      if (range === 'unsatisfiable')
        return reply.code(416).header('content-range', `bytes */${info.size}`).send();
      reply.type('application/octet-stream');
      // Without a range (an admin downloading the file by hand) the whole file, streamed.
      if (!range) return reply.code(200).header('content-length', info.size).send(createReadStream(file));
      // A range is read into memory, so a long one is cut short; the reader asks again from where it stopped.
      const end = Math.min(range.end, range.start + MAX_RANGE_BYTES - 1);
      const bytes = await readRange(file, { start: range.start, end });
      return reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.start + bytes.length - 1}/${info.size}`)
        .send(bytes);
    },
  );

  app.get<{ Params: { name: string } }>(
    '/assets/map/:name',
    {
      config: { access: { kind: 'public' } },
      schema: {
        hide: true,
        params: {
          type: 'object',
          properties: { name: { enum: Object.keys(MAP_ASSETS) } },
          required: ['name'],
        },
        response: fileResponses(['text/css', 'text/javascript'], 404),
      },
    },
    async (request, reply) => {
      const asset = MAP_ASSETS[request.params.name];
      if (!asset) throw new AppError('not_found');
      return reply
        .header('cache-control', 'public, max-age=86400')
        .type(asset.type)
        .send(await readFile(asset.file()));
    },
  );
}
