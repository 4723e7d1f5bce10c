// Evidence packets (issue 17): the network's signing key, the export of an incident's observation log and
// media as a signed zip, and legal holds that keep an incident's evidence past its retention.
import type { DomainModule } from '../../app/domain-module.ts';
import { html } from '../../http/html.ts';
import { registerCaseSection } from '../cases/cases.sections.ts';
import { registerIncidentKeeper } from '../incidents/incidents.retention.ts';
import { caseHoldKeeper, holdKeeper } from './packets.holds.ts';
import { registerCaseKeeper } from '../cases/cases.retention.ts';
import { registerPacketRoutes } from './packets.routes.ts';
import { packetSources } from './packets.sources.ts';

// Held incidents, and incidents a kept case is linked to, keep their log and media.
registerIncidentKeeper('packets', holdKeeper);
// A case under a legal hold keeps its key (and so everything sealed in it) until the hold is lifted.
registerCaseKeeper('packets', caseHoldKeeper);

// On the page of a case from an incident: the way to its evidence packet and legal holds.
registerCaseSection({
  id: 'evidence-packet',
  order: 300,
  render: async ({ context, principal, caseRow, t }) => {
    const incidentId = caseRow.incident_id;
    if (!incidentId) return html``;
    const sources = packetSources();
    const [log, media] = await Promise.all([
      sources.mayReadObservationLog(context, principal, incidentId),
      sources.mayViewEvidence(context, principal, incidentId),
    ]);
    return html`<section id="evidence-packet">
      <h2>${t('packets.case_section_title')}</h2>
      <p>${t('packets.case_section_intro')}</p>
      <ul class="actions">
        ${
          log
            ? html`<li><a id="case-observation-log" href="/console/incidents/${incidentId}/log">${t('observations.open_log')}</a></li>`
            : ''
        }
        ${
          media
            ? html`<li><a id="case-evidence-media" href="/console/incidents/${incidentId}/evidence">${t('evidence.open_media')}</a></li>`
            : ''
        }
      </ul>
      <p><a class="button" href="/console/cases/${caseRow.id}/packet">${t('packets.case_section_link')}</a></p>
    </section>`;
  },
});

export const packetsModule: DomainModule = {
  name: 'packets',
  tables: ['packet_signing_keys', 'legal_holds'],
  navigation: [{ href: '/console/signing-key', label: 'packets.nav_key', roles: ['admin'], position: 155 }],
  http: {
    name: 'packets',
    register(app, context, services) {
      registerPacketRoutes(app, context, services);
    },
  },
};
