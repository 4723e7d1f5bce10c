// The incident's life: its status flow, its timeline and the signal that tells every console it changed.
// The rule that matters most lives here: only a responder's field verification can confirm an incident.
// A dispatcher can move it along and record other outcomes, never announce it as real from hearsay.
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database, IncidentStatus } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { incidentEventNoteField } from './incidents.fields.ts';
import {
  insertIncidentEvent,
  lockIncidentStatus,
  notifyIncident,
  setIncidentStatus,
  touchIncident,
} from './incidents.repository.ts';

export { INCIDENTS_CHANNEL } from './incidents.repository.ts';

/** Who is making a status change: a dispatcher at a console, or a responder's verification from the field. */
export type StatusChangeSource = 'dispatcher' | 'verification';

export const OUTCOME_STATUSES = ['confirmed', 'not_immigration', 'false_alarm', 'unable_to_verify'] as const;

/** Allowed next statuses. `unable_to_verify` may go back to `verifying` when someone else is sent. */
export const TRANSITIONS: Record<IncidentStatus, readonly IncidentStatus[]> = {
  reported: ['verifying'],
  verifying: OUTCOME_STATUSES,
  confirmed: ['active', 'concluded'],
  not_immigration: [],
  false_alarm: [],
  unable_to_verify: ['verifying'],
  active: ['concluded'],
  concluded: [],
};

/** Statuses a new report can still be grouped into (the incident is not settled). */
export const OPEN_INCIDENT_STATUSES: readonly IncidentStatus[] = [
  'reported',
  'verifying',
  'confirmed',
  'active',
];

export function canTransition(from: IncidentStatus, to: IncidentStatus, source: StatusChangeSource): boolean {
  if (!TRANSITIONS[from].includes(to)) return false;
  // Confirmation needs someone who went and looked.
  if (to === 'confirmed' && source !== 'verification') return false;
  return true;
}

export async function notifyIncidentChanged(trx: Transaction<Database>, incidentId: string): Promise<void> {
  await notifyIncident(trx, incidentId);
}

/**
 * For changes that are not a status change (a dispatch sent or answered, a verification recorded): marks the
 * incident as changed now, so the board's time filter and a reconnecting board's replay see it, and tells
 * every console. Call it inside the transaction that made the change.
 */
export async function markIncidentChanged(
  context: Pick<AppContext, 'clock'>,
  trx: Transaction<Database>,
  incidentId: string,
): Promise<void> {
  await touchIncident(trx, incidentId, context.clock.now());
  await notifyIncidentChanged(trx, incidentId);
}

export interface TimelineEntry {
  incidentId: string;
  actorId: string | null;
  /** What happened, e.g. created, status_changed, report_linked, merged, split, dispatched, verified. */
  kind: string;
  fromStatus?: IncidentStatus | null;
  toStatus?: IncidentStatus | null;
  /** Free text (a reason): encrypted. */
  note?: string | null;
  reportId?: string | null;
  dispatchId?: string | null;
  /** The other incident of a merge or split. */
  relatedIncidentId?: string | null;
}

export async function recordIncidentEvent(
  context: Pick<AppContext, 'secrets' | 'clock'>,
  trx: Transaction<Database>,
  entry: TimelineEntry,
): Promise<string> {
  const id = randomUUID();
  await insertIncidentEvent(trx, {
    id,
    incident_id: entry.incidentId,
    at: context.clock.now(),
    actor_id: entry.actorId,
    kind: entry.kind,
    from_status: entry.fromStatus ?? null,
    to_status: entry.toStatus ?? null,
    note_ciphertext: context.secrets.fields.encryptOptional(incidentEventNoteField(id), entry.note ?? null),
    report_id: entry.reportId ?? null,
    dispatch_id: entry.dispatchId ?? null,
    related_incident_id: entry.relatedIncidentId ?? null,
  });
  return id;
}

export type StatusChangeResult = 'changed' | 'unchanged' | 'not_allowed' | 'not_found';

/**
 * Moves an incident to `to` inside the caller's transaction: checks the flow, records who and why on the
 * timeline and in the audit log, and signals the consoles. The row is locked so two dispatchers cannot
 * both move it from the same state.
 */
export async function changeIncidentStatus(
  context: Pick<AppContext, 'secrets' | 'clock'>,
  trx: Transaction<Database>,
  change: {
    incidentId: string;
    to: IncidentStatus;
    actorId: string | null;
    reason: string | null;
    source: StatusChangeSource;
    dispatchId?: string | null;
  },
): Promise<StatusChangeResult> {
  const current = await lockIncidentStatus(trx, change.incidentId);
  if (!current || current.merged_into !== null) return 'not_found';
  if (current.status === change.to) return 'unchanged';
  if (!canTransition(current.status, change.to, change.source)) return 'not_allowed';
  const now = context.clock.now();
  await setIncidentStatus(trx, change.incidentId, {
    status: change.to,
    changedBy: change.actorId,
    changedAt: now,
  });
  await recordIncidentEvent(context, trx, {
    incidentId: change.incidentId,
    actorId: change.actorId,
    kind: 'status_changed',
    fromStatus: current.status,
    toStatus: change.to,
    note: change.reason,
    dispatchId: change.dispatchId ?? null,
  });
  await recordAudit(trx, context, {
    actorId: change.actorId,
    action: 'incident.status_changed',
    subjectType: 'incident',
    subjectId: change.incidentId,
    details: { from: current.status, to: change.to, source: change.source },
  });
  await notifyIncidentChanged(trx, change.incidentId);
  return 'changed';
}
