// A case exported for an attorney: a PDF summary to read or print, and a JSON file with the same content as
// data. Both are built in memory from the opened case and sent with no-store; the export itself is audited
// by the route's service call. The PDF uses the standard Helvetica font (no font files, no binaries):
// characters it cannot draw are replaced, and the JSON file keeps every name exactly.
import type { PDFFont, PDFPage } from 'pdf-lib';
import type { AppContext } from '../../app/context.ts';
import type { Case } from '../../db/schema.ts';
import type { Translator } from '../../i18n/i18n.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { formatANumber } from './cases.model.ts';
import { caseSections, type CaseSectionInput, type CaseSummaryPart } from './cases.sections.ts';
import type { CaseOverview } from './cases.service.ts';
import { timelineLabel } from './cases.words.ts';

export const EXPORT_FORMAT = 'amparo-case-export/1';

export interface CaseExport {
  reference: string;
  /** Label/value parts in order: the core's, then every section's. */
  parts: CaseSummaryPart[];
  json: Record<string, unknown>;
}

function dateText(date: Date | null, formatTime: (date: Date) => string): string {
  return date === null ? '' : formatTime(date);
}

/** Gathers the whole case in the reader's language, asks every section for its part, and audits. */
export async function buildCaseExport(
  context: AppContext,
  input: CaseSectionInput,
  overview: CaseOverview,
  options: { format: 'pdf' | 'json'; formatTime: (date: Date) => string },
): Promise<CaseExport> {
  const { t, caseRow } = input;
  const { person, languages, lastSeen, dependents } = overview.details;
  const yesNo = (value: boolean) => t(value ? 'cases.yes' : 'cases.no');
  const when = (date: Date | null) => dateText(date, options.formatTime);

  const parts: CaseSummaryPart[] = [
    {
      title: t('cases.export_case'),
      lines: [
        { label: t('cases.field_reference'), value: caseRow.reference },
        { label: t('cases.field_status'), value: t(`cases.status_${caseRow.status}`) },
        { label: t('cases.field_source'), value: t(`cases.source_${caseRow.source}`) },
        { label: t('cases.field_opened'), value: when(caseRow.opened_at) },
        { label: t('cases.field_closed'), value: when(caseRow.closed_at) },
        { label: t('cases.field_team'), value: overview.team?.name ?? '' },
        { label: t('cases.field_assignees'), value: overview.assignees.map((a) => a.label).join(', ') },
        { label: t('cases.field_incident'), value: overview.incidentReference ?? '' },
      ],
      data: null,
    },
    {
      title: t('cases.section_person'),
      lines: [
        { label: t('cases.field_name'), value: person.name },
        { label: t('cases.field_other_names'), value: person.otherNames },
        { label: t('cases.field_date_of_birth'), value: person.dateOfBirth ?? '' },
        { label: t('cases.field_country_of_birth'), value: person.countryOfBirth },
        { label: t('cases.field_a_number'), value: person.aNumber ? formatANumber(person.aNumber) : '' },
      ],
      data: person,
    },
    {
      title: t('cases.section_languages'),
      lines: [
        { label: t('cases.field_person_languages'), value: languages.person.join(', ') },
        { label: t('cases.field_family_languages'), value: languages.family.join(', ') },
        { label: t('cases.field_interpreter_needed'), value: yesNo(languages.interpreterNeeded) },
        { label: t('cases.field_interpreter_language'), value: languages.interpreterLanguage },
        { label: t('cases.field_last_seen_place'), value: lastSeen.place },
        { label: t('cases.field_last_seen_at'), value: lastSeen.at?.replace('T', ' ') ?? '' },
      ],
      data: { languages, lastSeen },
    },
    {
      title: t('cases.section_dependents'),
      lines: [
        {
          label: t('cases.field_dependents_count'),
          value: dependents.count === null ? '' : String(dependents.count),
        },
        { label: t('cases.field_dependents_description'), value: dependents.description },
        { label: t('cases.field_caregiver_plan'), value: t(`cases.caregiver_${dependents.caregiverPlan}`) },
        { label: t('cases.field_caregiver_notes'), value: dependents.caregiverNotes },
      ],
      data: dependents,
    },
    {
      title: t('cases.section_family'),
      lines: overview.contacts.map((contact) => ({
        label: [contact.name, contact.relationship].filter(Boolean).join(', ') || '—',
        value: [
          contact.phone ?? '',
          t(contact.language === 'es' ? 'cases.language_es' : 'cases.language_en'),
          t(contact.consentToUpdates ? 'cases.contact_texts_yes' : 'cases.contact_texts_no'),
        ]
          .filter(Boolean)
          .join(' · '),
      })),
      data: overview.contacts,
    },
  ];
  const sectionData: Record<string, unknown> = {};
  for (const section of caseSections()) {
    const part = section.summarize ? await section.summarize(input) : null;
    if (!part) continue;
    parts.push(part);
    sectionData[section.id] = part.data;
  }
  parts.push({
    title: t('cases.section_timeline'),
    lines: overview.timeline.map((entry) => ({ label: when(entry.at), value: timelineLabel(t, entry) })),
    data: overview.timeline,
  });

  await recordAudit(context.db, context, {
    actorId: input.principal.userId,
    action: 'case.exported',
    subjectType: 'case',
    subjectId: caseRow.id,
    details: { format: options.format },
  });

  return {
    reference: caseRow.reference,
    parts,
    json: {
      format: EXPORT_FORMAT,
      exportedAt: context.clock.now().toISOString(),
      case: caseHeader(caseRow, overview),
      person,
      languages,
      lastSeen,
      dependents,
      familyContacts: overview.contacts,
      sections: sectionData,
      timeline: overview.timeline,
    },
  };
}

