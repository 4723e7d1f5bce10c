// The incident's media: its page and small-file form, the tus endpoints a phone uploads through, an item's page,
// its working copy and the download of its original. Handlers parse, check access (evidence.policy.ts for the
// role, evidence.access.ts for the incident), call the service and present.
//
// tus: Fastify routes authenticate the staff session and the session's form token (the X-CSRF-Token header the
// upload script sends, checked by the app's preHandler like any console POST), check the incident and, for an
// upload in progress, that it is this person's upload on this incident; then the request is handed to
// @tus/server as Node's own request and response (the body is not parsed: application/offset+octet-stream
// streams straight to the sealed store).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Server as TusServer } from '@tus/server';
import type { AppContext } from '../../app/context.ts';
import type { HttpServices } from '../../http/app.ts';
import { consolePageOf } from '../../http/console-page.ts';
import { SESSION_FORM_TOKEN_TTL_MS } from '../../http/csrf.ts';
import { AppError } from '../../http/errors.ts';
import { sendHtml } from '../../http/html-reply.ts';
import { readPhotoForm } from '../../http/multipart-form.ts';
import { fileResponses, htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { isUuid } from '../../http/ids.ts';
import { mayAddEvidence, mayViewEvidence } from './evidence.access.ts';
import { renderEvidenceItem, renderEvidenceList } from './evidence.pages.ts';
import { addEvidence, viewEvidence } from './evidence.policy.ts';
import {
  custodyOf,
  evidencePaths,
  findEvidenceItem,
  listEvidenceItems,
  openEvidenceOriginal,
  openWorkingCopy,
  receiveFinishedUpload,
  receiveSmallFile,
  recordEvidenceView,
  type EvidenceItemSummary,
} from './evidence.service.ts';
import { SealedUploadStore, tusRefusal } from './evidence.tus-store.ts';

const SMALL_FILE_BYTES = 10 * 1024 * 1024;

const incidentParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
} as const;
const uploadParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' }, uploadId: { type: 'string', format: 'uuid' } },
  required: ['id', 'uploadId'],
} as const;
const tusResponses = {
  200: { type: 'null' },
  201: { type: 'null' },
  204: { type: 'null' },
  ...htmlResponses(403, 404),
};

interface UploadScope {
  incidentId: string;
  observerId: string;
}

