// Incidents: grouping reports, the status flow, merge and split, the live board with its map.
import type { DomainModule } from '../index.ts';
import { registerReportSection } from '../reports/reports.sections.ts';
import { LiveIncidentBoard } from './incidents.feed.ts';
import { incidentSectionForReport } from './incidents.report-section.ts';
import { registerIncidentRoutes } from './incidents.routes.ts';

export const incidentsModule: DomainModule = {
  name: 'incidents',
  http: {
    name: 'incidents',
    register(app, context, services) {
      registerReportSection({ id: 'incident', render: incidentSectionForReport });
      const board = new LiveIncidentBoard(context);
      app.addHook('onClose', async () => board.close());
      registerIncidentRoutes(app, context, services, board);
    },
  },
};
