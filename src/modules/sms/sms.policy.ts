// Who may text the hotline from the console's simulator: the roles that already read reporters' texts
// and the console outbox, where a simulated conversation's later replies land.
import type { Role } from '../../db/schema.ts';
import { staffWith } from '../../http/access.ts';

export const SIMULATOR_ROLES: readonly Role[] = ['admin', 'coordinator', 'dispatcher'];

export const useSimulator = staffWith(...SIMULATOR_ROLES);
