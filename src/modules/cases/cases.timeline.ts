// The case's timeline: every change to a case, by any case module, lands here. The kind and the details are
// sealed together with the case key: a kind such as 'outcome_removed' or 'bond_not_eligible' says as much
// about the person as the details do. The clear `kind` column only ever holds SEALED_KIND. Everything
// becomes unreadable with the rest of the case when its key is destroyed.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CaseCipher } from '../../crypto/case-keys.ts';
import type { Database } from '../../db/schema.ts';
import { insertCaseEvent, listCaseEvents, updateCase } from './cases.repository.ts';
import { fieldRef, type FieldRef } from '../../crypto/field-encryption.ts';

/** What a timeline entry may carry: plain values, which the page can also use as message parameters. */
export type CaseEventDetails = Record<string, string | number | boolean | null>;

export interface CaseEventInput {
  caseId: string;
  actorId: string | null;
  /** A short stable word: the page shows it through the message `<area>.event_<kind>` when one exists. */
  kind: string;
  details?: CaseEventDetails | undefined;
  at: Date;
}

export interface CaseTimelineEntry {
  id: string;
  at: Date;
  actorId: string | null;
  kind: string;
  details: CaseEventDetails;
}

/** The only value the clear kind column holds: what happened is inside the sealed entry. */
export const SEALED_KIND = 'sealed';

interface SealedEntry {
  kind: string;
  details: CaseEventDetails;
}

const detailsField = (eventId: string): FieldRef<'case_events'> =>
  fieldRef('case_events', 'details', eventId);

/**
 * Adds an entry to a case's timeline inside the caller's transaction (the change it records commits with it),
 * and marks the case as updated. Returns the entry's id.
 */
export async function recordCaseEvent(
  trx: Kysely<Database>,
  cipher: CaseCipher,
  event: CaseEventInput,
): Promise<string> {
  if (cipher.caseId !== event.caseId) throw new Error('A case event must be sealed with its own case key.');
  const id = randomUUID();
  const details = event.details ?? {};
  await insertCaseEvent(trx, {
    id,
    case_id: event.caseId,
    at: event.at,
    actor_id: event.actorId,
    kind: SEALED_KIND,
    details_ciphertext: cipher.encryptJson(detailsField(id), {
      kind: event.kind,
      details,
    } satisfies SealedEntry),
  });
  await updateCase(trx, event.caseId, { updated_at: event.at });
  return id;
}

/** The whole timeline, oldest first, with its details unsealed. */
export async function readCaseTimeline(
  db: Kysely<Database>,
  cipher: CaseCipher,
  caseId: string,
): Promise<CaseTimelineEntry[]> {
  const rows = await listCaseEvents(db, caseId);
  return rows.map((row) => {
    const entry =
      row.details_ciphertext === null
        ? { kind: row.kind, details: {} }
        : cipher.decryptJson<SealedEntry>(detailsField(row.id), row.details_ciphertext);
    return { id: row.id, at: row.at, actorId: row.actor_id, kind: entry.kind, details: entry.details };
  });
}

/** Reseals a timeline entry for another case (merging moves the entries into the kept case). */
export function resealEventDetails(
  from: CaseCipher,
  to: CaseCipher,
  eventId: string,
  stored: string | null,
): string | null {
  if (stored === null) return null;
  return to.encrypt(detailsField(eventId), from.decrypt(detailsField(eventId), stored));
}
