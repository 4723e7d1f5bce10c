// Intake and triage of reports: no HTTP here. A report is stored with its photo and its notification to the
// live console in one statement; whoever acknowledges it to the reporter does so only after that commits.
// Unverified reports are deleted by a periodic sweep once retention has passed (sweepExpiredReports).
import { randomBytes, randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import { NotificationFanOut } from '../../db/notification-fan-out.ts';
import type { Database } from '../../db/schema.ts';
import { insertWithFreeReference } from '../../db/unique-reference.ts';
import type { Kysely, Transaction } from 'kysely';
import type { ReportChannel, ReportStatus } from '../../db/schema.ts';
import type { BlobStore } from '../../integrations/storage/storage.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { PreparedPhoto } from './photo.ts';
import { newReferenceCode } from './reference-code.ts';
import {
  clearCallbackPhone,
  deleteReport,
  findListRow,
  findPhotos,
  findReport,
  insertReportAndNotify,
  insertReportPhoto,
  listExpiredReportIds,
  countReportsWithStatus,
  listReports,
  listReportsSince,
  lockReportDetails,
  lockReportStatus,
  markComplete,
  referencedStorageKeys,
  reportExists,
  REPORTS_CHANNEL,
  updateDetails,
  updateStatus,
  type NewReportPhoto,
  type ReportListRow,
} from './reports.repository.ts';
import type { ReportInput } from './reports.schemas.ts';
import { keysReferencedElsewhere, reportCalls } from './reports.attachments.ts';
import { incidentsOfReports, type ReportIncidentLabel } from './reports.sections.ts';
import { linkReportToIncident, lockGroupableReport, moveReportsToIncident } from './grouping.repository.ts';
import { isUuid } from '../../http/ids.ts';
import {
  reportCallbackPhoneIndex,
  reportField as field,
  reportPhotoField as photoField,
} from './reports.fields.ts';

export interface ReportsDeps {
  context: AppContext;
  store: BlobStore;
}

// Grouping into incidents (the incidents module's work, in its transaction).
export { linkReportToIncident, lockGroupableReport, moveReportsToIncident };

/** A call's message arrived after all: its report, kept without one, is no longer incomplete. */
export async function markReportComplete(trx: Kysely<Database>, reportId: string): Promise<void> {
  await markComplete(trx, reportId);
}

/** Sets a report's status (who and when) inside the caller's transaction; the caller audits it. */
export async function setReportStatus(
  trx: Kysely<Database>,
  reportId: string,
  change: { status: ReportStatus; changedBy: string; changedAt: Date },
): Promise<void> {
  await updateStatus(trx, reportId, change);
}

/** Statuses that mean nobody found the report worth keeping: they are deleted when retention ends. */
export const EXPIRING_STATUSES: readonly ReportStatus[] = ['new', 'duplicate', 'spam'];
/** What the console shows unless asked for everything: reports still waiting for someone. */
export const OPEN_STATUSES: readonly ReportStatus[] = ['new', 'needs_verification'];

const CONSOLE_LIST_LIMIT = 200;

/**
 * Links a photo already written to the store to its report, inside the caller's transaction; false, linking
 * nothing, when the report is gone (expired or deleted meanwhile). A photo id already linked stays as it is.
 */
export async function linkReportPhoto(trx: Transaction<Database>, photo: NewReportPhoto): Promise<boolean> {
  if (!(await reportExists(trx, photo.report_id))) return false;
  await insertReportPhoto(trx, photo);
  return true;
}

export async function submitReport(
  deps: ReportsDeps,
  input: ReportInput,
  photo: PreparedPhoto | undefined,
  language: Language,
  channel: ReportChannel = 'web',
): Promise<{ id: string; reference: string }> {
  const { context, store } = deps;
  const { fields, blindIndex } = context.secrets;
  const reportId = randomUUID();
  const now = context.clock.now();
  const stored = photo ? { id: randomUUID(), key: randomBytes(16).toString('hex'), photo } : undefined;
  // The file goes first, so the statement that makes the report visible never points at a missing file.
  if (stored) {
    await store.put(stored.key, Buffer.from(fields.encrypt(photoField(stored.id), stored.photo.stripped)));
  }
  const phone = input.callbackPhone;
  try {
    // Two reports drawing the same reference is rare but possible; another draw settles it.
    const insert = async (reference: string): Promise<boolean> => {
      return insertReportAndNotify(
        context.db,
        {
          id: reportId,
          reference,
          channel,
          language,
          status: 'new',
          created_at: now,
          activity: input.activity,
          location_ciphertext: fields.encrypt(field(reportId, 'location'), input.location),
          zip: input.zip,
          seen_when: input.seenWhen,
          agents_count: input.agentsCount,
          vehicles_count: input.vehiclesCount,
          uniform_ciphertext: fields.encryptOptional(field(reportId, 'uniform'), input.uniform),
          agency: input.agency,
          source: input.source,
          callback_phone_ciphertext: phone ? fields.encrypt(field(reportId, 'callback_phone'), phone) : null,
          callback_phone_index: phone ? reportCallbackPhoneIndex(blindIndex, phone) : null,
          details_ciphertext: fields.encryptOptional(field(reportId, 'details'), input.details),
          status_changed_by: null,
          status_changed_at: null,
        },
        stored && {
          id: stored.id,
          report_id: reportId,
          storage_key: stored.key,
          original_sha256: stored.photo.originalSha256,
          content_type: stored.photo.contentType,
          size_bytes: stored.photo.stripped.length,
          created_at: now,
        },
      );
    };
    const reference = await insertWithFreeReference(
      newReferenceCode,
      insert,
      'Could not draw a free report reference.',
    );
    return { id: reportId, reference };
  } catch (error) {
    if (stored) await store.delete(stored.key).catch(() => {});
    throw error;
  }
}

/** A report taken by text or phone: any field the channel did not collect is left out. */
export interface IncomingReport {
  channel: Exclude<ReportChannel, 'web'>;
  language: Language;
  /** True when the reporter stopped before answering everything (an abandoned text conversation). */
  incomplete?: boolean;
  activity?: ReportInput['activity'];
  location?: string;
  zip?: string | null;
  seenWhen?: ReportInput['seenWhen'];
  agentsCount?: number | null;
  vehiclesCount?: number | null;
  uniform?: string | null;
  agency?: ReportInput['agency'];
  source?: ReportInput['source'];
  /** The number the report came from, kept (encrypted) so a dispatcher can call back. */
  callbackPhone?: string | null;
  details?: string | null;
  /** Made with the console's text simulator (a pretend number): marked everywhere, never counted or alerted on. */
  simulated?: boolean;
}

/**
 * Stores a report inside the caller's transaction (the text conversation or call that produced it commits
 * with it), tells the live console, and schedules its expiry like a web report. The caller attaches media.
 */
export async function insertIncomingReport(
  context: AppContext,
  trx: Transaction<Database>,
  input: IncomingReport,
): Promise<{ id: string; reference: string }> {
  const { fields, blindIndex } = context.secrets;
  const reportId = randomUUID();
  const now = context.clock.now();
  const phone = input.callbackPhone ?? null;
  const report = {
    id: reportId,
    channel: input.channel,
    language: input.language,
    incomplete: input.incomplete ?? false,
    simulated: input.simulated ?? false,
    status: 'new' as const,
    created_at: now,
    activity: input.activity ?? null,
    location_ciphertext: fields.encryptOptional(field(reportId, 'location'), input.location ?? null),
    zip: input.zip ?? null,
    seen_when: input.seenWhen ?? null,
    agents_count: input.agentsCount ?? null,
    vehicles_count: input.vehiclesCount ?? null,
    uniform_ciphertext: fields.encryptOptional(field(reportId, 'uniform'), input.uniform ?? null),
    agency: input.agency ?? 'unknown',
    source: input.source ?? null,
    callback_phone_ciphertext: phone ? fields.encrypt(field(reportId, 'callback_phone'), phone) : null,
    callback_phone_index: phone ? reportCallbackPhoneIndex(blindIndex, phone) : null,
    details_ciphertext: fields.encryptOptional(field(reportId, 'details'), input.details ?? null),
    status_changed_by: null,
    status_changed_at: null,
  };
  // A clash of references is about one in 10^11; the insert skips a taken one without aborting the caller's
  // transaction, and another draw settles it.
  const reference = await insertWithFreeReference(
    newReferenceCode,
    (reference) => insertReportAndNotify(trx, { ...report, reference }),
    'Could not draw a free report reference.',
  );
  return { id: reportId, reference };
}

/**
 * Adds what the reporter sent later (a text within the conversation window) to the end of an incoming
 * report's details, inside the caller's transaction. Returns the report's reference, or undefined when the
 * report is gone (expired or deleted), and the caller makes a new one.
 */
export async function appendToIncomingReport(
  context: AppContext,
  trx: Transaction<Database>,
  reportId: string,
  lines: string,
): Promise<string | undefined> {
  const row = await lockReportDetails(trx, reportId);
  if (!row) return undefined;
  const { fields } = context.secrets;
  const ref = field(reportId, 'details');
  const before = fields.decryptOptional(ref, row.details_ciphertext);
  const details = before ? `${before}\n${lines}` : lines;
  await updateDetails(trx, reportId, fields.encrypt(ref, details));
  return row.reference;
}

export type ExpiryOutcome = 'deleted' | 'kept' | 'postponed' | 'gone';

/**
 * Deletes the report and its files unless someone decided to keep it. The sweep calls it for each report
 * past retention; jobs queued per report by earlier versions (reports.expire) still drain through it.
 */
export async function expireReport(deps: ReportsDeps, reportId: string): Promise<ExpiryOutcome> {
  return deps.context.db.transaction().execute(async (trx) => {
    const status = (await lockReportStatus(trx, reportId))?.status;
    if (status === undefined) return 'gone';
    if (!EXPIRING_STATUSES.includes(status)) return 'kept';
    // A family member's call about a detention stays while the legal team's task is open (the callback
    // number and the message are the case's start); the sweep looks at it again once the task is closed.
    if (await reportCalls().hasOpenFollowup(trx, reportId)) return 'postponed';
    // Files before rows: if the deletion fails half-way the sweep finds the row still there next time,
    // so no file is ever left behind without a row pointing at it.
    for (const photo of await findPhotos(trx, reportId)) await deps.store.delete(photo.storage_key);
    for (const key of await reportCalls().recordingStorageKeys(trx, reportId)) await deps.store.delete(key);
    await deleteReport(trx, reportId);
    return 'deleted';
  });
}

const EXPIRY_SWEEP_BATCH = 100;

/**
 * The reports.sweep-expired job: deletes every report still unverified (new, duplicate, spam) once the
 * retention period since it arrived has passed, unless an open follow-up needs it. One periodic sweep
 * rather than a delayed job per report: a report costs no job row at intake, a report moved back among the
 * unverified needs nothing scheduled, and a changed retention applies to every report at once.
 */
export async function sweepExpiredReports(deps: ReportsDeps, now: Date): Promise<number> {
  const { db, config } = deps.context;
  const cutoff = new Date(now.getTime() - config.reportRetentionDays * 24 * 60 * 60 * 1000);
  let deleted = 0;
  for (;;) {
    const ids = await listExpiredReportIds(db, {
      statuses: EXPIRING_STATUSES,
      createdBefore: cutoff,
      limit: EXPIRY_SWEEP_BATCH,
      keep: await reportCalls().reportsWithOpenFollowups(db),
    });
    let deletedNow = 0;
    for (const id of ids) if ((await expireReport(deps, id)) === 'deleted') deletedNow += 1;
    deleted += deletedNow;
    // A full batch none of which could go (each changed meanwhile) would come back unchanged: stop there.
    if (ids.length < EXPIRY_SWEEP_BATCH || deletedNow === 0) return deleted;
  }
}

/** A photo file is written just before its report's transaction; give that transaction ample time. */
const ORPHAN_GRACE_MS = 15 * 60 * 1000;

/**
 * The reports.sweep-photos job: deletes encrypted photo files that no report points to. They appear when the
 * process dies between writing the file and committing the report, and would otherwise stay forever.
 */
export async function sweepOrphanPhotos(deps: ReportsDeps, now: Date): Promise<number> {
  const candidates = await deps.store.keysWrittenBefore(new Date(now.getTime() - ORPHAN_GRACE_MS));
  let removed = 0;
  for (let i = 0; i < candidates.length; i += 500) {
    const batch = candidates.slice(i, i + 500);
    const referenced = await referencedStorageKeys(deps.context.db, batch);
    for (const key of await keysReferencedElsewhere(deps.context.db, batch)) referenced.add(key);
    for (const key of batch) {
      if (referenced.has(key)) continue;
      await deps.store.delete(key);
      removed += 1;
    }
  }
  return removed;
}

export async function listForConsole(deps: ReportsDeps, show: 'open' | 'all'): Promise<ReportListRow[]> {
  return listReports(deps.context.db, {
    statuses: show === 'all' ? 'all' : OPEN_STATUSES,
    limit: CONSOLE_LIST_LIMIT,
  });
}

/** New reports nobody has triaged yet: what waits on a dispatcher (the navigation's count). */
export async function countUntriagedReports(db: Kysely<Database>): Promise<number> {
  return countReportsWithStatus(db, 'new');
}

export interface ReportDetail {
  id: string;
  reference: string;
  channel: ReportChannel;
  status: ReportStatus;
  createdAt: Date;
  activity: ReportListRow['activity'];
  location: string | null;
  zip: string | null;
  seenWhen: string | null;
  agentsCount: number | null;
  vehiclesCount: number | null;
  uniform: string | null;
  agency: ReportListRow['agency'];
  source: ReportListRow['source'];
  callbackPhone: string | null;
  details: string | null;
  statusChangedAt: Date | null;
  photo: { id: string; contentType: string; originalSha256: string } | undefined;
  /** A voicemail (played from the voice module's route); stored is false until the copy from Twilio lands. */
  recording: { stored: boolean; durationSeconds: number | null; sha256: string | null } | undefined;
  /**
   * A family's call about a detained relative: its number and recording belong to the legal intake team,
   * so the report readers see neither (only that there is one for that team).
   */
  forLegalIntake: boolean;
  /** Made with the console's text simulator. */
  simulated: boolean;
  /** The incident holding the report (its status is what the report's status shows), if any. */
  incident: ReportIncidentLabel | undefined;
}

/**
 * Takes a report's callback number away from it (a case was opened from the family's call: the number now
 * lives under the case's key). Returns the number and the report's reference; inside the caller's transaction.
 */
export async function takeCallbackPhone(
  context: AppContext,
  trx: Kysely<Database>,
  reportId: string,
): Promise<{ phone: string | null; reference: string } | undefined> {
  const report = await findReport(trx, reportId);
  if (!report) return undefined;
  const phone = context.secrets.fields.decryptOptional(
    field(report.id, 'callback_phone'),
    report.callback_phone_ciphertext,
  );
  await clearCallbackPhone(trx, report.id);
  return { phone, reference: report.reference };
}

/** Decrypts a report for a staff member and records that they saw it. */
export async function viewReport(
  deps: ReportsDeps,
  reportId: string,
  actorId: string,
): Promise<ReportDetail | undefined> {
  if (!isUuid(reportId)) return undefined;
  const { db, secrets } = deps.context;
  const report = await findReport(db, reportId);
  if (!report) return undefined;
  const [photo] = await findPhotos(db, reportId);
  const forLegalIntake = await reportCalls().hasFollowup(db, reportId);
  const recording = forLegalIntake ? undefined : await reportCalls().recordingSummary(db, reportId);
  await recordAudit(db, deps.context, {
    actorId,
    action: 'report.viewed',
    subjectType: 'report',
    subjectId: reportId,
  });
  const { fields } = secrets;
  return {
    id: report.id,
    reference: report.reference,
    channel: report.channel,
    status: report.status,
    createdAt: report.created_at,
    activity: report.activity,
    location: fields.decryptOptional(field(report.id, 'location'), report.location_ciphertext),
    zip: report.zip,
    seenWhen: report.seen_when,
    agentsCount: report.agents_count,
    vehiclesCount: report.vehicles_count,
    uniform: fields.decryptOptional(field(report.id, 'uniform'), report.uniform_ciphertext),
    agency: report.agency,
    source: report.source,
    callbackPhone: forLegalIntake
      ? null
      : fields.decryptOptional(field(report.id, 'callback_phone'), report.callback_phone_ciphertext),
    details: fields.decryptOptional(field(report.id, 'details'), report.details_ciphertext),
    statusChangedAt: report.status_changed_at,
    photo: photo
      ? { id: photo.id, contentType: photo.content_type, originalSha256: photo.original_sha256 }
      : undefined,
    recording,
    forLegalIntake,
    simulated: report.simulated,
    incident: report.incident_id
      ? (await incidentsOfReports(db, [report])).get(report.incident_id)
      : undefined,
  };
}

/** The report's photo, decrypted, for a staff member; recorded in the audit log. */
export async function viewReportPhoto(
  deps: ReportsDeps,
  reportId: string,
  actorId: string,
): Promise<{ contentType: string; bytes: Buffer } | undefined> {
  if (!isUuid(reportId)) return undefined;
  const { db, secrets } = deps.context;
  const [photo] = await findPhotos(db, reportId);
  if (!photo) return undefined;
  const stored = await deps.store.get(photo.storage_key);
  if (!stored) return undefined;
  const bytes = secrets.fields.decryptBytes(photoField(photo.id), stored.toString('utf8'));
  await recordAudit(db, deps.context, {
    actorId,
    action: 'report.photo_viewed',
    subjectType: 'report',
    subjectId: reportId,
    details: { photoId: photo.id },
  });
  return { contentType: photo.content_type, bytes };
}

export type StatusChangeOutcome = 'changed' | 'unchanged' | 'not_found';

export async function changeReportStatus(
  deps: ReportsDeps,
  reportId: string,
  to: ReportStatus,
  actorId: string,
): Promise<StatusChangeOutcome> {
  if (!isUuid(reportId)) return 'not_found';
  const { context } = deps;
  return context.db.transaction().execute(async (trx) => {
    const current = await lockReportStatus(trx, reportId);
    if (current === undefined) return 'not_found';
    const from = current.status;
    if (from === to) return 'unchanged';
    const now = context.clock.now();
    await updateStatus(trx, reportId, { status: to, changedBy: actorId, changedAt: now });
    await recordAudit(trx, context, {
      actorId,
      action: 'report.status_changed',
      subjectType: 'report',
      subjectId: reportId,
      details: { from, to },
    });
    return 'changed';
  });
}

/** How far back a reconnecting console may ask to catch up; anything older is a page reload away. */
const REPLAY_WINDOW_MS = 60 * 60 * 1000;
const REPLAY_LIMIT = 200;
/**
 * A report's created_at is taken before its transaction commits, so two reports can become visible out of
 * created_at order. Replaying from a little before the cursor catches such a straggler; the console
 * ignores rows it already shows.
 */
const REPLAY_SLACK_MS = 5_000;

/** Reports created since a console's cursor, for replay when its event stream (re)connects. */
export async function reportsSinceCursor(deps: ReportsDeps, cursorMs: number): Promise<ReportListRow[]> {
  const now = deps.context.clock.now().getTime();
  const since = Math.max(cursorMs - REPLAY_SLACK_MS, now - REPLAY_WINDOW_MS);
  return listReportsSince(deps.context.db, new Date(since), REPLAY_LIMIT);
}

/**
 * New reports as they are committed, for the live console. One LISTEN per process, however many consoles
 * are open; each notification carries only the report id and the list row is read back here, so nothing
 * sensitive ever travels through the notification channel.
 */
export class LiveReportFeed extends NotificationFanOut<ReportListRow> {
  constructor(deps: ReportsDeps) {
    super(
      deps.context,
      [
        {
          channel: REPORTS_CHANNEL,
          read: async (id) => (isUuid(id) ? findListRow(deps.context.db, id) : undefined),
        },
      ],
      'live report feed could not read a new report',
    );
  }
}
