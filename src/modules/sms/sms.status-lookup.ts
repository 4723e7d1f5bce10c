// A family's status lookup by text: ESTADO <code> / STATUS <code>. The cases module knows the codes and what
// the family may be told; it registers the handler, so text intake does not import the case modules. This file
// parses the words, limits wrong codes per number and answers the limited number once, then not at all.
//
// Wrong codes (and revoked ones, which answer the same) are counted per number in the shared rate-limit
// counters, under a keyed hash of the number: 5 in an hour, then one "too many tries" and silence until the hour
// is over. While a number is limited its texts are not looked up at all, so a right code guessed then teaches
// nothing. With about 69 million codes (cases.status-codes.ts) and 1,500 live ones, one guess finds a code
// about once in 46,000 tries: at 5 an hour, some 9,000 number-hours of texting per hit.
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import type { Database } from '../../db/schema.ts';
import { bucketOf, keyedLimit } from '../../http/rate-limit.ts';
import { translate } from '../../i18n/i18n.ts';
import { recordAudit } from '../audit/audit.service.ts';

export const STATUS_LOOKUP_SCOPE = 'sms status lookup';
export const STATUS_LOOKUP_WRONG_LIMIT = 5;
export const STATUS_LOOKUP_WINDOW_MS = 60 * 60 * 1000;

export interface StatusLookupRequest {
  /** The code as typed, upper-cased, spaces and dashes removed. */
  code: string;
  /** ES for ESTADO, EN for STATUS. */
  language: Language;
}

/** `answer`: the reply (the handler has audited the lookup); `wrong`: no live code (audited as such). */
export type StatusLookupResult = { kind: 'answer'; reply: string } | { kind: 'wrong' };

export type StatusLookupHandler = (
  context: AppContext,
  trx: Transaction<Database>,
  request: StatusLookupRequest,
) => Promise<StatusLookupResult>;

let handler: StatusLookupHandler | undefined;

/** The cases module answers status lookups; registering again replaces the handler. */
export function registerStatusLookup(lookup: StatusLookupHandler): void {
  handler = lookup;
}

const LOOKUP = /^\s*(estado|status)[\s:#.-]*([a-z0-9][a-z0-9 -]*)$/i;

/**
 * ESTADO K7M4PX, status k7m-4px, Estado: k7m 4px: six letters and digits, at least one of each (as every code
 * is), so "estado normal" or "status 911" stay reports (a mistyped code still counts as a wrong one). Undefined for anything else (ESTADO alone included).
 */
export function parseStatusLookup(body: string): StatusLookupRequest | undefined {
  const match = LOOKUP.exec(body.trim());
  if (!match) return undefined;
  const code = match[2]!.replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== 6 || !/\d/.test(code) || !/[A-Z]/.test(code)) return undefined;
  return { code, language: match[1]!.toLowerCase() === 'estado' ? 'es' : 'en' };
}

function hotline(context: AppContext, language: Language): string {
  const { hotlineNumber } = context.config;
  return hotlineNumber
    ? translate(language, 'sms.status_call', { phone: hotlineNumber })
    : translate(language, 'sms.status_call_back');
}

/** The "wrong code" text: the same for a code that never was and one revoked. */
export function wrongCodeReply(context: AppContext, language: Language): string {
  return `${translate(language, 'sms.status_wrong_code')} ${hotline(context, language)}`;
}

export function tooManyTriesReply(context: AppContext, language: Language): string {
  return `${translate(language, 'sms.status_too_many')} ${hotline(context, language)}`;
}

/**
 * Answers a status lookup inside the webhook's transaction: the registered handler's answer, the wrong-code
 * text, one "too many tries", or nothing (undefined) once the number is limited.
 */
export async function takeStatusLookup(
  context: AppContext,
  trx: Transaction<Database>,
  from: string,
  request: StatusLookupRequest,
): Promise<string | undefined> {
  if (!handler) throw new Error('Nobody registered the status lookup (the cases module should).');
  const now = context.clock.now();
  const bucket = bucketOf(context.secrets.blindIndex.index('status-lookup-number', from));
  const wrongSoFar = await keyedLimit.peek(trx, STATUS_LOOKUP_SCOPE, bucket, now);
  if (wrongSoFar >= STATUS_LOOKUP_WRONG_LIMIT) {
    const hits = await keyedLimit.hit(trx, STATUS_LOOKUP_SCOPE, bucket, now, STATUS_LOOKUP_WINDOW_MS);
    await recordAudit(trx, context, {
      actorId: null,
      action: 'case.status_lookup',
      subjectType: 'case',
      details: { result: 'limited' },
    });
    return hits === STATUS_LOOKUP_WRONG_LIMIT + 1 ? tooManyTriesReply(context, request.language) : undefined;
  }
  const result = await handler(context, trx, request);
  if (result.kind === 'answer') return result.reply;
  await keyedLimit.hit(trx, STATUS_LOOKUP_SCOPE, bucket, now, STATUS_LOOKUP_WINDOW_MS);
  return wrongCodeReply(context, request.language);
}
