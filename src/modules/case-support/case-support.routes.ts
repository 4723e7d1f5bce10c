// Case support routes. Handlers parse, authorize (roles in case-support.policy.ts; every case route opens the
// case through openCaseForStaff first, a 404 for anyone outside it), call the service and present. A form
// with problems comes back on its own page with everything typed; a saved form goes back to its section of
// the case page.
import type { Notice } from '../../http/layout.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { HttpServices } from '../../http/app.ts';
import { AppError } from '../../http/errors.ts';
import { htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { sendHtml } from '../../http/html-reply.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import { openCaseForStaff } from '../cases/cases.access.ts';
import { auditCaseViewed } from '../cases/cases.service.ts';
import { caseSectionHref } from '../cases/cases.sections.ts';
import {
  archiveAttorney,
  assignAttorney,
  attorneyDirectory,
  attorneyFormValues,
  attorneySuggestions,
  createAttorney,
  editAttorney,
  findAttorneyView,
  mayEditAttorneyPhone,
  unassignAttorney,
  type AttorneyView,
} from './case-support.attorneys.ts';
import {
  bondFunds,
  createFund,
  formatUsd,
  fundLedger,
  recordBondPayment,
  recordDeposit,
  saveBond,
} from './case-support.bond.ts';
import { acceptsChanges, type OpenedCase } from './case-support.case.ts';
import { recordOutcome } from './case-support.outcome.ts';
import {
  emptyForm,
  renderAttorneyForm,
  renderBondPage,
  renderDirectory,
  renderFund,
  renderFunds,
  renderMyTasks,
  renderOutcomePage,
  renderSuggestions,
  renderTasksPage,
  type CaseRef,
  type FormState,
  type Page,
} from './case-support.pages.ts';
import { manageDirectory, supportCase } from './case-support.policy.ts';
import {
  assignBody,
  attorneyBody,
  ATTORNEY_FIELDS,
  BOND_FIELDS,
  bondBody,
  FUND_FIELDS,
  fundBody,
  idParams,
  LEDGER_FIELDS,
  ledgerBody,
  noticeQuery,
  OUTCOME_FIELDS,
  outcomeBody,
  parseAssignRequest,
  parseTaskStatus,
  TASK_FIELDS,
  taskBody,
  taskStatusBody,
  tokenOnlyBody,
  validateAttorneyForm,
  validateBondForm,
  validateFundForm,
  validateLedgerForm,
  validateOutcomeForm,
  validateTaskForm,
  type FormValues,
  type LedgerField,
} from './case-support.schemas.ts';
import { bondState, outcomeState, SECTION_IDS, tasksState, today } from './case-support.sections.ts';
import { addTask, changeTaskStatus, myTasks, taskAssignees } from './case-support.tasks.ts';

type Body = Record<string, unknown>;
type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** The form's fields as typed; anything that is not a string (a repeated field) counts as empty. */
function valuesOf<F extends string>(fields: readonly F[], body: Body | undefined): FormValues<F> {
  const values: FormValues<F> = {};
  for (const field of fields) {
    const value = body?.[field];
    values[field] = typeof value === 'string' ? value : '';
  }
  return values;
}

const SAVED_NOTICES: Record<string, MessageKey> = {
  attorney: 'case_support.attorney_saved',
  archived: 'case_support.attorney_archived',
  restored: 'case_support.attorney_restored',
  fund: 'case_support.fund_created',
  deposit: 'case_support.deposit_recorded',
  task: 'case_support.task_updated',
};

export function registerCaseSupportRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
): void {
  const scope = caseSupportRouteScope(context, services);
  registerAttorneyDirectoryRoutes(app, scope);
  registerBondFundRoutes(app, scope);
  registerCaseAttorneyRoutes(app, scope);
  registerBondRoutes(app, scope);
  registerSupportTaskRoutes(app, scope);
  registerOutcomeRoutes(app, scope);
}

