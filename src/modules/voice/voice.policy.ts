// Who may do what with calls, recordings and the legal team's follow-up tasks. A voicemail is a report like
// any other: the roles that read the intake queue may play it. The legal team needs the messages of
// families whose relative was detained, and only those (checked per report in recordings.service.ts).
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';
import { REPORT_READER_ROLES } from '../reports/reports.policy.ts';

/** Follow-up tasks: the legal team does them, coordinators see that they get done. */
export const FOLLOWUP_ROLES: readonly Role[] = ['legal', 'coordinator'];

export function mayPlayAnyRecording(roles: readonly Role[]): boolean {
  return roles.some((role) => REPORT_READER_ROLES.includes(role));
}

/** Playing a report's recording: report readers any, legal those with a follow-up task (object check). */
export const playRecordings = staffWith(...REPORT_READER_ROLES, 'legal');

export const viewFollowups = staffWith(...FOLLOWUP_ROLES);
export const closeFollowups = staffWith(...FOLLOWUP_ROLES);
