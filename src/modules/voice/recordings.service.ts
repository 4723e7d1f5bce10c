// Call recordings: a recording Twilio reports (by the <Record> action or the recording status callback,
// whichever comes first) becomes one voice report; a job then copies the audio into the encrypted store
// and deletes it at Twilio, so the provider keeps no copy; staff play it back, audited.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import { normalizePhone } from '../../phone/phone.ts';
import type { Database, Role } from '../../db/schema.ts';
import type { BlobStore } from '../../integrations/storage/storage.ts';
import { TwilioApiError, type TwilioRestClient } from '../../integrations/twilio/rest-client.ts';
import { isLanguage } from '../../i18n/i18n.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  forgetDeletedCopy,
  recordCall,
  recordRecording,
} from '../provider-retention/provider-retention.service.ts';
import { findIncompleteReport, findReportReferences } from '../reports/reports.queries.ts';
import { insertIncomingReport, markReportComplete, type IncomingReport } from '../reports/reports.service.ts';
import { isUuid } from '../../http/ids.ts';
import { fetchRecordingJob } from './voice.jobs.ts';
import { followupTeam } from './followups.team.ts';
import { mayHandleFollowups, mayPlayAnyRecording } from './voice.policy.ts';
import {
  findRecording,
  findCaseOfFollowupReport,
  findFollowupOfReport,
  deleteRecording,
  findRecordingBySid,
  listStoredRecordingsOfReport,
  findStoredRecordingOfReport,
  insertCallOnce,
  insertFollowup,
  insertRecording,
  lockCall,
  reportHasRecording,
  markRecordingDeletedAtTwilio,
  markRecordingStored,
  updateCall,
  type VoiceCall,
} from './voice.repository.ts';
import { CALL_CHOICES, type CallChoice, type RecordingPurpose } from './voice.script.ts';
import type { FieldRef } from '../../crypto/field-encryption.ts';

/** A five-minute message is well under a megabyte as MP3; anything near this is not a voicemail. */
export const MAX_RECORDING_BYTES = 25 * 1024 * 1024;
/** Audio types the console plays inline; anything else is offered as a download only. */
export const PLAYABLE_AUDIO_TYPES: readonly string[] = ['audio/mpeg', 'audio/wav', 'audio/x-wav'];

export const RECORDING_SID_PATTERN = /^RE[0-9a-f]{32}$/i;

function callPhoneField(callSid: string): FieldRef<'voice_calls'> {
  return { table: 'voice_calls', column: 'phone', rowId: callSid };
}

function recordingField(
  recordingId: string,
  column: 'content' | 'twilio_url',
): FieldRef<'report_recordings'> {
  return { table: 'report_recordings', column, rowId: recordingId };
}

/** A call's row as first noted: the caller's number encrypted and blind-indexed, when Twilio gave one. */
export function newCallRow(context: AppContext, callSid: string, from: string | undefined) {
  // Withheld numbers arrive as "anonymous" or similar and simply normalise to nothing.
  const e164 = from === undefined ? undefined : normalizePhone(from);
  const { fields, blindIndex } = context.secrets;
  return {
    call_sid: callSid,
    phone_ciphertext: e164 ? fields.encrypt(callPhoneField(callSid), e164) : null,
    phone_index: e164 ? blindIndex.phone(e164) : null,
    language: null,
    choice: null,
    started_at: context.clock.now(),
    report_id: null,
  };
}

function purposeOf(call: VoiceCall | undefined): RecordingPurpose {
  const choice = (CALL_CHOICES as readonly string[]).includes(call?.choice ?? '')
    ? (call!.choice as CallChoice)
    : 'message';
  return choice === 'rights' ? 'message' : choice;
}

/** What each purpose already tells the dispatcher, so the report is not emptier than the call was. */
function reportFields(purpose: RecordingPurpose): Partial<IncomingReport> {
  switch (purpose) {
    case 'now':
      return { seenWhen: 'now' };
    case 'family_detained':
      return { activity: 'detaining' };
    case 'past':
    case 'message':
      return {};
  }
}

