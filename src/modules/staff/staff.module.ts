// Staff profiles: a staff member's display name, phone number, languages and shift. Dispatch texts responders,
// voice rings dispatchers and case reminders reach legal staff through this module's functions; the profile and
// roster pages stay dispatch's (they show dispatches). No routes and no jobs of its own.
import type { DomainModule } from '../../app/domain-module.ts';

export const staffModule: DomainModule = {
  name: 'staff',
  tables: ['staff_profiles'],
};
