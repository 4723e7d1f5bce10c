// Who may open the observation log's routes at all. Which incident a person may read or write is decided per
// incident in observations.access.ts (sent there, a case linked to it, or running the board).
import { staffWith } from '../../http/access.ts';
import { ROLES } from '../../db/schema.ts';

/** The log's page and its forms: every staff role, then the per-incident rule (404 for the rest). */
export const observationLogRoutes = staffWith(...ROLES);
