// A case opened from a hotline follow-up keeps the family's call: the caller's number and the recording
// (which may say the detained person's name, A-number and country of birth) move from the report and the
// voice store into the case, sealed with the case's own key, so they are read only by those who may open
// the case and are destroyed with its key. The follow-up task keeps only a pointer to the case.
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { CaseCipher } from '../../crypto/case-keys.ts';
import type { Database } from '../../db/schema.ts';
import type { BlobStore } from '../../integrations/storage/storage.ts';
import { LocalFileStore } from '../../integrations/storage/local-file-store.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { reportsDeps } from '../reports/reports.module.ts';
import { takeFollowupForCase } from '../voice/followups.service.ts';
import { handleLateFollowupRecordings, takeStoredRecordings } from '../voice/recordings.service.ts';
import { caseKeyStoreFor, CaseKeyUnavailableError } from '../../crypto/case-keys.ts';
import { lockCase } from './cases.repository.ts';
import {
  deleteHotlineMessages,
  insertHotlineMessage,
  listHotlineMessages,
  moveHotlineMessage,
} from './hotline-messages.repository.ts';
import { fieldRef, type FieldRef } from '../../crypto/field-encryption.ts';

const stores = new WeakMap<object, BlobStore>();

/** Case files: apart from the report store, whose orphan sweep knows nothing of cases. */
export function caseFileStore(context: Pick<AppContext, 'config'>): BlobStore {
  let store = stores.get(context.config);
  if (!store) {
    store = new LocalFileStore(path.join(context.config.dataDir, 'case-files'));
    stores.set(context.config, store);
  }
  return store;
}

interface SealedDetails {
  callbackPhone: string | null;
  reference: string | null;
  contentType: string | null;
  sha256: string | null;
  durationSeconds: number | null;
}

export interface HotlineMessage extends SealedDetails {
  id: string;
  hasAudio: boolean;
  createdAt: Date;
}

const detailsField = (id: string): FieldRef<'case_hotline_messages'> =>
  fieldRef('case_hotline_messages', 'details', id);
const contentField = (id: string): FieldRef<'case_hotline_messages'> =>
  fieldRef('case_hotline_messages', 'content', id);

/**
 * Inside the case's transaction: takes the task's number and recordings and seals them for the case.
 * Returns the voice store's files to delete once the transaction has committed (deleteReportFiles).
 */
export async function moveFollowupIntoCase(
  context: AppContext,
  trx: Kysely<Database>,
  cipher: CaseCipher,
  taskId: string,
  actorId: string,
  at: Date,
): Promise<string[]> {
  const handover = await takeFollowupForCase(context, trx, taskId, cipher.caseId, actorId);
  const base = { callbackPhone: handover.callbackPhone, reference: handover.reference };
  if (handover.recordings.length === 0) {
    if (handover.callbackPhone === null) return [];
    const id = randomUUID();
    const details: SealedDetails = { ...base, contentType: null, sha256: null, durationSeconds: null };
    await insertHotlineMessage(trx, {
      id,
      case_id: cipher.caseId,
      storage_key: null,
      details_ciphertext: cipher.encryptJson(detailsField(id), details),
      created_at: at,
    });
    return [];
  }
  await sealRecordings(context, trx, cipher, handover.recordings, base, at);
  return handover.recordings.map((recording) => recording.storageKey);
}

async function sealRecordings(
  context: AppContext,
  trx: Kysely<Database>,
  cipher: CaseCipher,
  recordings: Awaited<ReturnType<typeof takeStoredRecordings>>,
  base: Pick<SealedDetails, 'callbackPhone' | 'reference'>,
  at: Date,
): Promise<void> {
  const store = caseFileStore(context);
  for (const [index, recording] of recordings.entries()) {
    const id = randomUUID();
    const key = randomBytes(16).toString('hex');
    await store.put(key, Buffer.from(cipher.encrypt(contentField(id), recording.bytes.toString('base64'))));
    const details: SealedDetails = {
      ...base,
      contentType: recording.contentType,
      sha256: recording.sha256,
      durationSeconds: recording.durationSeconds,
    };
    await insertHotlineMessage(trx, {
      id,
      case_id: cipher.caseId,
      storage_key: key,
      details_ciphertext: cipher.encryptJson(detailsField(id), details),
      // A millisecond apart, so the messages keep their order.
      created_at: new Date(at.getTime() + index),
    });
  }
}

