// A case's tracking forms and the checks-due list: parse, authorize (legalOnly here, need to know per case in
// the service through openCaseForStaff), call the service, present. A saved form goes back to its section of
// the case page; one with problems comes back on a page of its own with everything typed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { HttpServices } from '../../http/app.ts';
import type { Html } from '../../http/html.ts';
import { htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { sendHtml } from '../../http/html-reply.ts';
import { formValues } from '../../http/form.ts';
import { openCaseForStaff } from '../cases/cases.access.ts';
import { legalOnly } from '../cases/cases.policy.ts';
import { caseSectionHref } from '../cases/cases.sections.ts';
import {
  facilityPanel,
  hearingEditPanel,
  hearingsPanel,
  locatorPanel,
  renderChecksDue,
  renderPanelPage,
  SECTION_IDS,
  type FormState,
} from './case-tracking.pages.ts';
import { HEARING_FIELDS, LOCATOR_FIELDS, STAY_FIELDS, type HearingField } from './case-tracking.schemas.ts';
import { panelContext, todayIn } from './case-tracking.sections.ts';
import {
  addHearing,
  checksDue,
  hearingForEdit,
  hearingValues,
  readTracking,
  recordFacilityStay,
  recordLocatorCheck,
  updateHearing,
  type FormResult,
} from './case-tracking.service.ts';
import type { Page } from './tracking.html.ts';

const caseParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

const hearingParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 }, hearingId: { type: 'string', maxLength: 64 } },
  required: ['id', 'hearingId'],
} as const;

/** Form bodies: strings, no length limits (an over-long value comes back with a message, not a bare 400). */
function formBody(fields: readonly string[]) {
  const properties: Record<string, { type: 'string'; maxLength?: number }> = {
    _csrf: { type: 'string', maxLength: 256 },
  };
  for (const field of fields) properties[field] = { type: 'string' };
  return { type: 'object', properties } as const;
}

type Body = Record<string, unknown> | undefined;

