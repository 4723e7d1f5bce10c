// The intake coordinator's list of possible duplicates to check: cases someone opened or changed whose
// person may already have a case that someone may not see. Only the current coordinator reads it (case
// references and who asked, no names) and marks checks done; both are audited.
import type { AppContext } from '../../app/context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { isUuid } from '../../http/ids.ts';
import { staffLabels } from './cases.service.ts';
import { legalIntakeCoordinator } from './legal-intake.ts';
import { listOpenDuplicateChecks, resolveDuplicateCheck } from './legal-intake.repository.ts';

export interface DuplicateCheck {
  id: string;
  openedReference: string;
  matchedReference: string;
  /** Who opened or changed the case; null when their account is gone. */
  requestedBy: string | null;
  createdAt: Date;
}

/** The open checks, when this staff member is the intake coordinator; undefined for anyone else. */
export async function readDuplicateChecks(
  context: AppContext,
  userId: string,
): Promise<DuplicateCheck[] | undefined> {
  if ((await legalIntakeCoordinator(context.db)) !== userId) return undefined;
  const rows = await listOpenDuplicateChecks(context.db);
  if (rows.length > 0) {
    await recordAudit(context.db, context, {
      actorId: userId,
      action: 'case.duplicate_lookup',
      subjectType: 'duplicate_check',
      details: { listed: rows.length },
    });
  }
  const requesters = rows.flatMap((row) => (row.requested_by ? [row.requested_by] : []));
  const labels = new Map(
    (await staffLabels(context, [...new Set(requesters)])).map((s) => [s.userId, s.label]),
  );
  return rows.map((row) => ({
    id: row.id,
    openedReference: row.opened_case_reference,
    matchedReference: row.case_reference,
    requestedBy: row.requested_by ? (labels.get(row.requested_by) ?? null) : null,
    createdAt: row.created_at,
  }));
}

/** Marks a check done; only the current intake coordinator may. */
export async function markDuplicateChecked(
  context: AppContext,
  userId: string,
  checkId: string,
): Promise<'done' | 'missing'> {
  if (!isUuid(checkId) || (await legalIntakeCoordinator(context.db)) !== userId) return 'missing';
  return context.db.transaction().execute(async (trx) => {
    if (!(await resolveDuplicateCheck(trx, checkId, context.clock.now()))) return 'missing';
    await recordAudit(trx, context, {
      actorId: userId,
      action: 'case.duplicate_check_resolved',
      subjectType: 'duplicate_check',
      subjectId: checkId,
    });
    return 'done';
  });
}
