// Reports: the public form, the staff console's report pages, and the sweep that deletes unkept reports.
import path from 'node:path';
import type { AppContext } from '../../app/context.ts';
import { LocalFileStore } from '../../integrations/storage/local-file-store.ts';
import type { DomainModule } from '../../app/domain-module.ts';
import { REPORT_READER_ROLES } from './reports.policy.ts';
import { expireReportJob, sweepExpiredReportsJob, sweepPhotosJob } from './reports.jobs.ts';
import { registerReportRoutes } from './reports.routes.ts';
import {
  countUntriagedReports,
  expireReport,
  LiveReportFeed,
  sweepExpiredReports,
  sweepOrphanPhotos,
  type ReportsDeps,
} from './reports.service.ts';

// Routes and jobs are registered separately but must share one store per running context.
const depsByContext = new WeakMap<AppContext, ReportsDeps>();

export function reportsDeps(context: AppContext): ReportsDeps {
  let deps = depsByContext.get(context);
  if (!deps) {
    deps = { context, store: new LocalFileStore(path.join(context.config.dataDir, 'uploads')) };
    depsByContext.set(context, deps);
  }
  return deps;
}

export const reportsModule: DomainModule = {
  name: 'reports',
  tables: ['report_photos', 'reports'],
  navigation: [
    {
      href: '/console/reports',
      label: 'console.nav_reports',
      roles: REPORT_READER_ROLES,
      position: 10,
      // The triage queue: new reports nobody has looked at.
      count: async (_request, context) => countUntriagedReports(context.db),
    },
  ],
  http: {
    name: 'reports',
    register(app, context, services) {
      const deps = reportsDeps(context);
      const feed = new LiveReportFeed(deps);
      app.addHook('onClose', async () => feed.close());
      registerReportRoutes(app, context, services, deps, feed);
    },
  },
  registerJobs(context) {
    const deps = reportsDeps(context);
    context.jobs.register(
      sweepExpiredReportsJob,
      async () => {
        const deleted = await sweepExpiredReports(deps, context.clock.now());
        if (deleted > 0)
          context.logger.info({ job: sweepExpiredReportsJob.name, deleted }, 'reports expired');
      },
      { schedule: '*/5 * * * *' },
    );
    // Drains jobs queued one per report before the sweep replaced them.
    context.jobs.register(expireReportJob, async ({ reportId }) => {
      const outcome = await expireReport(deps, reportId);
      context.logger.info({ job: expireReportJob.name, outcome }, 'report expiry');
    });
    context.jobs.register(
      sweepPhotosJob,
      async () => {
        const removed = await sweepOrphanPhotos(deps, context.clock.now());
        if (removed > 0)
          context.logger.warn({ job: sweepPhotosJob.name, removed }, 'orphaned photo files removed');
      },
      { schedule: '17 * * * *' },
    );
  },
};
