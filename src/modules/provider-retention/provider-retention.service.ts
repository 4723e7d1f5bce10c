// What Twilio still holds, and its deletion there. A subpoena to the provider must not undo Amparo's own
// retention, so every message and call that goes through Twilio is noted here by SID (never a number or a
// text) as it happens, in the same transaction as the work that caused it, and deleted at Twilio as soon
// as it is final and no longer needed:
// - a text that arrives: right after it is stored (its attachments first, once sms.fetch-media has them);
// - a text Amparo sends (by the REST API or as a TwiML reply): once its status callback says it is final,
//   or a day on if no final status ever comes;
// - a call: once it has ended and its recordings are fetched (voice.fetch-recording), and with it the legs
//   its <Dial> made to dispatchers' phones.
// Attachments and recordings are deleted by the jobs that fetch them, which then drop their rows here; a
// row left behind (a job that gave up, a report that expired first) is deleted by the sweep after a week.
// The per-minute sweep deletes what is due. Twilio's 20009 (not final yet) is tried again later with
// growing delays, and a message that cannot be deleted yet has its body redacted (Body="") meanwhile;
// other refusals are kept as 'failed', counted on the admins' page, where they can be tried again.
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database } from '../../db/schema.ts';
import {
  TwilioApiError,
  twilioClientFor,
  type TwilioRestClient,
} from '../../integrations/twilio/rest-client.ts';
import { eachAtMost } from '../../jobs/each-at-most.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  claimDueCopies,
  countCopies,
  deleteCopy,
  hasDueCopies,
  insertCopies,
  markCopyFailed,
  markReady,
  retryCopyLater,
  retryFailedCopies,
  type ClaimedCopy,
  type CopyCount,
} from './provider-retention.repository.ts';

type Db = Transaction<Database> | AppContext['db'];

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** How long a copy may wait for what makes it deletable before the sweep tries anyway. */
export const WAIT_LIMITS = {
  /** A sent text with no final status by then will hear nothing more from its carrier. */
  sentText: DAY_MS,
  /** A call not reported as ended by then (the number's call status callback may not be set). */
  call: 4 * HOUR_MS,
  /** An attachment or recording whose fetching job never finished. */
  fetched: 7 * DAY_MS,
} as const;

/** Twilio may take up to 14 days to let a record go (its 20009 documentation); past that it is a failure. */
const NOT_FINAL_GIVE_UP_MS = 15 * DAY_MS;
/** Attempts for Twilio unreachable or overloaded before the copy counts as failed. */
const TRANSIENT_ATTEMPTS = 10;
const BACKOFF_MAX_MS = 6 * HOUR_MS;
const LEASE_MS = 5 * MINUTE_MS;
const BATCH = 100;
const DELETIONS_AT_ONCE = 8;

/** Message statuses after which Twilio changes nothing more (the spec's message_enum_status). */
const FINAL_TEXT_STATUSES = new Set(['delivered', 'undelivered', 'failed', 'read', 'canceled', 'received']);
/** Call statuses of a call that is over (the spec's call_enum_status). */
const ENDED_CALL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/i;
const CALL_SID = /^CA[0-9a-f]{32}$/i;
const RECORDING_SID = /^RE[0-9a-f]{32}$/i;

/** A text arrived: deleted at Twilio right after it is stored, its attachments first once fetched. */
export async function recordIncomingText(
  trx: Transaction<Database>,
  context: Pick<AppContext, 'config' | 'clock'>,
  text: { messageSid: string; mediaUrls: readonly string[] },
): Promise<void> {
  if (!MESSAGE_SID.test(text.messageSid)) return;
  const now = context.clock.now();
  const media = text.mediaUrls.flatMap((url) => {
    const found = mediaOf(url, context.config.twilio.accountSid);
    // Only this message's own attachments are ever deleted through it.
    return found && found.messageSid.toLowerCase() === text.messageSid.toLowerCase() ? [found] : [];
  });
  await insertCopies(trx, now, [
    ...media.map((item) => ({
      sid: item.mediaSid,
      kind: 'media' as const,
      parentSid: text.messageSid,
      state: 'waiting' as const,
      dueAt: new Date(now.getTime() + WAIT_LIMITS.fetched),
    })),
    { sid: text.messageSid, kind: 'message', state: 'ready', dueAt: now },
  ]);
}

function mediaOf(
  url: string,
  accountSid: string | undefined,
): { messageSid: string; mediaSid: string } | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const match =
    /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\/((?:SM|MM)[0-9a-f]{32})\/Media\/(ME[0-9a-f]{32})(?:\.json)?$/i.exec(
      path,
    );
  if (!match || match[1] !== accountSid) return undefined;
  return { messageSid: match[2]!, mediaSid: match[3]! };
}

