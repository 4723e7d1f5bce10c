// The locator worklist (issue 16): everyone not yet located among the cases a staff member may see (need to
// know is the cases module's), oldest first, with the last locator check, so that results can be recorded
// row by row. The operation's page passes its case ids; the console page shows all the person's cases.
import { unsealDetails } from '../cases/cases.model.ts';
import type { AppContext } from '../../app/context.ts';
import type { Facility } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { isUuid } from '../../http/ids.ts';
import { openCasesForStaff } from '../cases/cases.access.ts';
import { displayNamesOf } from '../staff/staff.service.ts';
import type { LocatorCheckRecord } from './case-tracking.schemas.ts';
import { locatorResultField } from './case-tracking.service.ts';
import { listFacilities } from './facilities.repository.ts';
import {
  latestLocatorChecks,
  listUnlocatedVisibleCases,
  listVisibleOpenCaseIds,
} from './releases.repository.ts';
import { facilityCountsOfCases, facilityState, type FacilityCount } from './releases.service.ts';

type Principal = Pick<StaffPrincipal, 'userId' | 'roles'>;

/** Rows shown at once: the oldest first; the rest come as the first ones are located. */
export const WORKLIST_LIMIT = 200;

export interface WorklistRow {
  caseId: string;
  reference: string;
  openedAt: Date;
  /** What the ICE locator is searched by: the name and country of birth, or the A-number and country. */
  person: { name: string; countryOfBirth: string; aNumber: string | null };
  lastCheck: { at: Date; result: LocatorCheckRecord['result']; by: string | null } | null;
}

export interface Worklist {
  rows: WorklistRow[];
  /** The directory, grouped by state (null: no state in the address) for the facility choice. */
  facilitiesByState: { state: string | null; facilities: Facility[] }[];
  counts: FacilityCount[];
}

/**
 * The people not yet located (no facility, not released) of the open cases the principal may open, oldest
 * first, each with their newest locator check. `caseIds` narrows it to a list (an operation's cases).
 */
export async function locatorWorklist(
  context: AppContext,
  principal: Principal,
  options: { caseIds?: string[] } = {},
): Promise<Worklist> {
  const facilities = await listFacilities(context.db);
  const facilitiesByState = groupByState(facilities);
  if (!principal.roles.includes('legal')) return { rows: [], facilitiesByState, counts: [] };
  const caseIds = options.caseIds?.filter(isUuid).map((id) => id.toLowerCase());
  const cases = await listUnlocatedVisibleCases(context.db, principal.userId, {
    ...(caseIds ? { caseIds } : {}),
    limit: WORKLIST_LIMIT,
  });
  const checks = new Map(
    (
      await latestLocatorChecks(
        context.db,
        cases.map((row) => row.id),
      )
    ).map((row) => [row.case_id, row]),
  );
  const names = await displayNamesOf(
    context.db,
    [...checks.values()].flatMap((check) => (check.checked_by ? [check.checked_by] : [])),
  );
  // Each case is opened through the cases module's rule, as its page would be (all rows in two statements):
  // the row needs the person's name (or A-number) and country, which is what the locator is searched by.
  const openedCases = await openCasesForStaff(
    context,
    principal,
    cases.map((row) => row.id),
  );
  const rows: WorklistRow[] = [];
  for (const row of cases) {
    const check = checks.get(row.id);
    let lastCheck: WorklistRow['lastCheck'] = null;
    const opened = openedCases.get(row.id);
    if (!opened) continue;
    const { cipher } = opened;
    const { person } = unsealDetails(cipher, opened.caseRow);
    if (check) {
      const record = cipher.decryptJson<LocatorCheckRecord>(
        locatorResultField(check.id),
        check.result_ciphertext,
      );
      lastCheck = {
        at: check.checked_at,
        result: record.result,
        by: check.checked_by ? names.get(check.checked_by) || null : null,
      };
    }
    rows.push({
      caseId: row.id,
      reference: row.reference,
      openedAt: row.opened_at,
      person: { name: person.name, countryOfBirth: person.countryOfBirth, aNumber: person.aNumber },
      lastCheck,
    });
  }
  // Counted over the cases the person may see only: a case passed in from elsewhere is never counted.
  const visible = await listVisibleOpenCaseIds(context.db, principal.userId);
  const wanted = caseIds ? new Set(caseIds) : undefined;
  const counts = await facilityCountsOfCases(
    context,
    wanted ? visible.filter((id) => wanted.has(id)) : visible,
  );
  return { rows, facilitiesByState, counts };
}

function groupByState(facilities: readonly Facility[]): Worklist['facilitiesByState'] {
  const groups = new Map<string | null, Facility[]>();
  for (const facility of facilities) {
    const state = facilityState(facility);
    groups.set(state, [...(groups.get(state) ?? []), facility]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
    .map(([state, list]) => ({ state, facilities: list }));
}
