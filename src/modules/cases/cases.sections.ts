// The case page is assembled from sections: the case core (person, family, languages, timeline) and the
// parts other case modules add (locating, facilities, hearings, attorneys, bond, family support, outcome).
// Each module registers its sections when its routes are registered; the page renders them in order.
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { CaseCipher } from '../../crypto/case-keys.ts';
import type { Case } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import type { Html } from '../../http/html.ts';
import type { Translator } from '../../i18n/i18n.ts';

export interface CaseSectionInput {
  context: AppContext;
  request: FastifyRequest;
  principal: StaffPrincipal;
  caseRow: Case;
  /** The case's key, already unwrapped: the principal was checked for this case. */
  cipher: CaseCipher;
  t: Translator;
  /** For the section's staff forms (hidden _csrf field). */
  csrfToken: string;
}

/** A section's part of a case export: lines for the PDF summary, the same content as data for the JSON file. */
export interface CaseSummaryPart {
  title: string;
  lines: { label: string; value: string }[];
  data: unknown;
}

export interface CaseSection {
  /** Also the HTML id of the section, so forms can redirect back to #id. */
  id: string;
  /** Lower comes first. Core uses 0–99, tracking 100–199, support 200–299. */
  order: number;
  render(input: CaseSectionInput): Promise<Html>;
  /**
   * What the section adds to the case's export (PDF summary and JSON), in the reader's language; null or
   * absent when it adds nothing. Exporting is audited by the core.
   */
  summarize?(input: CaseSectionInput): Promise<CaseSummaryPart | null>;
}

const sections = new Map<string, CaseSection>();

export function registerCaseSection(section: CaseSection): void {
  // Apps are built more than once in tests; the same section registering again replaces itself.
  sections.set(section.id, section);
}

export function caseSections(): CaseSection[] {
  return [...sections.values()].sort((a, b) => a.order - b.order);
}
