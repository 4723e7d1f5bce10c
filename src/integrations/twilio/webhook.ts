// Receiving Twilio's webhooks. Authenticity: the X-Twilio-Signature must match the URL Amparo published
// (AMPARO_PUBLIC_URL + the path and query Twilio called) and the body, under AMPARO_TWILIO_AUTH_TOKEN, and
// the AccountSid must be ours. Retries: Twilio redelivers a webhook it did not see answered, so each
// delivery has a key (its MessageSid or CallSid, plus the step for calls), and a repeated key gets the
// first answer again without storing anything twice.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { AppConfig } from '../../config/config.ts';
import type { Secrets } from '../../crypto/secrets.ts';
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
 * A delivery key as it is stored: a keyed hash (HMAC-SHA256 under a key derived from the master key), so the
 * table never holds Twilio's SIDs, which Twilio (or a subpoena to it) could tie back to a phone number.
 */
export function deliveryKeyHash(secrets: Pick<Secrets, 'blindIndex'>, key: string): string {
  return secrets.blindIndex.index('twilio-delivery-key', key);
}

/**
 * Runs `produce` once per delivery key, in one transaction with the receipt, and answers a repeated
 * delivery with the stored answer. The receipt is written last, with the answer, so a first delivery costs
 * one statement beyond its work. A repeat does the work again and finds the key taken: its transaction rolls
 * back, storing nothing, and it answers what the first one stored. Two deliveries racing on PostgreSQL
 * serialise on the receipt's primary key: the second waits for the first to commit, then rolls back.
 *
 * The answer is kept RECEIPT_RETENTION_HOURS, the key (hashed) for the configured days: a replay after the
 * answer is gone is still recognised, its work rolled back, and answered with an empty <Response/>. A
 * replay whose work fails on what has changed since (the call forgotten, say) is answered the same way.
 */
export async function answerOnce(
  context: { db: Kysely<Database>; secrets: Pick<Secrets, 'blindIndex'> },
  key: string,
  now: Date,
  produce: (trx: Transaction<Database>) => Promise<string>,
): Promise<string> {
  const { db } = context;
  const keyHash = deliveryKeyHash(context.secrets, key);
  try {
    return await db.transaction().execute(async (trx) => {
      const answer = await produce(trx);
      const claimed = await trx
        .insertInto('twilio_webhook_receipts')
        .values({ key_hash: keyHash, received_at: now, response: answer })
        .onConflict((conflict) => conflict.column('key_hash').doNothing())
        .returning('key_hash')
        .executeTakeFirst();
      if (!claimed) throw new AlreadyAnswered();
      return answer;
    });
  } catch (error) {
    if (!(error instanceof AlreadyAnswered)) {
      // Only a delivery seen before is answered despite the error; a first one fails as it would.
      const seen = await storedAnswer(db, keyHash);
      if (seen === undefined) throw error;
      return seen ?? EMPTY_TWIML;
    }
  }
  return (await storedAnswer(db, keyHash)) ?? EMPTY_TWIML;
}

/** The answer stored under a key: undefined when the key was never seen, null once the answer is purged. */
async function storedAnswer(db: Kysely<Database>, keyHash: string): Promise<string | null | undefined> {
  const row = await db
    .selectFrom('twilio_webhook_receipts')
    .select('response')
    .where('key_hash', '=', keyHash)
    .executeTakeFirst();
  return row === undefined ? undefined : row.response;
}

/** Twilio stops retrying within a day; an answer older than this is never asked for by Twilio again. */
export const RECEIPT_RETENTION_HOURS = 48;

export const purgeWebhookReceiptsJob = defineJob({
  name: 'twilio.purge-receipts',
  queue: {},
  parse: parseEmptyPayload('twilio.purge-receipts'),
});

/**
 * Forgets answers after RECEIPT_RETENTION_HOURS (a reply can name a report's reference) and the hashed
 * keys after `keyDays`, so a replay within that long is still answered once.
 */
export async function purgeWebhookReceipts(
  db: Kysely<Database>,
  now: Date,
  keyDays: number,
): Promise<{ answers: number; keys: number }> {
  const answerCutoff = new Date(now.getTime() - RECEIPT_RETENTION_HOURS * 3600_000);
  const keyCutoff = new Date(now.getTime() - keyDays * 24 * 3600_000);
  const answers = await db
    .updateTable('twilio_webhook_receipts')
    .set({ response: null })
    .where('received_at', '<', answerCutoff)
    .where('response', 'is not', null)
    .executeTakeFirst();
  const keys = await db
    .deleteFrom('twilio_webhook_receipts')
    .where('received_at', '<', keyCutoff)
    .executeTakeFirst();
  return { answers: Number(answers.numUpdatedRows), keys: Number(keys.numDeletedRows) };
}
