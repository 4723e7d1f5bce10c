// Media kept as evidence: photos, video and audio a responder sends from an incident, uploaded resumably (tus),
// the original sealed with its SHA-256, a working copy without location or device data, and the chain of
// custody. The packet module reads items through evidence.service.ts (listEvidenceItems, openEvidenceOriginal).
import type { DomainModule } from '../../app/domain-module.ts';
import { html } from '../../http/html.ts';
import { registerIncidentMergeStep } from '../incidents/incidents.merge-steps.ts';
import { registerIncidentPageSection } from '../incidents/incidents.page-parts.ts';
import { registerIncidentRetainedData } from '../incidents/incidents.retention.ts';
import { registerEvidenceRoutes } from './evidence.routes.ts';
import { ABANDONED_UPLOAD_MS, sweepAbandonedUploadsJob, workingCopyJob } from './evidence.jobs.ts';
import { SealedUploadStore } from './evidence.tus-store.ts';
import {
  expireEvidenceOfIncidents,
  mayViewEvidence,
  moveItemsToIncident,
  prepareWorkingCopy,
  evidencePaths,
} from './evidence.service.ts';

// An incident merged into another takes its media with it; an incident nobody keeps past retention loses it
// (the sealed files on disk too).
registerIncidentMergeStep('evidence', moveItemsToIncident);
registerIncidentRetainedData({ name: 'evidence', expire: expireEvidenceOfIncidents });

export const evidenceModule: DomainModule = {
  name: 'evidence',
  tables: ['evidence_items', 'evidence_custody_events'],
  registerJobs(context) {
    context.jobs.register(workingCopyJob, async ({ itemId }) => {
      const outcome = await prepareWorkingCopy(context, itemId);
      context.logger.info({ job: workingCopyJob.name, itemId, outcome }, 'evidence working copy');
    });
    context.jobs.register(
      sweepAbandonedUploadsJob,
      async () => {
        const store = new SealedUploadStore(context.secrets.keyring, evidencePaths(context).uploads);
        const removed = await store.removeAbandoned(
          new Date(context.clock.now().getTime() - ABANDONED_UPLOAD_MS),
        );
        context.logger.info({ job: sweepAbandonedUploadsJob.name, removed }, 'abandoned evidence uploads');
      },
      { schedule: '41 3 * * *' },
    );
  },
  http: {
    name: 'evidence',
    register(app, context, services) {
      // The incident page links to the media for those who may see it (the board only with the setting).
      registerIncidentPageSection('evidence', async (request, incident) =>
        request.principal && (await mayViewEvidence(context, request.principal, incident.id))
          ? html`<p>
              <a class="button secondary" id="incident-evidence" href="/console/incidents/${incident.id}/evidence"
                >${request.t('evidence.open_media')}</a
              >
            </p>`
          : '',
      );
      registerEvidenceRoutes(app, context, services);
    },
  },
};
