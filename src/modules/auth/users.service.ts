// Staff administration: who holds which roles, who may sign in at all, and ending someone's sessions (a
// lost phone, a volunteer who left). Admins cannot take away their own admin role or disable themselves,
// so an installation cannot be left without anyone able to administer it by one slip.
import type { AppContext } from '../../app/context.ts';
import { ROLES, type Role } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { announceSessionsEnded, notifyOtherProcesses } from './sessions.ended.ts';
import {
  decideAccessRequest,
  requestAccess,
  ROLES_NEEDING_APPROVAL,
  twoAdminRuleIsOff,
} from './access-requests.service.ts';
import { deleteSessionsOfUser, listUsers, lockUser, setDisabled, updateRoles } from './auth.repository.ts';
import { SESSION_IDLE_MS } from './sessions.service.ts';
import { userEmail } from './users.queries.ts';

export interface StaffListEntry {
  id: string;
  email: string;
  roles: Role[];
  totpEnrolled: boolean;
  disabled: boolean;
  locked: boolean;
  activeSessions: number;
}

export async function listStaff(context: AppContext): Promise<StaffListEntry[]> {
  const now = context.clock.now();
  const rows = await listUsers(context.db, now, new Date(now.getTime() - SESSION_IDLE_MS));
  return rows.map((row) => ({
    id: row.id,
    email: userEmail(context, row.id, row.email_ciphertext),
    roles: row.roles,
    totpEnrolled: row.totp_enrolled_at !== null,
    disabled: row.disabled_at !== null,
    locked: row.locked_until !== null && row.locked_until.getTime() > now.getTime(),
    activeSessions: row.active_sessions,
  }));
}

export type AdminChangeResult =
  'ok' | 'pending' | 'not_found' | 'no_roles' | 'own_admin_role' | 'self_disable' | 'own_request';

/** Parses the roles a form sent: unknown values are dropped, duplicates collapse, order follows ROLES. */
export function parseRoles(value: unknown): Role[] {
  const given = Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
  return ROLES.filter((role) => given.includes(role));
}

/**
 * Sets a staff member's roles. Legal or admin newly given wait for a second admin (see
 * access-requests.service.ts) and the answer is 'pending'; the rest applies at once. When nothing but such a
 * grant was asked for, the current roles stay until it is approved.
 */
export async function changeRoles(
  context: AppContext,
  actor: StaffPrincipal,
  userId: string,
  roles: Role[],
): Promise<AdminChangeResult> {
  if (roles.length === 0) return 'no_roles';
  if (userId === actor.userId && !roles.includes('admin')) return 'own_admin_role';
  return context.db.transaction().execute(async (trx): Promise<AdminChangeResult> => {
    const user = await lockUser(trx, userId);
    if (!user) return 'not_found';
    const held = twoAdminRuleIsOff(context.config)
      ? []
      : roles.filter((role) => !user.roles.includes(role) && ROLES_NEEDING_APPROVAL.includes(role));
    const applied = roles.filter((role) => !held.includes(role));
    const from = ROLES.filter((role) => user.roles.includes(role));
    if (applied.length > 0 && applied.join() !== from.join()) {
      await updateRoles(trx, userId, applied);
      await recordAudit(trx, context, {
        actorId: actor.userId,
        action: 'user.roles_changed',
        subjectType: 'user',
        subjectId: userId,
        details: { from, to: applied },
      });
    }
    for (const role of held) {
      await requestAccess(trx, context, actor.userId, userId, {
        kind: 'role',
        role: role as 'legal' | 'admin',
      });
    }
    return held.length > 0 ? 'pending' : 'ok';
  });
}

/** A second admin approves (the role is added now) or refuses a pending grant of legal or admin. */
export async function decideRoleRequest(
  context: AppContext,
  actor: StaffPrincipal,
  requestId: string,
  approve: boolean,
): Promise<'approved' | 'refused' | 'own_request' | 'not_found'> {
  return context.db.transaction().execute(async (trx) => {
    const decided = await decideAccessRequest(trx, context, actor, requestId, approve, 'role');
    if (decided.outcome !== 'approved') return decided.outcome;
    const { request } = decided;
    const user = await lockUser(trx, request.user_id);
    if (!user || request.role === null) return 'not_found';
    const from = ROLES.filter((role) => user.roles.includes(role));
    const to = ROLES.filter((role) => user.roles.includes(role) || role === request.role);
    await updateRoles(trx, request.user_id, to);
    await recordAudit(trx, context, {
      actorId: actor.userId,
      action: 'user.roles_changed',
      subjectType: 'user',
      subjectId: request.user_id,
      details: { from, to, requestedBy: request.requested_by },
    });
    return 'approved';
  });
}

export async function setUserDisabled(
  context: AppContext,
  actor: StaffPrincipal,
  userId: string,
  disabled: boolean,
): Promise<AdminChangeResult> {
  if (disabled && userId === actor.userId) return 'self_disable';
  const result = await context.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (!user) return 'not_found';
    // Disabling ends every session at once: a disabled account must not stay signed in anywhere, nor keep
    // a live console stream open.
    const sessions = disabled ? await deleteSessionsOfUser(trx, userId) : 0;
    if (disabled) await notifyOtherProcesses(trx, { userId });
    await setDisabled(trx, userId, disabled ? (user.disabled_at ?? context.clock.now()) : null);
    await recordAudit(trx, context, {
      actorId: actor.userId,
      action: disabled ? 'user.disabled' : 'user.enabled',
      subjectType: 'user',
      subjectId: userId,
      ...(disabled ? { details: { sessions } } : {}),
    });
    return 'ok' as const;
  });
  if (result === 'ok' && disabled) announceSessionsEnded({ userId });
  return result;
}

export async function revokeSessions(
  context: AppContext,
  actor: StaffPrincipal,
  userId: string,
): Promise<AdminChangeResult> {
  const result = await context.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (!user) return 'not_found';
    const sessions = await deleteSessionsOfUser(trx, userId);
    await notifyOtherProcesses(trx, { userId });
    await recordAudit(trx, context, {
      actorId: actor.userId,
      action: 'auth.sessions_revoked',
      subjectType: 'user',
      subjectId: userId,
      details: { sessions },
    });
    return 'ok' as const;
  });
  if (result === 'ok') announceSessionsEnded({ userId });
  return result;
}
