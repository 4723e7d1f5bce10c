// The aggregate export of an operation's numbers, for allies and the press: counts only, never a person.
// Every cell of a per-site or per-facility breakdown under 5 is shown as "<5", so a small count cannot point at
// someone; the operation's totals and its day series are whole-operation counts and are shown as they are.
import {
  OPERATION_MEASURES,
  shownCount,
  type MeasureCounts,
  type OperationMeasure,
  type OperationNumbers,
} from './operations.counts.ts';
import type { OperationRow, SiteRow } from './operations.repository.ts';

export interface AggregateExport {
  operation: { name: string; raidDay: string; closed: boolean; sites: number };
  measures: readonly OperationMeasure[];
  totals: Record<OperationMeasure, number>;
  byDay: { day: string; dayAfterRaid: number; counts: Record<OperationMeasure, number> }[];
  bySite: { site: string; zip: string; counts: Record<OperationMeasure, string> }[];
  byFacility: { facility: string; counts: Record<OperationMeasure, string> }[];
}

function suppressed(counts: MeasureCounts): Record<OperationMeasure, string> {
  return Object.fromEntries(OPERATION_MEASURES.map((m) => [m, shownCount(counts[m])])) as Record<
    OperationMeasure,
    string
  >;
}

const zero = (): MeasureCounts => Object.fromEntries(OPERATION_MEASURES.map((m) => [m, 0])) as MeasureCounts;

export function aggregateExport(
  operation: OperationRow,
  sites: readonly SiteRow[],
  numbers: OperationNumbers,
  raidDay: string,
): AggregateExport {
  return {
    operation: { name: operation.name, raidDay, closed: operation.closed_at !== null, sites: sites.length },
    measures: OPERATION_MEASURES,
    totals: { ...numbers.totals },
    byDay: numbers.byDay.map((d, i) => ({ day: d.day, dayAfterRaid: i, counts: { ...d.counts } })),
    bySite: sites.map((site) => ({
      site: site.name,
      zip: site.zip,
      counts: suppressed(numbers.bySite.get(site.id) ?? zero()),
    })),
    byFacility: [...numbers.byFacility]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([facility, counts]) => ({ facility, counts: suppressed(counts) })),
  };
}

function csvCell(value: string | number): string {
  const text = String(value);
  // A cell a spreadsheet would run as a formula is quoted with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One row per (breakdown, label, measure): section,label,zip,day,measure,count. */
export function exportCsv(data: AggregateExport): string {
  const lines: (string | number)[][] = [['section', 'label', 'zip', 'day', 'measure', 'count']];
  for (const m of OPERATION_MEASURES) lines.push(['total', data.operation.name, '', '', m, data.totals[m]]);
  for (const d of data.byDay) {
    for (const m of OPERATION_MEASURES)
      lines.push(['day', `day ${d.dayAfterRaid}`, '', d.day, m, d.counts[m]]);
  }
  for (const s of data.bySite) {
    for (const m of OPERATION_MEASURES) lines.push(['site', s.site, s.zip, '', m, s.counts[m]]);
  }
  for (const f of data.byFacility) {
    for (const m of OPERATION_MEASURES) lines.push(['facility', f.facility, '', '', m, f.counts[m]]);
  }
  return `${lines.map((line) => line.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
