// The network's own settings chosen in the console (not the server's environment): its time zone, asked on
// the setup page unless AMPARO_TIMEZONE is set.
import type { DomainModule } from '../../app/domain-module.ts';

export const settingsModule: DomainModule = {
  name: 'settings',
  tables: ['network_settings'],
};
