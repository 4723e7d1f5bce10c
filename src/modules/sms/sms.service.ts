// Text intake: one incoming text, inside the webhook's transaction, becomes a step of a conversation (or a
// keyword honoured), and the answer to send back, if one is due. No HTTP here. The conversation's logic is
// the pure machine in sms.conversation.ts; this file stores it, enforces opt-outs and the reply window, and
// turns finished, stopped and abandoned conversations into reports.
//
// Decisions worth knowing:
// - Twilio answers its own opt-out words itself (STOP, START, HELP and the rest; the webhook's OptOutType
//   says when) and blocks a number that texted STOP until it texts START. Amparo records the same effect and
//   never answers such a text a second time. Its own words on top (ALTO, CANCELAR, INICIO, AYUDA...) it
//   answers itself, except a START while Twilio still blocks the number (nothing could reach it).
// - STOP is always confirmed, once (by Twilio or by Amparo), and closes the conversation: what was sent
//   becomes a (partial) report.
// - An opted-out number gets no automatic texts, but is still heard: each text it sends becomes a report at
//   once (a person in danger who once texted STOP must not be ignored). HELP is still answered (the sender
//   asked), and START/UNSTOP/INICIO turn replies back on.
// - At most one automatic reply per number per reply window. A text inside the window is stored without an
//   answer; if it moved the conversation on, a job sends the question then due (or the report's reference)
//   once the window has passed, through the configured SMS sender.
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import type { Database, SmsConversation } from '../../db/schema.ts';
import { isLanguage, translate } from '../../i18n/i18n.ts';
import { consoleSmsSender, createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { isUnsubscribedRefusal } from '../../integrations/twilio/rest-client.ts';
import { mayTextAnonymously } from '../../phone/phone.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { findReportReferences } from '../reports/reports.queries.ts';
import { appendToIncomingReport, insertIncomingReport } from '../reports/reports.service.ts';
import { readZipList } from '../subscriptions/subscriptions.schemas.ts';
import { resumeSubscriptionAfterStart, subscribeBySms } from '../subscriptions/subscriptions.service.ts';
import {
  guessLanguage,
  hasContent,
  isFinished,
  isRetrying,
  markAsked,
  newConversation,
  parseConversation,
  parseAlertsRequest,
  parseKeyword,
  pendingQuestion,
  receiveText,
  serializeConversation,
  toReportFields,
  transcript,
  type Conversation,
  type Keyword,
  type ProviderKeyword,
} from './sms.conversation.ts';
import { isBlockedByProvider, isOptedOut } from '../opt-outs/opt-outs.queries.ts';
import {
  clearUnreachable,
  optOutNumber,
  removeOptOut,
  removeProviderBlock,
} from '../opt-outs/opt-outs.service.ts';
import { answerInboundText } from './sms.inbound.ts';
import { parseStatusLookup, takeStatusLookup } from './sms.status-lookup.ts';
import { fetchMediaJob, sendOwedReplyJob } from './sms.jobs.ts';
import {
  attachConversationMedia,
  deleteClosedConversations,
  insertConversation,
  insertMedia,
  lastAutoReplyAt,
  listSilentConversations,
  lockConversation,
  lockOpenConversation,
  lockRecentClosedConversation,
  openConversationUnlessOptedOut,
  updateConversationClaimingReply,
  updateConversation,
  type ClaimedReply,
  type ConversationChange,
  type ReplyClaim,
} from './sms.repository.ts';
import {
  addedReply,
  familyReceivedReply,
  helpReply,
  sitesThatFit,
  questionReply,
  receivedReply,
  siteOf,
  rightsReply,
  startedReply,
  stoppedReply,
  type HotlineIdentity,
} from './sms.replies.ts';
import type { FieldRef } from '../../crypto/field-encryption.ts';
import { fileFamilyIntakeFollowup } from '../voice/followups.service.ts';
import { openOperationSites } from '../voice/operation-sites.ts';
import { closedFamilyIntake, hasFamilyAnswers, newFamilyIntake, type FamilyIntake } from './sms.family.ts';

type Trx = Transaction<Database>;

/** Twilio allows ten attachments per MMS. */
export const MAX_MEDIA = 10;

export interface IncomingMedia {
  url: string;
  contentType: string;
}

export interface IncomingText {
  /** The sender in E.164 (normalizePhone). */
  from: string;
  body: string;
  media: readonly IncomingMedia[];
  /** What Twilio's opt-out handling did with the text and answered itself; never set for the simulator. */
  providerKeyword?: ProviderKeyword;
}

/**
 * How a conversation ended; stored in its step column once closed. A family intake that became a follow-up
 * is 'family_done' (a later text then starts afresh rather than joining the follow-up's report).
 */
export type ClosedStep = 'done' | 'stopped' | 'abandoned' | 'empty' | 'family_done';

interface OpenConversation {
  row: SmsConversation;
  conversation: Conversation;
  change: ConversationChange;
  /** The number in E.164, when the text in hand says it (else it is decrypted from the row if needed). */
  phone?: string;
}

/**
 * 555-0100 to 555-0199 are reserved for fiction in the North American numbering plan: no phone texts from
 * them, so they are what the console's simulator pretends with. Texts owed to them go to the console outbox,
 * never out, and the reports they make say they are simulated.
 */
export function isPretendNumber(e164: string): boolean {
  return /^\+1[2-9]\d{2}55501\d{2}$/.test(e164);
}

/** The report a conversation becomes, marked when it came from the simulator. */
function reportFields(context: AppContext, conversation: Conversation, phone: string) {
  const fields = toReportFields(conversation);
  if (isPretendNumber(phone)) {
    fields.details = `${translate(context.config.defaultLanguage, 'sms.simulated_report_note')}\n${fields.details}`;
  }
  return { ...fields, simulated: isPretendNumber(phone) };
}

function conversationField(id: string, column: 'phone' | 'answers'): FieldRef<'sms_conversations'> {
  return { table: 'sms_conversations', column, rowId: id };
}

function mediaField(id: string): FieldRef<'sms_media'> {
  return { table: 'sms_media', column: 'twilio_url', rowId: id };
}

function identity(context: AppContext): HotlineIdentity {
  return {
    networkName: context.config.networkName,
    hotlineNumber: context.config.hotlineNumber,
    site: siteOf(context.config.publicUrl),
  };
}

function storedLanguage(value: string, fallback: Language): Language {
  return isLanguage(value) ? value : fallback;
}

function loadConversation(context: AppContext, row: SmsConversation): Conversation {
  const json = context.secrets.fields.decrypt(conversationField(row.id, 'answers'), row.answers_ciphertext);
  return parseConversation(json, storedLanguage(row.language, context.config.defaultLanguage));
}

function encryptConversation(context: AppContext, id: string, conversation: Conversation): string {
  return context.secrets.fields.encrypt(
    conversationField(id, 'answers'),
    serializeConversation(conversation),
  );
}

/** The number's open conversation, opened now (in this language) if there is none. */
async function openConversation(
  context: AppContext,
  trx: Trx,
  phone: string,
  phoneIndex: string,
  language: () => Language,
  now: Date,
): Promise<OpenConversation> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const row = await lockOpenConversation(trx, phoneIndex);
    if (row) return { row, conversation: loadConversation(context, row), change: {} };
    const id = randomUUID();
    const conversation = newConversation(language());
    const inserted = await insertConversation(trx, {
      id,
      phone_ciphertext: context.secrets.fields.encrypt(conversationField(id, 'phone'), phone),
      phone_index: phoneIndex,
      language: conversation.language,
      step: pendingQuestion(conversation)!,
      answers_ciphertext: encryptConversation(context, id, conversation),
      started_at: now,
      last_message_at: now,
    });
    // Lost a race with another text from the same number: lock and use the conversation it opened.
    if (!inserted) continue;
    const created = await lockOpenConversation(trx, phoneIndex);
    if (created) return { row: created, conversation, change: {} };
  }
  throw new Error('Could not open an SMS conversation.');
}

