// The operation's numbers. Most of them live in other modules (cases opened, located, released, where people
// are held), so this module offers a registry: each one registers a function that counts, for one operation,
// what it knows. Counts only, never a person. A row with `day` belongs to the day series (the network's local
// day), one with `siteId` to the per-site breakdown, one with `facility` to the per-facility breakdown, and
// one with none of them to the operation's totals.
import type { AppContext } from '../../app/context.ts';

export const OPERATION_MEASURES = [
  'reported_detained',
  'cases_opened',
  'located',
  'released',
  'still_detained',
  'transferred',
  'removed',
  'children_without_caregiver',
] as const;
export type OperationMeasure = (typeof OPERATION_MEASURES)[number];

export interface CountRow {
  measure: OperationMeasure;
  count: number;
  /** YYYY-MM-DD in the network's zone. */
  day?: string;
  siteId?: string;
  /** The facility's name as the network lists it (a place, never a person). */
  facility?: string;
}

/** What a counter may need besides the operation: the network's zone and the clock's now, for day series. */
export interface CountWhen {
  timeZone: string;
  now: Date;
}

/** What a counter reads with: the database, and the keys for counts sealed in cases (counts only leave it). */
export type CountContext = Pick<AppContext, 'db' | 'config' | 'secrets'>;

export type OperationCounter = (
  context: CountContext,
  operationId: string,
  when: CountWhen,
) => Promise<CountRow[]>;

const counters = new Map<string, OperationCounter>();

/** Registers a module's counts under its name (registering the same name again replaces it). */
export function registerOperationCounts(name: string, fn: OperationCounter): void {
  counters.set(name, fn);
}

/** Every registered counter's rows for the operation. */
export async function collectOperationCounts(
  context: CountContext,
  operationId: string,
  when: CountWhen,
): Promise<CountRow[]> {
  const rows: CountRow[] = [];
  for (const counter of counters.values()) rows.push(...(await counter(context, operationId, when)));
  return rows;
}

export type MeasureCounts = Record<OperationMeasure, number>;

export function emptyCounts(): MeasureCounts {
  return Object.fromEntries(OPERATION_MEASURES.map((m) => [m, 0])) as MeasureCounts;
}

export interface OperationNumbers {
  totals: MeasureCounts;
  /** Days in order, each with its counts. */
  byDay: { day: string; counts: MeasureCounts }[];
  bySite: Map<string, MeasureCounts>;
  byFacility: Map<string, MeasureCounts>;
}

/** Sums the rows into totals and breakdowns; `days` are the days the series covers, in order. */
export function summarizeCounts(rows: readonly CountRow[], days: readonly string[]): OperationNumbers {
  const totals = emptyCounts();
  const byDay = new Map(days.map((day) => [day, emptyCounts()]));
  const bySite = new Map<string, MeasureCounts>();
  const byFacility = new Map<string, MeasureCounts>();
  const add = (map: Map<string, MeasureCounts>, key: string, row: CountRow) => {
    const counts = map.get(key) ?? emptyCounts();
    counts[row.measure] += row.count;
    map.set(key, counts);
  };
  for (const row of rows) {
    if (row.day !== undefined) {
      const counts = byDay.get(row.day);
      if (counts) counts[row.measure] += row.count;
    } else if (row.siteId !== undefined) add(bySite, row.siteId, row);
    else if (row.facility !== undefined) add(byFacility, row.facility, row);
    else totals[row.measure] += row.count;
  }
  return { totals, byDay: days.map((day) => ({ day, counts: byDay.get(day)! })), bySite, byFacility };
}

/** A breakdown's cell as allies and the press may see it: a count under 5 is "<5". */
export function shownCount(count: number): string {
  return count < 5 ? '<5' : String(count);
}
