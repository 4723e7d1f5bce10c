// Tracking's part of merging two cases of the same person: the merged-away case's locator checks, facility
// stays and hearings are opened with its key, sealed again with the kept case's key (the associated data binds
// each value to its case) and moved; its hearings' pending reminders follow them.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { CaseMergeStepInput } from '../cases/cases.merge.ts';
import {
  listFacilityStays,
  listHearings,
  listLocatorChecks,
  moveTrackingRows,
} from './case-tracking.repository.ts';
import { facilityStayField, hearingField, locatorResultField } from './case-tracking.service.ts';

export async function moveTrackingOnMerge(trx: Kysely<Database>, input: CaseMergeStepInput): Promise<void> {
  const { from, to } = input;
  const reseal = (ref: { table: string; column: string; rowId: string }, stored: string) =>
    to.encrypt(ref, from.decrypt(ref, stored));
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
  await moveTrackingRows(trx, input.fromCaseId, input.toCaseId, { checks, stays, hearings });
}