/** What the route groups below share: built once, when the routes are registered. */
function caseSupportRouteScope(context: AppContext, services: HttpServices) {
  const { config } = context;
  const { networkName } = config;
  const page = (request: FastifyRequest): Page => ({ request, networkName, timeZone: config.timeZone });
  const csrfToken = (request: FastifyRequest): string => services.csrf.issue(request.principal!.csrfSecret);
  const savedNotice = (request: FastifyRequest<{ Querystring: { saved?: string } }>): Notice | undefined => {
    const saved = request.query.saved;
    const key = saved !== undefined && Object.hasOwn(SAVED_NOTICES, saved) ? SAVED_NOTICES[saved] : undefined;
    return key ? { kind: 'ok', text: request.t(key) } : undefined;
  };
  const open = (request: IdRequest): Promise<OpenedCase> =>
    openCaseForStaff(context, request.principal!, request.params.id);
  /** A support page of a case shows its contents: audited like the case page itself. */
  const openToView = async (request: IdRequest): Promise<OpenedCase> => {
    const opened = await open(request);
    await auditCaseViewed(context, request.principal!.userId, opened.caseRow.id);
    return opened;
  };
  const refOf = (opened: OpenedCase): CaseRef => ({
    id: opened.caseRow.id,
    reference: opened.caseRow.reference,
  });
  const backToSection = (reply: FastifyReply, caseId: string, section: string) =>
    reply.redirect(caseSectionHref(caseId, section), 303);
  const error = (
    request: FastifyRequest,
    key: MessageKey,
    params?: Record<string, string | number>,
  ): Notice => ({
    kind: 'error',
    text: request.t(key, params),
  });

  const caseGet = {
    config: { access: supportCase },
    schema: { params: idParams, response: htmlResponses(404) },
  };
  const casePost = (body: object) => ({
    config: { access: supportCase },
    schema: { params: idParams, body, response: { ...htmlResponses(404, 409, 422), ...redirectResponse } },
  });
  const directoryPost = (body: object, withParams: boolean) => ({
    config: { access: manageDirectory },
    schema: {
      ...(withParams ? { params: idParams } : {}),
      body,
      response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
    },
  });

  // Staff who may not change an attorney's phone are not offered the field: the number kept is the current one.
  // A phone they send anyway is checked by the service like any other change.
  const attorneyValues = (request: FastifyRequest<{ Body: Body }>, attorney: AttorneyView | undefined) => {
    const values = valuesOf(ATTORNEY_FIELDS, request.body);
    if (!mayEditAttorneyPhone(request.principal!) && request.body.phone === undefined) {
      values.phone = attorney?.phone ?? '';
    }
    return values;
  };
  const phoneLegalOnly = { phone: { key: 'case_support.error_phone_legal_only' as MessageKey } };

  return {
    context,
    services,
    networkName,
    get timeZone() {
      return context.config.timeZone;
    },
    page,
    csrfToken,
    savedNotice,
    open,
    openToView,
    refOf,
    backToSection,
    error,
    caseGet,
    casePost,
    directoryPost,
    attorneyValues,
    phoneLegalOnly,
  };
}

type CaseSupportRouteScope = ReturnType<typeof caseSupportRouteScope>;

