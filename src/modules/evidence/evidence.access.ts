// Who may add to and see an incident's media. One small file on purpose: at merge it points at the observation
// module's mayObserveIncident and the legal-link rule (legal staff see the media of incidents linked to their
// cases). Until then: the responders sent to the incident (a dispatch not cancelled) add and see; dispatchers,
// coordinators and admins see only when AMPARO_EVIDENCE_MEDIA_FOR_DISPATCH grants it; nobody else.
import type { AppContext } from '../../app/context.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { dispatchedResponderIds } from '../dispatch/dispatch.queries.ts';

type AccessContext = Pick<AppContext, 'db' | 'config'>;

export async function mayAddEvidence(
  context: AccessContext,
  principal: StaffPrincipal,
  incidentId: string,
): Promise<boolean> {
  return (await dispatchedResponderIds(context.db, incidentId)).has(principal.userId);
}

export async function mayViewEvidence(
  context: AccessContext,
  principal: StaffPrincipal,
  incidentId: string,
): Promise<boolean> {
  if (await mayAddEvidence(context, principal, incidentId)) return true;
  return (
    context.config.evidence.mediaForDispatch &&
    principal.roles.some((role) => role === 'admin' || role === 'coordinator' || role === 'dispatcher')
  );
}
