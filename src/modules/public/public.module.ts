// The public pages: home (how to reach the hotline) and know-your-rights. The report form is in reports.
import type { DomainModule } from '../../app/domain-module.ts';
import { registerPublicRoutes } from './public.routes.ts';

export const publicModule: DomainModule = {
  name: 'public',
  tables: [],
  http: { name: 'public', register: (app, context) => registerPublicRoutes(app, context) },
};
