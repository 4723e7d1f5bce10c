// The case console (legal staff) and the teams pages (admins). Handlers parse, authorize (cases.policy.ts,
// then openCaseForStaff per case), call the service and present.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { Case } from '../../db/schema.ts';
import type { HttpServices } from '../../http/app.ts';
import type { RouteAccess } from '../../http/access.ts';
import { AppError } from '../../http/errors.ts';
import { isUuid } from '../../http/ids.ts';
import { familyContacts } from './cases.family.ts';
import { contactsWithLiveCode, giveStatusCode, revokeStatusCode } from './cases.status-codes.ts';
import { renderStatusCodeShown } from './cases.status-codes.pages.ts';
import type { Html } from '../../http/html.ts';
import { AUDIO_TYPES, fileResponses, htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { sendHtml } from '../../http/html-reply.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import { formatTime } from '../../i18n/time.ts';
import { findCaseForStaff, openCaseForStaff } from './cases.access.ts';
import { buildCaseExport, renderCasePdf } from './cases.export.ts';
import { mergeCases } from './cases.merge.ts';
import { registerQuickCaseRoutes } from './cases.quick.routes.ts';
import { markDuplicateChecked, readDuplicateChecks } from './duplicate-checks.ts';
import { playHotlineMessage, readHotlineMessages } from './hotline-messages.ts';
import { detailsToValuesWithOpening, localDateTime, type NewCaseDefaults } from './cases.prefill.ts';
import { byUrgency, dayIn, daysBetween, detentionDay, formatCaseDay } from './cases.summary.ts';
import {
  renderCaseForm,
  renderCaseList,
  renderCasePage,
  renderContactForm,
  renderFamilySection,
  renderHotlineSection,
  renderHuskPage,
  renderPersonSection,
  renderStaffSection,
  renderTeam,
  renderTeams,
  type CaseFormState,
  type Page,
} from './cases.pages.ts';
import { legalOnly, manageTeams } from './cases.policy.ts';
import { teamsOfUser } from './cases.repository.ts';
import {
  caseIdParams,
  caseSubParams,
  CONTACT_FIELDS,
  DETAIL_FIELDS,
  detailsToValues,
  formBody,
  formValues,
  INVALID_ID,
  listQuery,
  newCaseQuery,
  OPENING_FIELDS,
  optionalId,
  validateContact,
  validateDetails,
  type CaseFormErrors,
  type CaseFormValues,
} from './cases.schemas.ts';
import {
  CASE_PARTS,
  caseFacts,
  caseListFacts,
  casePartPath,
  caseSections,
  registerCaseFacts,
  registerCaseSection,
  type CasePart,
  type CaseSectionInput,
} from './cases.sections.ts';
import {
  addFamilyContact,
  assignableLegalStaff,
  assignLegalStaff,
  auditCaseViewed,
  changeCaseTeam,
  closeCase,
  listCasesFor,
  readCaseOverview,
  readFollowupForCase,
  readIncidentForCase,
  recentConfirmedIncidents,
  removeFamilyContact,
  reopenCase,
  staffLabels,
  submitNewCase,
  unassignLegalStaff,
  updateCaseDetails,
  type CaseOverview,
} from './cases.service.ts';
import {
  addMember,
  createTeam,
  decideTeamRequest,
  makeIntakeTeam,
  readTeam,
  readTeams,
  removeMember,
} from './teams.service.ts';

/**
 * The options of a POST that answers with a redirect, or with an error page (404, or the given statuses): who
 * may send it, its path parameters, and whether it carries a form.
 */
function redirectingPost(
  access: RouteAccess,
  params: typeof caseIdParams | typeof caseSubParams,
  { form = false, statuses = [404] }: { form?: boolean; statuses?: number[] } = {},
) {
  return {
    config: { access },
    schema: {
      params,
      ...(form ? { body: formBody } : {}),
      response: { ...htmlResponses(...statuses), ...redirectResponse },
    },
  };
}

/** Notices a redirect may ask the case page to show: a fixed list, never text from the URL. */
const CASE_NOTICES = {
  created: 'cases.notice_created',
  created_checked: 'cases.notice_created_checked',
  added: 'cases.notice_added',
  saved: 'cases.notice_saved',
  assigned: 'cases.notice_assigned',
  closed: 'cases.notice_closed',
  reopened: 'cases.notice_reopened',
  merged: 'cases.notice_merged',
  not_legal: 'cases.problem_not_legal',
  last_assignee: 'cases.problem_last_assignee',
  not_member: 'cases.problem_not_member',
  nobody_left: 'cases.problem_nobody_left',
  not_duplicates: 'cases.problem_not_duplicates',
  case_closed: 'cases.problem_case_closed',
} as const satisfies Record<string, MessageKey>;
type CaseNotice = keyof typeof CASE_NOTICES;

const PROBLEMS: readonly CaseNotice[] = [
  'not_legal',
  'last_assignee',
  'not_member',
  'nobody_left',
  'not_duplicates',
  'case_closed',
];

const noticeQuery = {
  type: 'object',
  properties: { notice: { type: 'string', maxLength: 32 }, lang: { type: 'string' } },
} as const;

export function registerCaseRoutes(app: FastifyInstance, context: AppContext, services: HttpServices): void {
  const scope = caseRouteScope(context, services);
  registerCoreSections(context);
  registerCaseListRoutes(app, scope);
  registerCaseOpeningRoutes(app, scope);
  registerQuickCaseRoutes(app, context, services);
  registerCaseViewRoutes(app, scope);
  registerCaseEditRoutes(app, scope);
  registerCaseContactRoutes(app, scope);
  registerStatusCodeRoutes(app, scope);
  registerCaseAssignmentRoutes(app, scope);
  registerCaseLifecycleRoutes(app, scope);
  registerTeamRoutes(app, scope);
  registerTeamMemberRoutes(app, scope);
}

/** What the route groups below share: built once, when the routes are registered. */
function caseRouteScope(context: AppContext, services: HttpServices) {
  const { networkName } = context.config;
  const page = (request: FastifyRequest): Page => ({
    request,
    networkName,
    timeZone: context.config.timeZone,
  });
  const csrfFor = (request: FastifyRequest) => services.csrf.issue(request.principal!.csrfSecret);
  /** The team page again, saying what went wrong; a team gone meanwhile is a 404. */
  const teamWithProblem = async (
    request: FastifyRequest,
    reply: FastifyReply,
    teamId: string,
    problem: MessageKey,
    status: 409 | 422,
  ) => {
    const team = await readTeam(context, teamId);
    if (!team) throw new AppError('not_found');
    return sendHtml(
      reply,
      renderTeam(page(request), {
        team,
        csrfToken: csrfFor(request),
        selfId: request.principal!.userId,
        problem,
      }),
      status,
    );
  };
  // The network's day, as the forms' dates are typed (AMPARO_TIMEZONE), not UTC's: from 18:00 in Chicago the UTC day
  // is already tomorrow, and a date typed for tomorrow would pass as "not in the future".
  const today = () => localDateTime(context.clock.now(), context.config.timeZone).slice(0, 10);
  const redirectToCase = (reply: FastifyReply, caseId: string, notice?: CaseNotice, anchor = '') =>
    reply.redirect(`/console/cases/${caseId}${notice ? `?notice=${notice}` : ''}${anchor}`, 303);

  async function sectionInput(
    request: FastifyRequest,
    opened: { caseRow: Case; cipher: CaseSectionInput['cipher'] },
  ): Promise<CaseSectionInput> {
    return {
      context,
      request,
      principal: request.principal!,
      caseRow: opened.caseRow,
      cipher: opened.cipher,
      t: request.t,
      csrfToken: csrfFor(request),
    };
  }

  return {
    context,
    services,
    networkName,
    get timeZone() {
      return context.config.timeZone;
    },
    page,
    csrfFor,
    teamWithProblem,
    today,
    redirectToCase,
    sectionInput,
  };
}

type CaseRouteScope = ReturnType<typeof caseRouteScope>;

/** The case list, and marking a duplicate check done. */
function registerCaseListRoutes(app: FastifyInstance, scope: CaseRouteScope): void {
  const { context, page, csrfFor, timeZone } = scope;
  app.get<{ Querystring: { show?: 'open' | 'closed' | 'all' } }>(
    '/console/cases',
    { config: { access: legalOnly }, schema: { querystring: listQuery, response: htmlResponses() } },
    async (request, reply) => {
      const show = request.query.show ?? 'open';
      const listed = await listCasesFor(context, request.principal!, show);
      // The other modules' facts for all the cases at once: one query per fact, never one per case.
      const facts = await caseListFacts({
        context,
        t: request.t,
        lang: request.lang,
        cases: listed.flatMap((entry) => (entry.opened ? [entry.opened] : [])),
      });
      const entries = byUrgency(
        listed,
        facts.map((source) => source.urgency),
      );
      const checks = await readDuplicateChecks(context, request.principal!.userId);
      return sendHtml(
        reply,
        renderCaseList(page(request), entries, show, checks && { checks, csrfToken: csrfFor(request) }, {
          facts,
          today: dayIn(context.clock.now(), timeZone),
        }),
      );
    },
  );

  app.post<{ Params: { id: string } }>(
    '/console/cases/duplicate-checks/:id/done',
    redirectingPost(legalOnly, caseIdParams),
    async (request, reply) => {
      const outcome = await markDuplicateChecked(context, request.principal!.userId, request.params.id);
      if (outcome === 'missing') throw new AppError('not_found');
      return reply.redirect('/console/cases', 303);
    },
  );
}

/** Opening a case: the new-case form (from a task or an incident) and creating it. */
function registerCaseOpeningRoutes(app: FastifyInstance, scope: CaseRouteScope): void {
  const { context, page, csrfFor, today, redirectToCase } = scope;
  async function newCaseState(
    request: FastifyRequest,
    values: CaseFormValues,
    defaults: NewCaseDefaults,
  ): Promise<Omit<CaseFormState, 'errors'>> {
    const principal = request.principal!;
    return {
      mode: 'new',
      action: '/console/cases',
      values,
      csrfToken: csrfFor(request),
      teams: await teamsOfUser(context.db, principal.userId),
      incidents: defaults.task ? [] : await recentConfirmedIncidents(context),
      task: defaults.task,
    };
  }

  app.get<{ Querystring: { task?: string; incident?: string } }>(
    '/console/cases/new',
    {
      config: { access: legalOnly },
      schema: { querystring: newCaseQuery, response: htmlResponses(404, 409) },
    },
    async (request, reply) => {
      const task = await readFollowupForCase(
        context,
        optionalIdOr404(request.query.task),
        request.principal!.userId,
      );
      if (task === 'missing') throw new AppError('not_found');
      const incident = task
        ? null
        : await readIncidentForCase(context, optionalIdOr404(request.query.incident));
      if (incident === 'missing') throw new AppError('not_found');
      const defaults: NewCaseDefaults = { task: task === 'closed' ? null : task, incident };
      const teams = await teamsOfUser(context.db, request.principal!.userId);
      const values = detailsToValuesWithOpening(
        defaults,
        teams,
        context.config.defaultLanguage,
        context.config.timeZone,
      );
      const state = await newCaseState(request, values, defaults);
      if (task === 'closed') {
        return sendHtml(
          reply,
          renderCaseForm(page(request), { ...state, errors: {}, problem: 'cases.problem_task_closed' }),
          409,
        );
      }
      return sendHtml(reply, renderCaseForm(page(request), { ...state, errors: {} }));
    },
  );

  app.post(
    '/console/cases',
    {
      config: { access: legalOnly },
      schema: { body: formBody, response: { ...htmlResponses(404, 409, 422), ...redirectResponse } },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const values: CaseFormValues = formValues(request.body, [
        ...DETAIL_FIELDS,
        ...CONTACT_FIELDS,
        ...OPENING_FIELDS,
      ]);
      const errors: CaseFormErrors = {};
      const details = validateDetails(values, today());
      if (!details.ok) Object.assign(errors, details.errors);
      const contact = validateContact(values, {
        required: false,
        fallbackLanguage: context.config.defaultLanguage,
      });
      if (!contact.ok) Object.assign(errors, contact.errors);
      const taskId = optionalId(values.task_id);
      const addToCaseId = optionalId(values.add_to_case);
      if (taskId === INVALID_ID || addToCaseId === INVALID_ID) throw new AppError('not_found');
      const incidentId = optionalId(values.incident_id);
      const teamId = optionalId(values.team_id);
      if (incidentId === INVALID_ID) errors.incident_id = { key: 'cases.error_choose' };
      if (teamId === INVALID_ID) errors.team_id = { key: 'cases.error_choose' };
      const task = await readFollowupForCase(context, taskId, principal.userId);
      if (task === 'missing') throw new AppError('not_found');
      const defaults: NewCaseDefaults = { task: task === 'closed' ? null : task, incident: null };
      const sendForm = async (status: number, extra: Partial<CaseFormState>) =>
        sendHtml(
          reply,
          renderCaseForm(page(request), {
            ...(await newCaseState(request, values, defaults)),
            errors,
            ...extra,
          }),
          status,
        );
      if (task === 'closed') return sendForm(409, { problem: 'cases.problem_task_closed' });
      if (!details.ok || !contact.ok || incidentId === INVALID_ID || teamId === INVALID_ID) {
        return sendForm(422, {});
      }

      const outcome = await submitNewCase(context, principal, {
        taskId,
        incidentId,
        teamId,
        details: details.details,
        contact: contact.contact,
        confirmNotDuplicate: (values.confirm_not_duplicate ?? '') !== '',
        addToCaseId,
      });
      switch (outcome.outcome) {
        case 'created':
          return redirectToCase(reply, outcome.id, outcome.lookedUp ? 'created_checked' : 'created');
        case 'added_to_existing':
          return redirectToCase(reply, outcome.id, 'added');
        case 'possible_duplicate':
          return sendForm(409, { duplicates: outcome.warning });
        case 'task_closed':
          return sendForm(409, { problem: 'cases.problem_task_closed' });
        case 'invalid':
          errors[outcome.field] = { key: 'cases.error_choose' };
          return sendForm(422, {});
      }
    },
  );
}

/** The case page with its sections, and a hotline message's audio. */
function registerCaseViewRoutes(app: FastifyInstance, scope: CaseRouteScope): void {
  const { context, page, sectionInput } = scope;
  // The main page (summary and details) and one page per part: the same need-to-know check, the same audit.
  for (const part of CASE_PARTS) {
    app.get<{ Params: { id: string }; Querystring: { notice?: string } }>(
      casePartPath(':id', part),
      {
        config: { access: legalOnly },
        schema: { params: caseIdParams, querystring: noticeQuery, response: htmlResponses(404) },
      },
      async (request, reply) => renderCasePart(request, reply, part),
    );
  }

  async function renderCasePart(
    request: FastifyRequest<{ Params: { id: string }; Querystring: { notice?: string } }>,
    reply: FastifyReply,
    part: CasePart,
  ) {
    const principal = request.principal!;
    const visible = await findCaseForStaff(context, principal, request.params.id);
    if (!visible) throw new AppError('not_found');
    if (visible.merged_into) {
      // The kept case, if this user may open it; otherwise nothing.
      if (await findCaseForStaff(context, principal, visible.merged_into)) {
        return reply.redirect(casePartPath(visible.merged_into, part), 303);
      }
      throw new AppError('not_found');
    }
    if (visible.key_destroyed_at) {
      await auditCaseViewed(context, principal.userId, visible.id);
      return sendHtml(reply, renderHuskPage(page(request), visible));
    }
    const opened = await openCaseForStaff(context, principal, request.params.id);
    await auditCaseViewed(context, principal.userId, opened.caseRow.id);
    const input = await sectionInput(request, opened);
    const overview = await readCaseOverview(context, principal, opened.caseRow, opened.cipher);
    overviews.set(request, overview);
    const sections: Html[] = [];
    for (const section of caseSections(part)) sections.push(await section.render(input));
    const facts = part === 'details' ? await caseFacts(input) : [];
    const actorIds = new Set<string>();
    for (const entry of overview.timeline) {
      if (entry.actorId) actorIds.add(entry.actorId);
      if (typeof entry.details.userId === 'string') actorIds.add(entry.details.userId);
    }
    const names = new Map((await staffLabels(context, [...actorIds])).map((s) => [s.userId, s.label]));
    const key = request.query.notice as CaseNotice | undefined;
    const noticeKey = key && Object.hasOwn(CASE_NOTICES, key) ? key : undefined;
    return sendHtml(
      reply,
      renderCasePage(page(request), {
        caseRow: opened.caseRow,
        overview,
        part,
        facts,
        sections,
        csrfToken: input.csrfToken,
        notice: noticeKey && !PROBLEMS.includes(noticeKey) ? CASE_NOTICES[noticeKey] : undefined,
        problem: noticeKey && PROBLEMS.includes(noticeKey) ? CASE_NOTICES[noticeKey] : undefined,
        staffNames: names,
        retentionDays: context.config.cases.retentionDays,
      }),
    );
  }

  app.get<{ Params: { id: string; sub: string } }>(
    '/console/cases/:id/hotline/:sub',
    {
      config: { access: legalOnly },
      schema: {
        params: caseSubParams,
        response: fileResponses(AUDIO_TYPES, 404),
      },
    },
    async (request, reply) => {
      const { cipher } = await openCaseForStaff(context, request.principal!, request.params.id);
      const audio = await playHotlineMessage(context, request.principal!.userId, cipher, request.params.sub);
      if (!audio) throw new AppError('not_found');
      const inline = audio.contentType !== null && AUDIO_TYPES.slice(0, 3).includes(audio.contentType);
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', inline ? 'inline' : 'attachment')
        .type(inline ? audio.contentType! : 'application/octet-stream')
        .send(audio.bytes);
    },
  );
}

/** Editing a case's details. */
function registerCaseEditRoutes(app: FastifyInstance, scope: CaseRouteScope): void {
  const { context, page, csrfFor, today, redirectToCase } = scope;
  app.get<{ Params: { id: string } }>(
    '/console/cases/:id/edit',
    { config: { access: legalOnly }, schema: { params: caseIdParams, response: htmlResponses(404) } },
    async (request, reply) => {
      const { caseRow, cipher } = await openCaseForStaff(context, request.principal!, request.params.id);
      if (caseRow.status !== 'open') return redirectToCase(reply, caseRow.id, 'case_closed', '#case-person');
      const overview = await readCaseOverview(context, request.principal!, caseRow, cipher);
      // The form shows the whole person (name, A-number, date of birth): opening it is viewing the case.
      await auditCaseViewed(context, request.principal!.userId, caseRow.id);
      return sendHtml(
        reply,
        renderCaseForm(page(request), editState(request, caseRow, detailsToValues(overview.details), {})),
      );
    },
  );

  function editState(
    request: FastifyRequest,
    caseRow: Case,
    values: CaseFormValues,
    errors: CaseFormErrors,
    problem?: MessageKey,
  ): CaseFormState {
    return {
      problem,
      mode: 'edit',
      action: `/console/cases/${caseRow.id}/edit`,
      values,
      errors,
      csrfToken: csrfFor(request),
      teams: [],
      incidents: [],
      task: null,
      caseReference: caseRow.reference,
      caseId: caseRow.id,
    };
  }

  app.post<{ Params: { id: string } }>(
    '/console/cases/:id/edit',
    redirectingPost(legalOnly, caseIdParams, { form: true, statuses: [404, 409, 422] }),
    async (request, reply) => {
      const principal = request.principal!;
      const { caseRow, cipher } = await openCaseForStaff(context, principal, request.params.id);
      const values: CaseFormValues = formValues(request.body, DETAIL_FIELDS);
      // Closed: nothing is saved; the form comes back with what was typed and says why.
      const refuseClosed = () =>
        sendHtml(
          reply,
          renderCaseForm(page(request), editState(request, caseRow, values, {}, 'cases.problem_case_closed')),
          409,
        );
      if (caseRow.status !== 'open') return refuseClosed();
      const details = validateDetails(values, today());
      if (!details.ok) {
        return sendHtml(
          reply,
          renderCaseForm(page(request), editState(request, caseRow, values, details.errors)),
          422,
        );
      }
      const outcome = await updateCaseDetails(context, principal.userId, caseRow, cipher, details.details);
      // 'gone': its key was destroyed or it was merged a moment ago; the case page shows what became of it.
      if (outcome === 'gone') return redirectToCase(reply, caseRow.id);
      if (outcome === 'closed') return refuseClosed();
      return redirectToCase(reply, caseRow.id, 'saved', '#case-person');
    },
  );
}

/** The family contacts of a case. */
function registerCaseContactRoutes(app: FastifyInstance, scope: CaseRouteScope): void {
  const { context, page, csrfFor, redirectToCase } = scope;
  app.get<{ Params: { id: string } }>(
    '/console/cases/:id/contacts/new',
    { config: { access: legalOnly }, schema: { params: caseIdParams, response: htmlResponses(404) } },
    async (request, reply) => {
      const { caseRow } = await openCaseForStaff(context, request.principal!, request.params.id);
      if (caseRow.status !== 'open') return redirectToCase(reply, caseRow.id, 'case_closed', '#case-family');
      return sendHtml(
        reply,
        renderContactForm(page(request), {
          caseRow,
          values: { contact_language: context.config.defaultLanguage },
          errors: {},
          csrfToken: csrfFor(request),
        }),
      );
    },
  );

  app.post<{ Params: { id: string } }>(
    '/console/cases/:id/contacts',
    redirectingPost(legalOnly, caseIdParams, { form: true, statuses: [404, 409, 422] }),
    async (request, reply) => {
      const principal = request.principal!;
      const { caseRow, cipher } = await openCaseForStaff(context, principal, request.params.id);
      const values: CaseFormValues = formValues(request.body, CONTACT_FIELDS);
      const refuseClosed = () =>
        sendHtml(
          reply,
          renderContactForm(page(request), {
            caseRow,
            values,
            errors: {},
            csrfToken: csrfFor(request),
            problem: 'cases.problem_case_closed',
          }),
          409,
        );
      if (caseRow.status !== 'open') return refuseClosed();
      const contact = validateContact(values, {
        required: true,
        fallbackLanguage: context.config.defaultLanguage,
      });
      if (!contact.ok || contact.contact === null) {
        const errors = contact.ok ? {} : contact.errors;
        return sendHtml(
          reply,
          renderContactForm(page(request), { caseRow, values, errors, csrfToken: csrfFor(request) }),
          422,
        );
      }
      const added = await addFamilyContact(context, principal.userId, caseRow, cipher, contact.contact);
      if (added === 'gone') return redirectToCase(reply, caseRow.id);
      if (added === 'closed') return refuseClosed();
      return redirectToCase(reply, caseRow.id, 'saved', '#case-family');
    },
  );

  app.post<{ Params: { id: string; sub: string } }>(
    '/console/cases/:id/contacts/:sub/remove',
    redirectingPost(legalOnly, caseSubParams),
    async (request, reply) => {
      const principal = request.principal!;
      const { caseRow, cipher } = await openCaseForStaff(context, principal, request.params.id);
      const removed = await removeFamilyContact(
        context,
        principal.userId,
        caseRow,
        cipher,
        request.params.sub,
      );
      if (removed === 'not_found') throw new AppError('not_found');
      return redirectToCase(
        reply,
        caseRow.id,
        removed === 'closed' ? 'case_closed' : 'saved',
        '#case-family',
      );
    },
  );
}

/** A family contact's status code (ESTADO <code>): given and shown once, or revoked. */
function registerStatusCodeRoutes(app: FastifyInstance, scope: CaseRouteScope): void {
  const { context, page, redirectToCase } = scope;
  app.post<{ Params: { id: string; sub: string } }>(
    '/console/cases/:id/contacts/:sub/status-code',
    redirectingPost(legalOnly, caseSubParams, { statuses: [200, 404] }),
    async (request, reply) => {
      const principal = request.principal!;
      const { caseRow, cipher } = await openCaseForStaff(context, principal, request.params.id);
      if (caseRow.status !== 'open') return redirectToCase(reply, caseRow.id, 'case_closed', '#case-family');
      const contactId = request.params.sub;
      if (!isUuid(contactId)) throw new AppError('not_found');
      const contact = (await familyContacts(context, cipher, caseRow.id)).find((c) => c.id === contactId);
      if (!contact) throw new AppError('not_found');
      const given = await giveStatusCode(
        context,
        principal.userId,
        { caseId: caseRow.id, cipher },
        contactId,
      );
      if (given === 'not_found') throw new AppError('not_found');
      return sendHtml(
        reply,
        renderStatusCodeShown(page(request), {
          caseRow,
          relationship: contact.relationship,
          code: given.code,
          texted: given.texted,
        }),
      );
    },
  );

  app.post<{ Params: { id: string; sub: string } }>(
    '/console/cases/:id/contacts/:sub/status-code/revoke',
    redirectingPost(legalOnly, caseSubParams),
    async (request, reply) => {
      const principal = request.principal!;
      const { caseRow } = await openCaseForStaff(context, principal, request.params.id);
      if (!isUuid(request.params.sub)) throw new AppError('not_found');
      const revoked = await context.db.transaction().execute((trx) =>
        revokeStatusCode(context, trx, {
          caseId: caseRow.id,
          contactId: request.params.sub,
          actorId: principal.userId,
        }),
      );
      if (!revoked) throw new AppError('not_found');
      return redirectToCase(reply, caseRow.id, 'saved', '#case-family');
    },
  );
}

/** Who works on a case: assignees and the legal team. */
function registerCaseAssignmentRoutes(app: FastifyInstance, scope: CaseRouteScope): void {
  const { context, redirectToCase } = scope;
  app.post<{ Params: { id: string } }>(
    '/console/cases/:id/assignees',
    redirectingPost(legalOnly, caseIdParams, { form: true }),
    async (request, reply) => {
      const principal = request.principal!;
      const { caseRow, cipher } = await openCaseForStaff(context, principal, request.params.id);
      const { user_id: userId = '' } = formValues(request.body, ['user_id'] as const);
      const outcome = await assignLegalStaff(context, principal.userId, caseRow, cipher, userId.trim());
      return redirectToCase(
        reply,
        caseRow.id,
        outcome === 'not_legal' ? 'not_legal' : outcome === 'closed' ? 'case_closed' : 'assigned',
        '#case-staff',
      );
    },
  );

  app.post<{ Params: { id: string; sub: string } }>(
    '/console/cases/:id/assignees/:sub/remove',
    redirectingPost(legalOnly, caseSubParams),
    async (request, reply) => {
      const principal = request.principal!;
      const { caseRow, cipher } = await openCaseForStaff(context, principal, request.params.id);
      const outcome = await unassignLegalStaff(
        context,
        principal.userId,
        caseRow,
        cipher,
        request.params.sub,
      );
      if (outcome === 'not_assigned') throw new AppError('not_found');
      // Someone who took themselves off a case they no longer see goes back to the list.
      if (outcome === 'unassigned' && !(await findCaseForStaff(context, principal, caseRow.id))) {
        return reply.redirect('/console/cases', 303);
      }
      return redirectToCase(
        reply,
        caseRow.id,
        outcome === 'last_without_team' ? 'last_assignee' : outcome === 'closed' ? 'case_closed' : 'saved',
        '#case-staff',
      );
    },
  );

  app.post<{ Params: { id: string } }>(
    '/console/cases/:id/team',
    redirectingPost(legalOnly, caseIdParams, { form: true }),
    async (request, reply) => {
      const principal = request.principal!;
      const { caseRow, cipher } = await openCaseForStaff(context, principal, request.params.id);
      const teamId = optionalId(formValues(request.body, ['team_id'] as const).team_id);
      if (teamId === INVALID_ID) return redirectToCase(reply, caseRow.id, 'not_member', '#case-staff');
      const outcome = await changeCaseTeam(context, principal.userId, caseRow, cipher, teamId);
      if (outcome === 'changed' && !(await findCaseForStaff(context, principal, caseRow.id))) {
        return reply.redirect('/console/cases', 303);
      }
      const notice: CaseNotice =
        outcome === 'not_member' || outcome === 'nobody_left'
          ? outcome
          : outcome === 'closed'
            ? 'case_closed'
            : 'saved';
      return redirectToCase(reply, caseRow.id, notice, '#case-staff');
    },
  );
}

/** Closing, reopening, merging and exporting a case. */
function registerCaseLifecycleRoutes(app: FastifyInstance, scope: CaseRouteScope): void {
  const { context, redirectToCase, sectionInput } = scope;
  app.post<{ Params: { id: string } }>(
    '/console/cases/:id/close',
    redirectingPost(legalOnly, caseIdParams),
    async (request, reply) => {
      const principal = request.principal!;
      const { caseRow, cipher } = await openCaseForStaff(context, principal, request.params.id);
      await closeCase(context, principal.userId, caseRow, cipher);
      return redirectToCase(reply, caseRow.id, 'closed');
    },
  );

  app.post<{ Params: { id: string } }>(
    '/console/cases/:id/reopen',
    redirectingPost(legalOnly, caseIdParams),
    async (request, reply) => {
      const principal = request.principal!;
      const { caseRow, cipher } = await openCaseForStaff(context, principal, request.params.id);
      const outcome = await reopenCase(context, principal.userId, caseRow, cipher);
      // 'gone': its key was destroyed a moment ago; the case page shows what is left.
      return redirectToCase(reply, caseRow.id, outcome === 'gone' ? undefined : 'reopened');
    },
  );

  app.post<{ Params: { id: string } }>(
    '/console/cases/:id/merge',
    redirectingPost(legalOnly, caseIdParams, { form: true }),
    async (request, reply) => {
      const principal = request.principal!;
      const { caseRow } = await openCaseForStaff(context, principal, request.params.id);
      const { other = '', keep = '' } = formValues(request.body, ['other', 'keep'] as const);
      const otherId = optionalId(other);
      if (otherId === null || otherId === INVALID_ID || (keep !== 'this' && keep !== 'other')) {
        throw new AppError('invalid_request');
      }
      const ids =
        keep === 'this' ? { keepId: caseRow.id, mergeId: otherId } : { keepId: otherId, mergeId: caseRow.id };
      const outcome = await mergeCases(context, principal, ids);
      if (outcome.outcome !== 'merged') return redirectToCase(reply, caseRow.id, 'not_duplicates');
      return redirectToCase(reply, outcome.keptId, 'merged');
    },
  );

  for (const format of ['pdf', 'json'] as const) {
    app.get<{ Params: { id: string } }>(
      `/console/cases/:id/export.${format}`,
      {
        config: { access: legalOnly },
        schema: {
          params: caseIdParams,
          response: {
            200: {
              content:
                format === 'pdf'
                  ? { 'application/pdf': { schema: { type: 'string', format: 'binary' } } }
                  : { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
            },
            ...htmlResponses(404),
          },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        const opened = await openCaseForStaff(context, principal, request.params.id);
        const input = await sectionInput(request, opened);
        const overview = await readCaseOverview(context, principal, opened.caseRow, opened.cipher);
        const formatWhen = (date: Date) => formatTime(date, request.lang, context.config.timeZone);
        const exported = await buildCaseExport(context, input, overview, { format, formatTime: formatWhen });
        // The file is the case: never kept by a browser or proxy cache.
        reply
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="${exported.reference}.${format}"`);
        if (format === 'json')
          return reply.type('application/json; charset=utf-8').send(JSON.stringify(exported.json, null, 2));
        const pdf = await renderCasePdf(exported, request.t, formatWhen(context.clock.now()));
        return reply.type('application/pdf').send(Buffer.from(pdf));
      },
    );
  }
}

/** Legal teams (admins): the list, creating one, a team's page and its approvals. */
function registerTeamRoutes(app: FastifyInstance, scope: CaseRouteScope): void {
  const { context, page, csrfFor, teamWithProblem } = scope;
  // ---- teams (admins) ----

  app.get(
    '/console/teams',
    { config: { access: manageTeams }, schema: { response: htmlResponses() } },
    async (request, reply) =>
      sendHtml(
        reply,
        renderTeams(page(request), {
          teams: await readTeams(context),
          csrfToken: csrfFor(request),
          name: '',
        }),
      ),
  );

  app.post(
    '/console/teams',
    {
      config: { access: manageTeams },
      schema: { body: formBody, response: { ...htmlResponses(422), ...redirectResponse } },
    },
    async (request, reply) => {
      const { name = '' } = formValues(request.body, ['name'] as const);
      const outcome = await createTeam(context, request.principal!.userId, name);
      if (outcome.outcome === 'created') return reply.redirect(`/console/teams/${outcome.id}`, 303);
      const problem: MessageKey =
        outcome.problem === 'required'
          ? 'cases.team_error_required'
          : outcome.problem === 'too_long'
            ? 'cases.team_error_too_long'
            : 'cases.team_error_taken';
      return sendHtml(
        reply,
        renderTeams(page(request), {
          teams: await readTeams(context),
          csrfToken: csrfFor(request),
          name,
          problem,
        }),
        422,
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/console/teams/:id',
    { config: { access: manageTeams }, schema: { params: caseIdParams, response: htmlResponses(404) } },
    async (request, reply) => {
      const team = await readTeam(context, request.params.id);
      if (!team) throw new AppError('not_found');
      const requested = (request.query as { done?: string } | undefined)?.done === 'requested';
      return sendHtml(
        reply,
        renderTeam(page(request), {
          team,
          csrfToken: csrfFor(request),
          selfId: request.principal!.userId,
          ...(requested ? { done: 'cases.team_member_requested' as const } : {}),
        }),
      );
    },
  );

  app.post<{ Params: { id: string } }>(
    '/console/teams/:id/members',
    redirectingPost(manageTeams, caseIdParams, { form: true, statuses: [404, 422] }),
    async (request, reply) => {
      const { user_id: userId = '' } = formValues(request.body, ['user_id'] as const);
      const outcome = await addMember(context, request.principal!.userId, request.params.id, userId.trim());
      if (outcome === 'no_team') throw new AppError('not_found');
      if (outcome === 'not_legal') {
        return teamWithProblem(request, reply, request.params.id, 'cases.team_error_not_legal', 422);
      }
      const suffix = outcome === 'requested' ? '?done=requested' : '';
      return reply.redirect(`/console/teams/${request.params.id}${suffix}`, 303);
    },
  );

  for (const [verb, approve] of [
    ['approve', true],
    ['refuse', false],
  ] as const) {
    app.post<{ Params: { id: string; sub: string } }>(
      `/console/teams/:id/requests/:sub/${verb}`,
      redirectingPost(manageTeams, caseSubParams, { form: true, statuses: [404, 409] }),
      async (request, reply) => {
        const { id, sub } = request.params;
        const outcome = await decideTeamRequest(context, request.principal!, id, sub, approve);
        if (outcome === 'not_found') throw new AppError('not_found');
        if (outcome === 'own_request') {
          return teamWithProblem(request, reply, id, 'cases.team_error_own_request', 409);
        }
        return reply.redirect(`/console/teams/${id}`, 303);
      },
    );
  }
}

/** A legal team's intake setting and its members. */
function registerTeamMemberRoutes(app: FastifyInstance, scope: CaseRouteScope): void {
  const { context, teamWithProblem } = scope;
  app.post<{ Params: { id: string } }>(
    '/console/teams/:id/intake',
    redirectingPost(manageTeams, caseIdParams, { form: true, statuses: [404, 422] }),
    async (request, reply) => {
      const { coordinator_id: raw = '' } = formValues(request.body, ['coordinator_id'] as const);
      const coordinatorId = raw.trim() === '' ? null : raw.trim();
      const outcome = await makeIntakeTeam(
        context,
        request.principal!.userId,
        request.params.id,
        coordinatorId,
      );
      if (outcome === 'no_team') throw new AppError('not_found');
      if (outcome === 'not_member') {
        return teamWithProblem(request, reply, request.params.id, 'cases.intake_error_not_member', 422);
      }
      return reply.redirect(`/console/teams/${request.params.id}`, 303);
    },
  );

  app.post<{ Params: { id: string; sub: string } }>(
    '/console/teams/:id/members/:sub/remove',
    redirectingPost(manageTeams, caseSubParams),
    async (request, reply) => {
      const outcome = await removeMember(
        context,
        request.principal!.userId,
        request.params.id,
        request.params.sub,
      );
      if (outcome === 'no_team') throw new AppError('not_found');
      return reply.redirect(`/console/teams/${request.params.id}`, 303);
    },
  );
}

/** A query id: absent is none; anything but a UUID is a page that does not exist. */
function optionalIdOr404(value: string | undefined): string | null {
  const id = optionalId(value);
  if (id === INVALID_ID) throw new AppError('not_found');
  return id;
}

/** The case page reads the overview once; the core sections use it instead of reading again. */
const overviews = new WeakMap<FastifyRequest, CaseOverview>();

function registerCoreSections(context: AppContext): void {
  const overviewFor = async (input: CaseSectionInput): Promise<CaseOverview> =>
    overviews.get(input.request) ??
    (await readCaseOverview(context, input.principal, input.caseRow, input.cipher));
  const editable = (caseRow: Case) => caseRow.status === 'open';
  registerCaseFacts({
    id: 'cases',
    order: 0,
    async facts(input) {
      const overview = await overviewFor(input);
      const t = input.t;
      const today = localDateTime(context.clock.now(), context.config.timeZone).slice(0, 10);
      const detainedOn = detentionDay(
        overview.details.lastSeen.at,
        input.caseRow.opened_at,
        context.config.timeZone,
      );
      const days = daysBetween(detainedOn, today);
      return [
        { id: 'status', label: t('cases.field_status'), value: t(`cases.status_${input.caseRow.status}`) },
        {
          id: 'days-detained',
          label: t('cases.summary_days_detained'),
          value: t('cases.summary_days_value', {
            days,
            since: formatCaseDay(detainedOn, input.request.lang),
          }),
        },
      ];
    },
  });
  registerCaseSection({
    id: 'case-person',
    order: 10,
    async render(input) {
      const overview = await overviewFor(input);
      return renderPersonSection(input.t, input.caseRow.id, overview.details, editable(input.caseRow));
    },
  });
  registerCaseSection({
    id: 'case-family',
    order: 20,
    async render(input) {
      const overview = await overviewFor(input);
      return renderFamilySection(
        input.t,
        input.caseRow.id,
        overview.contacts,
        input.csrfToken,
        editable(input.caseRow),
        await contactsWithLiveCode(context, input.caseRow.id),
      );
    },
  });
  registerCaseSection({
    id: 'case-hotline',
    order: 25,
    async render(input) {
      return renderHotlineSection(
        input.t,
        input.caseRow.id,
        await readHotlineMessages(context, input.cipher),
        input.request.lang,
        context.config.timeZone,
      );
    },
  });
  registerCaseSection({
    id: 'case-staff',
    order: 30,
    async render(input) {
      const overview = await overviewFor(input);
      return renderStaffSection(input.t, input.caseRow, {
        team: overview.team,
        assignees: overview.assignees,
        assignable: await assignableLegalStaff(context),
        myTeams: await teamsOfUser(context.db, input.principal.userId),
        csrfToken: input.csrfToken,
      });
    },
  });
}
