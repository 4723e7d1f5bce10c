// The SMS webhook: parse, (access already checked: SIGNED_BY_TWILIO), call the service once per
// MessageSid, present as TwiML.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { SIGNED_BY_TWILIO } from '../../http/access.ts';
import { message, response } from '../../integrations/twilio/twiml.ts';
import { answerOnce, EMPTY_TWIML, sendTwiml, twimlResponses } from '../../integrations/twilio/webhook.ts';
import { parseIncomingSms } from './sms.schemas.ts';
import { takeIncomingText } from './sms.service.ts';

export const SMS_WEBHOOK_PATH = '/webhooks/twilio/sms';

export function registerSmsRoutes(app: FastifyInstance, context: AppContext): void {
  app.post(
    SMS_WEBHOOK_PATH,
    { config: { access: SIGNED_BY_TWILIO }, schema: { response: twimlResponses() } },
    async (request, reply) => {
      const incoming = parseIncomingSms(request);
      const twiml = await answerOnce(
        context.db,
        `sms:${incoming.messageSid}`,
        context.clock.now(),
        async (trx) => {
          const answer = await takeIncomingText(context, trx, incoming.text);
          return answer === undefined ? EMPTY_TWIML : response(message(answer));
        },
      );
      return sendTwiml(reply, twiml);
    },
  );
}