/** A text Twilio accepted from Amparo: deleted once its status is final, or a day on at the latest. */
export async function recordSentText(
  context: Pick<AppContext, 'db' | 'clock'>,
  messageSid: string,
): Promise<void> {
  if (!MESSAGE_SID.test(messageSid)) return;
  const now = context.clock.now();
  await insertCopies(context.db, now, [
    {
      sid: messageSid,
      kind: 'message',
      state: 'waiting',
      dueAt: new Date(now.getTime() + WAIT_LIMITS.sentText),
    },
  ]);
}

/**
 * A status callback for a text Amparo sent (by the REST API, or a TwiML reply, which is known only from
 * here). Callbacks come in any order: a final one makes the copy due, a later 'sent' changes nothing.
 */
export async function recordTextStatus(
  context: Pick<AppContext, 'db' | 'clock'>,
  notice: { messageSid: string; status: string },
): Promise<void> {
  if (!MESSAGE_SID.test(notice.messageSid)) return;
  const now = context.clock.now();
  if (FINAL_TEXT_STATUSES.has(notice.status)) {
    await markReady(context.db, notice.messageSid, 'message', now);
    return;
  }
  await insertCopies(context.db, now, [
    {
      sid: notice.messageSid,
      kind: 'message',
      state: 'waiting',
      dueAt: new Date(now.getTime() + WAIT_LIMITS.sentText),
    },
  ]);
}

/** A call reached the hotline: deleted once it has ended and its recordings are fetched. */
export async function recordCall(trx: Transaction<Database>, now: Date, callSid: string): Promise<void> {
  if (!CALL_SID.test(callSid)) return;
  await insertCopies(trx, now, [
    { sid: callSid, kind: 'call', state: 'waiting', dueAt: new Date(now.getTime() + WAIT_LIMITS.call) },
  ]);
}

/** The call's status callback: an ended call may go as soon as its recordings have. */
export async function recordCallStatus(
  trx: Transaction<Database>,
  now: Date,
  notice: { callSid: string; status: string },
): Promise<void> {
  if (!CALL_SID.test(notice.callSid) || !ENDED_CALL_STATUSES.has(notice.status)) return;
  await markReady(trx, notice.callSid, 'call', now);
}

/** A recording of a call: its job deletes it at Twilio once fetched (forgetDeletedCopy), its call after. */
export async function recordRecording(
  trx: Transaction<Database>,
  now: Date,
  recording: { recordingSid: string; callSid: string },
): Promise<void> {
  if (!RECORDING_SID.test(recording.recordingSid)) return;
  await insertCopies(trx, now, [
    {
      sid: recording.recordingSid,
      kind: 'recording',
      parentSid: CALL_SID.test(recording.callSid) ? recording.callSid : undefined,
      state: 'waiting',
      dueAt: new Date(now.getTime() + WAIT_LIMITS.fetched),
    },
  ]);
}

/** An attachment or recording its own job has deleted at Twilio; what waited for it may go now. */
export async function forgetDeletedCopy(db: Db, sid: string): Promise<void> {
  await deleteCopy(db, sid);
}

/** Texts another ledger could not delete (alerts): tried again from here, with the same retries. */
export async function handOverTexts(db: Db, now: Date, messageSids: readonly string[]): Promise<void> {
  await insertCopies(
    db,
    now,
    messageSids
      .filter((sid) => MESSAGE_SID.test(sid))
      .map((sid) => ({ sid, kind: 'message' as const, state: 'ready' as const, dueAt: now })),
  );
}

export interface SweepResult {
  deleted: number;
  /** Not final yet (20009) or Twilio unreachable: tried again later. */
  retried: number;
  failed: number;
  /** True when the time ran out with copies still due. */
  more: boolean;
}

type RetentionContext = Pick<AppContext, 'config' | 'db' | 'clock' | 'logger'>;

/** The provider-retention.sweep job: deletes at Twilio every copy that is due. */
export async function deleteDueCopies(
  context: RetentionContext,
  options: { client?: TwilioRestClient | undefined; budgetMs?: number } = {},
): Promise<SweepResult> {
  const result: SweepResult = { deleted: 0, retried: 0, failed: 0, more: false };
  const client = 'client' in options ? options.client : twilioClientFor(context);
  // Without Twilio nothing was sent through it; the console outbox keeps nothing elsewhere.
  if (!client) return result;
  const started = performance.now();
  const budgetMs = options.budgetMs ?? 50_000;
  for (;;) {
    if (performance.now() - started > budgetMs) {
      result.more = true;
      break;
    }
    const now = context.clock.now();
    const claimed = await claimDueCopies(context.db, {
      now,
      leaseUntil: new Date(now.getTime() + LEASE_MS),
      limit: BATCH,
    });
    if (claimed.length === 0) break;
    await eachAtMost(DELETIONS_AT_ONCE, claimed, async (copy) => {
      const outcome = await deleteOne(context, client, copy);
      result[outcome]++;
    });
    // A parent (a message, a call) whose attachments or legs went in this batch is due in the next.
    if (claimed.length < BATCH && !(await hasDueCopies(context.db, context.clock.now()))) break;
  }
  if (result.deleted + result.retried + result.failed > 0) {
    context.logger.info(
      { deleted: result.deleted, retried: result.retried, failed: result.failed, more: result.more },
      'copies at Twilio swept',
    );
  }
  return result;
}

