// Report intake (public) and the staff console's report pages. Handlers parse, authorize (declared in
// reports.policy.ts), call the service and present; the rules live in reports.service.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { hasAnyRole, PUBLIC } from '../../http/access.ts';
import type { HttpServices } from '../../http/app.ts';
import { ANONYMOUS_FORM_TOKEN_TTL_MS } from '../../http/csrf.ts';
import { AppError } from '../../http/errors.ts';
import { readPhotoForm } from '../../http/multipart-form.ts';
import { htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { securityHeaders } from '../../http/security-headers.ts';
import { incidentSectionForReport } from '../incidents/incidents.report-section.ts';
import { InvalidImageError, preparePhoto, type PreparedPhoto } from './photo.ts';
import { REFERENCE_PATTERN } from './reference-code.ts';
import type { ReportListRow } from './reports.repository.ts';
import {
  presentListRow,
  renderConsoleList,
  renderStaffHome,
  renderReceived,
  renderReportDetail,
  renderReportForm,
  type ReportFormState,
} from './reports.pages.ts';
import { enterConsole, REPORT_READER_ROLES, triageReports, viewReports } from './reports.policy.ts';
import {
  consoleListQuery,
  eventsQuery,
  isSettableStatus,
  REPORT_FIELD_BYTE_LIMIT,
  REPORT_FORM_DEFAULTS,
  REPORT_TEXT_FIELDS,
  receivedQuery,
  replayCursor,
  reportIdParams,
  statusBody,
  validateReportForm,
  type ReportFormErrors,
} from './reports.schemas.ts';
import {
  changeReportStatus,
  listForConsole,
  reportsSinceCursor,
  submitReport,
  viewReport,
  viewReportPhoto,
  type LiveReportFeed,
  type ReportsDeps,
} from './reports.service.ts';

const HEARTBEAT_MS = 25_000;
/**
 * A live stream ends after this long and the browser reconnects, which passes through sign-in checks again:
 * a session that has expired or been revoked stops receiving reports within minutes.
 */
const STREAM_LIFETIME_MS = 10 * 60_000;

export function registerReportRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
  deps: ReportsDeps,
  feed: LiveReportFeed,
): void {
  const networkName = context.config.networkName;
  const timeZone = context.config.timeZone;
  const page = (request: FastifyRequest) => ({ request, networkName, timeZone });

  // Open event streams would keep the server from closing; end them first.
  const openStreams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const stop of openStreams) stop();
    openStreams.clear();
  });

  function sendForm(
    reply: FastifyReply,
    request: FastifyRequest,
    status: number,
    state: Omit<ReportFormState, 'csrfToken'>,
  ) {
    const csrfToken = services.csrf.issue(request.formBinding);
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(renderReportForm(page(request), { ...state, csrfToken }).value);
  }

  app.get(
    '/report',
    { config: { access: PUBLIC }, schema: { response: htmlResponses() } },
    async (request, reply) => sendForm(reply, request, 200, { values: REPORT_FORM_DEFAULTS, errors: {} }),
  );

  app.post(
    '/report',
    {
      config: {
        access: PUBLIC,
        csrf: 'handler',
        rateLimit: { max: context.config.publicRateLimitPerMinute, timeWindow: '1 minute' },
      },
      schema: { response: { ...htmlResponses(403, 413, 422), ...redirectResponse } },
    },
    async (request, reply) => {
      const form = await readPhotoForm(request, {
        textFields: REPORT_TEXT_FIELDS,
        fieldByteLimit: REPORT_FIELD_BYTE_LIMIT,
      });
      const validation = validateReportForm(form.values);
      const errors: ReportFormErrors = validation.ok ? {} : { ...validation.errors };
      for (const field of form.truncated) errors[field] = { key: 'report.error_too_long' };
      const photoSent = form.photo !== undefined || form.photoTooLarge;

      const verdict = services.csrf.verify(form.csrf, request.formBinding, ANONYMOUS_FORM_TOKEN_TTL_MS);
      if (verdict !== 'valid') {
        // Nothing is lost: the form comes back filled in, with a fresh token.
        return sendForm(reply, request, 403, {
          values: form.values,
          errors,
          formExpired: true,
          photoDropped: photoSent,
        });
      }

      let photo: PreparedPhoto | undefined;
      if (form.photoTooLarge) errors.photo = { key: 'report.error_photo_size' };
      else if (form.photo) {
        try {
          photo = await preparePhoto(form.photo);
        } catch (error) {
          if (!(error instanceof InvalidImageError)) throw error;
          errors.photo = { key: 'report.error_photo_type' };
        }
      }

      if (!validation.ok || Object.keys(errors).length > 0) {
        return sendForm(reply, request, form.photoTooLarge ? 413 : 422, {
          values: form.values,
          errors,
          photoDropped: photoSent,
        });
      }

      const { reference } = await submitReport(deps, validation.input, photo, request.lang);
      return reply.redirect(`/report/received?ref=${reference}`, 303);
    },
  );

  app.get<{ Querystring: { ref?: string } }>(
    '/report/received',
    { config: { access: PUBLIC }, schema: { querystring: receivedQuery, response: htmlResponses() } },
    async (request, reply) => {
      const ref = request.query.ref?.toUpperCase();
      const reference = ref && REFERENCE_PATTERN.test(ref) ? ref : undefined;
      return reply.type('text/html; charset=utf-8').send(renderReceived(page(request), reference).value);
    },
  );

  app.get<{ Querystring: { show?: 'open' | 'all' } }>(
    '/console',
    {
      config: { access: enterConsole },
      schema: { querystring: consoleListQuery, response: htmlResponses() },
    },
    async (request, reply) => {
      if (!hasAnyRole(request.principal, REPORT_READER_ROLES)) {
        return reply.type('text/html; charset=utf-8').send(renderStaffHome(page(request)).value);
      }
      const show = request.query.show ?? 'open';
      const rows = await listForConsole(deps, show);
      return reply
        .type('text/html; charset=utf-8')
        .send(renderConsoleList(page(request), rows, show, context.clock.now()).value);
    },
  );

  app.get<{ Querystring: { since?: string } }>(
    '/console/reports/events',
    {
      config: { access: viewReports, background: true },
      schema: {
        querystring: eventsQuery,
        response: {
          200: { content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...htmlResponses(),
        },
      },
    },
    async (request, reply) => {
      const raw = reply.raw;
      const { t, lang } = request;
      const send = (chunk: string): void => {
        if (!raw.writableEnded) raw.write(chunk);
      };
      // Each event's id is the report's created_at, so a reconnecting browser's Last-Event-ID says where
      // to resume and nothing that arrived in between is lost.
      const emit = (row: ReportListRow): void =>
        send(
          `event: report\ndata: ${JSON.stringify(presentListRow(row, t, lang, timeZone))}\n` +
            `id: ${row.created_at.getTime()}\n\n`,
        );
      const cursor = replayCursor(request.headers['last-event-id'], request.query.since);
      // Live reports wait while the replay is read, so they follow it instead of racing it.
      let waiting: ReportListRow[] | undefined = cursor === undefined ? undefined : [];
      const unsubscribe = await feed.subscribe((row) => (waiting ? waiting.push(row) : emit(row)));
      // Fastify's onSend hooks (which set the security headers) do not run for a hijacked reply, so the
      // same headers are written here.
      reply.hijack();
      // The browser may have gone while we subscribed; its 'close' already fired and would never reach us.
      if (raw.destroyed || !raw.socket || raw.socket.destroyed) {
        unsubscribe();
        return;
      }
      raw.writeHead(200, {
        ...securityHeaders({ secure: services.cookies.secure }),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // Reverse proxies must pass events through as they happen rather than buffer them.
        'x-accel-buffering': 'no',
      });
      send('retry: 5000\n: connected\n\n');
      if (cursor !== undefined) {
        const replayed = new Set<string>();
        try {
          for (const row of await reportsSinceCursor(deps, cursor)) {
            replayed.add(row.id);
            emit(row);
          }
        } finally {
          const held = waiting ?? [];
          waiting = undefined;
          for (const row of held) if (!replayed.has(row.id)) emit(row);
        }
      }
      const heartbeat = setInterval(() => send(': heartbeat\n\n'), HEARTBEAT_MS);
      const lifetime = setTimeout(() => raw.end(), STREAM_LIFETIME_MS);
      const stop = (): void => {
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        unsubscribe();
        if (!raw.writableEnded) raw.end();
      };
      openStreams.add(stop);
      raw.on('close', () => {
        openStreams.delete(stop);
        stop();
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/console/reports/:id',
    { config: { access: viewReports }, schema: { params: reportIdParams, response: htmlResponses(404) } },
    async (request, reply) => {
      const principal = request.principal!;
      const report = await viewReport(deps, request.params.id, principal.userId);
      if (!report) throw new AppError('not_found');
      const csrfToken = services.csrf.issue(principal.csrfSecret);
      const incidentSection = await incidentSectionForReport(context, request.t, report.id, csrfToken);
      return reply
        .type('text/html; charset=utf-8')
        .send(renderReportDetail(page(request), report, csrfToken, incidentSection).value);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/console/reports/:id/photo',
    {
      config: { access: viewReports },
      schema: {
        params: reportIdParams,
        response: {
          200: {
            content: {
              'image/jpeg': { schema: { type: 'string', format: 'binary' } },
              'image/png': { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...htmlResponses(404),
        },
      },
    },
    async (request, reply) => {
      const photo = await viewReportPhoto(deps, request.params.id, request.principal!.userId);
      if (!photo) throw new AppError('not_found');
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', 'inline')
        .type(photo.contentType)
        .send(photo.bytes);
    },
  );

  app.post<{ Params: { id: string }; Body: { status: string } }>(
    '/console/reports/:id/status',
    {
      config: { access: triageReports },
      schema: {
        params: reportIdParams,
        body: statusBody,
        response: { ...htmlResponses(404), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!isSettableStatus(request.body.status)) throw new AppError('invalid_request');
      const outcome = await changeReportStatus(deps, id, request.body.status, request.principal!.userId);
      if (outcome === 'not_found') throw new AppError('not_found');
      return reply.redirect(`/console/reports/${id}`, 303);
    },
  );
}