/** The attorney directory: list, add, edit, archive and restore. */
function registerAttorneyDirectoryRoutes(app: FastifyInstance, scope: CaseSupportRouteScope): void {
  const { context, page, csrfToken, savedNotice, directoryPost, attorneyValues, phoneLegalOnly } = scope;
  // -------------------------------------------------------------------------------------------------------
  // Attorney directory

  app.get<{ Querystring: { saved?: string } }>(
    '/console/attorneys',
    { config: { access: manageDirectory }, schema: { querystring: noticeQuery, response: htmlResponses() } },
    async (request, reply) =>
      sendHtml(
        reply,
        renderDirectory(
          page(request),
          await attorneyDirectory(context),
          csrfToken(request),
          savedNotice(request),
        ),
      ),
  );

  app.get(
    '/console/attorneys/new',
    { config: { access: manageDirectory }, schema: { response: htmlResponses() } },
    async (request, reply) =>
      sendHtml(
        reply,
        renderAttorneyForm(page(request), emptyForm({ capacity: '10' }), {
          csrfToken: csrfToken(request),
          phoneEditable: mayEditAttorneyPhone(request.principal!),
        }),
      ),
  );

  app.post<{ Body: Body }>(
    '/console/attorneys',
    directoryPost(attorneyBody, false),
    async (request, reply) => {
      const principal = request.principal!;
      const values = attorneyValues(request, undefined);
      const validation = validateAttorneyForm(values);
      const formOptions = { csrfToken: csrfToken(request), phoneEditable: mayEditAttorneyPhone(principal) };
      if (!validation.ok) {
        return sendHtml(
          reply,
          renderAttorneyForm(page(request), { values, errors: validation.errors }, formOptions),
          422,
        );
      }
      const saved = await createAttorney(context, principal, validation.input);
      if (saved.outcome === 'phone_legal_only') {
        return sendHtml(
          reply,
          renderAttorneyForm(page(request), { values, errors: phoneLegalOnly }, formOptions),
          422,
        );
      }
      return reply.redirect('/console/attorneys?saved=attorney', 303);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { saved?: string } }>(
    '/console/attorneys/:id',
    {
      config: { access: manageDirectory },
      schema: { params: idParams, querystring: noticeQuery, response: htmlResponses(404) },
    },
    async (request, reply) => {
      const attorney = await findAttorneyView(context, request.params.id);
      if (!attorney) throw new AppError('not_found');
      return sendHtml(
        reply,
        renderAttorneyForm(page(request), emptyForm(attorneyFormValues(attorney)), {
          attorney,
          csrfToken: csrfToken(request),
          phoneEditable: mayEditAttorneyPhone(request.principal!),
          ...(savedNotice(request) ? { notice: savedNotice(request)! } : {}),
        }),
      );
    },
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/attorneys/:id',
    directoryPost(attorneyBody, true),
    async (request, reply) => {
      const principal = request.principal!;
      const attorney = await findAttorneyView(context, request.params.id);
      if (!attorney) throw new AppError('not_found');
      const values = attorneyValues(request, attorney);
      const validation = validateAttorneyForm(values);
      const formOptions = {
        attorney,
        csrfToken: csrfToken(request),
        phoneEditable: mayEditAttorneyPhone(principal),
      };
      if (!validation.ok) {
        return sendHtml(
          reply,
          renderAttorneyForm(page(request), { values, errors: validation.errors }, formOptions),
          422,
        );
      }
      const outcome = await editAttorney(context, principal, attorney.id, validation.input);
      if (outcome === 'not_found') throw new AppError('not_found');
      if (outcome === 'phone_legal_only') {
        return sendHtml(
          reply,
          renderAttorneyForm(page(request), { values, errors: phoneLegalOnly }, formOptions),
          422,
        );
      }
      return reply.redirect(`/console/attorneys/${attorney.id}?saved=attorney`, 303);
    },
  );

  for (const [action, archived] of [
    ['archive', true],
    ['restore', false],
  ] as const) {
    app.post<{ Params: { id: string }; Body: Body }>(
      `/console/attorneys/:id/${action}`,
      directoryPost(tokenOnlyBody, true),
      async (request, reply) => {
        const outcome = await archiveAttorney(
          context,
          request.principal!.userId,
          request.params.id,
          archived,
        );
        if (outcome === 'not_found') throw new AppError('not_found');
        return reply.redirect(`/console/attorneys?saved=${archived ? 'archived' : 'restored'}`, 303);
      },
    );
  }
}

/** The bond funds directory. */
function registerBondFundRoutes(app: FastifyInstance, scope: CaseSupportRouteScope): void {
  const { context, page, csrfToken, savedNotice, directoryPost } = scope;
  // -------------------------------------------------------------------------------------------------------
  // Bond funds

  async function showFunds(
    request: FastifyRequest,
    reply: FastifyReply,
    form: FormState<'name'>,
    status: number,
  ) {
    const notice = savedNotice(request as FastifyRequest<{ Querystring: { saved?: string } }>);
    return sendHtml(
      reply,
      renderFunds(page(request), await bondFunds(context), form, csrfToken(request), notice),
      status,
    );
  }

  app.get<{ Querystring: { saved?: string } }>(
    '/console/bond-funds',
    { config: { access: manageDirectory }, schema: { querystring: noticeQuery, response: htmlResponses() } },
    async (request, reply) => showFunds(request, reply, emptyForm(), 200),
  );

  app.post<{ Body: Body }>('/console/bond-funds', directoryPost(fundBody, false), async (request, reply) => {
    const values = valuesOf(FUND_FIELDS, request.body);
    const validation = validateFundForm(values);
    if (!validation.ok) return showFunds(request, reply, { values, errors: validation.errors }, 422);
    const result = await createFund(context, request.principal!.userId, validation.input.name);
    if (result.outcome === 'name_taken')
      return showFunds(
        request,
        reply,
        { values, errors: { name: { key: 'case_support.error_fund_name_taken' } } },
        409,
      );
    return reply.redirect(`/console/bond-funds/${result.fundId}?saved=fund`, 303);
  });

  async function showFund(
    request: FastifyRequest,
    reply: FastifyReply,
    fundId: string,
    form: FormState<LedgerField>,
    status: number,
  ) {
    const view = await fundLedger(context, request.principal!, fundId);
    if (!view) throw new AppError('not_found');
    const notice = savedNotice(request as FastifyRequest<{ Querystring: { saved?: string } }>);
    return sendHtml(reply, renderFund(page(request), view, form, csrfToken(request), notice), status);
  }

  app.get<{ Params: { id: string }; Querystring: { saved?: string } }>(
    '/console/bond-funds/:id',
    {
      config: { access: manageDirectory },
      schema: { params: idParams, querystring: noticeQuery, response: htmlResponses(404) },
    },
    async (request, reply) =>
      showFund(request, reply, request.params.id, emptyForm({ occurred_on: today(context) }), 200),
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/bond-funds/:id/deposits',
    directoryPost(ledgerBody, true),
    async (request, reply) => {
      const fundId = request.params.id;
      const values = { ...valuesOf(LEDGER_FIELDS, request.body), fund_id: fundId };
      const validation = validateLedgerForm(values, { receiptRequired: false });
      if (!validation.ok) return showFund(request, reply, fundId, { values, errors: validation.errors }, 422);
      if ((await recordDeposit(context, request.principal!.userId, fundId, validation.input)) === 'not_found')
        throw new AppError('not_found');
      return reply.redirect(`/console/bond-funds/${fundId}?saved=deposit`, 303);
    },
  );
}

/** The case's attorney: suggestions, choosing one, and letting them go. */
function registerCaseAttorneyRoutes(app: FastifyInstance, scope: CaseSupportRouteScope): void {
  const { context, page, csrfToken, open, openToView, refOf, backToSection, error, caseGet, casePost } =
    scope;
  // -------------------------------------------------------------------------------------------------------
  // The case's attorney

  async function showSuggestions(
    request: IdRequest,
    reply: FastifyReply,
    opened: OpenedCase,
    status: number,
    options: { notice?: Notice; highlight?: string } = {},
  ) {
    const view = await attorneySuggestions(context, opened);
    return sendHtml(
      reply,
      renderSuggestions(page(request), refOf(opened), view, {
        csrfToken: csrfToken(request),
        canChange: acceptsChanges(opened.caseRow),
        ...options,
      }),
      status,
    );
  }

  app.get<{ Params: { id: string } }>('/console/cases/:id/attorneys', caseGet, async (request, reply) =>
    showSuggestions(request, reply, await openToView(request), 200),
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/cases/:id/attorney',
    casePost(assignBody),
    async (request, reply) => {
      const opened = await open(request);
      const parsed = parseAssignRequest(request.body);
      if (!parsed)
        return showSuggestions(request, reply, opened, 422, {
          notice: error(request, 'case_support.error_choose_attorney'),
        });
      const result = await assignAttorney(context, request.principal!, opened, parsed);
      switch (result.outcome) {
        case 'assigned':
        case 'already_assigned':
          return backToSection(reply, opened.caseRow.id, SECTION_IDS.attorney);
        case 'closed':
          return showSuggestions(request, reply, opened, 409, {
            notice: error(request, 'case_support.case_closed'),
          });
        case 'unknown_attorney':
          return showSuggestions(request, reply, opened, 409, {
            notice: error(request, 'case_support.error_unknown_attorney'),
          });
        case 'needs_confirmation': {
          const key: MessageKey =
            result.conflicts.length > 0 && !parsed.confirmConflict
              ? 'case_support.error_confirm_conflict'
              : 'case_support.error_confirm_capacity';
          return showSuggestions(request, reply, opened, 409, {
            notice: error(request, key),
            highlight: parsed.attorneyId,
          });
        }
      }
    },
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/cases/:id/attorney/end',
    casePost(tokenOnlyBody),
    async (request, reply) => {
      const opened = await open(request);
      const outcome = await unassignAttorney(context, request.principal!, opened);
      if (outcome === 'closed')
        return showSuggestions(request, reply, opened, 409, {
          notice: error(request, 'case_support.case_closed'),
        });
      return backToSection(reply, opened.caseRow.id, SECTION_IDS.attorney);
    },
  );
}

/** A case's bond and its payment. */
function registerBondRoutes(app: FastifyInstance, scope: CaseSupportRouteScope): void {
  const { context, page, csrfToken, open, refOf, backToSection, error, casePost } = scope;
  // -------------------------------------------------------------------------------------------------------
  // Bond and its payment

  // GET /console/cases/:id/bond is the case's bond part (the cases module's page, with this module's section).
  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/cases/:id/bond',
    casePost(bondBody),
    async (request, reply) => {
      const opened = await open(request);
      const values = valuesOf(BOND_FIELDS, request.body);
      const validation = validateBondForm(values);
      if (!validation.ok) {
        const state = await bondState(context, opened, csrfToken(request), {
          bondForm: { values, errors: validation.errors },
        });
        return sendHtml(reply, renderBondPage(page(request), refOf(opened), state), 422);
      }
      if ((await saveBond(context, request.principal!, opened, validation.input)) === 'closed') {
        const state = await bondState(context, opened, csrfToken(request), {
          bondForm: { values, errors: {} },
        });
        return sendHtml(
          reply,
          renderBondPage(page(request), refOf(opened), state, error(request, 'case_support.case_closed')),
          409,
        );
      }
      return backToSection(reply, opened.caseRow.id, SECTION_IDS.bond);
    },
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/cases/:id/bond/payments',
    casePost(ledgerBody),
    async (request, reply) => {
      const opened = await open(request);
      const values = valuesOf(LEDGER_FIELDS, request.body);
      const again = async (status: number, paymentForm: FormState<LedgerField>, notice?: Notice) => {
        const state = await bondState(context, opened, csrfToken(request), {
          paymentForm,
          ...(notice ? { paymentNotice: notice } : {}),
        });
        return sendHtml(reply, renderBondPage(page(request), refOf(opened), state), status);
      };
      const validation = validateLedgerForm(values, { receiptRequired: true });
      if (!validation.ok) return again(422, { values, errors: validation.errors });
      const result = await recordBondPayment(context, request.principal!, opened, validation.input);
      switch (result.outcome) {
        case 'paid':
          return backToSection(reply, opened.caseRow.id, SECTION_IDS.bond);
        case 'insufficient':
          return again(409, {
            values,
            errors: {
              amount: {
                key: 'case_support.error_insufficient',
                params: { fund: result.fundName, balance: formatUsd(result.balanceCents) },
              },
            },
          });
        case 'unknown_fund':
          return again(422, { values, errors: { fund_id: { key: 'case_support.error_choose' } } });
        case 'not_eligible':
          return again(
            409,
            { values, errors: {} },
            error(request, 'case_support.error_payment_not_eligible'),
          );
        case 'closed':
          return again(409, { values, errors: {} }, error(request, 'case_support.case_closed'));
      }
    },
  );
}

