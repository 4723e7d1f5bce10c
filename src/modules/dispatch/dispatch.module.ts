// Responders and dispatch: staff profiles and the roster, the dispatch panel and its callout of the nearest
// responders, the texts to responders and their answers, and the field verification page.
import type { AppContext } from '../../app/context.ts';
import type { DomainModule } from '../../app/domain-module.ts';
import { DISPATCHER_ROLES } from './dispatch.policy.ts';
import { registerIncidentDispatches } from '../incidents/incidents.dispatches.ts';
import { registerStoredFiles } from '../reports/reports.attachments.ts';
import { reportsDeps } from '../reports/reports.module.ts';
import { registerInboundTextHandler } from '../sms/sms.inbound.ts';
import { sendCalloutTextJob, sendDispatchTextJob, sendStandDownTextJob } from './dispatch.jobs.ts';
import { registerDispatchRoutes } from './dispatch.routes.ts';
import { sendDispatchText, sendStandDownText, type DispatchDeps } from './dispatch.service.ts';
import { answerResponderText } from './dispatch.sms.ts';
import {
  countDispatchesByStatus,
  dispatchActivityByIncident,
  incidentsWithDispatchesSince,
  moveDispatchesToIncident,
  referencedVerificationPhotos,
} from './incident-dispatches.repository.ts';

// A responder's "1" or "2" to the hotline answers their open dispatch before text intake sees it.
registerInboundTextHandler('dispatch', answerResponderText);

// The board's and the incident page's view of dispatches, and a merge moving them.
registerIncidentDispatches({
  activity: dispatchActivityByIncident,
  incidentsActiveSince: incidentsWithDispatchesSince,
  countByStatus: countDispatchesByStatus,
  moveToIncident: moveDispatchesToIncident,
});
// Verification photos live in the reports' store; its orphan sweep must keep them.
registerStoredFiles('dispatch', referencedVerificationPhotos);

/** Verification photos go to the same encrypted upload store as report photos. */
export function dispatchDeps(context: AppContext): DispatchDeps {
  return { context, store: reportsDeps(context).store };
}

export const dispatchModule: DomainModule = {
  name: 'dispatch',
  tables: ['dispatches', 'verifications'],
  navigation: [
    { href: '/console/roster', label: 'dispatch.nav_roster', roles: DISPATCHER_ROLES, position: 120 },
    { href: '/console/profile', label: 'dispatch.nav_profile', roles: 'any', position: 160 },
  ],
  http: {
    name: 'dispatch',
    register(app, context, services) {
      registerDispatchRoutes(app, context, services, dispatchDeps(context));
    },
  },
  registerJobs(context) {
    context.jobs.register(sendDispatchTextJob, async ({ dispatchId }) => {
      const outcome = await sendDispatchText(context, dispatchId);
      const log = outcome === 'no_phone' ? context.logger.warn : context.logger.info;
      log.call(context.logger, { job: sendDispatchTextJob.name, dispatchId, outcome }, 'dispatch text');
    });
    context.jobs.register(sendCalloutTextJob, async ({ dispatchId }) => {
      const outcome = await sendDispatchText(context, dispatchId, 'callout');
      const log = outcome === 'no_phone' ? context.logger.warn : context.logger.info;
      log.call(context.logger, { job: sendCalloutTextJob.name, dispatchId, outcome }, 'callout text');
    });
    context.jobs.register(sendStandDownTextJob, async ({ dispatchId }) => {
      const outcome = await sendStandDownText(context, dispatchId);
      const log = outcome === 'no_phone' ? context.logger.warn : context.logger.info;
      log.call(context.logger, { job: sendStandDownTextJob.name, dispatchId, outcome }, 'stand-down text');
    });
  },
};
