// The console outbox: where texts wait for staff to read them when the console SMS provider is in use.
import type { DomainModule } from '../index.ts';
import { registerOutboxRoutes } from './outbox.routes.ts';

export const outboxModule: DomainModule = {
  name: 'outbox',
  http: {
    name: 'outbox',
    register(app, context) {
      registerOutboxRoutes(app, context);
    },
  },
};