export function registerEvidenceRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
): void {
  const page = consolePageOf(context);
  const store = new SealedUploadStore(context.secrets.keyring, evidencePaths(context).uploads);
  const scope = new AsyncLocalStorage<UploadScope>();
  const tus = new TusServer({
    path: '/console/evidence-uploads',
    datastore: store,
    maxSize: context.config.evidence.maxBytes,
    // The upload's id becomes the item's: a UUID, like every id in the database.
    namingFunction: () => randomUUID(),
    generateUrl: (_req, { id }) => {
      const current = scope.getStore();
      if (!current) throw new Error('tus outside an evidence request');
      return `/console/incidents/${current.incidentId}/evidence/uploads/${id}`;
    },
    onUploadCreate: async (_req, upload) => {
      const current = scope.getStore();
      if (!current) tusRefusal({ status_code: 403, body: 'Forbidden\n' });
      return { metadata: { ...upload.metadata, incident: current.incidentId, observer: current.observerId } };
    },
    onUploadFinish: async (_req, upload) => {
      const current = scope.getStore();
      if (!current) tusRefusal({ status_code: 403, body: 'Forbidden\n' });
      const received = await receiveFinishedUpload(context, store, upload.id, {
        ...current,
        fileName: upload.metadata?.filename?.slice(0, 255) || 'upload',
      });
      return { headers: { 'Evidence-Sha256': received.sha256, 'Evidence-Item': received.itemId } };
    },
  });

  async function incidentFor(request: FastifyRequest, incidentId: string, adding: boolean): Promise<void> {
    const principal = request.principal!;
    const allowed = adding
      ? await mayAddEvidence(context, principal, incidentId)
      : await mayViewEvidence(context, principal, incidentId);
    // The same answer whether the incident exists or not.
    if (!allowed) throw new AppError('not_found');
  }

  async function handOver(request: FastifyRequest, reply: FastifyReply, incidentId: string): Promise<void> {
    reply.hijack();
    await scope.run({ incidentId, observerId: request.principal!.userId }, () =>
      tus.handle(request.raw, reply.raw),
    );
  }

  async function ownUpload(
    request: FastifyRequest<{ Params: { id: string; uploadId: string } }>,
  ): Promise<void> {
    await incidentFor(request, request.params.id, true);
    const upload = await store.getUpload(request.params.uploadId).catch(() => undefined);
    if (
      upload?.metadata?.incident !== request.params.id ||
      upload.metadata.observer !== request.principal!.userId
    ) {
      throw new AppError('not_found');
    }
  }

  app.register(async (tusScope) => {
    // The upload's bytes go to tus unread: no buffering, no body limit of Fastify's.
    tusScope.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) =>
      done(null),
    );
    tusScope.post<{ Params: { id: string } }>(
      '/console/incidents/:id/evidence/uploads',
      { config: { access: addEvidence }, schema: { params: incidentParams, response: tusResponses } },
      async (request, reply) => {
        await incidentFor(request, request.params.id, true);
        await handOver(request, reply, request.params.id);
      },
    );
    for (const method of ['HEAD', 'PATCH', 'DELETE'] as const) {
      tusScope.route<{ Params: { id: string; uploadId: string } }>({
        method,
        url: '/console/incidents/:id/evidence/uploads/:uploadId',
        config: { access: addEvidence },
        schema: { params: uploadParams, response: tusResponses },
        handler: async (request, reply) => {
          await ownUpload(request);
          await handOver(request, reply, request.params.id);
        },
      });
    }
  });

  app.get<{ Params: { id: string }; Querystring: { received?: string } }>(
    '/console/incidents/:id/evidence',
    {
      config: { access: viewEvidence },
      schema: { params: incidentParams, response: htmlResponses(404) },
    },
    async (request, reply) => {
      const incidentId = request.params.id;
      await incidentFor(request, incidentId, false);
      return sendHtml(
        reply,
        renderEvidenceList(page(request), {
          incidentId,
          items: await listEvidenceItems(context, incidentId),
          csrfToken: services.csrf.issue(request.principal!.csrfSecret),
          mayAdd: await mayAddEvidence(context, request.principal!, incidentId),
          smallFileMegabytes: SMALL_FILE_BYTES / (1024 * 1024),
        }),
      );
    },
  );

  app.post<{ Params: { id: string } }>(
    '/console/incidents/:id/evidence',
    {
      // Multipart: the handler reads the body and checks the session's form token itself.
      config: { access: addEvidence, csrf: 'handler' },
      schema: {
        params: incidentParams,
        response: { ...htmlResponses(403, 404, 413, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const incidentId = request.params.id;
      const principal = request.principal!;
      const form = await readPhotoForm(request, { textFields: [], fieldByteLimit: 1024, fileField: 'file' });
      await incidentFor(request, incidentId, true);
      const again = async (status: number, text: string) =>
        sendHtml(
          reply,
          renderEvidenceList(page(request), {
            incidentId,
            items: await listEvidenceItems(context, incidentId),
            csrfToken: services.csrf.issue(principal.csrfSecret),
            mayAdd: true,
            smallFileMegabytes: SMALL_FILE_BYTES / (1024 * 1024),
            notice: { kind: 'error', text },
          }),
          status,
        );
      if (services.csrf.verify(form.csrf, principal.csrfSecret, SESSION_FORM_TOKEN_TTL_MS) !== 'valid') {
        throw new AppError('csrf_failed');
      }
      if (form.photoTooLarge) return again(413, request.t('evidence.error_too_large'));
      if (!form.photo) return again(422, request.t('evidence.error_no_file'));
      const received = await receiveSmallFile(context, {
        incidentId,
        observerId: principal.userId,
        fileName: form.fileName?.slice(0, 255) || 'upload',
        bytes: form.photo,
      });
      return reply.redirect(`/console/evidence/${received.itemId}`, 303);
    },
  );

  async function visibleItem(request: FastifyRequest, itemId: string): Promise<EvidenceItemSummary> {
    const item = isUuid(itemId) ? await findEvidenceItem(context, itemId) : undefined;
    if (!item) throw new AppError('not_found');
    await incidentFor(request, item.incidentId, false);
    return item;
  }

  const itemParams = incidentParams;

  app.get<{ Params: { id: string } }>(
    '/console/evidence/:id',
    { config: { access: viewEvidence }, schema: { params: itemParams, response: htmlResponses(404) } },
    async (request, reply) => {
      const item = await visibleItem(request, request.params.id);
      await recordEvidenceView(context, item, request.principal!.userId);
      return sendHtml(
        reply,
        renderEvidenceItem(page(request), {
          item,
          custody: await custodyOf(context, item.id),
          csrfToken: services.csrf.issue(request.principal!.csrfSecret),
        }),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/console/evidence/:id/view',
    {
      config: { access: viewEvidence },
      schema: {
        params: itemParams,
        response: fileResponses(
          ['image/jpeg', 'image/png', 'video/mp4', 'video/webm', 'audio/mp4', 'audio/mpeg'],
          404,
        ),
      },
    },
    async (request, reply) => {
      const item = await visibleItem(request, request.params.id);
      const copy = await openWorkingCopy(context, item);
      if (!copy) throw new AppError('not_found');
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', 'inline')
        .header('content-length', String(copy.size))
        .type(copy.contentType)
        .send(copy.stream);
    },
  );

  app.post<{ Params: { id: string }; Body: { reason?: string } }>(
    '/console/evidence/:id/download',
    {
      config: { access: viewEvidence },
      schema: {
        params: itemParams,
        body: {
          type: 'object',
          properties: { reason: { type: 'string', maxLength: 300 }, _csrf: { type: 'string' } },
        },
        response: { ...fileResponses(['application/octet-stream'], 404), 422: htmlResponses()[200] },
      },
    },
    async (request, reply) => {
      const item = await visibleItem(request, request.params.id);
      const reason = (request.body.reason ?? '').trim();
      if (reason === '') {
        return sendHtml(
          reply,
          renderEvidenceItem(page(request), {
            item,
            custody: await custodyOf(context, item.id),
            csrfToken: services.csrf.issue(request.principal!.csrfSecret),
            reasonError: true,
          }),
          422,
        );
      }
      const original = await openEvidenceOriginal(context, item.id, {
        actorId: request.principal!.userId,
        reason,
        action: 'downloaded',
      });
      return reply
        .header('cache-control', 'no-store')
        .header(
          'content-disposition',
          `attachment; filename="${item.id}"; filename*=UTF-8''${encodeURIComponent(original.fileName)}`,
        )
        .header('content-length', String(original.size))
        .header('evidence-sha256', original.sha256)
        .type('application/octet-stream')
        .send(original.stream);
    },
  );

  app.get(
    '/assets/evidence/tus.min.js',
    {
      config: { access: { kind: 'public' } },
      schema: { hide: true, response: fileResponses(['text/javascript'], 404) },
    },
    async (_request, reply) =>
      reply
        .header('cache-control', 'public, max-age=86400')
        .type('text/javascript')
        .send(await tusClientScript()),
  );
}

let tusClient: Promise<Buffer> | undefined;

/** tus-js-client's browser build, from the app's own node_modules (served same-origin, like the map's). */
async function tusClientScript(): Promise<Buffer> {
  const { createRequire } = await import('node:module');
  const { readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const require = createRequire(import.meta.url);
  tusClient ??= readFile(
    path.join(path.dirname(require.resolve('tus-js-client/package.json')), 'dist', 'tus.min.js'),
  );
  return tusClient;
}
