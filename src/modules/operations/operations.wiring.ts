// Where the operation meets the rest of the hotline. The lower modules offer registries, and this module, which
// sits above them, fills them in when it loads: the hotline's family intake (voice and SMS) asks about the open
// operations' sites, the quick case and the roster offer an operation's sites, and the operation's numbers
// count the cases, follow-ups, locations, releases and transfers the other modules hold (counts only).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { outcomesOfCases } from '../case-support/case-support.outcome.ts';
import {
  facilityCountsOfCases,
  locatedCountsOfCases,
  releasedCaseIds,
  releasedCountsOfCases,
  transferredCountsOfCases,
  type DayCounts,
} from '../case-tracking/releases.service.ts';
import { registerOperationSitesForCases } from '../cases/cases.quick.ts';
import { casesOfOperation } from '../cases/cases.queries.ts';
import { registerOpenOperationSites, registerReportedDependentsRecorder } from '../voice/operation-sites.ts';
import { followupsOfOperation } from '../voice/voice.queries.ts';
import { registerOperationCounts, type CountRow, type OperationMeasure } from './operations.counts.ts';
import { localDay } from './operations.days.ts';
import { findOperation, listSites } from './operations.repository.ts';
import { addDependent, openOperationSites, operationTeamIds } from './operations.service.ts';
import { registerOperationTeamsForCases } from '../cases/cases.operation-teams.ts';

registerOpenOperationSites(openOperationSites);
/**
 * A family's text said children are without care: each child is an urgent task on the operation's page until a
 * caregiver is confirmed. More than this many from one text are still counted on the follow-up, but the legal
 * team adds the rest by hand: a mistyped "40" must not bury the list.
 */
export const MAX_DEPENDENTS_FROM_ONE_TEXT = 10;

registerReportedDependentsRecorder(async (context, trx, reported) => {
  // The family chose among the sites offered when they began; the operation may have gone since.
  if (!(await findOperation(trx, reported.operationId))) return;
  const count = Math.min(reported.count, MAX_DEPENDENTS_FROM_ONE_TEXT);
  for (let position = 1; position <= count; position++) {
    // The family's own words, in no staff language: the page says where they came from in the reader's.
    const who = [reported.detainedName, reported.relationship && `(${reported.relationship})`].filter(
      Boolean,
    );
    const description = `${who.join(' ')}${who.length > 0 ? ' · ' : ''}${position}/${reported.count}`;
    await addDependent(context, trx, {
      operationId: reported.operationId,
      siteId: reported.siteId,
      followupId: reported.followupId,
      need: 'other',
      description,
      actorId: null,
    });
  }
});
registerOperationTeamsForCases(operationTeamIds);
registerOperationSitesForCases(async (db, operationId) =>
  (await listSites(db, operationId)).map((site) => ({ id: site.id, name: site.name })),
);

/** Outcomes after which a person is no longer held: still detained counts everyone else of the operation. */
const GONE_FROM_DETENTION = new Set(['released', 'removed', 'voluntary_departure']);

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

registerOperationCounts('hotline', (context, operationId) => reportedDetained(context.db, operationId));
registerOperationCounts('cases', async (context, operationId, when) => {
  const { db } = context;
  const cases = await casesOfOperation(db, operationId);
  const ids = cases.map((c) => c.id);
  const opened = new Map<string, number>();
  for (const c of cases) {
    const day = localDay(c.openedAt, when.timeZone);
    opened.set(day, (opened.get(day) ?? 0) + 1);
  }
  const openedDays = [...opened].map(([day, count]) => ({ day, count }));
  if (ids.length === 0) return dayRows('cases_opened', openedDays);
  const [located, released, transferred, releasedIds, outcomes, facilities] = await Promise.all([
    locatedCountsOfCases(db, ids, when.timeZone),
    releasedCountsOfCases(db, ids, when.timeZone),
    transferredCountsOfCases(db, ids, when.timeZone),
    releasedCaseIds(db, ids),
    outcomesOfCases(context, cases),
    facilityCountsOfCases(context, ids),
  ]);
  const removed = new Map<string, number>();
  // Released (a release record) or an outcome that ended detention; each person once.
  const gone = new Set(releasedIds);
  for (const [caseId, outcome] of outcomes) {
    if (outcome.outcome === 'removed') removed.set(outcome.date, (removed.get(outcome.date) ?? 0) + 1);
    if (GONE_FROM_DETENTION.has(outcome.outcome)) gone.add(caseId);
  }
  return [
    ...dayRows('cases_opened', openedDays),
    ...dayRows('located', located),
    ...dayRows('released', released),
    ...dayRows('transferred', transferred),
    ...dayRows(
      'removed',
      [...removed].map(([day, count]) => ({ day, count })),
    ),
    { measure: 'still_detained', count: cases.length - gone.size },
    ...facilities.flatMap((facility): CountRow[] => [
      { measure: 'still_detained', count: facility.heldNow, facility: facility.facilityName },
      ...(facility.movedOutOfState > 0
        ? [
            {
              measure: 'transferred' as const,
              count: facility.movedOutOfState,
              facility: facility.facilityName,
            },
          ]
        : []),
    ]),
  ];
});
