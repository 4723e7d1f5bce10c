// Evidence packets (issue 17): the network's signing key, the export of an incident's observation log and
// media as a signed zip, and legal holds that keep an incident's evidence past its retention.
import type { DomainModule } from '../../app/domain-module.ts';
import { registerIncidentKeeper } from '../incidents/incidents.retention.ts';
import { holdKeeper } from './packets.holds.ts';
import { registerPacketRoutes } from './packets.routes.ts';

// Held incidents, and incidents a kept case is linked to, keep their log and media.
registerIncidentKeeper('packets', holdKeeper);

export const packetsModule: DomainModule = {
  name: 'packets',
  tables: ['packet_signing_keys', 'legal_holds'],
  navigation: [{ href: '/console/signing-key', label: 'packets.nav_key', roles: ['admin'], position: 155 }],
  http: {
    name: 'packets',
    register(app, context, services) {
      registerPacketRoutes(app, context, services);
    },
  },
};