/**
 * For a text that is not a keyword: the number's open conversation (opened now, in this language, if there is
 * none), or undefined when the number has opted out. One statement reads the opt-out and opens or locks.
 */
async function openConversationForText(
  context: AppContext,
  trx: Trx,
  phone: string,
  phoneIndex: string,
  language: Language,
  now: Date,
): Promise<OpenConversation | undefined> {
  const id = randomUUID();
  const conversation = newConversation(language);
  const row = await openConversationUnlessOptedOut(trx, {
    id,
    phone_ciphertext: context.secrets.fields.encrypt(conversationField(id, 'phone'), phone),
    phone_index: phoneIndex,
    language: conversation.language,
    step: pendingQuestion(conversation)!,
    answers_ciphertext: encryptConversation(context, id, conversation),
    started_at: now,
    last_message_at: now,
  });
  if (!row) return undefined;
  // Opened just now, the conversation is the one in hand: nothing to decrypt.
  return {
    row,
    conversation: row.id === id ? conversation : loadConversation(context, row),
    change: {},
    phone,
  };
}

function conversationWrite(context: AppContext, open: OpenConversation): ConversationChange {
  const { conversation } = open;
  return {
    language: conversation.language,
    step: pendingQuestion(conversation) ?? 'done',
    answers_ciphertext: encryptConversation(context, open.row.id, conversation),
    ...open.change,
  };
}

async function saveConversation(context: AppContext, trx: Trx, open: OpenConversation): Promise<void> {
  await updateConversation(trx, open.row.id, conversationWrite(context, open));
}

/** The automatic reply a text would get now, for the number's reply window to allow or withhold. */
function replyClaim(context: AppContext, phoneIndex: string, now: Date): ReplyClaim {
  return { phoneIndex, at: now, windowSeconds: context.config.hotline.smsReplyWindowSeconds };
}

