// The only place the hotline's text conversations and MMS media are read or written with SQL (opt-outs are
// the opt-outs module's).
// Numbers appear here only as blind indexes and ciphertexts.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, SmsConversation, SmsMediaTable } from '../../db/schema.ts';
import { optedOutCondition } from '../opt-outs/opt-outs.queries.ts';

type Db = Kysely<Database>;

export type SmsMedia = Selectable<SmsMediaTable>;

/** The number's open conversation, locked until the caller's transaction ends. */
export async function lockOpenConversation(db: Db, phoneIndex: string): Promise<SmsConversation | undefined> {
  return db
    .selectFrom('sms_conversations')
    .selectAll()
    .where('phone_index', '=', phoneIndex)
    .where('closed_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * The number's latest closed conversation whose last text came at or after `since` (within the conversation
 * window), locked until the caller's transaction ends.
 */
export async function lockRecentClosedConversation(
  db: Db,
  phoneIndex: string,
  since: Date,
): Promise<SmsConversation | undefined> {
  return db
    .selectFrom('sms_conversations')
    .selectAll()
    .where('phone_index', '=', phoneIndex)
    .where('closed_at', 'is not', null)
    .where('last_message_at', '>=', since)
    .orderBy('last_message_at', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
}

export async function lockConversation(db: Db, id: string): Promise<SmsConversation | undefined> {
  return db.selectFrom('sms_conversations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export interface NewConversationRow {
  id: string;
  phone_ciphertext: string;
  phone_index: string;
  language: string;
  step: string;
  answers_ciphertext: string;
  started_at: Date;
  last_message_at: Date;
}

/**
 * Opens a conversation unless the number already has one open (two texts racing on PostgreSQL): false
 * then, and the caller locks and uses the other.
 */
export async function insertConversation(db: Db, row: NewConversationRow): Promise<boolean> {
  const inserted = await db
    .insertInto('sms_conversations')
    .values(row)
    .onConflict((conflict) => conflict.column('phone_index').where('closed_at', 'is', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * The number's open conversation, locked until the caller's transaction ends, opened from `row` if there is
 * none; undefined, opening nothing, when the number has opted out. One statement: a text racing another from
 * the same number waits on the open-conversation index for the other's transaction, then gets the
 * conversation that one left open (or opens its own if that one closed), as if they had come one by one.
 */
export async function openConversationUnlessOptedOut(
  db: Db,
  row: NewConversationRow,
): Promise<SmsConversation | undefined> {
  return (
    db
      .insertInto('sms_conversations')
      .columns([
        'id',
        'phone_ciphertext',
        'phone_index',
        'language',
        'step',
        'answers_ciphertext',
        'started_at',
        'last_message_at',
      ])
      // Parameters in a select list have no type of their own, hence the casts.
      .expression(
        db
          .selectNoFrom([
            sql<string>`${row.id}::uuid`.as('id'),
            sql<string>`${row.phone_ciphertext}::text`.as('phone_ciphertext'),
            sql<string>`${row.phone_index}::text`.as('phone_index'),
            sql<string>`${row.language}::text`.as('language'),
            sql<string>`${row.step}::text`.as('step'),
            sql<string>`${row.answers_ciphertext}::text`.as('answers_ciphertext'),
            sql<Date>`${row.started_at}::timestamptz`.as('started_at'),
            sql<Date>`${row.last_message_at}::timestamptz`.as('last_message_at'),
          ])
          .where(sql<boolean>`not ${optedOutCondition(sql.val(row.phone_index))}`),
      )
      .onConflict((conflict) =>
        conflict
          .column('phone_index')
          .where('closed_at', 'is', null)
          .doUpdateSet((eb) => ({ last_message_at: eb.ref('excluded.last_message_at') })),
      )
      .returningAll()
      .executeTakeFirst()
  );
}

export interface ConversationChange {
  language?: string;
  step?: string;
  answers_ciphertext?: string;
  last_message_at?: Date;
  last_auto_reply_at?: Date;
  closed_at?: Date;
  report_id?: string;
}

export async function updateConversation(db: Db, id: string, change: ConversationChange): Promise<void> {
  await db.updateTable('sms_conversations').set(change).where('id', '=', id).execute();
}

/** An automatic reply a text would get now, subject to the number's reply window. */
export interface ReplyClaim {
  phoneIndex: string;
  at: Date;
  /** At most one automatic reply per number within this many seconds. */
  windowSeconds: number;
}

export type ClaimedReply = { claimed: true } | { claimed: false; windowOpensAt: Date };

/**
 * Writes a conversation and, in the same statement, records an automatic reply to its number at `claim.at`
 * unless the number had one within the window before (over its open and recently closed conversations).
 * The caller holds the conversation's lock, so the statement sees every text from the number committed
 * before it. Returns whether the reply may go, or when the window opens.
 */
export async function updateConversationClaimingReply(
  db: Db,
  id: string,
  change: ConversationChange,
  claim: ReplyClaim,
): Promise<ClaimedReply> {
  const windowOpen = sql<boolean>`(previous.at is null or previous.at <= ${claim.at}::timestamptz - make_interval(secs => ${claim.windowSeconds}))`;
  const row = await db
    .updateTable('sms_conversations')
    .from(
      db
        .selectFrom('sms_conversations')
        .select((eb) => eb.fn.max('last_auto_reply_at').as('at'))
        .where('phone_index', '=', claim.phoneIndex)
        .as('previous'),
    )
    .set({
      ...change,
      last_auto_reply_at: sql<Date>`case when ${windowOpen} then ${claim.at}::timestamptz else sms_conversations.last_auto_reply_at end`,
    })
    .where('sms_conversations.id', '=', id)
    .returning([windowOpen.as('claimed'), 'previous.at'])
    .executeTakeFirstOrThrow();
  if (row.claimed) return { claimed: true };
  const previous = new Date(row.at as Date | string);
  return { claimed: false, windowOpensAt: new Date(previous.getTime() + claim.windowSeconds * 1000) };
}

/** When the number last got an automatic reply, over its open and recently closed conversations. */
export async function lastAutoReplyAt(db: Db, phoneIndex: string): Promise<Date | null> {
  const row = await db
    .selectFrom('sms_conversations')
    .select((eb) => eb.fn.max('last_auto_reply_at').as('last'))
    .where('phone_index', '=', phoneIndex)
    .executeTakeFirst();
  const last = row?.last as Date | string | null | undefined;
  return last ? new Date(last) : null;
}

/** Open conversations nobody has written to since the cutoff. */
export async function listSilentConversations(db: Db, cutoff: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('sms_conversations')
    .select('id')
    .where('closed_at', 'is', null)
    .where('last_message_at', '<', cutoff)
    .orderBy('last_message_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Closed conversations only serve the reply window, owed replies and the conversation window (a later text
 * joins the report); once silent for a while they go.
 */
export async function deleteClosedConversations(db: Db, closedBefore: Date): Promise<number> {
  const result = await db
    .deleteFrom('sms_conversations')
    .where('closed_at', '<', closedBefore)
    .where('last_message_at', '<', closedBefore)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface NewMediaRow {
  id: string;
  conversation_id: string | null;
  report_id: string | null;
  twilio_url_ciphertext: string;
  content_type: string;
  received_at: Date;
}

export async function insertMedia(db: Db, rows: readonly NewMediaRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('sms_media').values(rows).execute();
}

/** Gives a conversation's media to the report it became; returns the media ids. */
export async function attachConversationMedia(
  db: Db,
  conversationId: string,
  reportId: string,
): Promise<string[]> {
  const rows = await db
    .updateTable('sms_media')
    .set({ report_id: reportId })
    .where('conversation_id', '=', conversationId)
    .where('report_id', 'is', null)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

export async function findMedia(db: Db, id: string): Promise<SmsMedia | undefined> {
  return db.selectFrom('sms_media').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface MediaChange {
  storage_key?: string | null;
  original_sha256?: string | null;
  fetched_at?: Date;
  deleted_at_twilio_at?: Date;
  twilio_url_ciphertext?: null;
}

export async function updateMedia(db: Db, id: string, change: MediaChange): Promise<void> {
  await db.updateTable('sms_media').set(change).where('id', '=', id).execute();
}

/** Which of these storage keys a texted photo still points to (the reports module's orphan sweep asks). */
export async function mediaStorageKeysAmong(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom('sms_media')
    .select('storage_key')
    .where('storage_key', 'in', [...keys])
    .execute();
  return new Set(rows.flatMap((row) => (row.storage_key === null ? [] : [row.storage_key])));
}
