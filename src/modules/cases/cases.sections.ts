// The case page is assembled from sections: the case core (person, family, languages, timeline) and the
// parts other case modules add (locating, facilities, hearings, attorneys, bond, family support, outcome).
// Each module registers its sections when its routes are registered; the page renders them in order.
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { CaseCipher } from '../../crypto/case-keys.ts';
import type { Case } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { html, type Html } from '../../http/html.ts';
import type { Translator } from '../../i18n/i18n.ts';
import type { Language } from '../../config/config.ts';

/**
 * The case page's parts: the main page (the summary and the case's details) and one page per part, each
 * reached by its own URL so the tabs work without JavaScript.
 */
export const CASE_PARTS = [
  'details',
  'locating',
  'hearings',
  'bond',
  'support',
  'outcome',
  'timeline',
] as const;
export type CasePart = (typeof CASE_PARTS)[number];

/** The URL of a part of a case: the main page for the details. */
export function casePartPath(caseId: string, part: CasePart): string {
  return part === 'details' ? `/console/cases/${caseId}` : `/console/cases/${caseId}/${part}`;
}

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
  /** The part of the case page it is shown on; the main page (details) when absent. */
  part?: CasePart;
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

export function caseSections(part?: CasePart): CaseSection[] {
  return [...sections.values()]
    .filter((section) => part === undefined || (section.part ?? 'details') === part)
    .sort((a, b) => a.order - b.order);
}

/** Where a form of a section sends the user back to: the section's own part of the case, at the section. */
export function caseSectionHref(caseId: string, sectionId: string): string {
  const part = sections.get(sectionId)?.part ?? 'details';
  return `${casePartPath(caseId, part)}#${sectionId}`;
}

/**
 * A section's form behind an "Add…" control: closed until asked for, open when the form came back with
 * problems. Works without JavaScript (details/summary).
 */
export function addControl(label: string, form: Html, open: boolean): Html {
  return html`<details class="add-control"${open ? html` open` : ''}>
    <summary>${label}</summary>
    ${form}
  </details>`;
}

/** One line of the case's summary at the top of the case page. */
export interface CaseFact {
  /** Stable, for tests and styling: e.g. "where", "next-hearing". */
  id: string;
  label: string;
  value: Html | string;
  /** The part of the case that tells more. */
  part?: CasePart;
}

/** A module's lines of the case summary. */
export interface CaseFactSource {
  id: string;
  /** Lower comes first, as for sections. */
  order: number;
  facts(input: CaseSectionInput): Promise<CaseFact[]>;
}

const factSources = new Map<string, CaseFactSource>();

export function registerCaseFacts(source: CaseFactSource): void {
  factSources.set(source.id, source);
}

/** The cases of one case-list page, each opened with its key (the user may see every one of them). */
export interface CaseListInput {
  context: AppContext;
  t: Translator;
  lang: Language;
  cases: readonly { caseRow: Case; cipher: CaseCipher }[];
}

/** A module's columns of the case list, read for all the page's cases at once (no query per case). */
export interface CaseListFacts {
  columns: { id: string; label: string }[];
  /** Per case id, per column id. A case missing here shows empty cells. */
  values: Map<string, Record<string, Html | string>>;
  /** Per case id: lower is more urgent, compared element by element; sources are compared in their order. */
  urgency?: Map<string, number[]>;
}

export interface CaseListFactSource {
  id: string;
  order: number;
  read(input: CaseListInput): Promise<CaseListFacts>;
}

const listSources = new Map<string, CaseListFactSource>();

export function registerCaseListFacts(source: CaseListFactSource): void {
  listSources.set(source.id, source);
}

export async function caseListFacts(input: CaseListInput): Promise<CaseListFacts[]> {
  const sources = [...listSources.values()].sort((a, b) => a.order - b.order);
  const results: CaseListFacts[] = [];
  for (const source of sources) results.push(await source.read(input));
  return results;
}

export async function caseFacts(input: CaseSectionInput): Promise<CaseFact[]> {
  const facts: CaseFact[] = [];
  const sources = [...factSources.values()].sort((a, b) => a.order - b.order);
  for (const source of sources) facts.push(...(await source.facts(input)));
  return facts;
}
