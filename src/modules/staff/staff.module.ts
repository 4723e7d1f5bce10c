// Staff profiles: a staff member's display name, phone number, languages and shift. Dispatch texts responders,
// voice rings dispatchers and case reminders reach legal staff through this module's functions; the profile and
// roster pages stay dispatch's (they show dispatches). No routes and no jobs of its own; it tells the console's
// header how to name the signed-in person.
import type { DomainModule } from '../../app/domain-module.ts';
import { registerSignedInName } from '../../http/console-chrome.ts';
import { staffLabel, staffNamesOf } from './staff.service.ts';

export const staffModule: DomainModule = {
  name: 'staff',
  tables: ['staff_profiles'],
  http: {
    name: 'staff',
    register(app) {
      registerSignedInName(app, async (request, context) => {
        if (!request.principal) return undefined;
        const [staff] = await staffNamesOf(context.db, [request.principal.userId]);
        return staff ? staffLabel(context, staff) : undefined;
      });
    },
  },
};
