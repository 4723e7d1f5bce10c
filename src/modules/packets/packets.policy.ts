// Who may export evidence packets and set legal holds: the legal team only, and per incident only through a
// case they may see (packets.access.ts). Admins see the network's public key, as they do the other settings.
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';

export const PACKET_ROLES: readonly Role[] = ['legal'];

export const exportPackets = staffWith(...PACKET_ROLES);
export const manageLegalHolds = staffWith(...PACKET_ROLES);
export const viewSigningKey = staffWith('admin', 'legal');
