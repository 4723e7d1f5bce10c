// Who may do what with case support. Everything done on a case (assigning an attorney, the bond and its
// payment, support tasks, the outcome) is the legal team's, and of them only those who can open the case
// (checked per case by openCaseForStaff). The attorney directory and the bond funds hold no case contents:
// coordinators and admins help keep them, and see workloads and balances as numbers only.
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';

/** Keep the attorney directory and the bond funds: names, languages, capacity, phones, deposits. */
export const DIRECTORY_ROLES: readonly Role[] = ['legal', 'coordinator', 'admin'];
export const manageDirectory = staffWith(...DIRECTORY_ROLES);

/**
 * Every route about one case, and "my tasks" (which lists cases by reference): the core's need-to-know rule,
 * then openCaseForStaff per case.
 */
export { legalOnly as supportCase } from '../cases/cases.policy.ts';
