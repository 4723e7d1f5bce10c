// Who observes an incident and who reads its log (issue 17). Observers are the people sent to it (a dispatch
// they did not decline): they read and write. Those who run the board (admin, coordinator, dispatcher) read
// the log; being on scene without a dispatch does not make them observers. Legal staff read the logs of
// incidents linked to a case they may see. Everyone else: nothing (the routes answer 404).
import type { AppContext } from '../../app/context.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { isUuid } from '../../http/ids.ts';
import { hasVisibleCaseOfIncident } from '../cases/cases.queries.ts';
import { CASE_ROLES } from '../cases/cases.policy.ts';
import { wasSentToIncident } from '../dispatch/dispatch.service.ts';
import { INCIDENT_MANAGER_ROLES } from '../incidents/incidents.policy.ts';

type Principal = Pick<StaffPrincipal, 'userId' | 'roles'>;

/** May this person add entries to this incident's log? Only if they were sent to it. */
export async function mayObserveIncident(
  context: Pick<AppContext, 'db'>,
  principal: Principal,
  incidentId: string,
): Promise<boolean> {
  if (!isUuid(incidentId)) return false;
  return wasSentToIncident(context.db, principal.userId, incidentId.toLowerCase());
}

/** May this person read this incident's log? */
export async function mayReadObservationLog(
  context: Pick<AppContext, 'db'>,
  principal: Principal,
  incidentId: string,
): Promise<boolean> {
  if (!isUuid(incidentId)) return false;
  if (principal.roles.some((role) => INCIDENT_MANAGER_ROLES.includes(role))) return true;
  if (await mayObserveIncident(context, principal, incidentId)) return true;
  return seesLinkedCaseOfIncident(context, principal, incidentId);
}

/**
 * Legal staff (the case roles) on a case linked to this incident that they may see. The rule for the log, and
 * the evidence module's rule for the media.
 */
export async function seesLinkedCaseOfIncident(
  context: Pick<AppContext, 'db'>,
  principal: Principal,
  incidentId: string,
): Promise<boolean> {
  if (!isUuid(incidentId)) return false;
  return (
    principal.roles.some((role) => CASE_ROLES.includes(role)) &&
    hasVisibleCaseOfIncident(context.db, incidentId.toLowerCase(), principal.userId)
  );
}