function caseHeader(caseRow: Case, overview: CaseOverview): Record<string, unknown> {
  return {
    reference: caseRow.reference,
    status: caseRow.status,
    source: caseRow.source,
    openedAt: caseRow.opened_at.toISOString(),
    closedAt: caseRow.closed_at?.toISOString() ?? null,
    keyDestroyAfter: caseRow.key_destroy_after?.toISOString() ?? null,
    team: overview.team?.name ?? null,
    assignees: overview.assignees.map((assignee) => assignee.label),
    incident: overview.incidentReference,
  };
}

const PAGE = { width: 612, height: 792, margin: 54 };
const SIZES = { title: 16, heading: 12, body: 9.5, note: 8 };
const LINE_GAP = 3;

/** The PDF summary: a title, a confidentiality note, then each part as a heading and label/value lines. */
export async function renderCasePdf(
  exported: CaseExport,
  t: Translator,
  generatedAt: string,
): Promise<Uint8Array> {
  return renderSummaryPdf({
    title: t('cases.export_title', { reference: exported.reference }),
    note: t('cases.export_confidential', { when: generatedAt }),
    nothing: t('cases.export_nothing'),
    parts: exported.parts,
  });
}

export interface SummaryPdf {
  title: string;
  note: string;
  /** Written under a part that has no lines. */
  nothing: string;
  parts: readonly Pick<CaseSummaryPart, 'title' | 'lines'>[];
}

/**
 * A summary as PDF, in the layout of a case export: also the evidence packet's summary.pdf (packets module).
 */
export async function renderSummaryPdf(summary: SummaryPdf): Promise<Uint8Array> {
  // Loaded on the first export: pdf-lib costs every process about 9 MiB, and few ever export a case.
  const { PDFDocument, StandardFonts, rgb } = await import('pdf-lib');
  const pdf = await PDFDocument.create();
  pdf.setTitle(summary.title);
  pdf.setProducer('Amparo');
  pdf.setCreator('Amparo');
  // No author, subject or keywords: the file's metadata says nothing about the person.
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const drawable = new Set(regular.getCharacterSet());
  const clean = (text: string): string =>
    [...text.normalize('NFC').replace(/[\r\n\t]+/g, ' ')]
      .map((char) => (drawable.has(char.codePointAt(0)!) ? char : '?'))
      .join('');

  let page: PDFPage = pdf.addPage([PAGE.width, PAGE.height]);
  let y = PAGE.height - PAGE.margin;
  const width = PAGE.width - 2 * PAGE.margin;

  const newPageIfNeeded = (height: number) => {
    if (y - height >= PAGE.margin) return;
    page = pdf.addPage([PAGE.width, PAGE.height]);
    y = PAGE.height - PAGE.margin;
  };
  const wrap = (text: string, font: PDFFont, size: number, maxWidth: number): string[] => {
    const lines: string[] = [];
    let line = '';
    for (const word of clean(text).split(' ')) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (font.widthOfTextAtSize(candidate, size) <= maxWidth) {
        line = candidate;
        continue;
      }
      if (line !== '') lines.push(line);
      // A single word wider than the column is cut where it must be.
      let rest = word;
      while (font.widthOfTextAtSize(rest, size) > maxWidth && rest.length > 1) {
        let cut = rest.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), size) > maxWidth) cut -= 1;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    if (line !== '') lines.push(line);
    return lines.length > 0 ? lines : [''];
  };
  const write = (text: string, font: PDFFont, size: number, x = PAGE.margin, maxWidth = width) => {
    for (const line of wrap(text, font, size, maxWidth)) {
      newPageIfNeeded(size + LINE_GAP);
      y -= size;
      page.drawText(line, { x, y, size, font, color: rgb(0, 0, 0) });
      y -= LINE_GAP;
    }
  };

  write(summary.title, bold, SIZES.title);
  write(summary.note, regular, SIZES.note);
  y -= 8;
  const labelWidth = width * 0.34;
  for (const part of summary.parts) {
    newPageIfNeeded(SIZES.heading * 3);
    y -= 6;
    write(part.title, bold, SIZES.heading);
    if (part.lines.length === 0) write(summary.nothing, regular, SIZES.body);
    for (const { label, value } of part.lines) {
      const labelLines = wrap(label, bold, SIZES.body, labelWidth - 6);
      const valueLines = wrap(value || '—', regular, SIZES.body, width - labelWidth);
      const rows = Math.max(labelLines.length, valueLines.length);
      for (let i = 0; i < rows; i++) {
        newPageIfNeeded(SIZES.body + LINE_GAP);
        y -= SIZES.body;
        const labelLine = labelLines[i];
        const valueLine = valueLines[i];
        if (labelLine) page.drawText(labelLine, { x: PAGE.margin, y, size: SIZES.body, font: bold });
        if (valueLine)
          page.drawText(valueLine, { x: PAGE.margin + labelWidth, y, size: SIZES.body, font: regular });
        y -= LINE_GAP;
      }
    }
  }
  return pdf.save({ useObjectStreams: false });
}
