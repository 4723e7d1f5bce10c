// Community alerts: composed by one dispatcher or coordinator for a verified incident, approved by another,
// and delivered to the subscribers of the target area over a ledger that survives crashes.
import type { DomainModule } from '../index.ts';
import { registerAlertDeliveryJobs } from './alerts.delivery.ts';
import { registerAlertRoutes } from './alerts.routes.ts';

export const alertsModule: DomainModule = {
  name: 'alerts',
  http: {
    name: 'alerts',
    register(app, context, services) {
      registerAlertRoutes(app, context, services);
    },
  },
  registerJobs(context) {
    registerAlertDeliveryJobs(context);
  },
};
