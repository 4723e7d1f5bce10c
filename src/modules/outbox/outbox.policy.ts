// Who may read the console outbox. It holds recipients' numbers and the texts sent to them (alerts,
// replies to reporters), so it is for the roles that already handle reporters' contact details. Texts about
// a case (hearing reminders, family updates) are shown only to staff who may open that case (the cases
// module's rule), so legal staff may open the outbox too, and see there only those.
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';

/** Read every text that is not about a case. */
export const OUTBOX_READER_ROLES: readonly Role[] = ['admin', 'coordinator', 'dispatcher'];

/** Open the page: readers, and legal staff for the texts about their cases. */
export const OUTBOX_PAGE_ROLES: readonly Role[] = [...OUTBOX_READER_ROLES, 'legal'];

export const viewOutbox = staffWith(...OUTBOX_PAGE_ROLES);
