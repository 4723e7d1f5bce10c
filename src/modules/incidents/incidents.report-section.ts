// The incident section of a report's page (the reports module shows it): the incident the report belongs
// to, or the open incidents it may belong to with a button to add it, and the way to start a new one.
import type { AppContext } from '../../app/context.ts';
import type { Html } from '../../http/html.ts';
import type { Translator } from '../../i18n/i18n.ts';
import { renderReportIncidentSection } from './incidents.pages.ts';
import { groupingOf } from './incidents.service.ts';

export async function incidentSectionForReport(
  context: AppContext,
  t: Translator,
  reportId: string,
  csrfToken: string,
): Promise<Html | string> {
  const view = await groupingOf(context, reportId);
  return view ? renderReportIncidentSection(t, view, csrfToken) : '';
}
