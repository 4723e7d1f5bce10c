// What the SMS webhook accepts. Twilio's signature has already been checked (the app's access hook), so
// these are Twilio's own fields; a request missing the ones intake needs is refused with a clear 400.
import type { FastifyRequest } from 'fastify';
import { normalizePhone } from '../../crypto/blind-index.ts';
import { AppError } from '../../http/errors.ts';
import { param } from '../../integrations/twilio/webhook.ts';
import { MAX_MEDIA, type IncomingMedia, type IncomingText } from './sms.service.ts';

const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/i;

export interface IncomingSmsRequest {
  /** Twilio's id for the message: the delivery key, so a retry is answered again but stored once. */
  messageSid: string;
  text: IncomingText;
}

export function parseIncomingSms(request: FastifyRequest): IncomingSmsRequest {
  const messageSid = param(request, 'MessageSid') ?? param(request, 'SmsMessageSid');
  const rawFrom = param(request, 'From');
  const from = rawFrom === undefined ? undefined : normalizePhone(rawFrom);
  if (messageSid === undefined || !MESSAGE_SID.test(messageSid)) {
    throw new AppError('invalid_request', { detail: 'SMS webhook without a valid MessageSid.' });
  }
  if (from === undefined) {
    throw new AppError('invalid_request', { detail: 'SMS webhook without a sender phone number.' });
  }
  const declared = Number(param(request, 'NumMedia') ?? '0');
  const count = Number.isInteger(declared) && declared > 0 ? Math.min(declared, MAX_MEDIA) : 0;
  const media: IncomingMedia[] = [];
  for (let i = 0; i < count; i++) {
    const url = param(request, `MediaUrl${i}`);
    if (url === undefined) continue;
    media.push({ url, contentType: param(request, `MediaContentType${i}`) ?? 'application/octet-stream' });
  }
  return { messageSid, text: { from, body: param(request, 'Body') ?? '', media } };
}
