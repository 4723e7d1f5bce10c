// Legal teams: admins create them and choose their members among legal staff. A case in a team is seen by
// every member; an admin managing teams sees names and members, never a case.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  decideAccessRequest,
  pendingTeamRequests,
  requestAccess,
  twoAdminRuleIsOff,
} from '../auth/access-requests.service.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { isUuid } from '../../http/ids.ts';
import { AppError } from '../../http/errors.ts';
import {
  addTeamMember,
  findTeam,
  insertTeam,
  listTeamMemberIds,
  listTeams,
  removeTeamMember,
  teamNameTaken,
  type TeamRow,
} from './cases.repository.ts';
import { assignableLegalStaff, staffLabels, type StaffChoice } from './cases.service.ts';
import { readLegalIntake, setLegalIntake, type SetIntakeOutcome } from './legal-intake.ts';
import { isEnabledWithRole } from '../auth/users.queries.ts';

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
  /** Additions waiting for a second admin: who, and who asked. */
  pending: { id: string; userId: string; member: string; requestedBy: string; requestedById: string }[];
  /** Whether this team takes the hotline's follow-ups, and who coordinates it. */
  intake: { isIntakeTeam: boolean; coordinatorId: string | null };
}

export async function readTeam(context: AppContext, teamId: string): Promise<TeamDetail | undefined> {
  if (!isUuid(teamId)) return undefined;
  const team = await findTeam(context.db, teamId);
  if (!team) return undefined;
  const memberIds = await listTeamMemberIds(context.db, teamId);
  const legal = await assignableLegalStaff(context);
  const requests = await pendingTeamRequests(context, teamId);
  const labels = await staffLabels(context, [
    ...new Set(requests.flatMap((request) => [request.user_id, request.requested_by])),
  ]);
  const label = (userId: string) => labels.find((staff) => staff.userId === userId)?.label ?? '';
  const intake = await readLegalIntake(context);
  const isIntakeTeam = intake.teamId === team.id;
  return {
    ...team,
    members: await staffLabels(context, memberIds),
    candidates: legal.filter(
      (staff) =>
        !memberIds.includes(staff.userId) && !requests.some((request) => request.user_id === staff.userId),
    ),
    pending: requests.map((request) => ({
      id: request.id,
      userId: request.user_id,
      member: label(request.user_id),
      requestedBy: label(request.requested_by),
      requestedById: request.requested_by,
    })),
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

export type MemberOutcome = 'added' | 'requested' | 'removed' | 'unchanged' | 'not_legal' | 'no_team';

/**
 * Only legal staff can be members: a team exists to share cases, which only legal may read. Joining a team
 * opens its cases, so an addition waits for a second admin (decideTeamRequest) unless the two-admin rule is
 * off.
 */
export async function addMember(
  context: AppContext,
  actorId: string,
  teamId: string,
  userId: string,
): Promise<MemberOutcome> {
  if (!isUuid(teamId) || !(await findTeam(context.db, teamId))) return 'no_team';
  if (!isUuid(userId) || !(await isEnabledWithRole(context.db, userId, 'legal'))) return 'not_legal';
  return context.db.transaction().execute(async (trx): Promise<MemberOutcome> => {
    if (!twoAdminRuleIsOff(context.config)) {
      if ((await listTeamMemberIds(trx, teamId)).includes(userId)) return 'unchanged';
      const requested = await requestAccess(trx, context, actorId, userId, { kind: 'team', teamId });
      return requested === 'requested' ? 'requested' : 'unchanged';
    }
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

/**
 * A second admin approves (the member is added now, if still legal staff) or refuses a pending addition.
 * Refused to the admin who asked and to the person it is for.
 */
export async function decideTeamRequest(
  context: AppContext,
  actor: Pick<StaffPrincipal, 'userId' | 'roles'>,
  teamId: string,
  requestId: string,
  approve: boolean,
): Promise<'approved' | 'refused' | 'own_request' | 'not_found'> {
  if (!isUuid(teamId) || !isUuid(requestId)) return 'not_found';
  return context.db.transaction().execute(async (trx) => {
    const decided = await decideAccessRequest(trx, context, actor, requestId, approve, 'team');
    if (decided.outcome !== 'approved') return decided.outcome;
    const { request } = decided;
    if (request.team_id !== teamId) throw new AppError('not_found');
    if (!(await isEnabledWithRole(trx, request.user_id, 'legal'))) throw new AppError('conflict');
    await addTeamMember(trx, teamId, request.user_id);
    await recordAudit(trx, context, {
      actorId: actor.userId,
      action: 'team.member_added',
      subjectType: 'team',
      subjectId: teamId,
      details: { userId: request.user_id, requestedBy: request.requested_by },
    });
    return 'approved';
  });
}
