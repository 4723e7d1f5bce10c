// Who sees what on the home page. Every signed-in staff member has a home; each panel is shown only to the
// roles whose own pages hold what it summarises (the same role lists those pages' policies declare), and
// anything about a case goes through the cases module's need-to-know rule.
import { staffWith } from '../../http/access.ts';
import { ROLES, type Role } from '../../db/schema.ts';
import { ALERT_ROLES } from '../alerts/alerts.policy.ts';
import { CASE_ROLES } from '../cases/cases.policy.ts';
import { DISPATCHER_ROLES } from '../dispatch/dispatch.policy.ts';
import { INCIDENT_MANAGER_ROLES } from '../incidents/incidents.policy.ts';
import { REPORT_READER_ROLES } from '../reports/reports.policy.ts';

/** The home page at /console: every staff member lands here after signing in. */
export const enterHome = staffWith(...ROLES);

const holds = (roles: readonly Role[], wanted: readonly Role[]): boolean =>
  roles.some((r) => wanted.includes(r));

/** Which panels this staff member's roles open. A person with two roles sees both roles' panels. */
export function homePanelsFor(roles: readonly Role[]) {
  return {
    triage: holds(roles, REPORT_READER_ROLES) && holds(roles, ['dispatcher', 'coordinator']),
    incidents: holds(roles, INCIDENT_MANAGER_ROLES) && holds(roles, ['dispatcher', 'coordinator']),
    onTheWay: holds(roles, DISPATCHER_ROLES) && holds(roles, ['dispatcher', 'coordinator']),
    alerts: holds(roles, ALERT_ROLES) && holds(roles, ['dispatcher', 'coordinator']),
    legal: holds(roles, CASE_ROLES),
    responder: roles.includes('responder'),
    coverage: roles.includes('coordinator'),
    admin: roles.includes('admin'),
  };
}

export type HomePanels = ReturnType<typeof homePanelsFor>;
