// The locator worklist and the release form: parse, authorize (need to know per case in the services), call
// the service, present. A worklist row's result comes back to the list at the next row, with a notice.
import { consolePageOf } from '../../http/console-page.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { HttpServices } from '../../http/app.ts';
import { formValues } from '../../http/form.ts';
import { sendHtml } from '../../http/html-reply.ts';
import { isUuid } from '../../http/ids.ts';
import { htmlResponses, redirectResponse } from '../../http/schemas.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import { openCaseForStaff } from '../cases/cases.access.ts';
import { legalOnly } from '../cases/cases.policy.ts';
import { caseSectionHref } from '../cases/cases.sections.ts';
import { renderPanelPage } from './case-tracking.pages.ts';
import { viewLocatorWorklist } from './case-tracking.policy.ts';
import { RELEASE_FIELDS } from './case-tracking.schemas.ts';
import { recordFacilityStay, recordLocatorCheck } from './case-tracking.service.ts';
import { wallTimeOf } from './case-tracking.time.ts';
import { listFacilities } from './facilities.repository.ts';
import {
  RELEASE_SECTION_ID,
  releaseForm,
  renderWorklistPage,
  rowAnchor,
  WORKLIST_RESULTS,
  type ReleaseFormState,
  type WorklistOptions,
} from './locating.pages.ts';
import { locatorWorklist } from './locating.service.ts';
import { recordRelease } from './releases.service.ts';
import type { Page } from './tracking.html.ts';

export const WORKLIST_PATH = '/console/locating';
/** Where a worklist row's form may send the person back: this page, or an operation's worklist. */
const RETURN_TO = /^\/console\/(locating|operations\/[0-9a-f-]{36}\/worklist)$/;

export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && RETURN_TO.test(value) ? value : WORKLIST_PATH;
}

const caseParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

const worklistQuery = {
  type: 'object',
  properties: { done: { type: 'string', maxLength: 20 } },
} as const;

function formBody(fields: readonly string[]) {
  const properties: Record<string, { type: 'string' }> = {};
  for (const field of ['_csrf', 'return_to', 'next', ...fields]) properties[field] = { type: 'string' };
  return { type: 'object', properties } as const;
}

type Body = Record<string, unknown> | undefined;

const DONE_NOTICES: Record<string, MessageKey> = {
  found: 'case_tracking.worklist_done_found',
  not_found: 'case_tracking.worklist_done_not_found',
  released: 'case_tracking.worklist_done_released',
};

export function registerLocatingRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
): void {
  const page: (request: FastifyRequest) => Page = consolePageOf(context);
  const csrfToken = (request: FastifyRequest): string => services.csrf.issue(request.principal!.csrfSecret);
  const today = () => wallTimeOf(context.clock.now(), context.config.timeZone).date;

  async function worklistPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: Pick<WorklistOptions, 'notice' | 'problem'>,
  ) {
    const worklist = await locatorWorklist(context, request.principal!);
    const options: WorklistOptions = {
      returnTo: WORKLIST_PATH,
      csrfToken: csrfToken(request),
      today: today(),
      ...extra,
    };
    return sendHtml(reply, renderWorklistPage(page(request), worklist, options), status);
  }

  app.get<{ Querystring: { done?: string } }>(
    WORKLIST_PATH,
    {
      config: { access: viewLocatorWorklist },
      schema: { querystring: worklistQuery, response: htmlResponses() },
    },
    async (request, reply) => {
      const key = request.query.done ? DONE_NOTICES[request.query.done] : undefined;
      return worklistPage(request, reply, 200, key ? { notice: { kind: 'ok', text: request.t(key) } } : {});
    },
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/locating/:id',
    {
      config: { access: legalOnly },
      schema: {
        params: caseParams,
        body: formBody(['result', 'facility_id', 'since']),
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const caseId = request.params.id.toLowerCase();
      const values = formValues(['result', 'facility_id', 'since', 'return_to', 'next'], request.body);
      const returnTo = safeReturnTo(values.return_to);
      const result = WORKLIST_RESULTS.find((r) => r === values.result);
      const next = values.next && isUuid(values.next) ? `#${rowAnchor(values.next.toLowerCase())}` : '';
      const problem = (key: MessageKey) =>
        worklistPage(request, reply, 422, {
          notice: { kind: 'error', text: request.t(key) },
          problem: { caseId, key },
        });
      if (!result) return problem('case_tracking.worklist_error_choose');
      if (result === 'released') {
        await openCaseForStaff(context, request.principal!, caseId);
        return reply.redirect(
          `/console/cases/${caseId}/release?return_to=${encodeURIComponent(returnTo)}`,
          303,
        );
      }
      const outcome =
        result === 'found'
          ? await recordFacilityStay(context, request.principal!, caseId, {
              facility_id: values.facility_id ?? '',
              since: values.since ?? '',
            })
          : await recordLocatorCheck(context, request.principal!, caseId, { result: 'not_found' });
      if (outcome.outcome === 'invalid') return problem('case_tracking.worklist_error_facility');
      if (outcome.outcome === 'closed') return problem('case_tracking.error_case_closed');
      return reply.redirect(`${returnTo}?done=${result}${next}`, 303);
    },
  );

  async function releasePage(
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    status: number,
    form: ReleaseFormState,
    returnTo: string,
  ) {
    const { caseRow } = await openCaseForStaff(context, request.principal!, request.params.id.toLowerCase());
    const panel = releaseForm(
      request.t,
      {
        caseId: caseRow.id,
        csrfToken: csrfToken(request),
        directory: await listFacilities(context.db),
        today: today(),
        returnTo,
      },
      form,
    );
    const notice =
      status === 409
        ? { kind: 'error' as const, text: request.t('case_tracking.error_case_closed') }
        : undefined;
    return sendHtml(
      reply,
      renderPanelPage(page(request), caseRow, request.t('case_tracking.release_title'), panel, notice),
      status,
    );
  }

  app.get<{ Params: { id: string }; Querystring: { return_to?: string } }>(
    '/console/cases/:id/release',
    {
      config: { access: legalOnly },
      schema: {
        params: caseParams,
        querystring: { type: 'object', properties: { return_to: { type: 'string', maxLength: 200 } } },
        response: htmlResponses(404),
      },
    },
    async (request, reply) =>
      releasePage(
        request,
        reply,
        200,
        { values: {}, errors: {} },
        request.query.return_to ? safeReturnTo(request.query.return_to) : '',
      ),
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/cases/:id/release',
    {
      config: { access: legalOnly },
      schema: {
        params: caseParams,
        body: formBody(RELEASE_FIELDS),
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const caseId = request.params.id.toLowerCase();
      const values = formValues(RELEASE_FIELDS, request.body);
      const raw = request.body ?? {};
      const returnTo = raw.return_to ? safeReturnTo(raw.return_to) : '';
      const result = await recordRelease(context, request.principal!, caseId, values);
      if (result.outcome === 'invalid')
        return releasePage(request, reply, 422, { values, errors: result.errors }, returnTo);
      if (result.outcome === 'closed')
        return releasePage(request, reply, 409, { values, errors: {} }, returnTo);
      return reply.redirect(
        returnTo ? `${returnTo}?done=released` : caseSectionHref(caseId, RELEASE_SECTION_ID),
        303,
      );
    },
  );
}