export function registerCaseTrackingRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
): void {
  const { networkName } = context.config;
  const page = (request: FastifyRequest): Page => ({
    request,
    networkName,
    timeZone: context.config.timeZone,
  });
  const csrfToken = (request: FastifyRequest): string => services.csrf.issue(request.principal!.csrfSecret);
  // Case ids are stored and keyed in lower case; a link typed in capitals still finds its case.
  const caseIdOf = (request: FastifyRequest<{ Params: { id: string } }>) => request.params.id.toLowerCase();

  /** The panel again, on a page of its own: the form had problems, or the case was closed meanwhile. */
  async function panelPage(
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    status: number,
    build: (input: {
      ctx: ReturnType<typeof panelContext>;
      view: Awaited<ReturnType<typeof readTracking>>;
      today: string;
    }) => { heading: string; panel: Html },
  ) {
    const opened = await openCaseForStaff(context, request.principal!, caseIdOf(request));
    const input = { request, context, caseRow: opened.caseRow, csrfToken: csrfToken(request) };
    const view = await readTracking(context, opened.caseRow, opened.cipher);
    const { heading, panel } = build({ ctx: panelContext(input), view, today: todayIn(input) });
    const notice =
      status === 409
        ? { kind: 'error' as const, text: request.t('case_tracking.error_case_closed') }
        : undefined;
    return sendHtml(reply, renderPanelPage(page(request), opened.caseRow, heading, panel, notice), status);
  }

  function answer<Errors>(
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    result: FormResult<Errors>,
    sectionId: string,
    again: (status: number, errors: Errors | Record<string, never>) => Promise<FastifyReply>,
  ) {
    switch (result.outcome) {
      case 'saved':
        return reply.redirect(caseSectionHref(caseIdOf(request), sectionId), 303);
      case 'invalid':
        return again(422, result.errors);
      case 'closed':
        return again(409, {});
    }
  }

  app.get(
    '/console/cases/checks-due',
    { config: { access: legalOnly }, schema: { response: htmlResponses() } },
    async (request, reply) =>
      sendHtml(reply, renderChecksDue(page(request), await checksDue(context, request.principal!))),
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/cases/:id/locator-checks',
    {
      config: { access: legalOnly },
      schema: {
        params: caseParams,
        body: formBody(LOCATOR_FIELDS),
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const values = formValues(LOCATOR_FIELDS, request.body);
      const result = await recordLocatorCheck(context, request.principal!, caseIdOf(request), values);
      return answer(request, reply, result, SECTION_IDS.locator, (status, errors) =>
        panelPage(request, reply, status, ({ ctx, view }) => ({
          heading: request.t('case_tracking.locator_heading'),
          panel: locatorPanel(ctx, view, { values, errors }, context.clock.now()),
        })),
      );
    },
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/cases/:id/facility',
    {
      config: { access: legalOnly },
      schema: {
        params: caseParams,
        body: formBody(STAY_FIELDS),
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const values = formValues(STAY_FIELDS, request.body);
      const result = await recordFacilityStay(context, request.principal!, caseIdOf(request), values);
      return answer(request, reply, result, SECTION_IDS.facility, (status, errors) =>
        panelPage(request, reply, status, ({ ctx, view, today }) => ({
          heading: request.t('case_tracking.facility_heading'),
          panel: facilityPanel(ctx, view, { values, errors }, today),
        })),
      );
    },
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/cases/:id/hearings',
    {
      config: { access: legalOnly },
      schema: {
        params: caseParams,
        body: formBody(HEARING_FIELDS),
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const values = formValues(HEARING_FIELDS, request.body);
      const result = await addHearing(context, request.principal!, caseIdOf(request), values);
      return answer(request, reply, result, SECTION_IDS.hearings, (status, errors) =>
        panelPage(request, reply, status, ({ ctx, view }) => ({
          heading: request.t('case_tracking.hearings_heading'),
          panel: hearingsPanel(ctx, view.hearings, { values, errors }),
        })),
      );
    },
  );

  async function hearingPage(
    request: FastifyRequest<{ Params: { id: string; hearingId: string } }>,
    reply: FastifyReply,
    status: number,
    form?: FormState<HearingField>,
  ) {
    // A form coming back is the page the person already had open: only the first look is audited.
    const { caseRow, record } = await hearingForEdit(
      context,
      request.principal!,
      caseIdOf(request),
      request.params.hearingId,
      { audit: form === undefined },
    );
    const ctx = panelContext({ request, context, caseRow, csrfToken: csrfToken(request) });
    const hearingId = request.params.hearingId.toLowerCase();
    const panel = hearingEditPanel(
      ctx,
      hearingId,
      form ?? { values: hearingValues(record, context.config.timeZone), errors: {} },
    );
    const notice =
      status === 409
        ? { kind: 'error' as const, text: request.t('case_tracking.error_case_closed') }
        : undefined;
    return sendHtml(
      reply,
      renderPanelPage(page(request), caseRow, request.t('case_tracking.hearing_edit_title'), panel, notice),
      status,
    );
  }

  app.get<{ Params: { id: string; hearingId: string } }>(
    '/console/cases/:id/hearings/:hearingId',
    {
      config: { access: legalOnly },
      schema: { params: hearingParams, response: htmlResponses(404) },
    },
    async (request, reply) => hearingPage(request, reply, 200),
  );

  app.post<{ Params: { id: string; hearingId: string }; Body: Body }>(
    '/console/cases/:id/hearings/:hearingId',
    {
      config: { access: legalOnly },
      schema: {
        params: hearingParams,
        body: formBody(HEARING_FIELDS),
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const values = formValues(HEARING_FIELDS, request.body);
      const result = await updateHearing(
        context,
        request.principal!,
        caseIdOf(request),
        request.params.hearingId,
        values,
      );
      return answer(request, reply, result, SECTION_IDS.hearings, (status, errors) =>
        hearingPage(request, reply, status, { values, errors: errors }),
      );
    },
  );
}
