// Observations: the log an observer keeps on an incident they were sent to (issue 17), merged into one
// timeline on the incident page; entries written without signal wait on the phone and are sent later.
import type { DomainModule } from '../../app/domain-module.ts';
import { consolePageOf } from '../../http/console-page.ts';
import { registerIncidentMergeStep } from '../incidents/incidents.merge-steps.ts';
import { registerIncidentPageSection } from '../incidents/incidents.page-parts.ts';
import { registerIncidentRetainedData } from '../incidents/incidents.retention.ts';
import { renderIncidentObservations } from './observations.pages.ts';
import { registerObservationRoutes } from './observations.routes.ts';
import {
  expireObservationsOfIncidents,
  moveEntriesToIncident,
  readObservationTimeline,
} from './observations.service.ts';

// An incident merged into another takes its log with it; an incident nobody keeps past retention loses it.
registerIncidentMergeStep('observations', moveEntriesToIncident);
registerIncidentRetainedData({ name: 'observations', expire: expireObservationsOfIncidents });

export const observationsModule: DomainModule = {
  name: 'observations',
  tables: ['observation_entries', 'observation_entry_versions'],
  http: {
    name: 'observations',
    register(app, context, services) {
      const consolePage = consolePageOf(context);
      // Only the board's roles open the incident page, and they all read the log.
      registerIncidentPageSection('observations', async (request, incident) =>
        renderIncidentObservations(
          request,
          consolePage(request),
          incident.id,
          await readObservationTimeline(context, incident.id),
        ),
      );
      registerObservationRoutes(app, context, services);
    },
  },
};
