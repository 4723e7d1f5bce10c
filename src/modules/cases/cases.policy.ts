// Who may do what with detained people's cases. Need to know: only the legal team reads a case, and only a
// case assigned to them or to a team they are in (checked per case in cases.access.ts). Admins build the
// teams and manage accounts, but never see a case's contents unless they also hold the legal role.
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';

export const CASE_ROLES: readonly Role[] = ['legal'];

/** Every case route: the list, opening a case, the case page and everything done on it, exports. */
export const legalOnly = staffWith(...CASE_ROLES);

/** Creating teams and choosing their legal members. Shows team names and members, never a case. */
export const manageTeams = staffWith('admin');