async function storeMedia(
  context: AppContext,
  trx: Trx,
  media: readonly IncomingMedia[],
  owner: { conversationId: string } | { reportId: string },
  now: Date,
): Promise<string[]> {
  const rows = media.slice(0, MAX_MEDIA).map((item) => {
    const id = randomUUID();
    return {
      id,
      conversation_id: 'conversationId' in owner ? owner.conversationId : null,
      report_id: 'reportId' in owner ? owner.reportId : null,
      twilio_url_ciphertext: context.secrets.fields.encrypt(mediaField(id), item.url),
      content_type: item.contentType.slice(0, 100),
      received_at: now,
    };
  });
  await insertMedia(trx, rows);
  return rows.map((row) => row.id);
}

async function scheduleMediaFetches(
  context: AppContext,
  trx: Trx,
  mediaIds: readonly string[],
): Promise<void> {
  for (const mediaId of mediaIds) await context.jobs.sendInTransaction(trx, fetchMediaJob, { mediaId });
}

/**
 * Closes a conversation; anything the sender wrote or sent becomes a report (partial when questions were
 * left open), with every text kept verbatim. A conversation with nothing in it closes without a report.
 * A family intake with anything answered becomes a follow-up instead (fileFamilyIntake). With a claim, the
 * write that closes it also claims the reply that will carry the report's reference.
 */
async function closeConversation(
  context: AppContext,
  trx: Trx,
  open: OpenConversation,
  how: Exclude<ClosedStep, 'empty'>,
  now: Date,
  claim?: ReplyClaim,
): Promise<{ report: { id: string; reference: string } | undefined; reply?: ClaimedReply }> {
  const { row, conversation } = open;
  const { family, language } = conversation;
  // The report (or follow-up) now holds the texts; the conversation keeps only what the reply window needs.
  const emptied = newConversation(language);
  if (family) emptied.family = closedFamilyIntake(family);
  const closing: ConversationChange = {
    ...open.change,
    language,
    closed_at: now,
    answers_ciphertext: encryptConversation(context, row.id, emptied),
  };
  if (family ? !hasFamilyAnswers(family) : !hasContent(conversation)) {
    await updateConversation(trx, row.id, { ...closing, step: 'empty' });
    return { report: undefined };
  }
  const phone =
    open.phone ?? context.secrets.fields.decrypt(conversationField(row.id, 'phone'), row.phone_ciphertext);
  const report = family
    ? await fileFamilyIntake(context, trx, family, { language, phone, stopped: how === 'stopped' })
    : await insertIncomingReport(context, trx, {
        channel: 'sms',
        language,
        callbackPhone: phone,
        ...reportFields(context, conversation, phone),
      });
  // Media rows exist only for texts that carried media, so most conversations have none to hand over.
  if (conversation.texts.some((text) => text.media.length > 0)) {
    await scheduleMediaFetches(context, trx, await attachConversationMedia(trx, row.id, report.id));
  }
  const closed = { ...closing, step: family && how === 'done' ? 'family_done' : how, report_id: report.id };
  if (!claim) {
    await updateConversation(trx, row.id, closed);
    return { report };
  }
  return { report, reply: await updateConversationClaimingReply(trx, row.id, closed, claim) };
}

/**
 * A family intake with answers becomes a follow-up for the legal team, with a report that holds only the
 * family's number and a note (never the name). STOP means no consent to be texted.
 */
async function fileFamilyIntake(
  context: AppContext,
  trx: Trx,
  family: FamilyIntake,
  input: { language: Language; phone: string; stopped: boolean },
): Promise<{ id: string; reference: string }> {
  const { language, phone } = input;
  const simulated = isPretendNumber(phone);
  const note = translate(language, 'sms.family_report_note');
  const report = await insertIncomingReport(context, trx, {
    channel: 'sms',
    language,
    callbackPhone: phone,
    activity: 'detaining',
    details: simulated ? `${translate(language, 'sms.simulated_report_note')}\n${note}` : note,
    simulated,
  });
  const site = family.site ?? null;
  // Not sure of the site, with one operation open: the family is still that operation's.
  const operations = new Set(family.sites.map((s) => s.operationId));
  await fileFamilyIntakeFollowup(context, trx, {
    reportId: report.id,
    language,
    operationId: site?.operationId ?? (operations.size === 1 ? family.sites[0]!.operationId : null),
    siteId: site?.siteId ?? null,
    siteName: site?.siteName ?? null,
    detainedName: family.name ?? null,
    relationship: family.relationship ?? null,
    dependentsWithoutCare: family.dependents ?? null,
    consentToText: input.stopped ? false : (family.consent ?? null),
  });
  return report;
}

