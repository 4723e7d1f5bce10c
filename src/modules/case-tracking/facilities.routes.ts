// The facility directory's console pages: parse, authorize (case-tracking.policy.ts), call the service,
// present. The CSV import is multipart, so its handler reads the body and checks the form token itself.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { HttpServices } from '../../http/app.ts';
import { SESSION_FORM_TOKEN_TTL_MS } from '../../http/csrf.ts';
import { AppError } from '../../http/errors.ts';
import { htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { isUuid } from '../../http/ids.ts';
import { sendHtml } from '../../http/html-reply.ts';
import { formValues } from '../../http/form.ts';
import { facilityValues, renderFacilityEdit, renderFacilityList } from './facilities.pages.ts';
import {
  FACILITY_FIELDS,
  MAX_CSV_BYTES,
  type FacilityFormErrors,
  type FacilityFormValues,
} from './facilities.schemas.ts';
import {
  facilityById,
  facilityDirectory,
  importFacilities,
  removeFacility,
  saveFacility,
  type FacilityImportReport,
} from './facilities.service.ts';
import { manageFacilities } from './case-tracking.policy.ts';
import type { Notice, Page } from './tracking.html.ts';

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

const facilityBody = {
  type: 'object',
  // No length limits here: an over-long value comes back in the form with a message, not as a bare 400.
  properties: {
    _csrf: { type: 'string', maxLength: 256 },
    name: { type: 'string' },
    operator: { type: 'string' },
    address: { type: 'string' },
    phone: { type: 'string' },
    visiting_notes: { type: 'string' },
    deposit_notes: { type: 'string' },
  },
} as const;

const listQuery = {
  type: 'object',
  properties: {
    saved: { type: 'string', maxLength: 8 },
    deleted: { type: 'string', maxLength: 8 },
    lang: { type: 'string' },
  },
} as const;

interface UploadedCsv {
  csrf: unknown;
  bytes: Buffer | undefined;
  tooLarge: boolean;
}

/** Reads the import form: the form token and the one file, capped at MAX_CSV_BYTES. */
async function readCsvUpload(request: FastifyRequest): Promise<UploadedCsv> {
  if (!request.isMultipart()) throw new AppError('unsupported_media_type');
  const upload: UploadedCsv = { csrf: undefined, bytes: undefined, tooLarge: false };
  try {
    for await (const part of request.parts({ limits: { fileSize: MAX_CSV_BYTES } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || upload.bytes !== undefined || upload.tooLarge) {
          part.file.resume();
          continue;
        }
        try {
          upload.bytes = await part.toBuffer();
        } catch (error) {
          if ((error as { code?: unknown }).code !== 'FST_REQ_FILE_TOO_LARGE') throw error;
          upload.tooLarge = true;
        }
        continue;
      }
      if (part.fieldname === '_csrf' && typeof part.value === 'string') upload.csrf ??= part.value;
    }
  } catch (error) {
    if (upload.tooLarge && (error as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE') return upload;
    if (error instanceof AppError || typeof (error as { code?: unknown }).code === 'string') throw error;
    // Not multipart after all (no boundary, cut off half-way): bad input, not our fault.
    throw new AppError('invalid_request');
  }
  return upload;
}

export function registerFacilityRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
): void {
  const { config } = context;
  const { networkName } = config;
  const page = (request: FastifyRequest): Page => ({ request, networkName, timeZone: config.timeZone });
  const csrfToken = (request: FastifyRequest): string => services.csrf.issue(request.principal!.csrfSecret);

  async function showList(
    request: FastifyRequest,
    reply: FastifyReply,
    options: {
      status?: number;
      values?: FacilityFormValues;
      errors?: FacilityFormErrors;
      notice?: Notice;
      importReport?: FacilityImportReport;
    } = {},
  ) {
    return sendHtml(
      reply,
      renderFacilityList(page(request), {
        facilities: await facilityDirectory(context),
        form: { values: options.values ?? {}, errors: options.errors ?? {}, csrfToken: csrfToken(request) },
        ...(options.notice ? { notice: options.notice } : {}),
        ...(options.importReport ? { importReport: options.importReport } : {}),
      }),
      options.status,
    );
  }

  app.get<{ Querystring: { saved?: string; deleted?: string } }>(
    '/console/facilities',
    { config: { access: manageFacilities }, schema: { querystring: listQuery, response: htmlResponses() } },
    async (request, reply) => {
      const notice: Notice | undefined =
        request.query.saved !== undefined
          ? { kind: 'ok', text: request.t('case_tracking.facility_saved') }
          : request.query.deleted !== undefined
            ? { kind: 'ok', text: request.t('case_tracking.facility_deleted') }
            : undefined;
      return showList(request, reply, notice ? { notice } : {});
    },
  );

  app.post<{ Body: Record<string, unknown> | undefined }>(
    '/console/facilities',
    {
      config: { access: manageFacilities },
      schema: { body: facilityBody, response: { ...htmlResponses(409, 422), ...redirectResponse } },
    },
    async (request, reply) => {
      const values = formValues(FACILITY_FIELDS, request.body);
      const result = await saveFacility(context, undefined, values);
      switch (result.outcome) {
        case 'saved':
          return reply.redirect('/console/facilities?saved=1', 303);
        case 'invalid':
          return showList(request, reply, { status: 422, values, errors: result.errors });
        case 'name_taken':
          return showList(request, reply, {
            status: 409,
            values,
            errors: { name: { key: 'case_tracking.facility_error_name_taken' } },
          });
        case 'not_found':
          throw new AppError('not_found');
      }
    },
  );

  app.post(
    '/console/facilities/import',
    {
      config: { access: manageFacilities, csrf: 'handler' },
      schema: { response: htmlResponses(403, 413, 422) },
    },
    async (request, reply) => {
      const upload = await readCsvUpload(request);
      const verdict = services.csrf.verify(
        upload.csrf,
        request.principal!.csrfSecret,
        SESSION_FORM_TOKEN_TTL_MS,
      );
      if (verdict !== 'valid') {
        return showList(request, reply, {
          status: 403,
          notice: { kind: 'error', text: request.t('case_tracking.form_expired') },
        });
      }
      if (upload.tooLarge) {
        return showList(request, reply, {
          status: 413,
          importReport: {
            ok: false,
            error: { key: 'case_tracking.csv_error_too_large', params: { max: MAX_CSV_BYTES / 1024 } },
          },
        });
      }
      const report = await importFacilities(context, upload.bytes ?? new Uint8Array());
      return showList(request, reply, { status: report.ok ? 200 : 422, importReport: report });
    },
  );

  async function facilityOr404(id: string) {
    const facility = isUuid(id) ? await facilityById(context, id) : undefined;
    if (!facility) throw new AppError('not_found');
    return facility;
  }

  app.get<{ Params: { id: string } }>(
    '/console/facilities/:id',
    {
      config: { access: manageFacilities },
      schema: { params: idParams, response: htmlResponses(404) },
    },
    async (request, reply) => {
      const facility = await facilityOr404(request.params.id);
      return sendHtml(
        reply,
        renderFacilityEdit(page(request), facility, {
          values: facilityValues(facility),
          errors: {},
          csrfToken: csrfToken(request),
        }),
      );
    },
  );

  app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>(
    '/console/facilities/:id',
    {
      config: { access: manageFacilities },
      schema: {
        params: idParams,
        body: facilityBody,
        response: { ...htmlResponses(404, 409, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const facility = await facilityOr404(request.params.id);
      const values = formValues(FACILITY_FIELDS, request.body);
      const again = (status: number, errors: FacilityFormErrors) =>
        sendHtml(
          reply,
          renderFacilityEdit(page(request), facility, { values, errors, csrfToken: csrfToken(request) }),
          status,
        );
      const result = await saveFacility(context, facility.id, values);
      switch (result.outcome) {
        case 'saved':
          return reply.redirect('/console/facilities?saved=1', 303);
        case 'invalid':
          return again(422, result.errors);
        case 'name_taken':
          return again(409, { name: { key: 'case_tracking.facility_error_name_taken' } });
        case 'not_found':
          throw new AppError('not_found');
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/console/facilities/:id/delete',
    {
      config: { access: manageFacilities },
      schema: { params: idParams, response: { ...htmlResponses(404), ...redirectResponse } },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!isUuid(id) || !(await removeFacility(context, id))) throw new AppError('not_found');
      return reply.redirect('/console/facilities?deleted=1', 303);
    },
  );
}
