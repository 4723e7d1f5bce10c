// The end of a case: when a closed case's retention has run out, its key is destroyed. The key file goes
// first (that is what makes every copy of the database unreadable for this case, backups included), then
// the row is reduced to a husk: reference, status and dates. Each case is locked and judged again before its
// key goes, so a case reopened since the job listed it keeps its key. A crash between the file and the
// commit is harmless: the next run finds the case again, destroying an absent key is a no-op, and the row is
// reduced then.
import type { AppContext } from '../../app/context.ts';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import type { Case } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { listCasesDueForKeyDestruction, lockCase, reduceToHusk } from './cases.repository.ts';
import { destroyHotlineMessages } from './hotline-messages.ts';

const BATCH = 200;

/** A closed case whose retention has run out and whose key is still there. */
export function isDueForKeyDestruction(caseRow: Case, now: Date): boolean {
  return (
    caseRow.status === 'closed' &&
    caseRow.key_destroyed_at === null &&
    caseRow.key_destroy_after !== null &&
    caseRow.key_destroy_after.getTime() <= now.getTime()
  );
}

/** Destroys every due case key; returns how many cases it reduced to husks. */
export async function destroyDueCaseKeys(context: AppContext): Promise<number> {
  const keys = caseKeyStoreFor(context);
  let destroyed = 0;
  for (;;) {
    const now = context.clock.now();
    const due = await listCasesDueForKeyDestruction(context.db, now, BATCH);
    for (const listed of due) {
      const done = await context.db.transaction().execute(async (trx) => {
        const caseRow = await lockCase(trx, listed.id);
        if (!caseRow || !isDueForKeyDestruction(caseRow, now)) return false;
        await keys.destroy(caseRow.id);
        await reduceToHusk(trx, caseRow.id, now);
        await destroyHotlineMessages(context, trx, caseRow.id);
        await recordAudit(trx, context, {
          actorId: null,
          action: 'case.key_destroyed',
          subjectType: 'case',
          subjectId: caseRow.id,
        });
        return true;
      });
      if (done) destroyed += 1;
    }
    if (due.length < BATCH) return destroyed;
  }
}