/** FAMILIA / FAMILY: the short family intake starts, in the word's language, with the open sites fixed. */
async function startFamilyIntake(
  context: AppContext,
  trx: Trx,
  text: IncomingText,
  input: { phoneIndex: string; language: Language; now: Date },
): Promise<string | undefined> {
  const { phoneIndex, language, now } = input;
  const open = () => openConversation(context, trx, text.from, phoneIndex, () => language, now);
  let current = await open();
  if (!current.conversation.family && hasContent(current.conversation)) {
    // A report under way is kept as it stands (a partial report); the family intake starts afresh.
    await closeConversation(context, trx, { ...current, phone: text.from }, 'done', now);
    current = await open();
  }
  const sites = sitesThatFit(await openOperationSites(trx), context.config.networkName).map(
    ({ operationId, siteId, siteName }) => ({
      operationId,
      siteId,
      siteName,
    }),
  );
  current.conversation = { ...newConversation(language), family: newFamilyIntake(sites) };
  current.change.last_message_at = now;
  current.phone = text.from;
  return saveAndAskNext(context, trx, current, now);
}

/** The reply that closes a finished conversation: a report's reference, or the family intake's thanks. */
function closingReply(conversation: Conversation, reference: string): string {
  return conversation.family
    ? familyReceivedReply(conversation.language, reference, conversation.family.consent === true)
    : receivedReply(conversation.language, reference);
}

type ReplyWindow = { open: true } | { open: false; opensAt: Date };

async function replyWindow(
  context: AppContext,
  db: Trx,
  phoneIndex: string,
  now: Date,
): Promise<ReplyWindow> {
  const windowMs = context.config.hotline.smsReplyWindowSeconds * 1000;
  const last = await lastAutoReplyAt(db, phoneIndex);
  if (last === null || now.getTime() - last.getTime() >= windowMs) return { open: true };
  return { open: false, opensAt: new Date(last.getTime() + windowMs) };
}

async function scheduleOwedReply(
  context: AppContext,
  trx: Trx,
  conversationId: string,
  at: Date,
): Promise<void> {
  await context.jobs.sendInTransaction(
    trx,
    sendOwedReplyJob,
    { conversationId },
    {
      startAfter: at,
      singletonKey: conversationId,
      singletonSeconds: Math.max(1, context.config.hotline.smsReplyWindowSeconds),
    },
  );
}

/**
 * Saves the conversation and asks the question it is waiting on (with the introduction if nothing was asked
 * yet), if the number's reply window allows; the same write records the question as put and claims the
 * reply. Withheld, the conversation is saved as not asked, and a question not yet put is owed by job for
 * when the window opens.
 */
async function saveAndAskNext(
  context: AppContext,
  trx: Trx,
  open: OpenConversation,
  now: Date,
): Promise<string | undefined> {
  const question = pendingQuestion(open.conversation);
  if (!question) {
    await saveConversation(context, trx, open);
    return undefined;
  }
  const reply = questionReply(open.conversation.language, question, {
    intro: open.conversation.asked === null,
    networkName: context.config.networkName,
    again: isRetrying(open.conversation),
    sites: open.conversation.family?.sites ?? [],
  });
  const asking = { ...open, conversation: markAsked(open.conversation, question) };
  const claimed = await updateConversationClaimingReply(
    trx,
    open.row.id,
    conversationWrite(context, asking),
    replyClaim(context, open.row.phone_index, now),
  );
  if (claimed.claimed) return reply;
  if (open.conversation.asked !== question) {
    // The write said the question was put; it was not, and sendOwedReply puts it once the window opens.
    await saveConversation(context, trx, open);
    await scheduleOwedReply(context, trx, open.row.id, claimed.windowOpensAt);
  }
  return undefined;
}

/**
 * Someone texted the hotline to come back (START or INICIO, or ALERTS) while Twilio still blocks texts to
 * them: they texted a STOP word Twilio handles and no START word since. Nothing Amparo sends can reach them
 * until they do, and they cannot be told by text, so staff are: the alert page counts such subscribers.
 */
function noteBlockedResubscription(context: AppContext, via: 'start' | 'alerts'): void {
  context.logger.warn({ via }, 'resubscribed by text, but Twilio still blocks texts to the number');
}

/**
 * ALERTS <ZIP>...: a subscription, whatever state the number is in. It never enters the number's open
 * conversation (which keeps everything sent so far and goes on where it was). Always answered, outside the
 * reply window (carriers require the confirmation); sign-ups over the anti-pumping caps get no text, nor
 * does a number Twilio blocks (Twilio would refuse the text).
 */
async function answerAlertsRequest(
  context: AppContext,
  trx: Trx,
  text: { from: string; phoneIndex: string },
  request: { language: Language; rest: string },
): Promise<string | undefined> {
  const network = context.config.networkName;
  const blocked = await isBlockedByProvider(trx, text.phoneIndex);
  const zips = readZipList(request.rest);
  if (!zips.ok) {
    if (blocked) return undefined;
    return zips.problem === 'unknown'
      ? translate(request.language, 'alerts.unknown_zip', { network, zips: zips.unknown.join(' ') })
      : translate(request.language, 'alerts.need_zip', { network });
  }
  const confirmation = await subscribeBySms(context, trx, {
    from: text.from,
    zips: zips.zips,
    language: request.language,
  });
  if (!blocked) return confirmation;
  if (confirmation !== undefined) noteBlockedResubscription(context, 'alerts');
  return undefined;
}

