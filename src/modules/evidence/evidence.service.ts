// Media kept as evidence: receiving an original (from a finished tus upload or the small form), its SHA-256 over
// the original bytes, the sealed original and its working copy, and the chain of custody (every receipt, view,
// download and export, in the audit log and on the item).
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AppContext } from '../../app/context.ts';
import type { EvidenceCustodyAction, EvidenceKind } from '../../db/schema.ts';
import { AppError } from '../../http/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { displayNamesOf } from '../staff/staff.service.ts';
import { custodyReasonField, evidenceFileNameField } from './evidence.fields.ts';
import {
  deleteItems,
  findItem,
  listItemIdsOfIncidents,
  insertCustodyEvent,
  insertItem,
  listCustodyEvents,
  listItems,
  setWorkingCopy,
  type EvidenceItemRow,
} from './evidence.repository.ts';

export { moveItemsToIncident } from './evidence.repository.ts';
export { mayViewEvidence } from './evidence.access.ts';
import { FrameAppender, SealedReader, sealStream } from './evidence.sealed-file.ts';
import type { SealedUploadStore } from './evidence.tus-store.ts';
import { workingCopyJob } from './evidence.jobs.ts';
import {
  judgeOriginal,
  makeWorkingCopy,
  workingFileId,
  type EvidencePaths,
} from './evidence.working-copy.ts';

export function evidencePaths(context: Pick<AppContext, 'config'>): EvidencePaths & { uploads: string } {
  const root = path.join(context.config.dataDir, 'evidence');
  return {
    original: (itemId) => path.join(root, 'originals', `${itemId}.sealed`),
    working: (itemId) => path.join(root, 'working', `${itemId}.sealed`),
    tmp: path.join(root, 'tmp'),
    uploads: path.join(root, 'uploads'),
  };
}

async function ensureDirectories(paths: EvidencePaths): Promise<void> {
  for (const dir of [path.dirname(paths.original('x')), path.dirname(paths.working('x'))]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
}

export interface Received {
  itemId: string;
  sha256: string;
  size: number;
}

interface Receipt {
  incidentId: string;
  observerId: string;
  fileName: string;
}

/** Seals the last frame of a finished tus upload, moves it among the originals and records the item. */
export async function receiveFinishedUpload(
  context: AppContext,
  store: SealedUploadStore,
  uploadId: string,
  receipt: Receipt,
): Promise<Received> {
  const paths = evidencePaths(context);
  await ensureDirectories(paths);
  const { frames, tail } = await store.finishing(uploadId);
  const appender = await FrameAppender.open(
    context.secrets.keyring,
    store.bodyPath(uploadId),
    uploadId,
    frames,
  );
  await appender.finish(tail);
  await rename(store.bodyPath(uploadId), paths.original(uploadId));
  await store.remove(uploadId);
  return recordReceipt(context, uploadId, receipt);
}

/** The form without JavaScript: one small file, sealed as it is read. */
export async function receiveSmallFile(
  context: AppContext,
  receipt: Receipt & { bytes: Buffer },
): Promise<Received> {
  const paths = evidencePaths(context);
  await ensureDirectories(paths);
  const itemId = randomUUID();
  await sealStream(context.secrets.keyring, paths.original(itemId), itemId, [receipt.bytes]);
  return recordReceipt(context, itemId, receipt);
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(stream, hash);
  return hash.digest('hex');
}

/**
 * The receipt, within the upload's last request: the SHA-256 over the original bytes and what kind of file it
 * is. The working copy is left to a job (evidence.jobs.ts), enqueued with the item's row; until it has run the
 * item shows that its copy is being prepared.
 */
async function recordReceipt(context: AppContext, itemId: string, receipt: Receipt): Promise<Received> {
  const paths = evidencePaths(context);
  const reader = await SealedReader.open(context.secrets.keyring, paths.original(itemId), itemId);
  const size = reader.size;
  const sha256 = await sha256Of(reader.stream());
  const judged = await judgeOriginal(context, paths, itemId);
  const pending = judged.kind !== 'other';
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    await insertItem(trx, {
      id: itemId,
      incident_id: receipt.incidentId,
      observer_id: receipt.observerId,
      kind: judged.kind,
      file_name_ciphertext: context.secrets.fields.encrypt(evidenceFileNameField(itemId), receipt.fileName),
      content_type: judged.contentType,
      size_bytes: size,
      sha256,
      working_copy: pending ? 'pending' : 'none',
      working_content_type: null,
      received_at: now,
    });
    await custodyEvent(trx, context, {
      itemId,
      actorId: receipt.observerId,
      action: 'received',
      sha256,
      reason: null,
    });
    if (pending) await context.jobs.sendInTransaction(trx, workingCopyJob, { itemId });
  });
  return { itemId, sha256, size };
}

