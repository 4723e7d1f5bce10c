// Community alerts: composed by one dispatcher or coordinator for a verified incident, approved by another,
// and delivered to the subscribers of the target area over a ledger that survives crashes.
import { registerMessageStatusHandler } from '../../integrations/twilio/status.ts';
import type { DomainModule } from '../../app/domain-module.ts';
import { ALERT_ROLES } from './alerts.policy.ts';
import { recordAlertTextStatus } from './alerts.delivery-status.ts';
import { registerAlertDeliveryJobs } from './alerts.delivery.ts';
import { registerAlertRoutes } from './alerts.routes.ts';
import { countAlertsAwaitingApproval } from './alerts.service.ts';

// An alert text's status moves its ledger row (posted to STATUS_PATH, served by the voice module).
registerMessageStatusHandler('alerts', recordAlertTextStatus);

export const alertsModule: DomainModule = {
  name: 'alerts',
  tables: ['alert_deliveries', 'alert_delivery_early_statuses', 'alerts'],
  navigation: [
    {
      href: '/console/alerts',
      label: 'alerts.nav',
      roles: ALERT_ROLES,
      position: 30,
      // Drafts waiting for a second person: nothing else tells the approver one is there.
      count: async (request, context) =>
        request.principal ? countAlertsAwaitingApproval(context, request.principal.userId) : 0,
    },
  ],
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
