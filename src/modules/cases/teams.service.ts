// Legal teams: admins create them and choose their members among legal staff. A case in a team is seen by
// every member; an admin managing teams sees names and members, never a case.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { isUuid } from '../reports/reports.schemas.ts';
import {
  addTeamMember,
  findTeam,
  insertTeam,
  listTeamMemberIds,
  listTeams,
  removeTeamMember,
  teamNameTaken,
  userHasLegalRole,
  type TeamRow,
} from './cases.repository.ts';
import { assignableLegalStaff, staffLabels, type StaffChoice } from './cases.service.ts';
import { readLegalIntake, setLegalIntake, type SetIntakeOutcome } from './legal-intake.ts';

export const MAX_TEAM_NAME_CHARS = 80;

export type CreateTeamOutcome =
  { outcome: 'created'; id: string } | { outcome: 'invalid'; problem: 'required' | 'too_long' | 'taken' };

export async function createTeam(
  context: AppContext,
  actorId: string,
  rawName: string,
): Promise<CreateTeamOutcome> {
  const name = rawName.trim().replace(/\s+/g, ' ');
  if (name === '') return { outcome: 'invalid', problem: 'required' };
  if ([...name].length > MAX_TEAM_NAME_CHARS) return { outcome: 'invalid', problem: 'too_long' };
  const id = randomUUID();
  return context.db.transaction().execute(async (trx): Promise<CreateTeamOutcome> => {
    if (await teamNameTaken(trx, name)) return { outcome: 'invalid', problem: 'taken' };
    await insertTeam(trx, { id, name, created_at: context.clock.now() });
    await recordAudit(trx, context, { actorId, action: 'team.created', subjectType: 'team', subjectId: id });
    return { outcome: 'created', id };
  });
}

export async function readTeams(context: AppContext): Promise<TeamRow[]> {
  return listTeams(context.db);
}

export interface TeamDetail {
  id: string;
  name: string;
  members: StaffChoice[];
  /** Legal staff not yet in the team. */
  candidates: StaffChoice[];
  /** Whether this team takes the hotline's follow-ups, and who coordinates it. */
  intake: { isIntakeTeam: boolean; coordinatorId: string | null };
}

export async function readTeam(context: AppContext, teamId: string): Promise<TeamDetail | undefined> {
  if (!isUuid(teamId)) return undefined;
  const team = await findTeam(context.db, teamId);
  if (!team) return undefined;
  const memberIds = await listTeamMemberIds(context.db, teamId);
  const legal = await assignableLegalStaff(context);
  const intake = await readLegalIntake(context);
  const isIntakeTeam = intake.teamId === team.id;
  return {
    ...team,
    members: await staffLabels(context, memberIds),
    candidates: legal.filter((staff) => !memberIds.includes(staff.userId)),
    intake: { isIntakeTeam, coordinatorId: isIntakeTeam ? intake.coordinatorId : null },
  };
}

/** Makes this team the legal intake team, with one of its members as coordinator (or none). */
export async function makeIntakeTeam(
  context: AppContext,
  actorId: string,
  teamId: string,
  coordinatorId: string | null,
): Promise<SetIntakeOutcome> {
  if (!isUuid(teamId) || !(await findTeam(context.db, teamId))) return 'no_team';
  const memberIds = await listTeamMemberIds(context.db, teamId);
  return setLegalIntake(context, actorId, teamId, coordinatorId, memberIds);
}

export type MemberOutcome = 'added' | 'removed' | 'unchanged' | 'not_legal' | 'no_team';

/** Only legal staff can be members: a team exists to share cases, which only legal may read. */
export async function addMember(
  context: AppContext,
  actorId: string,
  teamId: string,
  userId: string,
): Promise<MemberOutcome> {
  if (!isUuid(teamId) || !(await findTeam(context.db, teamId))) return 'no_team';
  if (!isUuid(userId) || !(await userHasLegalRole(context.db, userId))) return 'not_legal';
  return context.db.transaction().execute(async (trx) => {
    if (!(await addTeamMember(trx, teamId, userId))) return 'unchanged';
    await recordAudit(trx, context, {
      actorId,
      action: 'team.member_added',
      subjectType: 'team',
      subjectId: teamId,
      details: { userId },
    });
    return 'added';
  });
}

export async function removeMember(
  context: AppContext,
  actorId: string,
  teamId: string,
  userId: string,
): Promise<MemberOutcome> {
  if (!isUuid(teamId) || !(await findTeam(context.db, teamId))) return 'no_team';
  if (!isUuid(userId)) return 'unchanged';
  return context.db.transaction().execute(async (trx) => {
    if (!(await removeTeamMember(trx, teamId, userId))) return 'unchanged';
    await recordAudit(trx, context, {
      actorId,
      action: 'team.member_removed',
      subjectType: 'team',
      subjectId: teamId,
      details: { userId },
    });
    return 'removed';
  });
}
