// The sites of the operations now open (a raid on several workplaces), for the hotline's family intake to
// ask "was it at <site>?". Operations live in a higher module, which registers the reader here when its module
// file loads, so voice and sms (which imports voice) never import it. Nobody registered: no open operation,
// and the hotline asks nothing more.
import type { Kysely } from 'kysely';
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
