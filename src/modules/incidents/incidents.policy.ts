// Who may do what with incidents. The people who run the hotline group reports and move incidents along;
// responders see the incidents they are sent to through the dispatch module, not the whole board.
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';

export const INCIDENT_MANAGER_ROLES: readonly Role[] = ['admin', 'coordinator', 'dispatcher'];

/** The board, its live stream, an incident's page, the page where a report is grouped. */
export const viewIncidents = staffWith(...INCIDENT_MANAGER_ROLES);

/** Creating incidents from reports, adding reports, status changes, merges and splits. */
export const manageIncidents = staffWith(...INCIDENT_MANAGER_ROLES);
