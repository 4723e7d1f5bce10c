// The home page per role: what needs each staff member now. It sits on top of the other modules and reads
// them through their queries and service functions; it owns no table, and no module imports it.
import type { DomainModule } from '../../app/domain-module.ts';
import { registerHomeRoutes } from './home.routes.ts';

export const homeModule: DomainModule = {
  name: 'home',
  tables: [],
  navigation: [{ href: '/console', label: 'home.nav', roles: 'any', position: 0 }],
  http: {
    name: 'home',
    register(app, context, services) {
      registerHomeRoutes(app, context, services);
    },
  },
};