/**
 * STOP: no more automatic texts from the hotline (sms_opt_outs, which outlives any subscriber row) and no
 * more alerts; the open conversation closes, and what it held becomes a (partial) report. Returns the
 * language the sender was last spoken to in.
 */
async function stopNumber(
  context: AppContext,
  trx: Trx,
  text: IncomingText,
  input: { phoneIndex: string; language: Language | undefined; now: Date; blockedByProvider: boolean },
): Promise<Language> {
  const { phoneIndex, now } = input;
  await optOutNumber(trx, phoneIndex, now, { blockedByProvider: input.blockedByProvider });
  const row = await lockOpenConversation(trx, phoneIndex);
  let current: OpenConversation | undefined = row
    ? { row, conversation: loadConversation(context, row), change: {} }
    : undefined;
  if (text.media.length > 0) {
    current ??= await openConversation(
      context,
      trx,
      text.from,
      phoneIndex,
      () => input.language ?? context.config.defaultLanguage,
      now,
    );
    current.conversation = receiveText(current.conversation, {
      body: '',
      at: now,
      media: text.media.map((m) => m.contentType),
    });
    await storeMedia(context, trx, text.media, { conversationId: current.row.id }, now);
  }
  const language = input.language ?? current?.conversation.language ?? context.config.defaultLanguage;
  if (current) {
    // Amparo's confirmation goes out whatever the window says (carriers require it, and it is the last
    // text); when Twilio answered instead, no reply of Amparo's is recorded.
    if (!input.blockedByProvider) current.change.last_auto_reply_at = now;
    current.change.last_message_at = now;
    await closeConversation(context, trx, current, 'stopped', now);
  }
  // Proof the opt-out was honoured, and when; the number itself is never in the audit log.
  await recordAudit(trx, context, {
    actorId: null,
    action: 'sms.opted_out',
    ...(current ? { subjectType: 'sms_conversation', subjectId: current.row.id } : {}),
  });
  return language;
}

/**
 * A text Twilio's opt-out handling acted on and answered itself (the webhook's OptOutType, or one of its
 * default words): Amparo records the same effect and sends no second reply. STOP opts the number out here
 * too; START lifts Amparo's opt-out and Twilio's block, and resumes a subscription; HELP changes nothing.
 */
async function takeProviderKeyword(
  context: AppContext,
  trx: Trx,
  text: IncomingText,
  input: { kind: ProviderKeyword; parsed: Keyword | undefined; phoneIndex: string; now: Date },
): Promise<undefined> {
  const { phoneIndex, now, parsed } = input;
  switch (input.kind) {
    case 'stop':
      await stopNumber(context, trx, text, {
        phoneIndex,
        language: parsed?.language,
        now,
        blockedByProvider: true,
      });
      return undefined;
    case 'start':
      // The subscription's confirmation is not sent: Twilio has just answered.
      if (await isOptedOut(trx, phoneIndex)) await resumeSubscriptionAfterStart(context, trx, phoneIndex);
      await removeOptOut(trx, phoneIndex);
      await removeProviderBlock(trx, phoneIndex);
      // A START word that is not one of the hotline's own (YES, say) may be the answer to a question.
      if (parsed === undefined) await keepTextWithoutReply(context, trx, text, phoneIndex, now);
      return undefined;
    case 'help':
      return undefined;
  }
}

/**
 * Takes a text into the number's open conversation, if it has one, without answering it now (Twilio just
 * did): the question then due, or the report's reference, is owed by job once the reply window has passed.
 */
async function keepTextWithoutReply(
  context: AppContext,
  trx: Trx,
  text: IncomingText,
  phoneIndex: string,
  now: Date,
): Promise<void> {
  const row = await lockOpenConversation(trx, phoneIndex);
  if (!row) return;
  const current: OpenConversation = {
    row,
    conversation: loadConversation(context, row),
    change: { last_message_at: now },
    phone: text.from,
  };
  current.conversation = receiveText(current.conversation, {
    body: text.body,
    at: now,
    media: text.media.map((m) => m.contentType),
  });
  await storeMedia(context, trx, text.media, { conversationId: row.id }, now);
  const owedAt = new Date(now.getTime() + context.config.hotline.smsReplyWindowSeconds * 1000);
  if (isFinished(current.conversation)) {
    const closed = await closeConversation(context, trx, current, 'done', now);
    if (closed.report) await scheduleOwedReply(context, trx, row.id, owedAt);
    return;
  }
  await saveConversation(context, trx, current);
  if (current.conversation.asked !== pendingQuestion(current.conversation)) {
    await scheduleOwedReply(context, trx, row.id, owedAt);
  }
}

