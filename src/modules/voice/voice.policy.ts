// Who may do what with calls, recordings and the legal intake team's follow-up tasks. A voicemail is a
// report like any other: the roles that read the intake queue may play it; except a family's message
// about a detained relative (option 3: the person's name, A-number, country of birth), which belongs to
// the legal intake team alone: its legal members, or the legal staff member the task is assigned to
// (checked per task and per report in followups.service.ts and recordings.service.ts).
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';
import { REPORT_READER_ROLES } from '../reports/reports.policy.ts';

/** Follow-up tasks: legal staff of the intake team (or the task's assignee). */
export const FOLLOWUP_ROLES: readonly Role[] = ['legal'];

export function mayPlayAnyRecording(roles: readonly Role[]): boolean {
  return roles.some((role) => REPORT_READER_ROLES.includes(role));
}

export function mayHandleFollowups(roles: readonly Role[]): boolean {
  return roles.some((role) => FOLLOWUP_ROLES.includes(role));
}

/** Playing a report's recording: report readers those without a follow-up, the intake team those with. */
export const playRecordings = staffWith(...REPORT_READER_ROLES, 'legal');

export const viewFollowups = staffWith(...FOLLOWUP_ROLES);
export const closeFollowups = staffWith(...FOLLOWUP_ROLES);