/** Family support tasks, on the case and in the staff member's own list. */
function registerSupportTaskRoutes(app: FastifyInstance, scope: CaseSupportRouteScope): void {
  const {
    context,
    page,
    csrfToken,
    savedNotice,
    open,
    openToView,
    refOf,
    backToSection,
    error,
    caseGet,
    casePost,
  } = scope;
  // -------------------------------------------------------------------------------------------------------
  // Family support tasks

  app.get<{ Params: { id: string } }>('/console/cases/:id/support-tasks', caseGet, async (request, reply) => {
    const opened = await openToView(request);
    const state = await tasksState(context, opened, csrfToken(request));
    return sendHtml(reply, renderTasksPage(page(request), refOf(opened), state));
  });

  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/cases/:id/support-tasks',
    casePost(taskBody),
    async (request, reply) => {
      const opened = await open(request);
      const values = valuesOf(TASK_FIELDS, request.body);
      const assignees = await taskAssignees(context, opened.caseRow.id);
      const validation = validateTaskForm(values, new Set(assignees.map((a) => a.userId)));
      if (!validation.ok) {
        const state = await tasksState(context, opened, csrfToken(request), {
          form: { values, errors: validation.errors },
        });
        return sendHtml(reply, renderTasksPage(page(request), refOf(opened), state), 422);
      }
      if ((await addTask(context, request.principal!, opened, validation.input)) === 'closed') {
        const state = await tasksState(context, opened, csrfToken(request), { form: { values, errors: {} } });
        return sendHtml(
          reply,
          renderTasksPage(page(request), refOf(opened), state, error(request, 'case_support.case_closed')),
          409,
        );
      }
      return backToSection(reply, opened.caseRow.id, SECTION_IDS.tasks);
    },
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/support-tasks/:id/status',
    casePost(taskStatusBody),
    async (request, reply) => {
      const status = parseTaskStatus(request.body?.status);
      // The form is a select of the three statuses: anything else was not sent by it.
      if (!status) throw new AppError('invalid_request');
      const result = await changeTaskStatus(context, request.principal!, request.params.id, status);
      if (!result) throw new AppError('not_found');
      if (result.outcome === 'closed') {
        const opened = await openCaseForStaff(context, request.principal!, result.caseId);
        const state = await tasksState(context, opened, csrfToken(request));
        return sendHtml(
          reply,
          renderTasksPage(page(request), refOf(opened), state, error(request, 'case_support.case_closed')),
          409,
        );
      }
      if (request.body?.back === 'my-tasks') return reply.redirect('/console/my-tasks?saved=task', 303);
      return backToSection(reply, result.caseId, SECTION_IDS.tasks);
    },
  );

  app.get<{ Querystring: { saved?: string } }>(
    '/console/my-tasks',
    { config: { access: supportCase }, schema: { querystring: noticeQuery, response: htmlResponses() } },
    async (request, reply) =>
      sendHtml(
        reply,
        renderMyTasks(
          page(request),
          await myTasks(context, request.principal!),
          csrfToken(request),
          today(context),
          savedNotice(request),
        ),
      ),
  );
}

