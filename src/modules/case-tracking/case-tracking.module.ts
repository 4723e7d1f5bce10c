// Case tracking: the facility directory, and for each case the detainee-locator checks, the facilities the
// person was held in, immigration court hearings, and the reminders (locator re-checks to the legal team,
// hearings to the family and the attorney) that a worker job sends when they fall due.
import type { DomainModule } from '../index.ts';
import { registerFacilityRoutes } from './facilities.routes.ts';

export const caseTrackingModule: DomainModule = {
  name: 'case-tracking',
  http: {
    name: 'case-tracking',
    register(app, context, services) {
      registerFacilityRoutes(app, context, services);
    },
  },
};
