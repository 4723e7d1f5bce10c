// Incidents: grouping reports, the status flow, merge and split, the live board with its map.
import type { DomainModule } from '../../app/domain-module.ts';
import { INCIDENT_MANAGER_ROLES } from './incidents.policy.ts';
import { registerReportIncidentLookup, registerReportSection } from '../reports/reports.sections.ts';
import { findIncidentLabels } from './incidents.queries.ts';
import { LiveIncidentBoard } from './incidents.feed.ts';
import { incidentSectionForReport } from './incidents.report-section.ts';
import { registerIncidentRoutes } from './incidents.routes.ts';
import { expireIncidentEvidenceJob } from './incidents.jobs.ts';
import { expireIncidentEvidence } from './incidents.retention.ts';

export const incidentsModule: DomainModule = {
  name: 'incidents',
  tables: ['incident_events', 'incidents'],
  navigation: [
    { href: '/console/incidents', label: 'incidents.nav', roles: INCIDENT_MANAGER_ROLES, position: 20 },
  ],
  http: {
    name: 'incidents',
    register(app, context, services) {
      registerReportSection({ id: 'incident', render: incidentSectionForReport });
      registerReportIncidentLookup(findIncidentLabels);
      const board = new LiveIncidentBoard(context);
      app.addHook('onClose', async () => board.close());
      registerIncidentRoutes(app, context, services, board);
    },
  },
  registerJobs(context) {
    context.jobs.register(
      expireIncidentEvidenceJob,
      async () => {
        const { expired, kept } = await expireIncidentEvidence(context, context.clock.now());
        context.logger.info(
          { job: expireIncidentEvidenceJob.name, expired: expired.length, kept: kept.length },
          'incident evidence retention',
        );
      },
      { schedule: '23 4 * * *' },
    );
  },
};
