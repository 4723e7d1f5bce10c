// The hotline's phone line (Twilio's voice webhooks and the status callback), recording playback, and the
// legal team's follow-up list. Handlers parse, authorize (voice.policy.ts, or Twilio's signature, checked
// by the app before any handler), call the service and present.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { SIGNED_BY_TWILIO } from '../../http/access.ts';
import type { HttpServices } from '../../http/app.ts';
import { AppError } from '../../http/errors.ts';
import { AUDIO_TYPES, fileResponses, htmlResponses, redirectResponse } from '../../http/schemas.ts';
import { parseErrorCode } from '../../integrations/twilio/error-codes.ts';
import { STATUS_PATH } from '../../integrations/twilio/status.ts';
import { EMPTY_TWIML, sendTwiml, twimlResponses } from '../../integrations/twilio/webhook.ts';
import { assignFollowupTo, markFollowupDone, readOpenFollowups } from './followups.service.ts';
import { playRecording, type RecordingDeps } from './recordings.service.ts';
import { renderFollowups } from './voice.pages.ts';
import { closeFollowups, playRecordings, viewFollowups } from './voice.policy.ts';
import {
  callBody,
  idParams,
  languageQuery,
  languageStepQuery,
  menuStepQuery,
  recordingFrom,
  statusBody,
  type CallBody,
  type LanguageQuery,
  type StatusBody,
} from './voice.schemas.ts';
import { VOICE_PATH } from './voice.script.ts';

/** The assign form: the chosen legal staff member's id, or empty for the whole intake team. */
const assignBody = {
  type: 'object',
  properties: { user_id: { type: 'string', maxLength: 64 }, _csrf: { type: 'string', maxLength: 512 } },
} as const;
import {
  answerCallStatus,
  answerConnect,
  answerDialResult,
  answerIncomingCall,
  answerLanguageChoice,
  answerMenuChoice,
  answerMessageStatus,
  answerRecorded,
  answerRecordingStatus,
  answerScreen,
  answerScreenResult,
  answerSiteChoice,
  type CallStep,
  type VoiceDeps,
} from './voice.service.ts';

function callStep(request: FastifyRequest<{ Body: CallBody }>): CallStep {
  return { callSid: request.body.CallSid, from: request.body.From, path: request.url };
}

export function registerVoiceRoutes(
  app: FastifyInstance,
  context: AppContext,
  services: HttpServices,
  deps: { voice: VoiceDeps; recordings: Pick<RecordingDeps, 'context' | 'store'> },
): void {
  const scope = voiceRouteScope(context, services, deps);
  registerCallRoutes(app, scope);
  registerStatusAndRecordingRoutes(app, scope);
  registerFollowupRoutes(app, scope);
}

/** What the route groups below share: built once, when the routes are registered. */
function voiceRouteScope(
  context: AppContext,
  services: HttpServices,
  deps: { voice: VoiceDeps; recordings: Pick<RecordingDeps, 'context' | 'store'> },
) {
  const { voice } = deps;
  const webhook = (schema: Record<string, unknown>) => ({
    config: { access: SIGNED_BY_TWILIO },
    schema: { ...schema, response: twimlResponses() },
  });

  return { context, services, deps, voice, webhook };
}

type VoiceRouteScope = ReturnType<typeof voiceRouteScope>;

/** The call itself: Twilio's webhooks from the greeting to the recording, and call screening. */
function registerCallRoutes(app: FastifyInstance, scope: VoiceRouteScope): void {
  const { voice, webhook } = scope;
  app.post<{ Body: CallBody }>(VOICE_PATH, webhook({ body: callBody }), async (request, reply) =>
    sendTwiml(reply, await answerIncomingCall(voice, callStep(request))),
  );

  app.post<{ Body: CallBody; Querystring: { attempt: number } }>(
    `${VOICE_PATH}/language`,
    webhook({ body: callBody, querystring: languageStepQuery }),
    async (request, reply) =>
      sendTwiml(
        reply,
        await answerLanguageChoice(voice, callStep(request), {
          attempt: request.query.attempt,
          digits: request.body.Digits,
        }),
      ),
  );

  // The main menu, and "was it at <site>?" during an operation: a key pressed in a language, at an attempt.
  for (const [path, answer] of [
    ['menu', answerMenuChoice],
    ['site', answerSiteChoice],
  ] as const) {
    app.post<{ Body: CallBody; Querystring: LanguageQuery & { attempt: number } }>(
      `${VOICE_PATH}/${path}`,
      webhook({ body: callBody, querystring: menuStepQuery }),
      async (request, reply) =>
        sendTwiml(
          reply,
          await answer(voice, callStep(request), {
            lang: request.query.lang,
            attempt: request.query.attempt,
            digits: request.body.Digits,
          }),
        ),
    );
  }

  app.post<{ Body: CallBody; Querystring: LanguageQuery }>(
    `${VOICE_PATH}/connect`,
    webhook({ body: callBody, querystring: languageQuery }),
    async (request, reply) =>
      sendTwiml(reply, await answerConnect(voice, request.query.lang, request.body.To)),
  );

  app.post<{ Body: CallBody; Querystring: LanguageQuery }>(
    `${VOICE_PATH}/dial-result`,
    webhook({ body: callBody, querystring: languageQuery }),
    async (request, reply) =>
      sendTwiml(
        reply,
        await answerDialResult(voice, callStep(request), {
          lang: request.query.lang,
          dialCallStatus: request.body.DialCallStatus,
        }),
      ),
  );

  // Call screening, on the leg of a dispatcher's phone that answered (see answerScreen: nothing stored).
  app.post<{ Body: CallBody; Querystring: LanguageQuery }>(
    `${VOICE_PATH}/screen`,
    webhook({ body: callBody, querystring: languageQuery }),
    async (request, reply) => sendTwiml(reply, answerScreen(voice, request.query.lang)),
  );

  app.post<{ Body: CallBody; Querystring: LanguageQuery }>(
    `${VOICE_PATH}/screen-result`,
    webhook({ body: callBody, querystring: languageQuery }),
    async (request, reply) => sendTwiml(reply, answerScreenResult(voice, request.body.Digits)),
  );

  app.post<{ Body: CallBody; Querystring: LanguageQuery }>(
    `${VOICE_PATH}/recorded`,
    webhook({ body: callBody, querystring: languageQuery }),
    async (request, reply) =>
      sendTwiml(
        reply,
        await answerRecorded(voice, callStep(request), {
          lang: request.query.lang,
          recording: recordingFrom(request.body),
        }),
      ),
  );
}