/**
 * Handles one incoming text inside the webhook's transaction and returns the reply to send, or undefined
 * for none. What Twilio's own opt-out handling did with the text comes first and is never answered twice;
 * then the hotline's keywords. Responders' answers to dispatches are recognised next and never enter intake.
 */
export async function takeIncomingText(
  context: AppContext,
  trx: Trx,
  text: IncomingText,
): Promise<string | undefined> {
  const now = context.clock.now();
  const phoneIndex = context.secrets.blindIndex.phone(text.from);
  // A number that texts is no dead number, whatever a carrier said of it before.
  await clearUnreachable(trx, phoneIndex);
  const parsed = parseKeyword(text.body);
  if (text.providerKeyword !== undefined) {
    return takeProviderKeyword(context, trx, text, { kind: text.providerKeyword, parsed, phoneIndex, now });
  }
  // A family's ESTADO <code> / STATUS <code> is a question, answered before any conversation (see
  // sms.status-lookup.ts); like HELP, it is answered even to a number that opted out, since it asked.
  const statusLookup = text.media.length === 0 ? parseStatusLookup(text.body) : undefined;
  if (statusLookup) return takeStatusLookup(context, trx, text.from, statusLookup);
  // Keywords belong to the hotline whoever sends them, so a keyword never asks dispatch.
  if (parsed === undefined) {
    // A responder's answer to a dispatch (the dispatch module's handler).
    const responderReply = await answerInboundText(context, trx, {
      from: text.from,
      phoneIndex,
      body: text.body,
    });
    if (responderReply !== undefined) return responderReply;
  }

  const alertsRequest = text.media.length === 0 ? parseAlertsRequest(text.body) : undefined;
  if (alertsRequest) return answerAlertsRequest(context, trx, { from: text.from, phoneIndex }, alertsRequest);

  // A keyword with a photo attached is a report that happens to be one word; STOP is honoured regardless.
  const keyword = parsed && (text.media.length === 0 || parsed.kind === 'stop') ? parsed : undefined;
  if (keyword === undefined) return takeReportText(context, trx, text, phoneIndex, now);

  const fallback = context.config.defaultLanguage;
  const open = (language: Language) =>
    openConversation(context, trx, text.from, phoneIndex, () => language, now);

  if (keyword.kind === 'stop') {
    // A word Twilio does not know (ALTO, CANCELAR...): Twilio let it through, so Amparo's confirmation arrives.
    const language = await stopNumber(context, trx, text, {
      phoneIndex,
      language: keyword.language,
      now,
      blockedByProvider: false,
    });
    return stoppedReply(language, identity(context), {
      until: new Date(now.getTime() + context.config.reportRetentionDays * 86_400_000),
      timeZone: context.config.timeZone,
    });
  }

  const optedOut = await isOptedOut(trx, phoneIndex);

  if (keyword.kind === 'start' && (await isBlockedByProvider(trx, phoneIndex))) {
    // INICIO after a STOP Twilio handled: Amparo takes the person back, but Twilio would refuse any answer.
    if (optedOut) await resumeSubscriptionAfterStart(context, trx, phoneIndex);
    await removeOptOut(trx, phoneIndex);
    noteBlockedResubscription(context, 'start');
    return undefined;
  }

  if (keyword.kind === 'start' || keyword.kind === 'help') {
    const resumedAlerts =
      keyword.kind === 'start' && optedOut
        ? await resumeSubscriptionAfterStart(context, trx, phoneIndex)
        : undefined;
    if (keyword.kind === 'start') await removeOptOut(trx, phoneIndex);
    const current = await open(keyword.language ?? fallback);
    if (keyword.language) current.conversation = { ...current.conversation, language: keyword.language };
    const language = current.conversation.language;
    const reply =
      keyword.kind === 'start'
        ? (resumedAlerts ?? startedReply(language, identity(context)))
        : helpReply(language, identity(context));
    // Like the STOP confirmation, HELP and START are answered whatever the reply window says: carriers
    // require the answer, and the number asked for it itself.
    current.change.last_auto_reply_at = now;
    await saveConversation(context, trx, current);
    return reply;
  }

  // A language keyword alone carries nothing to report, and an opted-out number is not to be answered.
  if (optedOut) return undefined;
  if (keyword.kind === 'rights') return rightsReply(keyword.language, identity(context));
  if (keyword.kind === 'family') {
    return startFamilyIntake(context, trx, text, { phoneIndex, language: keyword.language, now });
  }
  const current = await open(keyword.language);
  current.conversation = { ...current.conversation, language: keyword.language };
  return saveAndAskNext(context, trx, current, now);
}

/**
 * A text that is not a keyword: a step of the number's conversation, or, from a number that opted out, a
 * report at once. The conversation is written once, at the end, with the reply (if the window allows one).
 */
