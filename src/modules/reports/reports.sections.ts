// A report's page may carry sections other modules add (the incidents module: the incident the report
// belongs to, or those it may belong to). They register here, so the reports module imports none of them.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database, IncidentStatus } from '../../db/schema.ts';
import { html, type Html } from '../../http/html.ts';
import type { Translator } from '../../i18n/i18n.ts';

export interface ReportSectionInput {
  context: AppContext;
  t: Translator;
  reportId: string;
  /** For the section's staff forms (hidden _csrf field). */
  csrfToken: string;
}

export interface ReportSection {
  id: string;
  /** The section's markup, or '' when it has nothing to show for this report. */
  render(input: ReportSectionInput): Promise<Html | string>;
}

const sections = new Map<string, ReportSection>();

export function registerReportSection(section: ReportSection): void {
  // Apps are built more than once in tests; the same section registering again replaces itself.
  sections.set(section.id, section);
}

/** Every registered section for this report, in registration order. */
export async function renderReportSections(input: ReportSectionInput): Promise<Html> {
  const parts: (Html | string)[] = [];
  for (const section of sections.values()) parts.push(await section.render(input));
  return html`${parts}`;
}

/** The incident holding a report, as the report queue and page show it. */
export interface ReportIncidentLabel {
  reference: string;
  status: IncidentStatus;
}

/** Reads the incidents holding reports (the incidents module registers it): one query for a page of reports. */
export type ReportIncidentLookup = (
  db: Kysely<Database>,
  incidentIds: readonly string[],
) => Promise<Map<string, ReportIncidentLabel>>;

let incidentLookup: ReportIncidentLookup | undefined;

export function registerReportIncidentLookup(lookup: ReportIncidentLookup): void {
  incidentLookup = lookup;
}

/**
 * The incidents holding these reports, by incident id. Without the incidents module (an app built without
 * it) nothing is known, and reports show their own status.
 */
export async function incidentsOfReports(
  db: Kysely<Database>,
  reports: readonly { incident_id: string | null }[],
): Promise<Map<string, ReportIncidentLabel>> {
  const ids = [...new Set(reports.flatMap((report) => (report.incident_id ? [report.incident_id] : [])))];
  if (!incidentLookup || ids.length === 0) return new Map();
  return incidentLookup(db, ids);
}