/**
 * A recording copied from Twilio after its follow-up became a case: sealed into the case like the rest. A
 * case merged away or destroyed meanwhile leaves it with the report, where only the intake team plays it.
 */
async function moveLateRecording(context: AppContext, reportId: string, caseId: string): Promise<void> {
  let cipher: CaseCipher;
  try {
    cipher = await caseKeyStoreFor(context).cipherFor(caseId);
  } catch (error) {
    if (error instanceof CaseKeyUnavailableError) return;
    throw error;
  }
  const oldFiles = await context.db.transaction().execute(async (trx) => {
    const caseRow = await lockCase(trx, caseId);
    if (!caseRow || caseRow.merged_into !== null || caseRow.key_destroyed_at !== null) return [];
    const recordings = await takeStoredRecordings(reportsDeps(context), trx, reportId);
    await sealRecordings(
      context,
      trx,
      cipher,
      recordings,
      { callbackPhone: null, reference: null },
      context.clock.now(),
    );
    return recordings.map((recording) => recording.storageKey);
  });
  await deleteReportFiles(context, oldFiles);
}

handleLateFollowupRecordings(moveLateRecording);

/** The voice store's copies, once the case holds its own: deleted after the commit. */
export async function deleteReportFiles(context: AppContext, keys: readonly string[]): Promise<void> {
  for (const key of keys) await reportsDeps(context).store.delete(key);
}

export async function readHotlineMessages(
  context: Pick<AppContext, 'db'>,
  cipher: CaseCipher,
): Promise<HotlineMessage[]> {
  const rows = await listHotlineMessages(context.db, cipher.caseId);
  return rows.map((row) => ({
    id: row.id,
    hasAudio: row.storage_key !== null,
    createdAt: row.created_at,
    ...cipher.decryptJson<SealedDetails>(detailsField(row.id), row.details_ciphertext),
  }));
}

/** A message's audio for someone who opened the case; the listen is audited. */
export async function playHotlineMessage(
  context: AppContext,
  actorId: string,
  cipher: CaseCipher,
  messageId: string,
): Promise<{ bytes: Buffer; contentType: string | null } | undefined> {
  const row = (await listHotlineMessages(context.db, cipher.caseId)).find((m) => m.id === messageId);
  if (!row?.storage_key) return undefined;
  const stored = await caseFileStore(context).get(row.storage_key);
  if (!stored) return undefined;
  const bytes = Buffer.from(cipher.decrypt(contentField(row.id), stored.toString('utf8')), 'base64');
  const details = cipher.decryptJson<SealedDetails>(detailsField(row.id), row.details_ciphertext);
  await recordAudit(context.db, context, {
    actorId,
    action: 'recording.played',
    subjectType: 'case',
    subjectId: cipher.caseId,
    details: { messageId: row.id },
  });
  return { bytes, contentType: details.contentType };
}

/** A merge: the merged-away case's messages are sealed again for the kept case (file and details). */
export async function moveHotlineMessages(
  context: AppContext,
  trx: Kysely<Database>,
  from: CaseCipher,
  to: CaseCipher,
): Promise<void> {
  const store = caseFileStore(context);
  for (const row of await listHotlineMessages(trx, from.caseId)) {
    const details = from.decryptJson<SealedDetails>(detailsField(row.id), row.details_ciphertext);
    let storageKey: string | null = null;
    if (row.storage_key) {
      const stored = await store.get(row.storage_key);
      if (stored) {
        const content = from.decrypt(contentField(row.id), stored.toString('utf8'));
        storageKey = randomBytes(16).toString('hex');
        await store.put(storageKey, Buffer.from(to.encrypt(contentField(row.id), content)));
      }
    }
    await moveHotlineMessage(trx, row.id, {
      case_id: to.caseId,
      storage_key: storageKey,
      details_ciphertext: to.encryptJson(detailsField(row.id), details),
    });
    // The old file stays (a rolled-back merge still needs it); it is sealed with the merged-away case's key,
    // which is destroyed when that case's retention runs out.
  }
}

/** The case's key is being destroyed: its messages go, rows and files. */
export async function destroyHotlineMessages(
  context: Pick<AppContext, 'config'>,
  trx: Kysely<Database>,
  caseId: string,
): Promise<void> {
  const keys = await deleteHotlineMessages(trx, caseId);
  for (const key of keys) await caseFileStore(context).delete(key);
}