async function takeReportText(
  context: AppContext,
  trx: Trx,
  text: IncomingText,
  phoneIndex: string,
  now: Date,
): Promise<string | undefined> {
  const recent = await recentClosedConversation(context, trx, phoneIndex, now);
  if (recent?.step === 'done' && recent.report_id !== null && !(await isOptedOut(trx, phoneIndex))) {
    const joined = await addToReport(context, trx, text, { row: recent, reportId: recent.report_id }, now);
    if (joined) return joined.reply;
  }
  // Within the conversation window the number keeps the language it was last spoken to in.
  const language = recent
    ? storedLanguage(recent.language, context.config.defaultLanguage)
    : guessLanguage(text.body, context.config.defaultLanguage);
  const current = await openConversationForText(context, trx, text.from, phoneIndex, language, now);
  if (!current) {
    await reportFromOptedOutNumber(context, trx, text, language, now);
    return undefined;
  }
  current.conversation = receiveText(current.conversation, {
    body: text.body,
    at: now,
    media: text.media.map((m) => m.contentType),
  });
  current.change.last_message_at = now;
  await storeMedia(context, trx, text.media, { conversationId: current.row.id }, now);

  if (isFinished(current.conversation)) {
    // The reference goes out in this answer if the window allows, claimed in the write that closes the
    // conversation; if the window withholds it, it follows by job.
    const closed = await closeConversation(
      context,
      trx,
      current,
      'done',
      now,
      replyClaim(context, phoneIndex, now),
    );
    if (!closed.report || !closed.reply) return undefined;
    if (closed.reply.claimed) return closingReply(current.conversation, closed.report.reference);
    await scheduleOwedReply(context, trx, current.row.id, closed.reply.windowOpensAt);
    return undefined;
  }
  return saveAndAskNext(context, trx, current, now);
}

/**
 * The number's conversation that closed within the conversation window (its last text no longer ago than
 * the abandonment timeout), locked, when the number has no open one.
 */
async function recentClosedConversation(
  context: AppContext,
  trx: Trx,
  phoneIndex: string,
  now: Date,
): Promise<SmsConversation | undefined> {
  if (await lockOpenConversation(trx, phoneIndex)) return undefined;
  const since = new Date(now.getTime() - context.config.hotline.smsConversationTimeoutMinutes * 60_000);
  return lockRecentClosedConversation(trx, phoneIndex, since);
}

/**
 * A later text within the conversation window joins the report the conversation became (kept verbatim,
 * media included), and is acknowledged in the conversation's language if the reply window allows. Each such
 * text keeps the window open. Undefined when the report is gone; the text then starts a new conversation.
 */
async function addToReport(
  context: AppContext,
  trx: Trx,
  text: IncomingText,
  closed: { row: SmsConversation; reportId: string },
  now: Date,
): Promise<{ reply: string | undefined } | undefined> {
  const language = storedLanguage(closed.row.language, context.config.defaultLanguage);
  const received = receiveText(newConversation(language), {
    body: text.body,
    at: now,
    media: text.media.map((m) => m.contentType),
  });
  const reference = await appendToIncomingReport(context, trx, closed.reportId, transcript(received));
  if (reference === undefined) return undefined;
  const mediaIds = await storeMedia(context, trx, text.media, { reportId: closed.reportId }, now);
  await scheduleMediaFetches(context, trx, mediaIds);
  const claimed = await updateConversationClaimingReply(
    trx,
    closed.row.id,
    { last_message_at: now },
    replyClaim(context, closed.row.phone_index, now),
  );
  return { reply: claimed.claimed ? addedReply(language, reference) : undefined };
}

/** A text from a number that opted out: no conversation, no answer, but the words become a report. */
async function reportFromOptedOutNumber(
  context: AppContext,
  trx: Trx,
  text: IncomingText,
  language: Language,
  now: Date,
): Promise<void> {
  const conversation = receiveText(newConversation(language), {
    body: text.body,
    at: now,
    media: text.media.map((m) => m.contentType),
  });
  if (!hasContent(conversation)) return;
  const report = await insertIncomingReport(context, trx, {
    channel: 'sms',
    language,
    callbackPhone: text.from,
    // Nobody can be asked anything, so whatever the text did not say stays unknown (and the report incomplete).
    ...reportFields(context, conversation, text.from),
  });
  const mediaIds = await storeMedia(context, trx, text.media, { reportId: report.id }, now);
  await scheduleMediaFetches(context, trx, mediaIds);
}

/**
 * A text from the console's simulator: the same handling as a real text, from a pretend number, recorded in
 * the audit log (who simulated; never what was typed).
 */
export async function simulateText(
  context: AppContext,
  actorId: string,
  text: { from: string; body: string },
): Promise<string | undefined> {
  if (!isPretendNumber(text.from)) throw new Error('The simulator only texts from pretend numbers.');
  return context.db.transaction().execute(async (trx) => {
    const reply = await takeIncomingText(context, trx, { from: text.from, body: text.body, media: [] });
    await recordAudit(trx, context, { actorId, action: 'sms.simulated', subjectType: 'sms_simulator' });
    return reply;
  });
}