type Outcome = 'deleted' | 'retried' | 'failed';

/** "HTTP 409/20009", "no answer": what an admin can look up; never Twilio's text, which can quote numbers. */
function describe(error: TwilioApiError): string {
  if (error.status === undefined) return 'no answer';
  return error.code === undefined ? `HTTP ${error.status}` : `HTTP ${error.status}/${error.code}`;
}

function backoff(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, MINUTE_MS * 2 ** Math.min(attempts, 20));
}

async function deleteOne(
  context: RetentionContext,
  client: TwilioRestClient,
  copy: ClaimedCopy,
): Promise<Outcome> {
  const { db, clock } = context;
  try {
    switch (copy.kind) {
      case 'message':
        await client.deleteMessage(copy.sid);
        break;
      case 'media':
        await client.deleteMedia(copy.parent_sid!, copy.sid);
        break;
      case 'recording':
        await client.deleteRecording(copy.sid);
        break;
      case 'call': {
        // The legs the call's <Dial> rang hold dispatchers' numbers: noted, so they go in the next batch.
        const legs = await client.childCalls(copy.sid);
        await insertCopies(
          db,
          clock.now(),
          legs.map((sid) => ({ sid, kind: 'call' as const, state: 'ready' as const, dueAt: clock.now() })),
        );
        await client.deleteCall(copy.sid);
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof TwilioApiError)) throw error;
    // Already gone (deleted by hand in Twilio's console, or a retry after a crash): as good as deleted.
    if (error.status === 404) {
      await deleteCopy(db, copy.sid);
      return 'deleted';
    }
    const now = clock.now();
    const lastError = describe(error);
    const notFinal = error.code === 20009;
    const transient = error.status === undefined || error.status === 429 || error.status >= 500;
    // What cannot be deleted now should at least stop saying anything.
    const redactedAt =
      copy.kind === 'message' && copy.redacted_at === null && !transient
        ? await redact(client, copy.sid, now)
        : undefined;
    const tooLong = now.getTime() - copy.created_at.getTime() > NOT_FINAL_GIVE_UP_MS;
    if ((notFinal && !tooLong) || (transient && copy.attempts + 1 < TRANSIENT_ATTEMPTS)) {
      await retryCopyLater(db, copy.sid, {
        dueAt: new Date(now.getTime() + backoff(copy.attempts)),
        lastError,
        redactedAt,
      });
      return 'retried';
    }
    await markCopyFailed(db, copy.sid, { lastError, redactedAt });
    context.logger.warn({ kind: copy.kind, error: lastError }, 'a copy at Twilio could not be deleted');
    return 'failed';
  }
  await deleteCopy(db, copy.sid);
  return 'deleted';
}

async function redact(client: TwilioRestClient, sid: string, now: Date): Promise<Date | undefined> {
  try {
    await client.redactMessage(sid);
    return now;
  } catch {
    // Not redactable yet either: the next attempt tries again.
    return undefined;
  }
}

export interface CopiesSummary {
  /** Waiting to be final, or for their attachment or recording to be fetched. */
  waiting: number;
  /** Due for deletion and not yet tried. */
  due: number;
  /** Tried and to be tried again (not final yet at Twilio, or Twilio unreachable). */
  retrying: number;
  failed: number;
  /** Failed copies by kind and Twilio's answer, most first. */
  failures: { kind: CopyCount['kind']; error: string; count: number }[];
}

export async function summarizeCopies(context: Pick<AppContext, 'db'>): Promise<CopiesSummary> {
  const summary: CopiesSummary = { waiting: 0, due: 0, retrying: 0, failed: 0, failures: [] };
  for (const row of await countCopies(context.db)) {
    if (row.state === 'failed') {
      summary.failed += row.count;
      summary.failures.push({ kind: row.kind, error: row.last_error ?? '', count: row.count });
    } else if (row.retrying) summary.retrying += row.count;
    else if (row.state === 'waiting') summary.waiting += row.count;
    else summary.due += row.count;
  }
  summary.failures.sort((a, b) => b.count - a.count);
  return summary;
}

/** An admin asks for the failed deletions to be tried again; audited. */
export async function retryFailedDeletions(
  context: Pick<AppContext, 'db' | 'clock' | 'secrets'>,
  actorId: string,
): Promise<number> {
  return context.db.transaction().execute(async (trx) => {
    const count = await retryFailedCopies(trx, context.clock.now());
    await recordAudit(trx, context, {
      actorId,
      action: 'provider_copies.retried',
      details: { count },
    });
    return count;
  });
}
