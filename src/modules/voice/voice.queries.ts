// Read-only functions for other modules. The operations module counts an operation's families with
// followupsOfOperation: ids, dependents and consent only, never a name, a relationship or a number.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isUuid } from '../../http/ids.ts';
import { listFollowupsOfOperation } from './voice.repository.ts';

export interface OperationFollowup {
  id: string;
  siteId: string | null;
  /** Children or other dependents now without care (0: none); null when not asked or not answered. */
  dependentsWithoutCare: number | null;
  /** Whether the family agreed to be texted about the case; null when not asked. */
  consentToText: boolean | null;
}

/** The family follow-ups filed under an operation (by voice or text), oldest first. */
export async function followupsOfOperation(
  db: Kysely<Database>,
  operationId: string,
): Promise<OperationFollowup[]> {
  if (!isUuid(operationId)) return [];
  const rows = await listFollowupsOfOperation(db, operationId);
  return rows.map((row) => ({
    id: row.id,
    siteId: row.operation_site_id,
    dependentsWithoutCare: row.dependents_without_care,
    consentToText: row.consent_to_text,
  }));
}
