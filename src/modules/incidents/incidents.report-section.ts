// The incident section of a report's page (registered with the reports module, which shows it): the incident
// the report belongs to, or the open incidents it may belong to with a button to add it, and the way to
// start a new one.
import type { Html } from '../../http/html.ts';
import type { ReportSectionInput } from '../reports/reports.sections.ts';
import { renderReportIncidentSection } from './incidents.pages.ts';
import { groupingOf } from './incidents.service.ts';

export async function incidentSectionForReport({
  context,
  t,
  reportId,
  csrfToken,
}: ReportSectionInput): Promise<Html | string> {
  const view = await groupingOf(context, reportId);
  return view ? renderReportIncidentSection(t, view, csrfToken) : '';
}