export type WorkingCopyJobOutcome = 'ready' | 'none' | 'already_done' | 'gone';

/** The working-copy job: makes the item's copy once (a retried job finds it done), if the item still exists. */
export async function prepareWorkingCopy(
  context: AppContext,
  itemId: string,
): Promise<WorkingCopyJobOutcome> {
  const row = await findItem(context.db, itemId);
  if (!row) return 'gone';
  if (row.working_copy !== 'pending') return 'already_done';
  const copy = await makeWorkingCopy(context, evidencePaths(context), itemId);
  await setWorkingCopy(context.db, itemId, {
    working_copy: copy.workingContentType ? 'ready' : 'none',
    working_content_type: copy.workingContentType,
  });
  // Deleted while the copy was made (retention): nothing of it may stay on disk.
  if (!(await findItem(context.db, itemId))) {
    await removeEvidenceFiles(context, itemId);
    return 'gone';
  }
  return copy.workingContentType ? 'ready' : 'none';
}

async function custodyEvent(
  db: AppContext['db'],
  context: AppContext,
  event: {
    itemId: string;
    actorId: string;
    action: EvidenceCustodyAction;
    sha256: string;
    reason: string | null;
  },
): Promise<void> {
  const id = randomUUID();
  await insertCustodyEvent(db, {
    id,
    item_id: event.itemId,
    actor_id: event.actorId,
    action: event.action,
    reason_ciphertext: context.secrets.fields.encryptOptional(custodyReasonField(id), event.reason),
    sha256: event.sha256,
    at: context.clock.now(),
  });
  await recordAudit(db, context, {
    actorId: event.actorId,
    action: `evidence.${event.action}`,
    subjectType: 'evidence_item',
    subjectId: event.itemId,
    details: { sha256: event.sha256, custodyEventId: id },
  });
}

export interface EvidenceItemSummary {
  id: string;
  incidentId: string;
  kind: EvidenceKind;
  fileName: string;
  size: number;
  sha256: string;
  receivedAt: Date;
  observerName: string | null;
  /** 'pending' until the working-copy job has run. */
  workingCopy: EvidenceItemRow['working_copy'];
  workingContentType: string | null;
}

async function summaries(context: AppContext, rows: EvidenceItemRow[]): Promise<EvidenceItemSummary[]> {
  const names = await displayNamesOf(
    context.db,
    rows.flatMap((row) => (row.observer_id ? [row.observer_id] : [])),
  );
  return rows.map((row) => ({
    id: row.id,
    incidentId: row.incident_id,
    kind: row.kind,
    fileName: context.secrets.fields.decrypt(evidenceFileNameField(row.id), row.file_name_ciphertext),
    size: Number(row.size_bytes),
    sha256: row.sha256,
    receivedAt: row.received_at,
    observerName: (row.observer_id && names.get(row.observer_id)) ?? null,
    workingCopy: row.working_copy,
    workingContentType: row.working_copy === 'ready' ? row.working_content_type : null,
  }));
}

/** An incident's media, oldest first (for the packet: id, kind, file name, size, SHA-256, receipt, observer). */
export async function listEvidenceItems(
  context: AppContext,
  incidentId: string,
): Promise<EvidenceItemSummary[]> {
  return summaries(context, await listItems(context.db, incidentId));
}

