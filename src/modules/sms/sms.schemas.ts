// What the SMS webhook and the console's simulator accept. Twilio's signature has already been checked (the app's access hook), so
// these are Twilio's own fields; a request missing the ones intake needs is refused with a clear 400.
import type { FastifyRequest } from 'fastify';
import { normalizePhone } from '../../phone/phone.ts';
import { AppError } from '../../http/errors.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import { param } from '../../integrations/twilio/webhook.ts';
import { isReadableText } from '../../http/form.ts';
import { MAX_TEXT_CHARS, readProviderKeyword } from './sms.conversation.ts';
import { isPretendNumber, MAX_MEDIA, type IncomingMedia, type IncomingText } from './sms.service.ts';

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
  const body = param(request, 'Body') ?? '';
  const providerKeyword = readProviderKeyword(param(request, 'OptOutType'), body);
  return { messageSid, text: { from, body, media, ...(providerKeyword ? { providerKeyword } : {}) } };
}

/** What the simulator form held: the pretend number, the text, and the conversation shown so far. */
export interface SimulatorForm {
  phone: string;
  body: string;
  /** Earlier lines of this browser's simulated conversation, each "> " (sent) or "< " (answered). */
  history: string[];
}

export type SimulatorErrors = Partial<Record<'phone' | 'body', MessageKey>>;

const MAX_HISTORY = 40;

function field(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value : '';
}

export function readSimulatorForm(raw: unknown): SimulatorForm {
  const body = (raw ?? {}) as Record<string, unknown>;
  const history = ([] as unknown[])
    .concat(body.history ?? [])
    .filter((line): line is string => typeof line === 'string' && /^[<>] /.test(line))
    .slice(-MAX_HISTORY)
    .map((line) => [...line].slice(0, MAX_TEXT_CHARS + 2).join(''));
  return { phone: field(body, 'phone').trim(), body: field(body, 'body'), history };
}

export function validateSimulatorForm(
  form: SimulatorForm,
): { ok: true; from: string } | { ok: false; errors: SimulatorErrors } {
  const errors: SimulatorErrors = {};
  const from = normalizePhone(form.phone);
  if (from === undefined || !isPretendNumber(from)) errors.phone = 'sms.simulator_error_phone';
  if (form.body.trim() === '' || [...form.body].length > MAX_TEXT_CHARS || !isReadableText(form.body)) {
    errors.body = 'sms.simulator_error_body';
  }
  if (from === undefined || errors.phone || errors.body) return { ok: false, errors };
  return { ok: true, from };
}
