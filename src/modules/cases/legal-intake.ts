// The legal intake team: the one team that takes the hotline's follow-ups (families whose relative was
// detained) and whose coordinator is asked when someone opening a case meets a duplicate they may not see.
// Admins choose the team and its coordinator (audited); membership itself is the teams pages' business.
// The voice module asks here, through the follow-up team cases.module.ts registers with it, who may see and
// play a follow-up.
import type { AppContext } from '../../app/context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { isUuid } from '../../http/ids.ts';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import {
  findCoordinatorInTeam,
  findLegalIntake,
  insertDuplicateCheck,
  isIntakeTeamMember,
  saveLegalIntake,
} from './legal-intake.repository.ts';
import { staffHolding, staffLabel } from '../staff/staff.service.ts';
import { isEnabledWithRole } from '../auth/users.queries.ts';

export interface LegalIntake {
  teamId: string | null;
  coordinatorId: string | null;
}

export async function readLegalIntake(context: Pick<AppContext, 'db'>): Promise<LegalIntake> {
  const row = await findLegalIntake(context.db);
  return { teamId: row?.team_id ?? null, coordinatorId: row?.coordinator_id ?? null };
}

/** Whether this staff member is legal staff of the intake team, and so sees every follow-up. */
export async function isLegalIntakeStaff(db: Kysely<Database>, userId: string): Promise<boolean> {
  return (await isIntakeTeamMember(db, userId)) && (await isEnabledWithRole(db, userId, 'legal'));
}

/** The intake coordinator's user id, while they are still a legal member of the intake team. */
export async function legalIntakeCoordinator(db: Kysely<Database>): Promise<string | undefined> {
  return intakeCoordinator(db);
}

/** The coordinator, while an enabled legal member of the intake team: two reads, team then account. */
async function intakeCoordinator(db: Kysely<Database>): Promise<string | undefined> {
  const coordinatorId = await findCoordinatorInTeam(db);
  return coordinatorId !== undefined && (await isEnabledWithRole(db, coordinatorId, 'legal'))
    ? coordinatorId
    : undefined;
}

export type SetIntakeOutcome = 'saved' | 'no_team' | 'not_member';

/**
 * Makes this team the legal intake team, with this member as its coordinator (or none: empty). The
 * coordinator must be one of the team's legal members.
 */
export async function setLegalIntake(
  context: AppContext,
  actorId: string,
  teamId: string,
  coordinatorId: string | null,
  memberIds: readonly string[],
): Promise<SetIntakeOutcome> {
  if (!isUuid(teamId)) return 'no_team';
  if (coordinatorId !== null && (!isUuid(coordinatorId) || !memberIds.includes(coordinatorId))) {
    return 'not_member';
  }
  await context.db.transaction().execute(async (trx) => {
    await saveLegalIntake(trx, {
      team_id: teamId,
      coordinator_id: coordinatorId,
      updated_at: context.clock.now(),
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'team.intake_set',
      subjectType: 'team',
      subjectId: teamId,
      details: { coordinatorId },
    });
  });
  return 'saved';
}

/**
 * The duplicate lookup made when a case is opened or its person changed, audited whatever it found. Cases
 * the staff member may not see are never named to them: each is referred to the intake coordinator, who
 * is told which two cases to compare. Inside the caller's transaction.
 */
export async function recordDuplicateLookup(
  context: Pick<AppContext, 'secrets' | 'clock'>,
  trx: Kysely<Database>,
  lookup: { actorId: string; caseId: string; visibleCaseIds: string[]; hiddenCaseIds: string[] },
): Promise<void> {
  const coordinatorId = lookup.hiddenCaseIds.length > 0 ? await intakeCoordinator(trx) : undefined;
  const checkIds: string[] = [];
  for (const hiddenId of lookup.hiddenCaseIds) {
    const id = randomUUID();
    checkIds.push(id);
    await insertDuplicateCheck(trx, {
      id,
      case_id: hiddenId,
      opened_case_id: lookup.caseId,
      requested_by: lookup.actorId,
      coordinator_id: coordinatorId ?? null,
      created_at: context.clock.now(),
    });
  }
  await recordAudit(trx, context, {
    actorId: lookup.actorId,
    action: 'case.duplicate_lookup',
    subjectType: 'case',
    subjectId: lookup.caseId,
    details: {
      shownCaseIds: lookup.visibleCaseIds,
      referredCaseIds: lookup.hiddenCaseIds,
      checkIds,
      coordinatorId: coordinatorId ?? null,
    },
  });
}

export interface LegalStaffChoice {
  userId: string;
  label: string;
}

/** Enabled legal staff, by display name or email: whom a follow-up may be assigned to. */
export async function legalStaffChoices(
  context: Pick<AppContext, 'db' | 'secrets'>,
): Promise<LegalStaffChoice[]> {
  const staff = await staffHolding(context.db, 'legal', { enabledOnly: false });
  return staff
    .filter((s) => !s.disabled)
    .map((s) => ({
      userId: s.userId,
      label: staffLabel(context, s),
    }));
}