export async function findEvidenceItem(
  context: AppContext,
  itemId: string,
): Promise<EvidenceItemSummary | undefined> {
  const row = await findItem(context.db, itemId);
  return row ? (await summaries(context, [row]))[0] : undefined;
}

export interface CustodyEntry {
  action: EvidenceCustodyAction;
  actorName: string | null;
  at: Date;
  reason: string | null;
  sha256: string;
}

/** The item's chain of custody, oldest first. */
export async function custodyOf(context: AppContext, itemId: string): Promise<CustodyEntry[]> {
  const rows = await listCustodyEvents(context.db, itemId);
  const names = await displayNamesOf(
    context.db,
    rows.flatMap((row) => (row.actor_id ? [row.actor_id] : [])),
  );
  return rows.map((row) => ({
    action: row.action,
    actorName: (row.actor_id && names.get(row.actor_id)) ?? null,
    at: row.at,
    reason: context.secrets.fields.decryptOptional(custodyReasonField(row.id), row.reason_ciphertext),
    sha256: row.sha256,
  }));
}

/** Records that someone looked at the item (its page), before it is shown. */
export async function recordEvidenceView(
  context: AppContext,
  item: EvidenceItemSummary,
  actorId: string,
): Promise<void> {
  await custodyEvent(context.db, context, {
    itemId: item.id,
    actorId,
    action: 'viewed',
    sha256: item.sha256,
    reason: null,
  });
}

export interface OpenedOriginal {
  stream: Readable;
  sha256: string;
  size: number;
  fileName: string;
}

/**
 * The original's bytes, decrypted as they are read, after the custody event is recorded (who, why, which hash).
 * The packet calls it for each item it exports; the item page's download calls it with action 'downloaded'.
 */
export async function openEvidenceOriginal(
  context: AppContext,
  itemId: string,
  request: { actorId: string; reason: string; action?: 'exported' | 'downloaded' },
): Promise<OpenedOriginal> {
  const item = await findEvidenceItem(context, itemId);
  if (!item) throw new AppError('not_found');
  const reason = request.reason.trim();
  if (reason === '') throw new AppError('invalid_request');
  const reader = await SealedReader.open(
    context.secrets.keyring,
    evidencePaths(context).original(itemId),
    itemId,
  );
  try {
    await custodyEvent(context.db, context, {
      itemId,
      actorId: request.actorId,
      action: request.action ?? 'exported',
      sha256: item.sha256,
      reason,
    });
  } catch (error) {
    await reader.close();
    throw error;
  }
  return { stream: reader.stream(), sha256: item.sha256, size: item.size, fileName: item.fileName };
}

/** The working copy's bytes (no location or device data), for the item page. */
export async function openWorkingCopy(
  context: AppContext,
  item: EvidenceItemSummary,
): Promise<{ stream: Readable; size: number; contentType: string } | undefined> {
  if (!item.workingContentType) return undefined;
  const reader = await SealedReader.open(
    context.secrets.keyring,
    evidencePaths(context).working(item.id),
    workingFileId(item.id),
  );
  return { stream: reader.stream(), size: reader.size, contentType: item.workingContentType };
}

/**
 * Retention: deletes these incidents' media, the sealed files on disk first (original and working copy), then
 * the items and their chain of custody. Safe to run twice.
 */
export async function expireEvidenceOfIncidents(
  context: AppContext,
  incidentIds: readonly string[],
): Promise<void> {
  const itemIds = await listItemIdsOfIncidents(context.db, incidentIds);
  for (const itemId of itemIds) await removeEvidenceFiles(context, itemId);
  await deleteItems(context.db, itemIds);
}

/** Removes an item's files (its rows go with the incident, or with expireEvidenceOfIncidents). */
export async function removeEvidenceFiles(context: AppContext, itemId: string): Promise<void> {
  const paths = evidencePaths(context);
  await rm(paths.original(itemId), { force: true });
  await rm(paths.working(itemId), { force: true });
}
