// Tracking's part of merging two cases of the same person: the merged-away case's locator checks, facility
// stays and hearings are opened with its key, sealed again with the kept case's key (the associated data binds
// each value to its case) and moved; its hearings' pending reminders follow them. A locator re-check the
// merged-away case was waiting for carries over, unless the kept case already knows where the person is.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { CaseMergeStepInput } from '../cases/cases.merge.ts';
import { findCase } from '../cases/cases.queries.ts';
import { setNextLocatorCheck } from '../cases/cases.service.ts';
import {
  hasFacilityStay,
  listFacilityStays,
  listHearings,
  listLocatorChecks,
  moveTrackingRows,
} from './case-tracking.repository.ts';
import { facilityStayField, hearingField, locatorResultField } from './case-tracking.service.ts';
import type { FieldRef } from '../../crypto/field-encryption.ts';
import { listReleasesOfCase, moveReleases } from './releases.repository.ts';
import { releaseField } from './releases.service.ts';

export async function moveTrackingOnMerge(trx: Kysely<Database>, input: CaseMergeStepInput): Promise<void> {
  const { from, to } = input;
  const reseal = (ref: FieldRef, stored: string) => to.encrypt(ref, from.decrypt(ref, stored));
  const checks = (await listLocatorChecks(trx, input.fromCaseId)).map((row) => ({
    id: row.id,
    result_ciphertext: reseal(locatorResultField(row.id), row.result_ciphertext),
  }));
  const stays = (await listFacilityStays(trx, input.fromCaseId)).map((row) => ({
    id: row.id,
    stay_ciphertext: reseal(facilityStayField(row.id), row.stay_ciphertext),
  }));
  const hearings = (await listHearings(trx, input.fromCaseId)).map((row) => ({
    id: row.id,
    hearing_ciphertext: reseal(hearingField(row.id), row.hearing_ciphertext),
  }));
  const pendingCheck = (await findCase(trx, input.fromCaseId))?.next_locator_check_at ?? null;
  const keptCheck = (await findCase(trx, input.toCaseId))?.next_locator_check_at ?? null;
  const keptLocated = await hasFacilityStay(trx, input.toCaseId);
  await moveTrackingRows(trx, input.fromCaseId, input.toCaseId, { checks, stays, hearings });
  // Releases and their check-in reminders follow the person too.
  const releases = (await listReleasesOfCase(trx, input.fromCaseId)).map((row) => ({
    id: row.id,
    release_ciphertext: reseal(releaseField(row.id), row.release_ciphertext),
  }));
  await moveReleases(trx, input.fromCaseId, releases, input.toCaseId);
  if (pendingCheck && !keptLocated && stays.length === 0) {
    const earlier = keptCheck && keptCheck < pendingCheck ? keptCheck : pendingCheck;
    await setNextLocatorCheck(trx, input.toCaseId, earlier);
  }
}
