// The only place calls, their recordings and the legal team's follow-up tasks are read or written with SQL.
import { sql, type Kysely } from 'kysely';
import type { Database, ReportRecordingsTable, VoiceCallsTable } from '../../db/schema.ts';
import type { Insertable, Selectable } from 'kysely';

type Db = Kysely<Database>;

export type VoiceCall = Selectable<VoiceCallsTable>;
export type ReportRecording = Selectable<ReportRecordingsTable>;

/** Notes a call the first time any of its webhooks arrives; later deliveries change nothing. */
export async function insertCallOnce(db: Db, call: Insertable<VoiceCallsTable>): Promise<void> {
  await db
    .insertInto('voice_calls')
    .values(call)
    .onConflict((conflict) => conflict.column('call_sid').doNothing())
    .execute();
}

export async function updateCall(
  db: Db,
  callSid: string,
  change: {
    language?: string;
    choice?: string;
    report_id?: string;
    operation_id?: string | null;
    operation_site_id?: string | null;
    operation_site_name?: string | null;
  },
): Promise<void> {
  await db.updateTable('voice_calls').set(change).where('call_sid', '=', callSid).execute();
}

/**
 * Reads a call and locks its row: the Record action and the recording status callback of one call are
 * handled one after the other, so a recording becomes exactly one report whichever arrives first.
 */
export async function lockCall(db: Db, callSid: string): Promise<VoiceCall | undefined> {
  return db
    .selectFrom('voice_calls')
    .selectAll()
    .where('call_sid', '=', callSid)
    .forUpdate()
    .executeTakeFirst();
}

export async function findRecordingBySid(
  db: Db,
  recordingSid: string,
): Promise<{ id: string; report_id: string } | undefined> {
  return db
    .selectFrom('report_recordings')
    .select(['id', 'report_id'])
    .where('recording_sid', '=', recordingSid)
    .executeTakeFirst();
}

