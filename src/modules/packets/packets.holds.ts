// Legal holds: legal staff keep an incident's observation log and media past its retention, with a reason
// (sealed: it may name the client), until they lift the hold. Both are audited. The incidents module's
// retention asks holdKeeper (registered in packets.module.ts) which incidents must be kept.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { AppError } from '../../http/errors.ts';
import { isUuid } from '../../http/ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { keptCasesOfIncidents } from '../cases/cases.queries.ts';
import { displayNamesOf } from '../staff/staff.service.ts';
import { openPacketScope, type PacketScope } from './packets.access.ts';
import { legalHoldReasonField } from './packets.fields.ts';
import { findActiveHold, insertLegalHold, listActiveHolds, markHoldLifted } from './packets.repository.ts';

export const HOLD_REASON_MAX = 2000;

export interface LegalHoldView {
  id: string;
  on: 'incident' | 'case';
  reason: string;
  setBy: string;
  setAt: Date;
}

/** Of these incidents, those a hold or a kept case keeps: the incidents module's retention asks this. */
export async function holdKeeper(db: Kysely<Database>, incidentIds: readonly string[]): Promise<Set<string>> {
  const kept = new Set<string>();
  for (const hold of await listActiveHolds(db, { incidentIds, caseIds: [] })) {
    if (hold.incident_id) kept.add(hold.incident_id);
  }
  for (const linked of await keptCasesOfIncidents(db, incidentIds)) kept.add(linked.incident_id);
  return kept;
}

/** Of these cases, those a legal hold keeps: the cases module's key destruction asks this. */
export async function caseHoldKeeper(db: Kysely<Database>, caseIds: readonly string[]): Promise<Set<string>> {
  const held = await listActiveHolds(db, { incidentIds: [], caseIds });
  return new Set(held.flatMap((hold) => (hold.case_id ? [hold.case_id] : [])));
}

export async function listLegalHolds(context: AppContext, scope: PacketScope): Promise<LegalHoldView[]> {
  const rows = await listActiveHolds(context.db, {
    incidentIds: [scope.incident.id],
    caseIds: scope.caseIds,
  });
  const names = await displayNamesOf(
    context.db,
    rows.flatMap((row) => (row.set_by ? [row.set_by] : [])),
  );
  return rows.map((row) => ({
    id: row.id,
    on: row.incident_id ? 'incident' : 'case',
    reason: context.secrets.fields.decrypt(legalHoldReasonField(row.id), row.reason_ciphertext),
    setBy: (row.set_by && names.get(row.set_by)) || '—',
    setAt: row.set_at,
  }));
}

/** Sets a hold on the scope's incident, or on its case when the scope comes from a case. */
export async function setLegalHold(
  context: AppContext,
  principal: StaffPrincipal,
  scope: PacketScope,
  reasonInput: string,
): Promise<string> {
  const reason = reasonInput.trim();
  if (reason === '' || reason.length > HOLD_REASON_MAX) {
    throw new AppError('invalid_request', { fields: { reason: 'packets.hold_reason_required' } });
  }
  const id = randomUUID();
  const subject = scope.caseRow
    ? { type: 'case' as const, id: scope.caseRow.id }
    : { type: 'incident' as const, id: scope.incident.id };
  await context.db.transaction().execute(async (trx) => {
    await insertLegalHold(trx, {
      id,
      incident_id: subject.type === 'incident' ? subject.id : null,
      case_id: subject.type === 'case' ? subject.id : null,
      reason_ciphertext: context.secrets.fields.encrypt(legalHoldReasonField(id), reason),
      set_by: principal.userId,
      set_at: context.clock.now(),
    });
    await recordAudit(trx, context, {
      actorId: principal.userId,
      action: 'legal_hold.set',
      subjectType: subject.type,
      subjectId: subject.id,
      details: { holdId: id },
    });
  });
  return id;
}

/** Lifts a hold the staff member may see (through its incident's or its case's scope). Returns the incident. */
export async function liftLegalHold(
  context: AppContext,
  principal: StaffPrincipal,
  holdId: string,
): Promise<{ incidentId: string } | { caseId: string }> {
  if (!isUuid(holdId)) throw new AppError('not_found');
  return context.db.transaction().execute(async (trx) => {
    const hold = await findActiveHold(trx, holdId.toLowerCase());
    if (!hold) throw new AppError('not_found');
    const subject = hold.incident_id ? { incidentId: hold.incident_id } : { caseId: hold.case_id! };
    await openPacketScope(context, principal, subject);
    await markHoldLifted(trx, hold.id, principal.userId, context.clock.now());
    await recordAudit(trx, context, {
      actorId: principal.userId,
      action: 'legal_hold.lifted',
      subjectType: hold.incident_id ? 'incident' : 'case',
      subjectId: hold.incident_id ?? hold.case_id!,
      details: { holdId: hold.id },
    });
    return subject;
  });
}
