// Receiving Twilio's webhooks. Authenticity: the X-Twilio-Signature must match the URL Amparo published
// (AMPARO_PUBLIC_URL + the path and query Twilio called) and the body, under AMPARO_TWILIO_AUTH_TOKEN, and
// the AccountSid must be ours. Retries: Twilio redelivers a webhook it did not see answered, so each
// delivery has a key (its MessageSid or CallSid, plus the step for calls), and a repeated key gets the
// first answer again without storing anything twice.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { AppConfig } from '../../config/config.ts';
import type { Database } from '../../db/schema.ts';
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';
import { isFormParams, isValidTwilioSignature } from './signature.ts';

/** The URL Twilio was given for this request: the configured public address, never the Host header. */
export function publishedUrl(publicUrl: URL, requestUrl: string): string {
  const prefix = publicUrl.pathname.replace(/\/+$/, '');
  return `${publicUrl.origin}${prefix}${requestUrl}`;
}

/** Twilio posts application/x-www-form-urlencoded bodies, and nothing else. */
export function isTwilioFormType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  return mediaType === 'application/x-www-form-urlencoded';
}

export function isAuthenticTwilioRequest(
  config: Pick<AppConfig, 'publicUrl' | 'twilio'>,
  request: Pick<FastifyRequest, 'url' | 'headers' | 'body'>,
): boolean {
  const { authToken, accountSid } = config.twilio;
  // Without credentials nothing can be verified, so nothing is accepted.
  if (!authToken || !accountSid) return false;
  const params = request.body ?? {};
  if (!isFormParams(params)) return false;
  const header = request.headers['x-twilio-signature'];
  if (typeof header !== 'string') return false;
  if (!isValidTwilioSignature(authToken, publishedUrl(config.publicUrl, request.url), params, header)) {
    return false;
  }
  return params.AccountSid === accountSid;
}

/** A form field Twilio sent once, or undefined. */
export function param(request: FastifyRequest, name: string): string | undefined {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** Response schema for routes that answer Twilio with TwiML. */
export function twimlResponses(): Record<string, unknown> {
  const xml = { content: { 'text/xml': { schema: { type: 'string' } } } };
  return { 200: xml, '4xx': { description: 'Refused (bad signature or request)' } };
}

export function sendTwiml(reply: FastifyReply, twiml: string): FastifyReply {
  return reply.type('text/xml; charset=utf-8').send(twiml);
}

/** Thrown inside answerOnce's transaction to roll back a repeated delivery's work. */
class AlreadyAnswered extends Error {
  override name = 'AlreadyAnswered';
}

/**
 * Runs `produce` once per delivery key, in one transaction with the receipt, and answers a repeated
 * delivery with the stored answer. The receipt is written last, with the answer, so a first delivery costs
 * one statement beyond its work. A repeat does the work again and finds the key taken: its transaction rolls
 * back, storing nothing, and it answers what the first one stored. Two deliveries racing on PostgreSQL
 * serialise on the receipt's primary key: the second waits for the first to commit, then rolls back.
 */
export async function answerOnce(
  db: Kysely<Database>,
  key: string,
  now: Date,
  produce: (trx: Transaction<Database>) => Promise<string>,
): Promise<string> {
  try {
    return await db.transaction().execute(async (trx) => {
      const answer = await produce(trx);
      const claimed = await trx
        .insertInto('twilio_webhook_receipts')
        .values({ key, received_at: now, response: answer })
        .onConflict((conflict) => conflict.column('key').doNothing())
        .returning('key')
        .executeTakeFirst();
      if (!claimed) throw new AlreadyAnswered();
      return answer;
    });
  } catch (error) {
    if (!(error instanceof AlreadyAnswered)) throw error;
  }
  const first = await db
    .selectFrom('twilio_webhook_receipts')
    .select('response')
    .where('key', '=', key)
    .executeTakeFirst();
  return first?.response ?? EMPTY_TWIML;
}

/** Twilio stops retrying within a day; receipts older than this only say who called when. */
export const RECEIPT_RETENTION_HOURS = 48;

export const purgeWebhookReceiptsJob = defineJob({
  name: 'twilio.purge-receipts',
  queue: {},
  parse: parseEmptyPayload('twilio.purge-receipts'),
});

export async function purgeWebhookReceipts(db: Kysely<Database>, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - RECEIPT_RETENTION_HOURS * 3600_000);
  const result = await db
    .deleteFrom('twilio_webhook_receipts')
    .where('received_at', '<', cutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
