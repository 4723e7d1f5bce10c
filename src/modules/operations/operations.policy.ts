// Who may do what with operations. Deny by default. The list and an operation's page are for the roles that
// coordinate a raid's response; legal staff see only the operations one of their teams answers for, and a
// dependent's details (who, where, the caregiver) are for coordinators, admins and those legal staff alone.
import { hasAnyRole, staffWith, type StaffPrincipal } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';

/** Read the list and an operation's page (legal staff: their teams' operations only). */
export const OPERATION_READER_ROLES: readonly Role[] = ['admin', 'coordinator', 'dispatcher', 'legal'];
/** Open, close and reopen operations; see every operation and every dependent. */
export const OPERATION_MANAGER_ROLES: readonly Role[] = ['admin', 'coordinator'];
/** The navigation's count of dependents still without a caregiver. */
export const DEPENDENT_COUNT_ROLES: readonly Role[] = ['coordinator', 'legal'];

export const readOperations = staffWith(...OPERATION_READER_ROLES);
export const manageOperations = staffWith(...OPERATION_MANAGER_ROLES);
/** Record a dependent or their caregiver: managers, and legal staff of an assigned team (checked per operation). */
export const careForDependents = staffWith('admin', 'coordinator', 'legal');

export function managesOperations(principal: StaffPrincipal | null): boolean {
  return hasAnyRole(principal, OPERATION_MANAGER_ROLES);
}

/** Legal staff who are not managers: they see only their teams' operations. */
export function seesOnlyTeamOperations(principal: StaffPrincipal): boolean {
  return !managesOperations(principal) && hasAnyRole(principal, ['legal']);
}