export interface RecordingNotice {
  callSid: string;
  recordingSid: string;
  recordingUrl: string | undefined;
  durationSeconds: number | null;
  /** The caller's number: the Record action carries it, the status callback does not. */
  from?: string | undefined;
  /** The language the flow was in, from the Record action's URL. */
  lang?: Language | undefined;
}

export interface TakenRecording {
  reportId: string;
  reference: string;
  purpose: RecordingPurpose;
  language: Language;
}

/**
 * Turns a recording into a report inside the webhook's transaction, once per RecordingSid: a second notice
 * of the same recording (the other callback, or a retry) finds the first one's report.
 */
export async function takeRecording(
  context: AppContext,
  trx: Transaction<Database>,
  notice: RecordingNotice,
): Promise<TakenRecording> {
  await insertCallOnce(trx, newCallRow(context, notice.callSid, notice.from));
  const call = await lockCall(trx, notice.callSid);
  const purpose = purposeOf(call);
  const language: Language = isLanguage(call?.language)
    ? call.language
    : (notice.lang ?? context.config.defaultLanguage);
  const existing = await findRecordingBySid(trx, notice.recordingSid);
  const existingReference =
    existing && (await findReportReferences(trx, [existing.report_id])).get(existing.report_id);
  if (existing && existingReference !== undefined)
    return { reportId: existing.report_id, reference: existingReference, purpose, language };

  const { fields } = context.secrets;
  const now = context.clock.now();
  // The call ended (its status callback) before the recording was reported, and a family's number was
  // already kept in a report of its own: the message belongs to that report.
  const unrecorded = call?.report_id ? await findUnrecordedReport(trx, call.report_id) : undefined;
  if (unrecorded) await markReportComplete(trx, unrecorded.id);
  const report =
    unrecorded ??
    (await insertIncomingReport(context, trx, {
      channel: 'voice',
      language,
      callbackPhone: callbackPhoneOf(context, call),
      // Twilio reported a recording of no length: the report says it is missing its message.
      incomplete: notice.durationSeconds === 0,
      ...reportFields(purpose),
    }));
  const recordingId = randomUUID();
  await insertRecording(trx, {
    id: recordingId,
    report_id: report.id,
    recording_sid: notice.recordingSid,
    twilio_url_ciphertext: fields.encryptOptional(
      recordingField(recordingId, 'twilio_url'),
      notice.recordingUrl ?? null,
    ),
    duration_seconds: notice.durationSeconds,
    storage_key: null,
    original_sha256: null,
    content_type: null,
    created_at: now,
    fetched_at: null,
    deleted_at_twilio_at: null,
  });
  if (call && call.report_id === null) await updateCall(trx, notice.callSid, { report_id: report.id });
  if (purpose === 'family_detained' && !unrecorded) {
    await createFamilyFollowup(context, trx, report.id, language, call);
  }
  await recordCall(trx, now, notice.callSid);
  await recordRecording(trx, now, notice);
  await context.jobs.sendInTransaction(trx, fetchRecordingJob, { recordingId });
  return { reportId: report.id, reference: report.reference, purpose, language };
}

function callbackPhoneOf(context: AppContext, call: VoiceCall | undefined): string | null {
  return call?.phone_ciphertext
    ? context.secrets.fields.decrypt(callPhoneField(call.call_sid), call.phone_ciphertext)
    : null;
}

async function createFamilyFollowup(
  context: AppContext,
  trx: Transaction<Database>,
  reportId: string,
  language: Language,
  call: VoiceCall | undefined,
): Promise<void> {
  const taskId = randomUUID();
  await insertFollowup(trx, {
    id: taskId,
    report_id: reportId,
    language,
    created_at: context.clock.now(),
    // The site the caller named, when an operation was open ("was it at <site>?").
    operation_id: call?.operation_id ?? null,
    operation_site_id: call?.operation_site_id ?? null,
    operation_site_name: call?.operation_site_name ?? null,
  });
  await recordAudit(trx, context, {
    actorId: null,
    action: 'followup.created',
    subjectType: 'followup',
    subjectId: taskId,
    details: { reportId, kind: 'family_detained' },
  });
}

