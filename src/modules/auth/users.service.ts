// Staff administration: who holds which roles, who may sign in at all, and ending someone's sessions (a
// lost phone, a volunteer who left). Admins cannot take away their own admin role or disable themselves,
// so an installation cannot be left without anyone able to administer it by one slip.
import type { AppContext } from '../../app/context.ts';
import { ROLES, type Role } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { deleteSessionsOfUser, listUsers, lockUser, setDisabled, updateRoles } from './auth.repository.ts';
import { SESSION_IDLE_MS } from './sessions.service.ts';

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
    email: context.secrets.fields.decrypt(
      { table: 'users', column: 'email', rowId: row.id },
      row.email_ciphertext,
    ),
    roles: row.roles,
    totpEnrolled: row.totp_enrolled_at !== null,
    disabled: row.disabled_at !== null,
    locked: row.locked_until !== null && row.locked_until.getTime() > now.getTime(),
    activeSessions: row.active_sessions,
  }));
}

export type AdminChangeResult = 'ok' | 'not_found' | 'no_roles' | 'own_admin_role' | 'self_disable';

/** Parses the roles a form sent: unknown values are dropped, duplicates collapse, order follows ROLES. */
export function parseRoles(value: unknown): Role[] {
  const given = Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
  return ROLES.filter((role) => given.includes(role));
}

export async function changeRoles(
  context: AppContext,
  actor: StaffPrincipal,
  userId: string,
  roles: Role[],
): Promise<AdminChangeResult> {
  if (roles.length === 0) return 'no_roles';
  if (userId === actor.userId && !roles.includes('admin')) return 'own_admin_role';
  return context.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (!user) return 'not_found';
    await updateRoles(trx, userId, roles);
    await recordAudit(trx, context, {
      actorId: actor.userId,
      action: 'user.roles_changed',
      subjectType: 'user',
      subjectId: userId,
      details: { from: ROLES.filter((role) => user.roles.includes(role)), to: roles },
    });
    return 'ok';
  });
}

export async function setUserDisabled(
  context: AppContext,
  actor: StaffPrincipal,
  userId: string,
  disabled: boolean,
): Promise<AdminChangeResult> {
  if (disabled && userId === actor.userId) return 'self_disable';
  return context.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (!user) return 'not_found';
    // Disabling ends every session at once: a disabled account must not stay signed in anywhere.
    const sessions = disabled ? await deleteSessionsOfUser(trx, userId) : 0;
    await setDisabled(trx, userId, disabled ? (user.disabled_at ?? context.clock.now()) : null);
    await recordAudit(trx, context, {
      actorId: actor.userId,
      action: disabled ? 'user.disabled' : 'user.enabled',
      subjectType: 'user',
      subjectId: userId,
      ...(disabled ? { details: { sessions } } : {}),
    });
    return 'ok';
  });
}

export async function revokeSessions(
  context: AppContext,
  actor: StaffPrincipal,
  userId: string,
): Promise<AdminChangeResult> {
  return context.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (!user) return 'not_found';
    const sessions = await deleteSessionsOfUser(trx, userId);
    await recordAudit(trx, context, {
      actorId: actor.userId,
      action: 'auth.sessions_revoked',
      subjectType: 'user',
      subjectId: userId,
      details: { sessions },
    });
    return 'ok';
  });
}
