// Where the operation meets the rest of the hotline. The lower modules offer registries, and this module, which
// sits above them, fills them in when it loads: the hotline's family intake (voice and SMS) asks about the open
// operations' sites, the quick case and the roster offer an operation's sites, and the operation's numbers
// count the cases, follow-ups, locations, releases and transfers the other modules hold (counts only).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import {
  locatedCountsOfCases,
  releasedCountsOfCases,
  transferredCountsOfCases,
  type DayCounts,
} from '../case-tracking/releases.service.ts';
import { registerOperationSitesForCases } from '../cases/cases.quick.ts';
import { casesOfOperation } from '../cases/cases.queries.ts';
import { registerOpenOperationSites } from '../voice/operation-sites.ts';
import { followupsOfOperation } from '../voice/voice.queries.ts';
import { registerOperationCounts, type CountRow, type OperationMeasure } from './operations.counts.ts';
import { localDay } from './operations.days.ts';
import { listSites } from './operations.repository.ts';
import { openOperationSites } from './operations.service.ts';

registerOpenOperationSites(openOperationSites);
registerOperationSitesForCases(async (db, operationId) =>
  (await listSites(db, operationId)).map((site) => ({ id: site.id, name: site.name })),
);

/** A day series and its total, as the operation's page and export read them. */
export function dayRows(measure: OperationMeasure, days: DayCounts): CountRow[] {
  const total = days.reduce((sum, day) => sum + day.count, 0);
  return [{ measure, count: total }, ...days.map((day) => ({ measure, count: day.count, day: day.day }))];
}

/** Families who told the hotline someone was taken: the operation's reported detained, by site. */
async function reportedDetained(db: Kysely<Database>, operationId: string): Promise<CountRow[]> {
  const followups = await followupsOfOperation(db, operationId);
  const bySite = new Map<string, number>();
  for (const followup of followups)
    if (followup.siteId) bySite.set(followup.siteId, (bySite.get(followup.siteId) ?? 0) + 1);
  return [
    { measure: 'reported_detained', count: followups.length },
    ...[...bySite].map(([siteId, count]) => ({ measure: 'reported_detained' as const, count, siteId })),
  ];
}

registerOperationCounts('hotline', reportedDetained);
registerOperationCounts('cases', async (db, operationId, when) => {
  const cases = await casesOfOperation(db, operationId);
  const ids = cases.map((c) => c.id);
  const opened = new Map<string, number>();
  for (const c of cases) {
    const day = localDay(c.openedAt, when.timeZone);
    opened.set(day, (opened.get(day) ?? 0) + 1);
  }
  const openedDays = [...opened].map(([day, count]) => ({ day, count }));
  if (ids.length === 0) return dayRows('cases_opened', openedDays);
  const [located, released, transferred] = await Promise.all([
    locatedCountsOfCases(db, ids, when.timeZone),
    releasedCountsOfCases(db, ids, when.timeZone),
    transferredCountsOfCases(db, ids, when.timeZone),
  ]);
  return [
    ...dayRows('cases_opened', openedDays),
    ...dayRows('located', located),
    ...dayRows('released', released),
    ...dayRows('transferred', transferred),
  ];
});