/** A case's outcome. */
function registerOutcomeRoutes(app: FastifyInstance, scope: CaseSupportRouteScope): void {
  const { context, casePost, page, csrfToken, open, refOf, error, backToSection } = scope;
  // -------------------------------------------------------------------------------------------------------
  // Outcome

  // GET /console/cases/:id/outcome is the case's outcome part (the cases module's page, with this section).
  app.post<{ Params: { id: string }; Body: Body }>(
    '/console/cases/:id/outcome',
    casePost(outcomeBody),
    async (request, reply) => {
      const opened = await open(request);
      const values = valuesOf(OUTCOME_FIELDS, request.body);
      const validation = validateOutcomeForm(values);
      if (!validation.ok) {
        const state = outcomeState(context, opened, csrfToken(request), {
          form: { values, errors: validation.errors },
        });
        return sendHtml(reply, renderOutcomePage(page(request), refOf(opened), state), 422);
      }
      const result = await recordOutcome(context, request.principal!, opened, validation.input);
      if (result.outcome === 'closed') {
        const state = outcomeState(context, opened, csrfToken(request), { form: { values, errors: {} } });
        return sendHtml(
          reply,
          renderOutcomePage(page(request), refOf(opened), state, error(request, 'case_support.case_closed')),
          409,
        );
      }
      return backToSection(reply, opened.caseRow.id, SECTION_IDS.outcome);
    },
  );
}
