// The observation log's routes under /console/incidents/:id/log. Every role may ask; the per-incident rule
// (observations.access.ts) answers 404 to those who may not read this incident's log, and only the people sent
// to it write. The form posts plainly (303 back with a notice); the page's script posts the same form with
// Accept: application/json and gets JSON back, so it knows an entry arrived and can drop it from its queue.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { HttpServices } from '../../http/app.ts';
import { setNotice } from '../../http/console-chrome.ts';
import { consolePageOf } from '../../http/console-page.ts';
import { AppError } from '../../http/errors.ts';
import { sendHtml } from '../../http/html-reply.ts';
import { isUuid } from '../../http/ids.ts';
import { htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { findIncident } from '../incidents/incidents.queries.ts';
import { mayObserveIncident, mayReadObservationLog } from './observations.access.ts';
import { renderEditPage, renderLogPage, type EntryFormState } from './observations.pages.ts';
import { observationLogRoutes } from './observations.policy.ts';
import {
  entryBody,
  entryParams,
  logParams,
  validateEntry,
  type EntryBody,
  type EntryValidation,
} from './observations.schemas.ts';
import {
  editObservation,
  findObservationEntry,
  readObservationTimeline,
  recordObservation,
} from './observations.service.ts';
import { localDateTime } from './observations.time.ts';

type LogParams = { Params: { id: string } };
type EntryParams = { Params: { id: string; entryId: string } };

const savedJson = {
  type: 'object',
  properties: { id: { type: 'string' }, stored: { type: 'boolean' } },
  required: ['id', 'stored'],
} as const;

/** Whether the page's script sent this (it asks for JSON), rather than the plain form. */
function wantsJson(request: FastifyRequest): boolean {
  return String(request.headers.accept ?? '').startsWith('application/json');
}

export function registerObservationRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
): void {
  const consolePage = consolePageOf(context);
  const tokenFor = (request: FastifyRequest) => services.csrf.issue(request.principal!.csrfSecret);

  /** The incident, when this person may read its log; 404 otherwise (nobody learns it exists). */
  async function readableIncident(request: FastifyRequest, incidentId: string) {
    if (!isUuid(incidentId)) throw new AppError('not_found');
    const incident = await findIncident(context.db, incidentId.toLowerCase());
    // A merged incident's log went with it (its dispatches too): who may read the target may follow the link.
    const subject = incident?.merged_into ?? incident?.id;
    if (!incident || !subject || !(await mayReadObservationLog(context, request.principal!, subject)))
      throw new AppError('not_found');
    return incident;
  }

  function freshState(request: FastifyRequest): EntryFormState {
    return {
      csrfToken: tokenFor(request),
      clientId: randomUUID(),
      values: { event_at: localDateTime(context.clock.now(), context.config.timeZone) },
      errors: {},
    };
  }

  async function showLog(
    request: FastifyRequest,
    reply: FastifyReply,
    incident: { id: string; reference: string },
    state: EntryFormState,
    status = 200,
  ) {
    const principal = request.principal!;
    const [mayWrite, entries] = await Promise.all([
      mayObserveIncident(context, principal, incident.id),
      readObservationTimeline(context, incident.id),
    ]);
    return sendHtml(
      reply,
      renderLogPage(
        consolePage(request),
        {
          incidentId: incident.id,
          reference: incident.reference,
          mayWrite,
          viewerId: principal.userId,
          entries,
        },
        state,
      ),
      status,
    );
  }

  const check = (request: FastifyRequest<{ Body: EntryBody }>): EntryValidation =>
    validateEntry(request.body ?? {}, context.config.timeZone, context.clock.now());

  app.get<LogParams>(
    '/console/incidents/:id/log',
    {
      config: { access: observationLogRoutes },
      schema: { params: logParams, response: { ...htmlResponses(404), ...redirectResponse } },
    },
    async (request, reply) => {
      const incident = await readableIncident(request, request.params.id);
      if (incident.merged_into) return reply.redirect(`/console/incidents/${incident.merged_into}/log`, 303);
      return showLog(request, reply, incident, freshState(request));
    },
  );

  app.post<LogParams & { Body: EntryBody }>(
    '/console/incidents/:id/log',
    {
      config: { access: observationLogRoutes },
      schema: {
        params: logParams,
        body: entryBody,
        response: {
          ...htmlResponses(404, 409, 422),
          ...redirectResponse,
          200: {
            content: {
              'text/html': { schema: { type: 'string' } },
              'application/json': { schema: savedJson },
            },
          },
          201: { content: { 'application/json': { schema: savedJson } } },
        },
      },
    },
    async (request, reply) => {
      const incident = await readableIncident(request, request.params.id);
      const principal = request.principal!;
      if (incident.merged_into || !(await mayObserveIncident(context, principal, incident.id)))
        throw new AppError('not_found');
      const validation = check(request);
      if (!validation.ok) {
        if (wantsJson(request)) throw new AppError('invalid_request');
        return showLog(
          request,
          reply,
          incident,
          {
            ...freshState(request),
            clientId: isUuid(request.body.client_id) ? request.body.client_id : randomUUID(),
            values: validation.values,
            errors: validation.errors,
          },
          422,
        );
      }
      const result = await recordObservation(context, {
        incidentId: incident.id,
        authorId: principal.userId,
        clientId: validation.clientId ?? randomUUID(),
        kind: validation.kind,
        text: validation.text,
        eventAt: validation.eventAt,
      });
      if (result.outcome === 'conflict') throw new AppError('conflict');
      if (wantsJson(request))
        return reply
          .code(result.outcome === 'stored' ? 201 : 200)
          .type('application/json')
          .send({ id: result.id, stored: result.outcome === 'stored' });
      setNotice(reply, 'observations.saved');
      return reply.redirect(`/console/incidents/${incident.id}/log#entry-${result.id}`, 303);
    },
  );

  /** The entry, when it is this person's own on this incident and they may still write there. */
  async function ownEntry(request: FastifyRequest<EntryParams>) {
    const incident = await readableIncident(request, request.params.id);
    const { entryId } = request.params;
    const principal = request.principal!;
    if (!isUuid(entryId) || !(await mayObserveIncident(context, principal, incident.id)))
      throw new AppError('not_found');
    const entry = await findObservationEntry(context, entryId.toLowerCase());
    if (!entry || entry.incident_id !== incident.id || entry.author_id !== principal.userId)
      throw new AppError('not_found');
    return { incident, entry };
  }

  app.get<EntryParams>(
    '/console/incidents/:id/log/:entryId/edit',
    {
      config: { access: observationLogRoutes },
      schema: { params: entryParams, response: htmlResponses(404) },
    },
    async (request, reply) => {
      const { incident, entry } = await ownEntry(request);
      const timeline = await readObservationTimeline(context, incident.id);
      const current = timeline.find((item) => item.id === entry.id)!;
      return sendHtml(
        reply,
        renderEditPage(
          consolePage(request),
          { incidentId: incident.id, reference: incident.reference, entryId: entry.id },
          {
            csrfToken: tokenFor(request),
            clientId: entry.client_id,
            values: {
              kind: current.kind,
              text: current.text,
              event_at: localDateTime(current.eventAt, context.config.timeZone),
            },
            errors: {},
          },
        ),
      );
    },
  );

  app.post<EntryParams & { Body: EntryBody }>(
    '/console/incidents/:id/log/:entryId',
    {
      config: { access: observationLogRoutes },
      schema: {
        params: entryParams,
        body: entryBody,
        response: { ...htmlResponses(404, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const { incident, entry } = await ownEntry(request);
      const validation = check(request);
      if (!validation.ok)
        return sendHtml(
          reply,
          renderEditPage(
            consolePage(request),
            { incidentId: incident.id, reference: incident.reference, entryId: entry.id },
            {
              csrfToken: tokenFor(request),
              clientId: entry.client_id,
              values: validation.values,
              errors: validation.errors,
            },
          ),
          422,
        );
      const outcome = await editObservation(context, {
        entryId: entry.id,
        incidentId: incident.id,
        editorId: request.principal!.userId,
        kind: validation.kind,
        text: validation.text,
        eventAt: validation.eventAt,
      });
      if (outcome === 'not_found') throw new AppError('not_found');
      setNotice(reply, outcome === 'edited' ? 'observations.edited_notice' : 'notice.saved');
      return reply.redirect(`/console/incidents/${incident.id}/log#entry-${entry.id}`, 303);
    },
  );
}
