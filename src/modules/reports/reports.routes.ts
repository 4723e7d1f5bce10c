// Report intake (public) and the staff console's report pages. Handlers parse, authorize (declared in
// reports.policy.ts), call the service and present; the rules live in reports.service.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { PUBLIC } from '../../http/access.ts';
import type { HttpServices } from '../../http/app.ts';
import { ANONYMOUS_FORM_TOKEN_TTL_MS } from '../../http/csrf.ts';
import { AppError } from '../../http/errors.ts';
import { eventStreams, replayCursor } from '../../http/event-stream.ts';
import { readPhotoForm } from '../../http/multipart-form.ts';
import { eventStreamResponses, fileResponses, htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { anyoneOnShiftToRing } from '../staff/staff.service.ts';
import { InvalidImageError, photoDecoder, type PhotoRefusal, type PreparedPhoto } from './photo.ts';
import { REFERENCE_PATTERN } from './reference-code.ts';
import { incidentsOfReports, renderReportSections } from './reports.sections.ts';
import type { ReportListRow } from './reports.repository.ts';
import {
  presentListRow,
  renderConsoleList,
  renderReceived,
  renderReportDetail,
  renderReportForm,
  type ReportFormState,
} from './reports.pages.ts';
import { triageReports, viewReports } from './reports.policy.ts';
import {
  consoleListQuery,
  eventsQuery,
  isSettableStatus,
  REPORT_FIELD_BYTE_LIMIT,
  REPORT_FORM_DEFAULTS,
  REPORT_TEXT_FIELDS,
  receivedQuery,
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

/** On the form, when it comes back for another reason: the photo's own error. */
const PHOTO_REFUSAL_KEYS = {
  too_many_pixels: 'report.error_photo_pixels',
  timed_out: 'report.error_photo_timed_out',
  busy: 'report.error_photo_busy',
} as const;

/** On the received page, when the report was saved without its photo. */
const PHOTO_NOT_KEPT_KEYS = {
  too_many_pixels: 'report.photo_not_kept_pixels',
  timed_out: 'report.photo_not_kept_timed_out',
  busy: 'report.photo_not_kept_busy',
} as const;

function isSavedWithoutPhoto(reason: string): reason is keyof typeof PHOTO_NOT_KEPT_KEYS {
  return Object.hasOwn(PHOTO_NOT_KEPT_KEYS, reason);
}

export function registerReportRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
  deps: ReportsDeps,
  feed: LiveReportFeed,
): void {
  const scope = reportRouteScope(context, services, deps, feed);
  registerPublicReportRoutes(app, scope);
  registerConsoleReportRoutes(app, scope);
}

/** What the route groups below share: built once, when the routes are registered. */
function reportRouteScope(
  context: AppContext,
  services: HttpServices,
  deps: ReportsDeps,
  feed: LiveReportFeed,
) {
  const networkName = context.config.networkName;
  const page = (request: FastifyRequest) => ({ request, networkName, timeZone: context.config.timeZone });

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

  return {
    context,
    services,
    deps,
    feed,
    get timeZone() {
      return context.config.timeZone;
    },
    page,
    sendForm,
  };
}

type ReportRouteScope = ReturnType<typeof reportRouteScope>;

/** The public report form, and the page that answers it. */
function registerPublicReportRoutes(app: FastifyInstance, scope: ReportRouteScope): void {
  const { context, services, deps, page, sendForm } = scope;
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
      let photoRefused: PhotoRefusal | undefined;
      if (form.photoTooLarge) errors.photo = { key: 'report.error_photo_size' };
      else if (form.photo) {
        const comesBack = !validation.ok || Object.keys(errors).length > 0;
        const decoder = photoDecoder(context);
        try {
          // A form that comes back anyway loses its photo (a browser cannot refill a file input): only its
          // headers are checked, so the person hears now what to change, and nothing is decoded for nothing.
          if (comesBack) await decoder.inspect(form.photo);
          else photo = await decoder.prepare(form.photo);
        } catch (error) {
          if (!(error instanceof InvalidImageError)) throw error;
          if (error.reason === 'not_image') errors.photo = { key: 'report.error_photo_type' };
          else if (comesBack) errors.photo = { key: PHOTO_REFUSAL_KEYS[error.reason] };
          // A photo too large to decode, or no decode place free: the report itself is what matters in a
          // raid, so it is saved without the photo, and the page says why the photo was not kept.
          else {
            photoRefused = error.reason;
            // For whoever tunes AMPARO_IMAGE_DECODE_*: the reason only, nothing about the photo or the report.
            request.log.warn({ reason: error.reason }, 'report photo not kept');
          }
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
      const photoNote = photoRefused ? `&photo=${photoRefused}` : '';
      // The thank-you page promises a call back only to someone who gave a number for one.
      const callbackNote = validation.input.callbackPhone ? '&callback=1' : '';
      return reply.redirect(`/report/received?ref=${reference}${photoNote}${callbackNote}`, 303);
    },
  );

  app.get<{ Querystring: { ref?: string; photo?: string; callback?: string } }>(
    '/report/received',
    { config: { access: PUBLIC }, schema: { querystring: receivedQuery, response: htmlResponses() } },
    async (request, reply) => {
      const ref = request.query.ref?.toUpperCase();
      const reference = ref && REFERENCE_PATTERN.test(ref) ? ref : undefined;
      const refused = request.query.photo;
      const photoNote = refused && isSavedWithoutPhoto(refused) ? PHOTO_NOT_KEPT_KEYS[refused] : undefined;
      // "A dispatcher will read it now" only when one is on shift: the page says what is true at this hour.
      const onDuty = await anyoneOnShiftToRing(context.db, 'dispatcher');
      const callback = request.query.callback === '1';
      return reply
        .type('text/html; charset=utf-8')
        .send(renderReceived(page(request), { reference, photoNotKept: photoNote, callback, onDuty }).value);
    },
  );
}

/** The report list (the triage queue), its live updates, a report's page, photo and status. */
function registerConsoleReportRoutes(app: FastifyInstance, scope: ReportRouteScope): void {
  const { context, services, deps, feed, page } = scope;
  const openEventStream = eventStreams(app, { secure: services.cookies.secure });

  app.get<{ Querystring: { show?: 'open' | 'all' } }>(
    '/console/reports',
    {
      config: { access: viewReports },
      schema: { querystring: consoleListQuery, response: htmlResponses() },
    },
    async (request, reply) => {
      const show = request.query.show ?? 'open';
      const rows = await listForConsole(deps, show);
      const incidents = await incidentsOfReports(context.db, rows);
      return reply
        .type('text/html; charset=utf-8')
        .send(renderConsoleList(page(request), rows, show, context.clock.now(), incidents).value);
    },
  );

  app.get<{ Querystring: { since?: string } }>(
    '/console/reports/events',
    {
      config: { access: viewReports, background: true },
      schema: {
        querystring: eventsQuery,
        response: eventStreamResponses(),
      },
    },
    async (request, reply) => {
      const { t, lang } = request;
      await openEventStream<ReportListRow>(request, reply, {
        cursor: replayCursor(request.headers['last-event-id'], request.query.since),
        subscribe: (deliver) => feed.subscribe(deliver),
        replay: (cursor) => reportsSinceCursor(deps, cursor),
        // Each event's id is the report's created_at, so a reconnecting browser's Last-Event-ID says where
        // to resume and nothing that arrived in between is lost.
        toEvent: (row) => ({
          event: 'report',
          data: presentListRow(row, t, lang, context.config.timeZone),
          id: row.created_at.getTime(),
        }),
        retryMs: 5000,
        identify: (row) => row.id,
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
      const sections = await renderReportSections({ context, t: request.t, reportId: report.id, csrfToken });
      return reply
        .type('text/html; charset=utf-8')
        .send(renderReportDetail(page(request), report, csrfToken, sections).value);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/console/reports/:id/photo',
    {
      config: { access: viewReports },
      schema: {
        params: reportIdParams,
        response: fileResponses(['image/jpeg', 'image/png'], 404),
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
