// The end of a case: when a closed case's retention has run out, its key is destroyed. The key file goes
// first (that is what makes every copy of the database unreadable for this case, backups included), then
// the row is reduced to a husk: reference, status and dates. A crash between the two is harmless: the next
// run finds the case again, destroying an absent key is a no-op, and the row is reduced then.
import type { AppContext } from '../../app/context.ts';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { listCasesDueForKeyDestruction, reduceToHusk } from './cases.repository.ts';

const BATCH = 200;

/** Destroys every due case key; returns how many cases it reduced to husks. */
export async function destroyDueCaseKeys(context: AppContext): Promise<number> {
  const keys = caseKeyStoreFor(context);
  let destroyed = 0;
  for (;;) {
    const now = context.clock.now();
    const due = await listCasesDueForKeyDestruction(context.db, now, BATCH);
    for (const caseRow of due) {
      await keys.destroy(caseRow.id);
      await context.db.transaction().execute(async (trx) => {
        await reduceToHusk(trx, caseRow.id, now);
        await recordAudit(trx, context, {
          actorId: null,
          action: 'case.key_destroyed',
          subjectType: 'case',
          subjectId: caseRow.id,
        });
      });
      destroyed += 1;
    }
    if (due.length < BATCH) return destroyed;
  }
}
