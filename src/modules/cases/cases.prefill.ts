// What the new-case form starts with: from a hotline follow-up, the family's number and language; from an
// incident, when the person was last seen; and the user's team when they have exactly one.
import type { Language } from '../../config/config.ts';
import type { CaseFormValues } from './cases.schemas.ts';
import type { OpeningSource } from './cases.service.ts';

export interface NewCaseDefaults {
  task: OpeningSource['task'];
  incident: OpeningSource['incident'];
}

/** "YYYY-MM-DDTHH:MM" in the network's time zone, as a datetime-local field takes it. */
export function localDateTime(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

export function detailsToValuesWithOpening(
  defaults: NewCaseDefaults,
  teams: { id: string }[],
  defaultLanguage: Language,
  timeZone: string,
): CaseFormValues {
  const values: CaseFormValues = { caregiver_plan: 'unknown', contact_language: defaultLanguage };
  if (teams.length === 1) values.team_id = teams[0]!.id;
  if (defaults.task) {
    values.contact_language = defaults.task.language;
    if (defaults.task.phone) {
      values.contact_phone = defaults.task.phone;
      // They said yes to texts in their own words; staff still see the box ticked and may untick it.
      if (defaults.task.consentToText) values.contact_consent = 'yes';
    }
  }
  if (defaults.incident) {
    values.incident_id = defaults.incident.id;
    values.last_seen_at = localDateTime(defaults.incident.createdAt, timeZone);
  }
  return values;
}
