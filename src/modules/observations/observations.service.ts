// The observation log: entries written by the people sent to an incident, sealed, merged into one timeline.
// An entry carries the id the observer's phone gave it; sent twice (a lost answer, the offline queue sending
// again), it is stored once. Editing keeps the earlier text as a version.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import type { ObservationKind } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { displayNamesOf } from '../staff/staff.service.ts';
import { observationTextField, observationVersionTextField } from './observations.fields.ts';
import {
  deleteEntriesOfIncidents,
  findEntry,
  findEntryByClientId,
  insertEntryOnce,
  insertVersion,
  listEntriesOfIncident,
  listVersionsOf,
  lockEntry,
  moveEntriesToIncident,
  updateEntry,
} from './observations.repository.ts';

export { moveEntriesToIncident };

/** Retention: deletes these incidents' observation logs (entries and their earlier texts). */
export async function expireObservationsOfIncidents(
  context: Pick<AppContext, 'db'>,
  incidentIds: readonly string[],
): Promise<void> {
  await deleteEntriesOfIncidents(context.db, incidentIds);
}

export {
  mayObserveIncident,
  mayReadObservationLog,
  seesLinkedCaseOfIncident,
} from './observations.access.ts';

/** One entry's row (its incident, author and client id), for the edit form's checks. */
export async function findObservationEntry(context: Pick<AppContext, 'db'>, entryId: string) {
  return findEntry(context.db, entryId);
}

export interface ObservationInput {
  kind: ObservationKind;
  text: string;
  /** When it happened; when absent, when the server received it. */
  eventAt: Date | undefined;
}

export type RecordOutcome =
  | { outcome: 'stored'; id: string }
  | { outcome: 'already_stored'; id: string }
  /** The client id was used by this author for an entry on another incident. */
  | { outcome: 'conflict' };

/** Stores an entry (the caller checked mayObserveIncident). The same client id twice stores it once. */
export async function recordObservation(
  context: AppContext,
  entry: ObservationInput & { incidentId: string; authorId: string; clientId: string },
): Promise<RecordOutcome> {
  const { db, secrets, clock } = context;
  const clientId = entry.clientId.toLowerCase();
  return db.transaction().execute(async (trx) => {
    const id = randomUUID();
    const writtenAt = clock.now();
    const stored = await insertEntryOnce(trx, {
      id,
      incident_id: entry.incidentId,
      author_id: entry.authorId,
      client_id: clientId,
      kind: entry.kind,
      event_at: entry.eventAt ?? writtenAt,
      written_at: writtenAt,
      text_ciphertext: secrets.fields.encrypt(observationTextField(id), entry.text),
    });
    if (!stored) {
      const existing = await findEntryByClientId(trx, entry.authorId, clientId);
      return existing && existing.incident_id === entry.incidentId
        ? { outcome: 'already_stored' as const, id: existing.id }
        : { outcome: 'conflict' as const };
    }
    await recordAudit(trx, context, {
      actorId: entry.authorId,
      action: 'observation.recorded',
      subjectType: 'observation_entry',
      subjectId: id,
      details: { incidentId: entry.incidentId, kind: entry.kind },
    });
    return { outcome: 'stored' as const, id };
  });
}

export type EditOutcome = 'edited' | 'unchanged' | 'not_found';

/** Changes an entry's text, kind or time; only its author may, and the earlier text is kept as a version. */
export async function editObservation(
  context: AppContext,
  edit: ObservationInput & { entryId: string; incidentId: string; editorId: string },
): Promise<EditOutcome> {
  const { db, secrets, clock } = context;
  return db.transaction().execute(async (trx) => {
    const entry = await lockEntry(trx, edit.entryId);
    if (!entry || entry.incident_id !== edit.incidentId || entry.author_id !== edit.editorId)
      return 'not_found';
    const before = secrets.fields.decrypt(observationTextField(entry.id), entry.text_ciphertext);
    const eventAt = edit.eventAt ?? entry.event_at;
    if (before === edit.text && entry.kind === edit.kind && entry.event_at.getTime() === eventAt.getTime())
      return 'unchanged';
    const now = clock.now();
    const versionId = randomUUID();
    await insertVersion(trx, {
      id: versionId,
      entry_id: entry.id,
      kind: entry.kind,
      event_at: entry.event_at,
      replaced_at: now,
      replaced_by: edit.editorId,
      text_ciphertext: secrets.fields.encrypt(observationVersionTextField(versionId), before),
    });
    await updateEntry(trx, entry.id, {
      kind: edit.kind,
      event_at: eventAt,
      edited_at: now,
      text_ciphertext: secrets.fields.encrypt(observationTextField(entry.id), edit.text),
    });
    await recordAudit(trx, context, {
      actorId: edit.editorId,
      action: 'observation.edited',
      subjectType: 'observation_entry',
      subjectId: entry.id,
      details: { incidentId: entry.incident_id, versionId },
    });
    return 'edited';
  });
}

export interface ObservationVersion {
  kind: ObservationKind;
  text: string;
  eventAt: Date;
  /** When this text was replaced by the next. */
  replacedAt: Date;
}

export interface ObservationTimelineEntry {
  id: string;
  authorId: string;
  /** The author's display name; null when they have none. */
  authorName: string | null;
  kind: ObservationKind;
  text: string;
  eventAt: Date;
  writtenAt: Date;
  edited: boolean;
  /** Earlier texts, oldest first (empty when never edited). */
  history: ObservationVersion[];
}

/**
 * One incident's log, every observer's entries merged in the order things happened, decrypted, each with its
 * author's name and its history. For the log page, the incident page and the evidence packet.
 */
export async function readObservationTimeline(
  context: Pick<AppContext, 'db' | 'secrets'>,
  incidentId: string,
): Promise<ObservationTimelineEntry[]> {
  const { db, secrets } = context;
  const entries = await listEntriesOfIncident(db, incidentId);
  if (entries.length === 0) return [];
  const [names, versions] = await Promise.all([
    displayNamesOf(
      db,
      entries.map((entry) => entry.author_id),
    ),
    listVersionsOf(
      db,
      entries.map((entry) => entry.id),
    ),
  ]);
  const history = new Map<string, ObservationVersion[]>();
  for (const version of versions) {
    const list = history.get(version.entry_id) ?? [];
    list.push({
      kind: version.kind,
      eventAt: version.event_at,
      replacedAt: version.replaced_at,
      text: secrets.fields.decrypt(observationVersionTextField(version.id), version.text_ciphertext),
    });
    history.set(version.entry_id, list);
  }
  return entries.map((entry) => ({
    id: entry.id,
    authorId: entry.author_id,
    authorName: names.get(entry.author_id) || null,
    kind: entry.kind,
    text: secrets.fields.decrypt(observationTextField(entry.id), entry.text_ciphertext),
    eventAt: entry.event_at,
    writtenAt: entry.written_at,
    edited: entry.edited_at !== null,
    history: history.get(entry.id) ?? [],
  }));
}
