// The sites of the operations now open (a raid on several workplaces), for the hotline's family intake to
// ask "was it at <site>?". Operations live in a higher module, which registers the reader here when its module
// file loads, so voice and sms (which imports voice) never import it. Nobody registered: no open operation,
// and the hotline asks nothing more.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database } from '../../db/schema.ts';

export interface OpenOperationSite {
  operationId: string;
  siteId: string;
  siteName: string;
  zip: string | null;
}

export type OpenOperationSitesReader = (db: Kysely<Database>) => Promise<OpenOperationSite[]>;

const none: OpenOperationSitesReader = async () => [];
let reader: OpenOperationSitesReader = none;

/** Called once by the operations module; a test registers a fake and puts the default back after. */
export function registerOpenOperationSites(fn: OpenOperationSitesReader): void {
  reader = fn;
}

/** Back to no open operation (for tests). */
export function resetOpenOperationSites(): void {
  reader = none;
}

/** At most this many sites are offered, on the phone keypad (1 to 8, 9 for not sure) and by text. */
export const MAX_OFFERED_SITES = 8;

/** The open sites to offer, in the order the reader gives them, at most MAX_OFFERED_SITES. */
export async function openOperationSites(db: Kysely<Database>): Promise<OpenOperationSite[]> {
  return (await reader(db)).slice(0, MAX_OFFERED_SITES);
}

/** What a family told the hotline about dependents left without care, for the operation it was filed under. */
export interface ReportedDependents {
  operationId: string;
  siteId: string | null;
  followupId: string;
  /** How many children or other dependents are now without care (at least 1). */
  count: number;
  detainedName: string | null;
  relationship: string | null;
}

export type ReportedDependentsRecorder = (
  context: AppContext,
  trx: Kysely<Database>,
  reported: ReportedDependents,
) => Promise<void>;

const nobodyRecords: ReportedDependentsRecorder = async () => {};
let recordDependents: ReportedDependentsRecorder = nobodyRecords;

/**
 * Called once by the operations module: a family intake that says children are without care puts them on the
 * operation's urgent list, in the same transaction as the follow-up, so neither exists without the other.
 */
export function registerReportedDependentsRecorder(fn: ReportedDependentsRecorder): void {
  recordDependents = fn;
}

/** Back to nobody recording (for tests). */
export function resetReportedDependentsRecorder(): void {
  recordDependents = nobodyRecords;
}

export async function recordReportedDependents(
  context: AppContext,
  trx: Kysely<Database>,
  reported: ReportedDependents,
): Promise<void> {
  await recordDependents(context, trx, reported);
}
