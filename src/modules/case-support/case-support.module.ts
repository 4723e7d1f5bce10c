// Case support: the attorney directory and who represents each case, the bond and the bond funds' ledger,
// family support tasks and the outcome. Its parts of the case page are registered as case sections.
import { registerCaseMergeStep } from '../cases/cases.merge.ts';
import type { DomainModule } from '../../app/domain-module.ts';
import { CASE_ROLES } from '../cases/cases.policy.ts';
import { DIRECTORY_ROLES } from './case-support.policy.ts';
import { mergeSupport } from './case-support.merge.ts';
import { registerCaseSupportRoutes } from './case-support.routes.ts';
import { registerSupportSections } from './case-support.sections.ts';

export const caseSupportModule: DomainModule = {
  name: 'case-support',
  tables: ['attorneys', 'bond_fund_entries', 'bond_funds', 'case_attorney_assignments', 'case_support_tasks'],
  navigation: [
    { href: '/console/my-tasks', label: 'case_support.nav_my_tasks', roles: CASE_ROLES, position: 90 },
    {
      href: '/console/attorneys',
      label: 'case_support.nav_attorneys',
      roles: DIRECTORY_ROLES,
      position: 100,
    },
  ],
  http: {
    name: 'case-support',
    register(app, context, services) {
      registerSupportSections();
      registerCaseMergeStep('case-support', mergeSupport);
      registerCaseSupportRoutes(app, context, services);
    },
  },
};
