// The only SQL about the legal intake team (which team takes the hotline's follow-ups and who coordinates
// it) and the duplicate checks referred to its coordinator.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Db = Kysely<Database>;

export interface LegalIntakeRow {
  team_id: string | null;
  coordinator_id: string | null;
}

export async function findLegalIntake(db: Db): Promise<LegalIntakeRow | undefined> {
  return db.selectFrom('legal_intake').select(['team_id', 'coordinator_id']).executeTakeFirst();
}

export async function saveLegalIntake(db: Db, row: LegalIntakeRow & { updated_at: Date }): Promise<void> {
  await db
    .insertInto('legal_intake')
    .values({ singleton: true, ...row })
    .onConflict((oc) => oc.column('singleton').doUpdateSet(row))
    .execute();
}

/** Whether the user is a member of the intake team (roles and being enabled are the auth module's to check). */
export async function isIntakeTeamMember(db: Db, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('legal_intake')
    .innerJoin('team_members', 'team_members.team_id', 'legal_intake.team_id')
    .select('team_members.user_id')
    .where('team_members.user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/** The coordinator, while still a member of the intake team; undefined otherwise. */
export async function findCoordinatorInTeam(db: Db): Promise<string | undefined> {
  const row = await db
    .selectFrom('legal_intake')
    .innerJoin('team_members', (join) =>
      join
        .onRef('team_members.team_id', '=', 'legal_intake.team_id')
        .onRef('team_members.user_id', '=', 'legal_intake.coordinator_id'),
    )
    .select('team_members.user_id')
    .executeTakeFirst();
  return row?.user_id;
}

export async function insertDuplicateCheck(
  db: Db,
  row: {
    id: string;
    case_id: string;
    opened_case_id: string;
    requested_by: string;
    coordinator_id: string | null;
    created_at: Date;
  },
): Promise<void> {
  await db
    .insertInto('case_duplicate_checks')
    .values({ ...row, resolved_at: null })
    .execute();
}

export interface DuplicateCheckRow {
  id: string;
  case_reference: string;
  opened_case_reference: string;
  requested_by: string | null;
  created_at: Date;
}

/** Checks not yet done, oldest first: the current coordinator's, whoever was coordinator when they came. */
export async function listOpenDuplicateChecks(db: Db): Promise<DuplicateCheckRow[]> {
  return db
    .selectFrom('case_duplicate_checks')
    .innerJoin('cases as matched', 'matched.id', 'case_duplicate_checks.case_id')
    .innerJoin('cases as opened', 'opened.id', 'case_duplicate_checks.opened_case_id')
    .select([
      'case_duplicate_checks.id',
      'matched.reference as case_reference',
      'opened.reference as opened_case_reference',
      'case_duplicate_checks.requested_by',
      'case_duplicate_checks.created_at',
    ])
    .where('case_duplicate_checks.resolved_at', 'is', null)
    .orderBy('case_duplicate_checks.created_at')
    .orderBy('case_duplicate_checks.id')
    .limit(100)
    .execute();
}

export async function resolveDuplicateCheck(db: Db, id: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('case_duplicate_checks')
    .set({ resolved_at: at })
    .where('id', '=', id)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
