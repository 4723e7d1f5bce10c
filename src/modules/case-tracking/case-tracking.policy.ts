// Who may do what in case tracking. Everything about a case (locator checks, where the person is held,
// hearings, the checks-due list) is the legal team's alone, through the cases module's legalOnly and, per
// case, openCaseForStaff. The facility directory is not case data: names, addresses and visiting rules of
// detention centres are public, and coordinators keep it up to date with the legal team.
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';

export const FACILITY_EDITOR_ROLES: readonly Role[] = ['legal', 'coordinator', 'admin'];

/** The facility directory: list, add, edit, delete, import from CSV. */
export const manageFacilities = staffWith(...FACILITY_EDITOR_ROLES);

/**
 * The locator worklist (issue 16): legal staff and coordinators open the page, but it lists only the cases the
 * person may open through the cases module (a coordinator without the legal role sees none).
 */
export const viewLocatorWorklist = staffWith('legal', 'coordinator');
