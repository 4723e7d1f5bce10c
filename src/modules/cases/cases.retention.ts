// The end of a case: when a closed case's retention has run out, its key is destroyed. The key file goes
// first (that is what makes every copy of the database unreadable for this case, backups included), then
// the row is reduced to a husk: reference, status and dates. Each case is locked and judged again before its
// key goes, so a case reopened since the job listed it keeps its key. A crash between the file and the
// commit is harmless: the next run finds the case again, destroying an absent key is a no-op, and the row is
// reduced then.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import type { Case, Database } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { listCasesDueForKeyDestruction, lockCase, reduceToHusk } from './cases.repository.ts';
import { destroyHotlineMessages } from './hotline-messages.ts';

const BATCH = 200;

/** Of these cases, those something must keep for now (a legal hold), whatever their retention says. */
export type CaseKeeper = (db: Kysely<Database>, caseIds: readonly string[]) => Promise<Set<string>>;
const keepers = new Map<string, CaseKeeper>();

/**
 * A higher module that may hold a case past its retention (packets: legal holds) registers here when its
 * module file loads; none registered, and retention alone decides.
 */
export function registerCaseKeeper(name: string, keeper: CaseKeeper): void {
  keepers.set(name, keeper);
}

async function keptCaseIds(db: Kysely<Database>, caseIds: readonly string[]): Promise<Set<string>> {
  const kept = new Set<string>();
  if (caseIds.length === 0) return kept;
  for (const keeper of keepers.values()) for (const id of await keeper(db, caseIds)) kept.add(id);
  return kept;
}

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
  // Held cases are passed over, and left out of the next batches so they cannot fill them.
  const held: string[] = [];
  for (;;) {
    const now = context.clock.now();
    const due = await listCasesDueForKeyDestruction(context.db, now, BATCH, held);
    const kept = await keptCaseIds(
      context.db,
      due.map((row) => row.id),
    );
    for (const listed of due) {
      if (kept.has(listed.id)) {
        held.push(listed.id);
        continue;
      }
      const done = await context.db.transaction().execute(async (trx) => {
        const caseRow = await lockCase(trx, listed.id);
        if (!caseRow || !isDueForKeyDestruction(caseRow, now)) return false;
        // A hold set after the batch was read still counts: asked again under the case's lock.
        if ((await keptCaseIds(trx, [caseRow.id])).has(caseRow.id)) return false;
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
