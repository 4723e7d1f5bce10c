// What other modules may read of reports (the incidents module's grouping, the board's counts, a
// dispatch's places, the voice module's follow-ups, the home page's triage panel). Read-only; writes go through reports.service.ts.
import type { AppContext } from '../../app/context.ts';
import { findCallbackPhones } from './reports.repository.ts';
import { reportCallbackPhoneField } from './reports.fields.ts';

export {
  countReportsByIncident,
  countTriageReports,
  findGroupableReport,
  findReportReferences,
  incidentHoldsOnlySimulatedReports,
  listIncidentReportIds,
  listIncidentReports,
  listReportLocations,
  listTriageReports,
  listTriageReportsSince,
  type GroupableReport,
  type IncidentReportCounts,
} from './grouping.repository.ts';
export { findIncompleteReport, REPORTS_CHANNEL } from './reports.repository.ts';

/**
 * The reference and the callback number (decrypted) of each of these reports, by id, for staff allowed to
 * see them (the caller checks and audits). One query for all of them.
 */
export async function readCallbackContacts(
  context: Pick<AppContext, 'db' | 'secrets'>,
  reportIds: readonly string[],
): Promise<Map<string, { reference: string; callbackPhone: string | null }>> {
  const rows = await findCallbackPhones(context.db, [...new Set(reportIds)]);
  return new Map(
    rows.map((row) => [
      row.id,
      {
        reference: row.reference,
        callbackPhone: context.secrets.fields.decryptOptional(
          reportCallbackPhoneField(row.id),
          row.callback_phone_ciphertext,
        ),
      },
    ]),
  );
}
