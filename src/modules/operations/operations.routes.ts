// The operations routes: parse, check access (operations.policy.ts, then the operation itself), call the
// service, render. An operation legal staff may not see is a 404, as if it did not exist.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { HttpServices } from '../../http/app.ts';
import { setNotice } from '../../http/console-chrome.ts';
import { AppError } from '../../http/errors.ts';
import { sendHtml } from '../../http/html-reply.ts';
import { isUuid } from '../../http/ids.ts';
import { htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { locatorWorklist } from '../case-tracking/locating.service.ts';
import { renderWorklistPage } from '../case-tracking/locating.pages.ts';
import { casesOfOperation } from '../cases/cases.queries.ts';
import { localDay, localTime } from './operations.days.ts';
import { aggregateExport, exportCsv } from './operations.export.ts';
import {
  renderNewOperation,
  renderOperation,
  renderOperationList,
  type OperationPageForms,
  type Page,
} from './operations.pages.ts';
import {
  careForDependents,
  managesOperations,
  manageOperations,
  readOperations,
} from './operations.policy.ts';
import {
  checkCaregiverForm,
  checkDependentForm,
  checkOperationForm,
  dependentParams,
  operationFormBody,
  operationIdParams,
} from './operations.schemas.ts';
import {
  addDependent,
  auditExport,
  createOperation,
  findOperationFor,
  newOperationChoices,
  operationAccess,
  operationSiteIds,
  readOperationList,
  readOperationNumbers,
  readOperationPage,
  recordCaregiver,
  setOperationOpen,
} from './operations.service.ts';

/** What an export is sent as: a CSV file, or a JSON document (any shape: it is built by operations.export.ts). */
const EXPORT_CONTENT = {
  csv: { 'text/csv': { schema: { type: 'string' } } },
  json: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
} as const;

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export function registerOperationRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
): void {
  const page = (request: FastifyRequest): Page => ({
    request,
    networkName: context.config.networkName,
    timeZone: context.config.timeZone,
    now: context.clock.now(),
  });
  const csrfFor = (request: FastifyRequest) => services.csrf.issue(request.principal!.csrfSecret);
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  /** The operation's page, with any form sent back; 404 when it is not this person's to see. */
  const operationPage = async (
    request: IdRequest,
    reply: FastifyReply,
    forms: Omit<OperationPageForms, 'csrfToken' | 'mayManage'> = {},
    status = 200,
  ) => {
    const principal = request.principal!;
    const view = isUuid(request.params.id)
      ? await readOperationPage(context, principal, request.params.id)
      : undefined;
    if (!view) throw new AppError('not_found');
    const full = { ...forms, csrfToken: csrfFor(request), mayManage: managesOperations(principal) };
    return sendHtml(noStore(reply), renderOperation(page(request), view, full), status);
  };

  /** Dependents are recorded and cared for only by those who may see their details. */
  const requireFullAccess = async (request: IdRequest) => {
    if (!isUuid(request.params.id)) throw new AppError('not_found');
    const access = await operationAccess(context.db, request.principal!, request.params.id);
    if (access !== 'full') throw new AppError('not_found');
  };

  app.get(
    '/console/operations',
    { config: { access: readOperations }, schema: { response: htmlResponses() } },
    async (request, reply) => {
      const principal = request.principal!;
      const rows = await readOperationList(context, principal);
      return sendHtml(noStore(reply), renderOperationList(page(request), rows, managesOperations(principal)));
    },
  );

  app.get(
    '/console/operations/new',
    { config: { access: manageOperations }, schema: { response: htmlResponses() } },
    async (request, reply) => {
      const choices = await newOperationChoices(context);
      const now = context.clock.now();
      return sendHtml(
        noStore(reply),
        renderNewOperation(page(request), {
          csrfToken: csrfFor(request),
          ...choices,
          values: {
            raid_date: localDay(now, context.config.timeZone),
            raid_time: localTime(now, context.config.timeZone),
          },
          errors: {},
          siteErrors: [],
        }),
      );
    },
  );

  app.post(
    '/console/operations',
    {
      config: { access: manageOperations },
      schema: { body: operationFormBody, response: { ...htmlResponses(422), ...redirectResponse } },
    },
    async (request, reply) => {
      const choices = await newOperationChoices(context);
      const checked = checkOperationForm(request.body as Record<string, unknown>, context.config.timeZone, {
        incidentIds: new Set(choices.incidents.map((i) => i.id)),
        teamIds: new Set(choices.teams.map((team) => team.id)),
      });
      if (!checked.ok) {
        return sendHtml(
          reply,
          renderNewOperation(page(request), {
            csrfToken: csrfFor(request),
            ...choices,
            values: checked.values,
            errors: checked.errors,
            siteErrors: checked.siteErrors,
          }),
          422,
        );
      }
      const id = await createOperation(context, request.principal!.userId, checked.value);
      setNotice(reply, 'operations.notice_created');
      return reply.redirect(`/console/operations/${id}`, 303);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/console/operations/:id',
    {
      config: { access: readOperations },
      schema: { params: operationIdParams, response: htmlResponses(404) },
    },
    async (request, reply) => operationPage(request, reply),
  );

  for (const action of ['close', 'reopen'] as const) {
    app.post<{ Params: { id: string } }>(
      `/console/operations/:id/${action}`,
      {
        config: { access: manageOperations },
        schema: {
          params: operationIdParams,
          body: operationFormBody,
          response: { ...htmlResponses(404), ...redirectResponse },
        },
      },
      async (request, reply) => {
        if (!isUuid(request.params.id)) throw new AppError('not_found');
        await setOperationOpen(context, request.principal!.userId, request.params.id, action === 'reopen');
        setNotice(reply, action === 'close' ? 'operations.notice_closed' : 'operations.notice_reopened');
        return reply.redirect(`/console/operations/${request.params.id}`, 303);
      },
    );
  }

  app.post<{ Params: { id: string } }>(
    '/console/operations/:id/dependents',
    {
      config: { access: careForDependents },
      schema: {
        params: operationIdParams,
        body: operationFormBody,
        response: { ...htmlResponses(404, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      await requireFullAccess(request);
      const operationId = request.params.id;
      const checked = checkDependentForm(
        request.body as Record<string, unknown>,
        await operationSiteIds(context.db, operationId),
      );
      if (!checked.ok) {
        return operationPage(
          request,
          reply,
          { dependent: { values: checked.values, errors: checked.errors } },
          422,
        );
      }
      await addDependent(context, undefined, {
        operationId,
        need: checked.value.need,
        description: checked.value.description,
        siteId: checked.value.siteId,
        actorId: request.principal!.userId,
      });
      setNotice(reply, 'operations.notice_dependent_added');
      return reply.redirect(`/console/operations/${operationId}#waiting`, 303);
    },
  );

  app.post<{ Params: { id: string; dependentId: string } }>(
    '/console/operations/:id/dependents/:dependentId/caregiver',
    {
      config: { access: careForDependents },
      schema: {
        params: dependentParams,
        body: operationFormBody,
        response: { ...htmlResponses(404, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      await requireFullAccess(request);
      const { id, dependentId } = request.params;
      if (!isUuid(dependentId)) throw new AppError('not_found');
      const checked = checkCaregiverForm(request.body as Record<string, unknown>);
      if (!checked.ok) {
        return operationPage(
          request,
          reply,
          { caregiver: { dependentId, values: checked.values, errors: checked.errors } },
          422,
        );
      }
      const done = await recordCaregiver(context, request.principal!.userId, id, dependentId, checked.value);
      if (!done) throw new AppError('not_found');
      setNotice(reply, 'operations.notice_caregiver_recorded');
      return reply.redirect(`/console/operations/${id}#waiting`, 303);
    },
  );

  for (const format of ['csv', 'json'] as const) {
    app.get<{ Params: { id: string } }>(
      `/console/operations/:id/export.${format}`,
      {
        config: { access: readOperations },
        schema: {
          params: operationIdParams,
          response: { 200: { content: EXPORT_CONTENT[format] }, ...htmlResponses(404) },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        const found = isUuid(request.params.id)
          ? await findOperationFor(context, principal, request.params.id)
          : undefined;
        if (!found) throw new AppError('not_found');
        const numbers = await readOperationNumbers(context, found.operation);
        const data = aggregateExport(
          found.operation,
          found.sites,
          numbers,
          localDay(found.operation.raid_at, context.config.timeZone),
        );
        await auditExport(context, principal.userId, found.operation.id, format);
        noStore(reply).header(
          'content-disposition',
          `attachment; filename="operation-${localDay(found.operation.raid_at, context.config.timeZone)}.${format}"`,
        );
        if (format === 'json')
          return reply.type('application/json; charset=utf-8').send(JSON.stringify(data, null, 2));
        return reply.type('text/csv; charset=utf-8').send(exportCsv(data));
      },
    );
  }

  // The locator worklist of the operation's people: the case-tracking worklist, limited to the operation's cases
  // (and within them, as everywhere, to the cases this person may see). Its rows post to /console/locating/:id
  // and come back here.
  app.get<{ Params: { id: string } }>(
    '/console/operations/:id/worklist',
    {
      config: { access: readOperations },
      schema: { params: operationIdParams, response: htmlResponses(404) },
    },
    async (request, reply) => {
      await requireFullAccess(request);
      const principal = request.principal!;
      const caseIds = (await casesOfOperation(context.db, request.params.id)).map((c) => c.id);
      const worklist = await locatorWorklist(context, principal, { caseIds });
      return sendHtml(
        noStore(reply),
        renderWorklistPage(page(request), worklist, {
          returnTo: `/console/operations/${request.params.id}/worklist`,
          csrfToken: csrfFor(request),
          today: localDay(context.clock.now(), context.config.timeZone),
        }),
      );
    },
  );
}