export type OwedReplyOutcome = 'sent' | 'nothing_owed' | 'rescheduled';

/**
 * The sms.send-owed-reply job: once the reply window has passed, texts the question a conversation is
 * waiting on (or a finished conversation's reference) if the sender has not had it yet. The text is sent
 * before the fact is recorded, so a crash in between repeats it rather than losing it.
 */
export async function sendOwedReply(context: AppContext, conversationId: string): Promise<OwedReplyOutcome> {
  const now = context.clock.now();
  const owed = await context.db.transaction().execute(async (trx) => {
    const row = await lockConversation(trx, conversationId);
    if (!row || (await isOptedOut(trx, row.phone_index))) return undefined;
    const language = storedLanguage(row.language, context.config.defaultLanguage);
    let body: string | undefined;
    if (row.closed_at === null) {
      const conversation = loadConversation(context, row);
      const question = pendingQuestion(conversation);
      if (question && conversation.asked !== question) {
        body = questionReply(language, question, {
          intro: conversation.asked === null,
          networkName: context.config.networkName,
          sites: conversation.family?.sites ?? [],
        });
      }
    } else if (
      (row.step === 'done' || row.step === 'family_done') &&
      row.report_id &&
      (row.last_auto_reply_at?.getTime() ?? 0) < row.closed_at.getTime()
    ) {
      const reference = (await findReportReferences(trx, [row.report_id])).get(row.report_id);
      if (reference) body = closingReply(loadConversation(context, row), reference);
    }
    if (body === undefined) return undefined;
    const window = await replyWindow(context, trx, row.phone_index, now);
    if (!window.open) {
      await scheduleOwedReply(context, trx, row.id, window.opensAt);
      return 'rescheduled' as const;
    }
    const phone = context.secrets.fields.decrypt(conversationField(row.id, 'phone'), row.phone_ciphertext);
    return { body, phone };
  });
  if (owed === undefined) return 'nothing_owed';
  if (owed === 'rescheduled') return owed;
  // Like the webhook's replies: only where a stranger may make Amparo text (AMPARO_SMS_COUNTRIES).
  if (!mayTextAnonymously(owed.phone, context.config.smsCountries)) return 'nothing_owed';
  const sender = isPretendNumber(owed.phone) ? consoleSmsSender(context) : createSmsSender(context);
  try {
    await sender.send({ to: owed.phone, body: owed.body });
  } catch (error) {
    // Unsubscribed at Twilio (21610): the sender has recorded the opt-out, so nothing is owed any more.
    if (isUnsubscribedRefusal(error)) return 'nothing_owed';
    throw error;
  }
  await context.db.transaction().execute(async (trx) => {
    const row = await lockConversation(trx, conversationId);
    if (!row) return;
    const change: ConversationChange = { last_auto_reply_at: now };
    if (row.closed_at === null) {
      const conversation = loadConversation(context, row);
      const question = pendingQuestion(conversation);
      if (question)
        change.answers_ciphertext = encryptConversation(context, row.id, markAsked(conversation, question));
    }
    await updateConversation(trx, row.id, change);
  });
  return 'sent';
}

/**
 * Closed conversations serve only the reply window, owed replies and the conversation window (a later text
 * joins the report, in the same language), so they go soon after.
 */
export function closedRetentionMs(context: AppContext): number {
  const { smsReplyWindowSeconds, smsConversationTimeoutMinutes } = context.config.hotline;
  return Math.max(60 * 60 * 1000, 2 * smsReplyWindowSeconds * 1000, smsConversationTimeoutMinutes * 60_000);
}

const SWEEP_BATCH = 100;

/**
 * The sweep: conversations silent for the configured timeout become partial reports (nothing a person sent
 * is thrown away, and no text is sent to them about it), then closed conversations past retention go.
 */
export async function sweepConversations(
  context: AppContext,
): Promise<{ abandoned: number; deleted: number }> {
  const now = context.clock.now();
  const cutoff = new Date(now.getTime() - context.config.hotline.smsConversationTimeoutMinutes * 60_000);
  let abandoned = 0;
  for (;;) {
    const ids = await listSilentConversations(context.db, cutoff, SWEEP_BATCH);
    for (const id of ids) {
      const closed = await context.db.transaction().execute(async (trx) => {
        const row = await lockConversation(trx, id);
        // A text may have arrived since the list was read; then it is not abandoned.
        if (!row || row.closed_at !== null || row.last_message_at >= cutoff) return false;
        await closeConversation(
          context,
          trx,
          { row, conversation: loadConversation(context, row), change: {} },
          'abandoned',
          now,
        );
        return true;
      });
      if (closed) abandoned += 1;
    }
    if (ids.length < SWEEP_BATCH) break;
  }
  const deleted = await deleteClosedConversations(
    context.db,
    new Date(now.getTime() - closedRetentionMs(context)),
  );
  return { abandoned, deleted };
}
