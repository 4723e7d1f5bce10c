// Case support: the attorney directory and who represents each case, the bond and the bond funds' ledger,
// family support tasks and the outcome. Its parts of the case page are registered as case sections.
import { registerCaseMergeStep } from '../cases/cases.merge.ts';
import type { DomainModule } from '../../app/domain-module.ts';
import { mergeSupport } from './case-support.merge.ts';
import { registerCaseSupportRoutes } from './case-support.routes.ts';
import { registerSupportSections } from './case-support.sections.ts';

export const caseSupportModule: DomainModule = {
  name: 'case-support',
  tables: ['attorneys', 'bond_fund_entries', 'bond_funds', 'case_attorney_assignments', 'case_support_tasks'],
  http: {
    name: 'case-support',
    register(app, context, services) {
      registerSupportSections();
      registerCaseMergeStep('case-support', mergeSupport);
      registerCaseSupportRoutes(app, context, services);
    },
  },
};
