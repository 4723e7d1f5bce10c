// Read-only functions for other modules. The operations module counts an operation's families with
// followupsOfOperation: ids, dependents and consent only, never a name, a relationship or a number. The roster
// import (cases) finds the open family follow-ups about someone of a name with openFollowupsMatchingNames,
// through the name's blind indexes (detainedNameIndexes): ids, times, operation and consent, nothing more.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isUuid } from '../../http/ids.ts';
import { listFollowupsOfOperation, listOpenFollowupsByNameIndex } from './voice.repository.ts';

export { detainedNameIndexes } from './followups.fields.ts';

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

/** An open family follow-up about someone whose name matches: never the name, never the family's number. */
export interface FollowupNameMatch {
  id: string;
  receivedAt: Date;
  operationId: string | null;
  /** Whether the family agreed to be texted about the case; null when not asked. */
  consentToText: boolean | null;
  /** Which of the given indexes this follow-up's name holds (keyed hashes, to tell the caller's rows apart). */
  matchedIndexes: string[];
}

/**
 * Open family follow-ups (not yet a case) whose detained person's name shares a spelling with the given blind
 * indexes (detainedNameIndexes), oldest first. The caller checks who may handle each (mayHandleFollowup).
 */
export async function openFollowupsMatchingNames(
  db: Kysely<Database>,
  indexes: readonly string[],
): Promise<FollowupNameMatch[]> {
  const wanted = new Set(indexes);
  const rows = await listOpenFollowupsByNameIndex(db, [...wanted]);
  return rows.map((row) => ({
    id: row.id,
    receivedAt: row.created_at,
    operationId: row.operation_id,
    consentToText: row.consent_to_text,
    matchedIndexes: (row.detained_name_index ?? []).filter((index) => wanted.has(index)),
  }));
}
