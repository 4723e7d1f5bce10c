// Who may add to and see an incident's media, on the observation module's rules: the responders sent to the
// incident (mayObserveIncident) add and see; legal staff on a case linked to the incident that they may see
// (the log's rule, seesLinkedCaseOfIncident) see; dispatchers, coordinators and admins see only when
// AMPARO_EVIDENCE_MEDIA_FOR_DISPATCH grants it (they read the log, not the media, by default); nobody else.
import type { AppContext } from '../../app/context.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { mayObserveIncident, seesLinkedCaseOfIncident } from '../observations/observations.service.ts';

type AccessContext = Pick<AppContext, 'db' | 'config'>;

export async function mayAddEvidence(
  context: AccessContext,
  principal: StaffPrincipal,
  incidentId: string,
): Promise<boolean> {
  return mayObserveIncident(context, principal, incidentId);
}

export async function mayViewEvidence(
  context: AccessContext,
  principal: StaffPrincipal,
  incidentId: string,
): Promise<boolean> {
  if (await mayAddEvidence(context, principal, incidentId)) return true;
  if (await seesLinkedCaseOfIncident(context, principal, incidentId)) return true;
  return (
    context.config.evidence.mediaForDispatch &&
    principal.roles.some((role) => role === 'admin' || role === 'coordinator' || role === 'dispatcher')
  );
}
