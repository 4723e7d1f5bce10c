// Case tracking: the facility directory, and for each case the detainee-locator checks, the facilities the
// person was held in, immigration court hearings, and the reminders (locator re-checks to the legal team,
// hearings to the family and the attorney) that a worker job sends when they fall due.
import type { DomainModule } from '../../app/domain-module.ts';
import { CASE_ROLES } from '../cases/cases.policy.ts';
import { FACILITY_EDITOR_ROLES } from './case-tracking.policy.ts';
import { registerLocatingRoutes } from './locating.routes.ts';
import { registerCaseMergeStep } from '../cases/cases.merge.ts';
import { registerFamilyStatusFacts } from '../cases/cases.status-lookup.ts';
import { readFamilyStatusFacts } from './case-tracking.family-status.ts';
import { sendCaseRemindersJob } from './case-tracking.jobs.ts';
import { moveTrackingOnMerge } from './case-tracking.merge.ts';
import { sendDueReminders } from './case-tracking.reminders.ts';
import { registerCaseTrackingRoutes } from './case-tracking.routes.ts';
import { registerTrackingSections } from './case-tracking.sections.ts';
import { registerFacilityRoutes } from './facilities.routes.ts';

// What a family's ESTADO <code> text may tell (the cases module composes the answer).
registerFamilyStatusFacts(readFamilyStatusFacts);

export const caseTrackingModule: DomainModule = {
  name: 'case-tracking',
  tables: [
    'case_facility_stays',
    'case_releases',
    'case_reminder_deliveries',
    'case_reminders',
    'facilities',
    'hearings',
    'locator_checks',
  ],
  navigation: [
    {
      href: '/console/cases/checks-due',
      label: 'case_tracking.nav_checks_due',
      roles: CASE_ROLES,
      position: 70,
    },
    {
      href: '/console/locating',
      label: 'case_tracking.nav_worklist',
      roles: CASE_ROLES,
      position: 75,
    },
    {
      href: '/console/facilities',
      label: 'case_tracking.nav_facilities',
      roles: FACILITY_EDITOR_ROLES,
      position: 80,
    },
  ],
  http: {
    name: 'case-tracking',
    register(app, context, services) {
      registerFacilityRoutes(app, context, services);
      registerCaseTrackingRoutes(app, context, services);
      registerLocatingRoutes(app, context, services);
      registerTrackingSections();
      registerCaseMergeStep('case-tracking', moveTrackingOnMerge);
    },
  },
  registerJobs(context) {
    context.jobs.register(
      sendCaseRemindersJob,
      async () => {
        const summary = await sendDueReminders(context);
        if (summary.done + summary.skipped + summary.retry > 0)
          context.logger.info({ job: sendCaseRemindersJob.name, ...summary }, 'case reminders');
      },
      { schedule: '* * * * *' },
    );
  },
};
