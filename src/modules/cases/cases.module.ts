// Cases for detained people: teams, opening and following a case, family contacts and texts, the timeline,
// exports, and the daily destruction of expired case keys. Other case modules (tracking, support) add
// their sections to the case page through cases.sections.ts and open cases through cases.access.ts.
import { hasAnyRole } from '../../http/access.ts';
import type { DomainModule } from '../../app/domain-module.ts';
import { registerIncidentPagePart } from '../incidents/incidents.page-parts.ts';
import { registerFollowupTeam } from '../voice/followups.team.ts';
import { registerStatusLookup } from '../sms/sms.status-lookup.ts';
import { answerStatusLookup } from './cases.status-lookup.ts';
import { sendFamilyTexts } from './cases.family.ts';
import { destroyCaseKeysJob, textFamilyJob } from './cases.jobs.ts';
import { destroyDueCaseKeys } from './cases.retention.ts';
import { renderIncidentCaseLink } from './cases.incident-link.ts';
import { CASE_ROLES } from './cases.policy.ts';
import { registerCaseRoutes } from './cases.routes.ts';
import { isLegalIntakeStaff, legalStaffChoices } from './legal-intake.ts';

// The hotline's follow-ups belong to the legal intake team; legal staff open cases from them.
registerFollowupTeam({
  isMember: isLegalIntakeStaff,
  assignable: legalStaffChoices,
  mayOpenCase: (principal) => hasAnyRole(principal, CASE_ROLES),
});
// A confirmed incident's page shows the way to a case for a person detained there.
registerIncidentPagePart('open-case', renderIncidentCaseLink);
// A family's ESTADO <code> / STATUS <code> text is answered from the case (sms owns the words and the limit).
registerStatusLookup(answerStatusLookup);

export const casesModule: DomainModule = {
  name: 'cases',
  tables: [
    'case_assignees',
    'case_contacts',
    'case_duplicate_checks',
    'case_events',
    'case_family_texts',
    'case_hotline_messages',
    'case_shared_teams',
    'case_status_codes',
    'cases',
    'legal_intake',
    'team_members',
    'teams',
  ],
  navigation: [
    { href: '/console/cases', label: 'cases.nav', roles: CASE_ROLES, position: 60 },
    { href: '/console/teams', label: 'cases.nav_teams', roles: ['admin'], position: 140 },
  ],
  http: {
    name: 'cases',
    register(app, context, services) {
      registerCaseRoutes(app, context, services);
    },
  },
  registerJobs(context) {
    context.jobs.register(textFamilyJob, async (payload) => {
      const outcome = await sendFamilyTexts(context, payload);
      context.logger.info(
        { job: textFamilyJob.name, caseId: payload.caseId, change: payload.change, outcome },
        'family texts',
      );
    });
    context.jobs.register(
      destroyCaseKeysJob,
      async () => {
        const destroyed = await destroyDueCaseKeys(context);
        context.logger.info({ job: destroyCaseKeysJob.name, destroyed }, 'case keys destroyed');
      },
      { schedule: '41 3 * * *' },
    );
  },
};