/** Twilio's status callbacks (calls, recordings, messages), and playing a report's recording to staff. */
function registerStatusAndRecordingRoutes(app: FastifyInstance, scope: VoiceRouteScope): void {
  const { context, deps, voice, webhook } = scope;
  app.post<{ Body: StatusBody }>(STATUS_PATH, webhook({ body: statusBody }), async (request, reply) => {
    const body = request.body;
    const recording = recordingFrom(body);
    if (recording && body.CallSid && body.RecordingStatus) {
      const answer = await answerRecordingStatus(voice, {
        status: body.RecordingStatus,
        recording: { ...recording, callSid: body.CallSid },
      });
      return sendTwiml(reply, answer);
    }
    if (body.MessageSid && body.MessageStatus) {
      const answer = await answerMessageStatus(context, {
        messageSid: body.MessageSid,
        status: body.MessageStatus,
        errorCode: parseErrorCode(body.ErrorCode),
        to: body.To,
      });
      return sendTwiml(reply, answer);
    }
    if (body.CallSid && body.CallStatus) {
      const answer = await answerCallStatus(voice, { callSid: body.CallSid, status: body.CallStatus });
      return sendTwiml(reply, answer);
    }
    // Some other status Twilio may send: nothing to keep.
    return sendTwiml(reply, EMPTY_TWIML);
  });

  app.get<{ Params: { id: string } }>(
    '/console/reports/:id/recording',
    {
      config: { access: playRecordings },
      schema: {
        params: idParams,
        response: fileResponses(AUDIO_TYPES, 404),
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const recording = await playRecording(deps.recordings, request.params.id, principal);
      if (!recording) throw new AppError('not_found');
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', recording.inline ? 'inline' : 'attachment')
        .type(recording.contentType)
        .send(recording.bytes);
    },
  );
}

/** Family follow-ups: the list, taking one on, marking it done. */
function registerFollowupRoutes(app: FastifyInstance, scope: VoiceRouteScope): void {
  const { context, services } = scope;
  const { networkName } = context.config;

  app.get(
    '/console/followups',
    { config: { access: viewFollowups }, schema: { response: htmlResponses() } },
    async (request, reply) => {
      const principal = request.principal!;
      const list = await readOpenFollowups(context, principal.userId);
      const csrfToken = services.csrf.issue(principal.csrfSecret);
      return reply
        .type('text/html; charset=utf-8')
        .send(
          renderFollowups({ request, networkName, timeZone: context.config.timeZone }, list, csrfToken).value,
        );
    },
  );

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/console/followups/:id/assign',
    {
      config: { access: closeFollowups },
      schema: {
        params: idParams,
        body: assignBody,
        response: { ...htmlResponses(404, 422), ...redirectResponse },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const raw = typeof request.body.user_id === 'string' ? request.body.user_id.trim() : '';
      const outcome = await assignFollowupTo(
        context,
        principal.userId,
        request.params.id,
        raw === '' ? null : raw,
      );
      if (outcome === 'missing') throw new AppError('not_found');
      if (outcome === 'not_legal') {
        const list = await readOpenFollowups(context, principal.userId);
        const csrfToken = services.csrf.issue(principal.csrfSecret);
        return reply
          .code(422)
          .type('text/html; charset=utf-8')
          .send(
            renderFollowups(
              { request, networkName, timeZone: context.config.timeZone },
              list,
              csrfToken,
              'voice.followups_assign_not_legal',
            ).value,
          );
      }
      return reply.redirect('/console/followups', 303);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/console/followups/:id/done',
    {
      config: { access: closeFollowups },
      schema: { params: idParams, response: { ...htmlResponses(404), ...redirectResponse } },
    },
    async (request, reply) => {
      const outcome = await markFollowupDone(context, request.params.id, request.principal!.userId);
      if (outcome === 'missing') throw new AppError('not_found');
      return reply.redirect('/console/followups', 303);
    },
  );
}
