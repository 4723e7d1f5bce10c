// Media kept as evidence: photos, video and audio a responder sends from an incident, uploaded resumably (tus),
// the original sealed with its SHA-256, a working copy without location or device data, and the chain of
// custody. The packet module reads items through evidence.service.ts (listEvidenceItems, openEvidenceOriginal).
import type { DomainModule } from '../../app/domain-module.ts';
import { registerIncidentMergeStep } from '../incidents/incidents.merge-steps.ts';
import { registerIncidentRetainedData } from '../incidents/incidents.retention.ts';
import { registerEvidenceRoutes } from './evidence.routes.ts';
import { expireEvidenceOfIncidents, moveItemsToIncident } from './evidence.service.ts';

// An incident merged into another takes its media with it; an incident nobody keeps past retention loses it
// (the sealed files on disk too).
registerIncidentMergeStep('evidence', moveItemsToIncident);
registerIncidentRetainedData({ name: 'evidence', expire: expireEvidenceOfIncidents });

export const evidenceModule: DomainModule = {
  name: 'evidence',
  tables: ['evidence_items', 'evidence_custody_events'],
  http: {
    name: 'evidence',
    register(app, context, services) {
      registerEvidenceRoutes(app, context, services);
    },
  },
};
