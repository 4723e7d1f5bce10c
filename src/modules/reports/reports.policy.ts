// Who may do what with reports. Responders and legal observers get what their work needs through the
// incidents they are sent to (later), not the raw intake queue, which is full of unverified claims and
// reporters' call-back numbers.
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';

export const REPORT_READER_ROLES: readonly Role[] = ['admin', 'coordinator', 'dispatcher'];

/** Viewing the list, the live feed, a report, its photo. */
export const viewReports = staffWith(...REPORT_READER_ROLES);

/** Triage: marking a report as duplicate, spam, needing verification, or new again. */
export const triageReports = staffWith(...REPORT_READER_ROLES);
