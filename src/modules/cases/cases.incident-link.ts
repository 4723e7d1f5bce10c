// On a confirmed incident's page: the way to a case for a person detained there. Only the legal team opens
// cases, so others see a line telling them to pass the incident's reference on instead of a link they could
// not follow. Registered with the incidents module in cases.module.ts.
import type { FastifyRequest } from 'fastify';
import type { IncidentStatus } from '../../db/schema.ts';
import { hasAnyRole } from '../../http/access.ts';
import { html, type Html } from '../../http/html.ts';
import { CASE_ROLES } from './cases.policy.ts';

/** Statuses of an incident where enforcement was seen by a responder: people detained there get cases. */
export const CONFIRMED_INCIDENT_STATUSES = ['confirmed', 'active', 'concluded'] as const;

export function renderIncidentCaseLink(
  request: FastifyRequest,
  incident: { id: string; status: IncidentStatus },
): Html | string {
  if (!(CONFIRMED_INCIDENT_STATUSES as readonly string[]).includes(incident.status)) return '';
  const t = request.t;
  return hasAnyRole(request.principal, CASE_ROLES)
    ? html`<p id="open-case">
        <a class="button" href="/console/cases/new?incident=${incident.id}">${t('cases.open_from_incident')}</a>
      </p>`
    : html`<p class="hint" id="open-case">${t('cases.open_from_incident_hint')}</p>`;
}