/**
 * A family chose option 3 but the call ended without a message (a hang-up before the tone, or silence):
 * their number is what the legal team needs, so it becomes an incomplete voice report with a follow-up
 * task. Once per call, under the call row's lock, whichever signal comes first (the Record step without a
 * recording, or the call's completed status); a recording reported later is attached to this report.
 * Undefined when there is nothing to keep: another option, or a withheld number (no one to call back).
 */
export async function keepFamilyCallWithoutMessage(
  context: AppContext,
  trx: Transaction<Database>,
  callSid: string,
  fallbackLanguage?: Language,
): Promise<{ reportId: string; reference: string; language: Language } | undefined> {
  const call = await lockCall(trx, callSid);
  if (call?.choice !== 'family_detained') return undefined;
  const language: Language = isLanguage(call.language)
    ? call.language
    : (fallbackLanguage ?? context.config.defaultLanguage);
  if (call.report_id !== null) {
    const reference = (await findReportReferences(trx, [call.report_id])).get(call.report_id);
    return reference === undefined ? undefined : { reportId: call.report_id, reference, language };
  }
  const callbackPhone = callbackPhoneOf(context, call);
  if (callbackPhone === null) return undefined;
  const report = await insertIncomingReport(context, trx, {
    channel: 'voice',
    language,
    callbackPhone,
    incomplete: true,
    ...reportFields('family_detained'),
  });
  await updateCall(trx, callSid, { report_id: report.id });
  await createFamilyFollowup(context, trx, report.id, language, call);
  return { reportId: report.id, reference: report.reference, language };
}

export interface RecordingDeps {
  context: AppContext;
  store: BlobStore;
  /** Undefined when Twilio credentials are not configured (then no recording can have arrived). */
  twilio: TwilioRestClient | undefined;
}

export type FetchOutcome = 'stored' | 'already_done' | 'gone' | 'refused';

/**
 * The voice.fetch-recording job. Each stage is recorded before the next starts, so a retry after a
 * failure or a crash picks up where the last run stopped: download and store, then delete at Twilio.
 */
export async function fetchRecording(deps: RecordingDeps, recordingId: string): Promise<FetchOutcome> {
  const { context, store, twilio } = deps;
  const { db, secrets, logger } = context;
  const recording = await findRecording(db, recordingId);
  // The report expired (and its recording row with it) before the job ran.
  if (!recording) return 'gone';
  if (recording.deleted_at_twilio_at) return 'already_done';
  if (!twilio) throw new Error('A recording arrived but Twilio credentials are not configured.');
  const url = secrets.fields.decryptOptional(
    recordingField(recording.id, 'twilio_url'),
    recording.twilio_url_ciphertext,
  );
  const resource = url === null ? undefined : twilio.resourcePath(url);
  // Only this account's recordings are ever requested, so a URL can never send our credentials elsewhere.
  if (
    resource?.kind !== 'recording' ||
    resource.sid.toLowerCase() !== recording.recording_sid.toLowerCase()
  ) {
    logger.warn({ job: fetchRecordingJob.name, recordingId }, 'recording URL is not one of this account');
    return 'refused';
  }
  if (recording.storage_key === null) {
    const downloaded = await twilio.download(resource, MAX_RECORDING_BYTES);
    const key = randomBytes(16).toString('hex');
    await store.put(
      key,
      Buffer.from(secrets.fields.encrypt(recordingField(recording.id, 'content'), downloaded.bytes)),
    );
    const stored = await markRecordingStored(db, recording.id, {
      storage_key: key,
      original_sha256: createHash('sha256').update(downloaded.bytes).digest('hex'),
      content_type: downloaded.contentType.slice(0, 100),
      fetched_at: context.clock.now(),
    });
    // Another run stored it first, or the report has just expired: this copy is not needed.
    if (!stored) await store.delete(key);
  }
  try {
    await twilio.deleteResource(resource);
  } catch (error) {
    // Already deleted (a retry after a crash between deleting and noting it) is what we wanted.
    if (!(error instanceof TwilioApiError && error.status === 404)) throw error;
  }
  await markRecordingDeletedAtTwilio(db, recording.id, context.clock.now());
  // Its call's record may go now.
  await forgetDeletedCopy(db, recording.recording_sid);
  // A case was opened from the family's follow-up while the audio was still at Twilio: it goes there now.
  const caseId = await findCaseOfFollowupReport(db, recording.report_id);
  if (caseId !== undefined && lateRecordingHandler)
    await lateRecordingHandler(context, recording.report_id, caseId);
  return 'stored';
}

