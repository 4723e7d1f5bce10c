// The only SQL on the packets module's tables: the network's signing key and legal holds.
import type { Insertable, Kysely } from 'kysely';
import type { Database, LegalHoldsTable } from '../../db/schema.ts';

type Db = Kysely<Database>;

export interface StoredSigningKey {
  public_key: string;
  private_key_ciphertext: string;
}

export async function findSigningKey(db: Db): Promise<StoredSigningKey | undefined> {
  return db
    .selectFrom('packet_signing_keys')
    .select(['public_key', 'private_key_ciphertext'])
    .executeTakeFirst();
}

/** Inserts the key unless one exists already (two processes starting at once keep the first). */
export async function insertSigningKeyOnce(
  db: Db,
  key: StoredSigningKey & { created_at: Date },
): Promise<void> {
  await db
    .insertInto('packet_signing_keys')
    .values(key)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function insertLegalHold(db: Db, hold: Insertable<LegalHoldsTable>): Promise<void> {
  await db.insertInto('legal_holds').values(hold).execute();
}

export interface LegalHoldRow {
  id: string;
  incident_id: string | null;
  case_id: string | null;
  reason_ciphertext: string;
  set_by: string | null;
  set_at: Date;
}

/** The holds still in force on this incident or these cases, oldest first. */
export async function listActiveHolds(
  db: Db,
  subject: { incidentIds: readonly string[]; caseIds: readonly string[] },
): Promise<LegalHoldRow[]> {
  if (subject.incidentIds.length === 0 && subject.caseIds.length === 0) return [];
  return db
    .selectFrom('legal_holds')
    .select(['id', 'incident_id', 'case_id', 'reason_ciphertext', 'set_by', 'set_at'])
    .where('lifted_at', 'is', null)
    .where((eb) =>
      eb.or([
        ...(subject.incidentIds.length ? [eb('incident_id', 'in', [...subject.incidentIds])] : []),
        ...(subject.caseIds.length ? [eb('case_id', 'in', [...subject.caseIds])] : []),
      ]),
    )
    .orderBy('set_at')
    .orderBy('id')
    .execute();
}

export async function findActiveHold(db: Db, holdId: string): Promise<LegalHoldRow | undefined> {
  return db
    .selectFrom('legal_holds')
    .select(['id', 'incident_id', 'case_id', 'reason_ciphertext', 'set_by', 'set_at'])
    .where('id', '=', holdId)
    .where('lifted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

export async function markHoldLifted(db: Db, holdId: string, liftedBy: string, at: Date): Promise<void> {
  await db
    .updateTable('legal_holds')
    .set({ lifted_by: liftedBy, lifted_at: at })
    .where('id', '=', holdId)
    .execute();
}
