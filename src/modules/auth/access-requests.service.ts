// Two admins for access to cases. Nobody grants themselves access to a detained person's case: granting the
// legal role (which reads cases) or the admin role (which grants roles), and adding someone to a legal team
// (which shares the team's cases), wait for a second admin. The one who asked never approves it, nor the
// person it is for. AMPARO_ADMIN_TWO_PERSON_APPROVAL=false (a network of one admin) applies them at once, and
// every console page says so, as alert approval does with AMPARO_ALERT_TWO_PERSON_APPROVAL.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database, Role } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  countActiveAdmins,
  insertPendingRequest,
  listPendingRequests,
  lockPendingRequest,
  settleRequest,
  type AccessRequestRow,
} from './access-requests.repository.ts';

export type { AccessRequestRow } from './access-requests.repository.ts';

/** Roles that need a second admin to grant. */
export const ROLES_NEEDING_APPROVAL: readonly Role[] = ['legal', 'admin'];

export function twoAdminRuleIsOff(config: Pick<AppContext['config'], 'admins'>): boolean {
  return !config.admins.twoAdminApproval;
}

export type AccessWanted = { kind: 'role'; role: 'legal' | 'admin' } | { kind: 'team'; teamId: string };

/** Records a request (once while pending) inside the caller's transaction, and audits it. */
export async function requestAccess(
  trx: Kysely<Database>,
  context: Pick<AppContext, 'secrets' | 'clock'>,
  requestedBy: string,
  userId: string,
  wanted: AccessWanted,
): Promise<'requested' | 'already_requested'> {
  const id = randomUUID();
  const inserted = await insertPendingRequest(trx, {
    id,
    kind: wanted.kind,
    user_id: userId,
    role: wanted.kind === 'role' ? wanted.role : null,
    team_id: wanted.kind === 'team' ? wanted.teamId : null,
    requested_by: requestedBy,
    requested_at: context.clock.now(),
  });
  if (!inserted) return 'already_requested';
  await recordAudit(trx, context, {
    actorId: requestedBy,
    action: 'access.requested',
    subjectType: 'user',
    subjectId: userId,
    details: wanted.kind === 'role' ? { role: wanted.role } : { teamId: wanted.teamId },
  });
  return 'requested';
}

export async function pendingRoleRequests(context: Pick<AppContext, 'db'>): Promise<AccessRequestRow[]> {
  return listPendingRequests(context.db, { kind: 'role' });
}

export async function pendingTeamRequests(
  context: Pick<AppContext, 'db'>,
  teamId: string,
): Promise<AccessRequestRow[]> {
  return listPendingRequests(context.db, { kind: 'team', teamId });
}

export type DecideOutcome =
  { outcome: 'approved' | 'refused'; request: AccessRequestRow } | { outcome: 'own_request' | 'not_found' };

/**
 * Approves or refuses a pending request inside the caller's transaction (which applies an approved one in
 * the same commit). Refused to the admin who asked and to the person it is for.
 */
export async function decideAccessRequest(
  trx: Kysely<Database>,
  context: Pick<AppContext, 'secrets' | 'clock'>,
  actor: Pick<StaffPrincipal, 'userId' | 'roles'>,
  requestId: string,
  approve: boolean,
  kind: 'role' | 'team',
): Promise<DecideOutcome> {
  if (!actor.roles.includes('admin') || !/^[0-9a-f-]{36}$/i.test(requestId)) return { outcome: 'not_found' };
  const request = await lockPendingRequest(trx, requestId.toLowerCase());
  if (!request || request.kind !== kind) return { outcome: 'not_found' };
  if (approve && (request.requested_by === actor.userId || request.user_id === actor.userId)) {
    return { outcome: 'own_request' };
  }
  const decision = approve ? 'approved' : 'refused';
  await settleRequest(trx, request.id, decision, actor.userId, context.clock.now());
  await recordAudit(trx, context, {
    actorId: actor.userId,
    action: approve ? 'access.approved' : 'access.refused',
    subjectType: 'user',
    subjectId: request.user_id,
    details: {
      requestedBy: request.requested_by,
      ...(request.role ? { role: request.role } : {}),
      ...(request.team_id ? { teamId: request.team_id } : {}),
    },
  });
  return { outcome: decision, request };
}

/** How many admins can sign in: with one, nobody can approve access (the console says so). */
export async function activeAdminCount(context: Pick<AppContext, 'db'>): Promise<number> {
  return countActiveAdmins(context.db);
}