/** The report a call left without a recording, if it is still incomplete and has none. */
async function findUnrecordedReport(
  trx: Transaction<Database>,
  reportId: string,
): Promise<{ id: string; reference: string } | undefined> {
  if (await reportHasRecording(trx, reportId)) return undefined;
  return findIncompleteReport(trx, reportId);
}

/** Seals a recording that arrived after its follow-up became a case into that case (the cases module's). */
export type LateRecordingHandler = (context: AppContext, reportId: string, caseId: string) => Promise<void>;

let lateRecordingHandler: LateRecordingHandler | undefined;

/** The cases module says how a late recording joins its case; the voice module does not import it. */
export function handleLateFollowupRecordings(handler: LateRecordingHandler): void {
  lateRecordingHandler = handler;
}

async function mayPlayReportRecording(
  db: AppContext['db'],
  reportId: string,
  listener: { userId: string; roles: readonly Role[] },
): Promise<boolean> {
  const task = await findFollowupOfReport(db, reportId);
  if (!task) return mayPlayAnyRecording(listener.roles);
  if (!mayHandleFollowups(listener.roles)) return false;
  return task.assigned_to === listener.userId || (await followupTeam().isMember(db, listener.userId));
}

export interface PlayableRecording {
  bytes: Buffer;
  contentType: string;
  /** False when the stored type is not audio the browser should play inline. */
  inline: boolean;
}

/**
 * A report's recording, decrypted, for a staff member; the listen is recorded in the audit log. A family's
 * message about a detained relative (a report with a follow-up task) is played only by legal staff of the
 * intake team or the task's assignee; any other voicemail by the report readers.
 */
export async function playRecording(
  deps: Pick<RecordingDeps, 'context' | 'store'>,
  reportId: string,
  listener: { userId: string; roles: readonly Role[] },
): Promise<PlayableRecording | undefined> {
  if (!isUuid(reportId)) return undefined;
  const { db, secrets } = deps.context;
  if (!(await mayPlayReportRecording(db, reportId, listener))) return undefined;
  const recording = await findStoredRecordingOfReport(db, reportId);
  if (!recording?.storage_key) return undefined;
  const stored = await deps.store.get(recording.storage_key);
  if (!stored) return undefined;
  const bytes = secrets.fields.decryptBytes(recordingField(recording.id, 'content'), stored.toString('utf8'));
  await recordAudit(db, deps.context, {
    actorId: listener.userId,
    action: 'recording.played',
    subjectType: 'report',
    subjectId: reportId,
    details: { recordingId: recording.id },
  });
  const type = recording.content_type ?? '';
  const inline = PLAYABLE_AUDIO_TYPES.includes(type);
  return { bytes, contentType: inline ? type : 'application/octet-stream', inline };
}

export interface TakenAudio {
  bytes: Buffer;
  contentType: string | null;
  sha256: string | null;
  durationSeconds: number | null;
  /** The report store's file, to delete once the caller's transaction has committed. */
  storageKey: string;
}

/**
 * Takes a report's stored recordings away from it, decrypted, inside the caller's transaction (a case was
 * opened from the family's call and seals them with its own key). A recording still being copied from
 * Twilio stays with the report, where only the legal intake team may play it.
 */
export async function takeStoredRecordings(
  deps: Pick<RecordingDeps, 'context' | 'store'>,
  trx: Kysely<Database>,
  reportId: string,
): Promise<TakenAudio[]> {
  const taken: TakenAudio[] = [];
  for (const recording of await listStoredRecordingsOfReport(trx, reportId)) {
    const stored = await deps.store.get(recording.storage_key!);
    if (stored) {
      taken.push({
        bytes: deps.context.secrets.fields.decryptBytes(
          recordingField(recording.id, 'content'),
          stored.toString('utf8'),
        ),
        contentType: recording.content_type,
        sha256: recording.original_sha256,
        durationSeconds: recording.duration_seconds,
        storageKey: recording.storage_key!,
      });
    }
    await deleteRecording(trx, recording.id);
  }
  return taken;
}
