// Many cases, fast: the quick-case form and the roster import, for the legal staff who may open cases.
// `?operation=<id>` files the cases under a surge operation (and offers its sites, when it has them).
import { consolePageOf } from '../../http/console-page.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { HttpServices } from '../../http/app.ts';
import { SESSION_FORM_TOKEN_TTL_MS } from '../../http/csrf.ts';
import { AppError } from '../../http/errors.ts';
import { readPhotoForm } from '../../http/multipart-form.ts';
import { sendHtml } from '../../http/html-reply.ts';
import { htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { isUuid } from '../../http/ids.ts';
import type { Page } from './cases.pages.ts';
import { legalOnly } from './cases.policy.ts';
import {
  createQuickCase,
  QUICK_FIELDS,
  readOpenedCase,
  sitesOfOperation,
  type QuickCaseErrors,
  type QuickCaseValues,
} from './cases.quick.ts';
import { operationQuery, renderQuickCaseForm, type QuickFormState } from './cases.quick.pages.ts';
import { teamsOfUser } from './cases.repository.ts';
import { importRoster, MAX_ROSTER_BYTES, previewRoster, readPreview } from './cases.roster.ts';
import {
  renderRosterForm,
  renderRosterPreview,
  renderRosterResult,
  type RosterFormState,
} from './cases.roster.pages.ts';
import { formBody, formValues, optionalId, INVALID_ID } from './cases.schemas.ts';
import type { DuplicateWarning } from './cases.service.ts';

const quickQuery = {
  type: 'object',
  properties: {
    operation: { type: 'string', maxLength: 64 },
    opened: { type: 'string', maxLength: 64 },
    lang: { type: 'string' },
  },
} as const;

/** The import: the preview's id and the ticked doubtful lines (as many as a roster has rows). */
const rosterImportBody = {
  type: 'object',
  properties: {
    preview: { type: 'string', maxLength: 64 },
    confirm: {
      anyOf: [
        { type: 'string', maxLength: 8 },
        { type: 'array', items: { type: 'string', maxLength: 8 }, maxItems: 5000 },
      ],
    },
  },
} as const;

/** The operation of the address: none, or a UUID (anything else is a page that does not exist). */
function operationOf(query: { operation?: string }): string | null {
  const id = optionalId(query.operation);
  if (id === INVALID_ID) throw new AppError('not_found');
  return id;
}

export function registerQuickCaseRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
): void {
  const page: (request: FastifyRequest) => Page = consolePageOf(context);
  const csrfFor = (request: FastifyRequest) => services.csrf.issue(request.principal!.csrfSecret);

  async function quickForm(
    request: FastifyRequest,
    operationId: string | null,
    extra: Partial<QuickFormState> & { values: QuickCaseValues; errors: QuickCaseErrors },
  ) {
    return renderQuickCaseForm(page(request), {
      csrfToken: csrfFor(request),
      operationId,
      sites: await sitesOfOperation(context, operationId),
      teams: await teamsOfUser(context.db, request.principal!.userId),
      ...extra,
    });
  }

  app.get<{ Querystring: { operation?: string; opened?: string } }>(
    '/console/cases/quick',
    { config: { access: legalOnly }, schema: { querystring: quickQuery, response: htmlResponses(404) } },
    async (request, reply) => {
      const operationId = operationOf(request.query);
      const openedId = request.query.opened;
      const opened =
        openedId && isUuid(openedId)
          ? await readOpenedCase(context, request.principal!, openedId)
          : undefined;
      const values: QuickCaseValues = { contact_language: context.config.defaultLanguage };
      return sendHtml(reply, await quickForm(request, operationId, { values, errors: {}, opened }));
    },
  );

  app.post<{ Querystring: { operation?: string } }>(
    '/console/cases/quick',
    {
      config: { access: legalOnly },
      schema: {
        querystring: quickQuery,
        body: formBody,
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const operationId = operationOf(request.query);
      const values = formValues(request.body, QUICK_FIELDS);
      const outcome = await createQuickCase(context, request.principal!, { values, operationId });
      if (outcome.outcome === 'created') {
        // Back to an empty form, saying what was opened: a reload opens nothing twice.
        return reply.redirect(
          `/console/cases/quick${operationQuery(operationId, `opened=${outcome.id}`)}`,
          303,
        );
      }
      const errors = outcome.outcome === 'invalid' ? outcome.errors : {};
      const duplicates: DuplicateWarning | undefined =
        outcome.outcome === 'possible_duplicate' ? outcome.warning : undefined;
      return sendHtml(
        reply,
        await quickForm(request, operationId, { values, errors, duplicates }),
        duplicates ? 409 : 422,
      );
    },
  );

  // ---- the roster ----

  app.get<{ Querystring: { operation?: string } }>(
    '/console/cases/roster',
    { config: { access: legalOnly }, schema: { querystring: quickQuery, response: htmlResponses(404) } },
    async (request, reply) => {
      const operationId = operationOf(request.query);
      const teams = await teamsOfUser(context.db, request.principal!.userId);
      return sendHtml(
        reply,
        renderRosterForm(page(request), { csrfToken: csrfFor(request), operationId, teams, values: {} }),
      );
    },
  );

  app.post<{ Querystring: { operation?: string } }>(
    '/console/cases/roster',
    {
      config: { access: legalOnly, csrf: 'handler' },
      schema: { querystring: quickQuery, response: htmlResponses(403, 404, 413, 422) },
    },
    async (request, reply) => {
      const operationId = operationOf(request.query);
      const principal = request.principal!;
      const form = await readPhotoForm(request, {
        textFields: ['paste', 'team_id'] as const,
        fieldByteLimit: MAX_ROSTER_BYTES,
        fileField: 'file',
      });
      const teams = await teamsOfUser(context.db, principal.userId);
      const values = { paste: form.values.paste ?? '', team_id: form.values.team_id ?? '' };
      const show = (status: number, extra: Pick<RosterFormState, 'error' | 'problem'>) =>
        sendHtml(
          reply,
          renderRosterForm(page(request), {
            csrfToken: csrfFor(request),
            operationId,
            teams,
            values,
            ...extra,
          }),
          status,
        );
      const again = (error: NonNullable<RosterFormState['error']>) => show(422, { error });
      const verdict = services.csrf.verify(form.csrf, principal.csrfSecret, SESSION_FORM_TOKEN_TTL_MS);
      if (verdict !== 'valid') return show(403, { problem: 'cases.roster_form_expired' });
      const bytes =
        form.photo ??
        (values.paste.trim() !== '' ? new TextEncoder().encode(values.paste) : new Uint8Array());
      if (form.photoTooLarge)
        return show(413, {
          error: {
            field: 'file',
            error: { key: 'cases.roster_error_too_large', params: { max: MAX_ROSTER_BYTES / 1024 } },
          },
        });
      const teamId = optionalId(values.team_id);
      if (teamId === INVALID_ID) return again({ field: 'team_id', error: { key: 'cases.error_choose' } });
      const outcome = await previewRoster(context, principal, { bytes, operationId, teamId });
      if (!outcome.ok)
        return 'field' in outcome
          ? again({ field: 'team_id', error: { key: 'cases.error_choose' } })
          : again({ field: 'file', error: outcome.error });
      return sendHtml(
        reply,
        renderRosterPreview(page(request), { preview: outcome.preview, csrfToken: csrfFor(request) }),
      );
    },
  );

  app.post(
    '/console/cases/roster/import',
    {
      config: { access: legalOnly },
      schema: { body: rosterImportBody, response: htmlResponses(404, 410) },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const body = (request.body ?? {}) as Record<string, unknown>;
      const previewId = typeof body.preview === 'string' ? body.preview : '';
      const ticks = Array.isArray(body.confirm) ? body.confirm : [body.confirm];
      const confirmedLines = ticks.flatMap((tick) =>
        typeof tick === 'string' && /^\d{1,7}$/.test(tick) ? [Number(tick)] : [],
      );
      const operationId = readPreview(context, principal.userId, previewId)?.operationId ?? null;
      const report = await importRoster(context, principal, { previewId, confirmedLines });
      if (report === 'expired') {
        const teams = await teamsOfUser(context.db, principal.userId);
        return sendHtml(
          reply,
          renderRosterForm(page(request), {
            csrfToken: csrfFor(request),
            operationId: null,
            teams,
            values: {},
            problem: 'cases.roster_expired',
          }),
          410,
        );
      }
      return sendHtml(reply, renderRosterResult(page(request), { report, operationId }));
    },
  );
}