/** Whether a report has a recording (stored yet or not). */
export async function reportHasRecording(db: Db, reportId: string): Promise<boolean> {
  const row = await db
    .selectFrom('report_recordings')
    .select('id')
    .where('report_id', '=', reportId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertRecording(db: Db, recording: Insertable<ReportRecordingsTable>): Promise<void> {
  await db.insertInto('report_recordings').values(recording).execute();
}

export async function findRecording(db: Db, id: string): Promise<ReportRecording | undefined> {
  return db.selectFrom('report_recordings').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Records where Amparo's encrypted copy is; false when another run of the job stored it first. */
export async function markRecordingStored(
  db: Db,
  id: string,
  stored: { storage_key: string; original_sha256: string; content_type: string; fetched_at: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('report_recordings')
    .set(stored)
    .where('id', '=', id)
    .where('storage_key', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Twilio no longer holds the recording, so where it was is forgotten too. */
export async function markRecordingDeletedAtTwilio(db: Db, id: string, at: Date): Promise<void> {
  await db
    .updateTable('report_recordings')
    .set({ deleted_at_twilio_at: at, twilio_url_ciphertext: null })
    .where('id', '=', id)
    .execute();
}

/** The report's first recording that Amparo holds a copy of. */
export async function findStoredRecordingOfReport(
  db: Db,
  reportId: string,
): Promise<ReportRecording | undefined> {
  return db
    .selectFrom('report_recordings')
    .selectAll()
    .where('report_id', '=', reportId)
    .where('storage_key', 'is not', null)
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst();
}

export interface NewFollowup {
  id: string;
  report_id: string;
  language: string;
  created_at: Date;
  channel?: 'voice' | 'sms';
  operation_id?: string | null;
  operation_site_id?: string | null;
  operation_site_name?: string | null;
  detained_name_ciphertext?: string | null;
  relationship_ciphertext?: string | null;
  detained_name_index?: string[] | null;
  dependents_without_care?: number | null;
  consent_to_text?: boolean | null;
}

export async function insertFollowup(db: Db, task: NewFollowup): Promise<void> {
  await db
    .insertInto('followup_tasks')
    .values({ ...task, kind: 'family_detained', assigned_to: null, closed_at: null })
    .execute();
}

/** The follow-ups filed under an operation, oldest first: ids, dependents and consent only. */
export async function listFollowupsOfOperation(
  db: Db,
  operationId: string,
): Promise<
  {
    id: string;
    operation_site_id: string | null;
    dependents_without_care: number | null;
    consent_to_text: boolean | null;
  }[]
> {
  return db
    .selectFrom('followup_tasks')
    .select(['id', 'operation_site_id', 'dependents_without_care', 'consent_to_text'])
    .where('operation_id', '=', operationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** The follow-up task a report belongs to (a family's call about a detention), if any, open or done. */
export async function findFollowupOfReport(
  db: Db,
  reportId: string,
): Promise<{ id: string; assigned_to: string | null } | undefined> {
  return db
    .selectFrom('followup_tasks')
    .select(['id', 'assigned_to'])
    .where('report_id', '=', reportId)
    .orderBy('created_at')
    .executeTakeFirst();
}

export interface OpenFollowupRow {
  id: string;
  created_at: Date;
  language: string;
  report_id: string | null;
  assigned_to: string | null;
  has_recording: boolean;
  /** False when the caller left no message at all (only the number was kept). */
  has_message: boolean;
  channel: 'voice' | 'sms';
  operation_site_name: string | null;
  detained_name_ciphertext: string | null;
  relationship_ciphertext: string | null;
  dependents_without_care: number | null;
  consent_to_text: boolean | null;
}

/** Open tasks: all of them for the intake team, else only those assigned to this staff member. */
export async function listOpenFollowups(
  db: Db,
  limit: number,
  visibleTo: { userId: string; intakeTeam: boolean },
): Promise<OpenFollowupRow[]> {
  let query = db
    .selectFrom('followup_tasks')
    .select([
      'followup_tasks.id',
      'followup_tasks.created_at',
      'followup_tasks.language',
      'followup_tasks.report_id',
      'followup_tasks.assigned_to',
      'followup_tasks.channel',
      'followup_tasks.operation_site_name',
      'followup_tasks.detained_name_ciphertext',
      'followup_tasks.relationship_ciphertext',
      'followup_tasks.dependents_without_care',
      'followup_tasks.consent_to_text',
      sql<boolean>`exists (select 1 from report_recordings r
        where r.report_id = followup_tasks.report_id and r.storage_key is not null)`.as('has_recording'),
      sql<boolean>`exists (select 1 from report_recordings r
        where r.report_id = followup_tasks.report_id)`.as('has_message'),
    ])
    .where('followup_tasks.status', '=', 'open')
    .where('followup_tasks.kind', '=', 'family_detained');
  if (!visibleTo.intakeTeam) query = query.where('followup_tasks.assigned_to', '=', visibleTo.userId);
  return query
    .orderBy('followup_tasks.created_at', 'asc')
    .orderBy('followup_tasks.id')
    .limit(limit)
    .execute();
}

/**
 * Open family follow-ups, not yet taken into a case, whose detained person's name index shares a spelling with
 * the given indexes; oldest first. Ids, times, operation, consent and the indexes themselves (keyed hashes).
 */
export async function listOpenFollowupsByNameIndex(
  db: Db,
  indexes: readonly string[],
): Promise<
  {
    id: string;
    created_at: Date;
    operation_id: string | null;
    consent_to_text: boolean | null;
    detained_name_index: string[] | null;
  }[]
> {
  if (indexes.length === 0) return [];
  return db
    .selectFrom('followup_tasks')
    .select(['id', 'created_at', 'operation_id', 'consent_to_text', 'detained_name_index'])
    .where('status', '=', 'open')
    .where('kind', '=', 'family_detained')
    .where('case_id', 'is', null)
    .where(sql<boolean>`detained_name_index && ${[...indexes]}::text[]`)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Whether this task exists and is this staff member's to see (the intake team's, or assigned to them). */
export async function followupVisibleTo(
  db: Db,
  taskId: string,
  visibleTo: { userId: string; intakeTeam: boolean },
): Promise<boolean> {
  let query = db.selectFrom('followup_tasks').select('id').where('id', '=', taskId);
  if (!visibleTo.intakeTeam) query = query.where('assigned_to', '=', visibleTo.userId);
  return (await query.executeTakeFirst()) !== undefined;
}

/** Closes an open task; 'missing' when there is no such task, 'unchanged' when it was already done. */
export async function closeFollowup(
  db: Db,
  id: string,
  at: Date,
): Promise<'closed' | 'unchanged' | 'missing'> {
  const result = await db
    .updateTable('followup_tasks')
    // A closed task is looked up by nobody: the name's blind indexes go with it.
    .set({ status: 'done', closed_at: at, detained_name_index: null })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 1) return 'closed';
  const exists = await db.selectFrom('followup_tasks').select('id').where('id', '=', id).executeTakeFirst();
  return exists ? 'unchanged' : 'missing';
}

/** Locks a follow-up task for handing it to a case. */
export async function lockFollowup(
  db: Db,
  id: string,
): Promise<
  | {
      id: string;
      report_id: string | null;
      case_id: string | null;
      detained_name_ciphertext: string | null;
      relationship_ciphertext: string | null;
    }
  | undefined
> {
  return db
    .selectFrom('followup_tasks')
    .select(['id', 'report_id', 'case_id', 'detained_name_ciphertext', 'relationship_ciphertext'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function assignFollowup(db: Db, id: string, userId: string | null): Promise<boolean> {
  const result = await db
    .updateTable('followup_tasks')
    .set({ assigned_to: userId })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The case a report's follow-up task was handed to, if any. */
export async function findCaseOfFollowupReport(db: Db, reportId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('followup_tasks')
    .select('case_id')
    .where('report_id', '=', reportId)
    .where('case_id', 'is not', null)
    .executeTakeFirst();
  return row?.case_id ?? undefined;
}

export async function pointFollowupAtCase(db: Db, id: string, caseId: string): Promise<void> {
  // The family intake's name and relationship go to the case too: the task keeps only the pointer.
  await db
    .updateTable('followup_tasks')
    .set({
      case_id: caseId,
      detained_name_ciphertext: null,
      relationship_ciphertext: null,
      detained_name_index: null,
    })
    .where('id', '=', id)
    .execute();
}

/** A report's recordings whose audio Amparo holds (those still at Twilio stay with the report). */
export async function listStoredRecordingsOfReport(db: Db, reportId: string): Promise<ReportRecording[]> {
  return db
    .selectFrom('report_recordings')
    .selectAll()
    .where('report_id', '=', reportId)
    .where('storage_key', 'is not', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function deleteRecording(db: Db, id: string): Promise<void> {
  await db.deleteFrom('report_recordings').where('id', '=', id).execute();
}

/** Call rows hold the caller's number; once Twilio stops retrying they are no longer needed. */
export async function deleteCallsStartedBefore(db: Db, cutoff: Date): Promise<number> {
  const result = await db.deleteFrom('voice_calls').where('started_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function findFamilyFollowupRow(
  db: Db,
  taskId: string,
): Promise<
  | {
      id: string;
      status: 'open' | 'done';
      language: string;
      created_at: Date;
      report_id: string | null;
      consent_to_text: boolean | null;
      operation_id: string | null;
    }
  | undefined
> {
  return db
    .selectFrom('followup_tasks')
    .select(['id', 'status', 'language', 'created_at', 'report_id', 'consent_to_text', 'operation_id'])
    .where('id', '=', taskId)
    .where('kind', '=', 'family_detained')
    .executeTakeFirst();
}

// ---- what a report shows and keeps of its calls (registered with the reports module) ----

export async function hasFollowupForReport(db: Db, reportId: string): Promise<boolean> {
  const row = await db
    .selectFrom('followup_tasks')
    .select('id')
    .where('report_id', '=', reportId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function hasOpenFollowupForReport(db: Db, reportId: string): Promise<boolean> {
  const row = await db
    .selectFrom('followup_tasks')
    .select('id')
    .where('report_id', '=', reportId)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return row !== undefined;
}

export async function listReportsWithOpenFollowups(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('followup_tasks')
    .select('report_id')
    .distinct()
    .where('status', '=', 'open')
    .where('report_id', 'is not', null)
    .execute();
  return rows.flatMap((row) => (row.report_id === null ? [] : [row.report_id]));
}

export async function findRecordingSummary(
  db: Db,
  reportId: string,
): Promise<{ stored: boolean; durationSeconds: number | null; sha256: string | null } | undefined> {
  const row = await db
    .selectFrom('report_recordings')
    .select(['storage_key', 'duration_seconds', 'original_sha256'])
    .where('report_id', '=', reportId)
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst();
  return (
    row && {
      stored: row.storage_key !== null,
      durationSeconds: row.duration_seconds,
      sha256: row.original_sha256,
    }
  );
}

export async function findRecordingStorageKeys(db: Db, reportId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('report_recordings')
    .select('storage_key')
    .where('report_id', '=', reportId)
    .where('storage_key', 'is not', null)
    .execute();
  return rows.flatMap((row) => (row.storage_key === null ? [] : [row.storage_key]));
}

/** Which of these keys of the reports' store are call recordings. */
export async function referencedRecordingKeys(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom('report_recordings')
    .select('storage_key')
    .where('storage_key', 'in', keys)
    .execute();
  return new Set(rows.flatMap((row) => (row.storage_key === null ? [] : [row.storage_key])));
}
