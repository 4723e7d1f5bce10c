// What other modules may read from the audit log (the `audit_log` table is this module's). Nothing here writes:
// rows are only added by recordAudit.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { readActions } from './audit.repository.ts';

/** The action of every audit row, oldest first (what tests and checks compare against). */
export async function auditActionsInOrder(db: Kysely<Database>): Promise<string[]> {
  return readActions(db);
}
