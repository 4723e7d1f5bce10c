// A report's page may carry sections other modules add (the incidents module: the incident the report
// belongs to, or those it may belong to). They register here, so the reports module imports none of them.
import type { AppContext } from '../../app/context.ts';
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
