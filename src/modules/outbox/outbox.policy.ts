// Who may read the console outbox. It holds recipients' numbers and the texts sent to them (alerts,
// replies to reporters), so it is for the roles that already handle reporters' contact details.
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';

export const OUTBOX_READER_ROLES: readonly Role[] = ['admin', 'coordinator', 'dispatcher'];

export const viewOutbox = staffWith(...OUTBOX_READER_ROLES);
