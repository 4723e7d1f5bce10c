// Who may export an incident's evidence or hold it: legal staff on a case linked to the incident (the cases
// module's need to know: assigned, or in the case's team). From a case: that case, live, linked to an incident.
// Anyone else gets the same 404 as for an incident that does not exist.
import type { AppContext } from '../../app/context.ts';
import type { Case, Incident } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { AppError } from '../../http/errors.ts';
import { isUuid } from '../../http/ids.ts';
import { findCaseForStaff } from '../cases/cases.access.ts';
import { keptCasesOfIncidents, visibleCaseIds } from '../cases/cases.queries.ts';
import { findIncident } from '../incidents/incidents.queries.ts';
import { PACKET_ROLES } from './packets.policy.ts';

export type PacketSubject = { incidentId: string } | { caseId: string };

export interface PacketScope {
  incident: Incident;
  /** Set when the packet is made from a case. */
  caseRow: Case | undefined;
  /** The linked cases this staff member may see (one at least). */
  caseIds: string[];
}

export async function openPacketScope(
  context: AppContext,
  principal: StaffPrincipal,
  subject: PacketSubject,
): Promise<PacketScope> {
  if (!principal.roles.some((role) => PACKET_ROLES.includes(role))) throw new AppError('not_found');
  if ('caseId' in subject) {
    const caseRow = await findCaseForStaff(context, principal, subject.caseId);
    if (
      !caseRow ||
      caseRow.merged_into !== null ||
      caseRow.key_destroyed_at !== null ||
      !caseRow.incident_id
    ) {
      throw new AppError('not_found');
    }
    const incident = await findIncident(context.db, caseRow.incident_id);
    if (!incident) throw new AppError('not_found');
    return { incident, caseRow, caseIds: [caseRow.id] };
  }
  if (!isUuid(subject.incidentId)) throw new AppError('not_found');
  const incidentId = subject.incidentId.toLowerCase();
  const linked = await keptCasesOfIncidents(context.db, [incidentId]);
  const visible = await visibleCaseIds(
    context.db,
    linked.map((c) => c.id),
    principal.userId,
  );
  const incident = visible.size > 0 ? await findIncident(context.db, incidentId) : undefined;
  if (!incident) throw new AppError('not_found');
  return { incident, caseRow: undefined, caseIds: [...visible] };
}
