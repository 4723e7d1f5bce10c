// Operations (issue 16): the surge response to one raid, its sites, its legal teams, the dependents left
// without care, its numbers and their aggregate export. Other modules record dependents (addDependent), read
// the operation's teams (operationTeamIds) and its open sites (openOperationSites), and add their numbers
// (registerOperationCounts); all of them in operations.service.ts and operations.counts.ts.
import type { DomainModule } from '../../app/domain-module.ts';
import { hasAnyRole } from '../../http/access.ts';
import { DEPENDENT_COUNT_ROLES, OPERATION_READER_ROLES } from './operations.policy.ts';
import { registerOperationRoutes } from './operations.routes.ts';
import { countDependentsWithoutCaregiver } from './operations.service.ts';
import './operations.wiring.ts';

export const operationsModule: DomainModule = {
  name: 'operations',
  tables: ['operations', 'operation_sites', 'operation_incidents', 'operation_teams', 'operation_dependents'],
  navigation: [
    {
      href: '/console/operations',
      label: 'operations.nav',
      roles: OPERATION_READER_ROLES,
      position: 25,
      // Children and other dependents still without a confirmed caregiver: for those who answer for them.
      count: async (request, context) =>
        hasAnyRole(request.principal, DEPENDENT_COUNT_ROLES)
          ? countDependentsWithoutCaregiver(context.db, request.principal!)
          : 0,
    },
  ],
  http: {
    name: 'operations',
    register(app, context, services) {
      registerOperationRoutes(app, context, services);
    },
  },
};
