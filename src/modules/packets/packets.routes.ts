// The export page and download, legal holds, and the signing key's page. Handlers parse, check access
// (openPacketScope), call the service, present.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { HttpServices } from '../../http/app.ts';
import { sendHtml } from '../../http/html-reply.ts';
import { htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { formatTime } from '../../i18n/time.ts';
import { openPacketScope, type PacketSubject } from './packets.access.ts';
import { liftLegalHold, listLegalHolds, setLegalHold } from './packets.holds.ts';
import { renderPacketPage, renderSigningKeyPage, type PacketNotice } from './packets.pages.ts';
import { exportPackets, manageLegalHolds, viewSigningKey } from './packets.policy.ts';
import { exportEvidencePacket, readPacketChoices } from './packets.service.ts';
import { networkPublicKey } from './packets.signing-key.ts';

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;
const csrf = { type: 'string', maxLength: 256 } as const;
const packetBody = {
  type: 'object',
  properties: {
    _csrf: csrf,
    item: {
      anyOf: [
        { type: 'string', maxLength: 64 },
        { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 64 } },
      ],
    },
  },
} as const;
const holdBody = {
  type: 'object',
  properties: { _csrf: csrf, reason: { type: 'string', maxLength: 20_000 } },
} as const;
const noticeQuery = {
  type: 'object',
  properties: { notice: { type: 'string', enum: ['held', 'lifted', 'reason_missing'] } },
} as const;
const zipResponses = {
  200: { content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } },
  ...htmlResponses(400, 404),
};

const SUBJECTS = [
  { base: '/console/incidents/:id/packet', subject: (id: string): PacketSubject => ({ incidentId: id }) },
  { base: '/console/cases/:id/packet', subject: (id: string): PacketSubject => ({ caseId: id }) },
] as const;

function pathOf(base: string, id: string): string {
  return base.replace(':id', encodeURIComponent(id));
}

export function registerPacketRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
): void {
  const page = (request: FastifyRequest) => ({
    request,
    networkName: context.config.networkName,
    formatWhen: (date: Date) => formatTime(date, request.lang, context.config.timeZone),
  });

  for (const { base, subject } of SUBJECTS) {
    app.get<{ Params: { id: string }; Querystring: { notice?: PacketNotice } }>(
      base,
      {
        config: { access: exportPackets },
        schema: { params: idParams, querystring: noticeQuery, response: htmlResponses(404) },
      },
      async (request, reply) => {
        const principal = request.principal!;
        const scope = await openPacketScope(context, principal, subject(request.params.id));
        const [choices, holds, key] = await Promise.all([
          readPacketChoices(context, scope),
          listLegalHolds(context, scope),
          networkPublicKey(context),
        ]);
        reply.header('cache-control', 'no-store');
        return sendHtml(
          reply,
          renderPacketPage(page(request), {
            scope,
            basePath: pathOf(base, request.params.id),
            choices,
            holds,
            fingerprint: key.fingerprint,
            csrfToken: services.csrf.issue(principal.csrfSecret),
            notice: request.query.notice,
          }),
        );
      },
    );

    app.post<{ Params: { id: string }; Body: { item?: string | string[] } }>(
      base,
      {
        config: { access: exportPackets },
        schema: { params: idParams, body: packetBody, response: zipResponses },
      },
      async (request, reply) => {
        const principal = request.principal!;
        const scope = await openPacketScope(context, principal, subject(request.params.id));
        const chosen = request.body.item;
        const itemIds = chosen === undefined ? [] : Array.isArray(chosen) ? chosen : [chosen];
        const { t, formatWhen } = { t: request.t, formatWhen: page(request).formatWhen };
        const packet = await exportEvidencePacket(context, principal, scope, itemIds, { t, formatWhen });
        return reply
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="${packet.fileName}"`)
          .type('application/zip')
          .send(packet.stream);
      },
    );

    app.post<{ Params: { id: string }; Body: { reason?: string } }>(
      `${base}/holds`,
      {
        config: { access: manageLegalHolds },
        schema: {
          params: idParams,
          body: holdBody,
          response: { ...htmlResponses(404), ...redirectResponse },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        const scope = await openPacketScope(context, principal, subject(request.params.id));
        const target = pathOf(base, request.params.id);
        const reason = request.body.reason?.trim() ?? '';
        if (reason === '') return reply.redirect(`${target}?notice=reason_missing#hold-reason`, 303);
        await setLegalHold(context, principal, scope, reason);
        return reply.redirect(`${target}?notice=held#holds`, 303);
      },
    );
  }

  app.post<{ Params: { id: string } }>(
    '/console/holds/:id/lift',
    {
      config: { access: manageLegalHolds },
      schema: { params: idParams, response: { ...htmlResponses(404), ...redirectResponse } },
    },
    async (request, reply) => {
      const subject = await liftLegalHold(context, request.principal!, request.params.id);
      const target =
        'incidentId' in subject
          ? pathOf(SUBJECTS[0].base, subject.incidentId)
          : pathOf(SUBJECTS[1].base, subject.caseId);
      return reply.redirect(`${target}?notice=lifted#holds`, 303);
    },
  );

  app.get(
    '/console/signing-key',
    { config: { access: viewSigningKey }, schema: { response: htmlResponses() } },
    async (request, reply) =>
      sendHtml(reply, renderSigningKeyPage(page(request), await networkPublicKey(context))),
  );
}
