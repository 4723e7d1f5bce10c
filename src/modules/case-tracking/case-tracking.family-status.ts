// The facts a family's ESTADO <code> text may tell (cases.status-lookup.ts composes the text): the newest
// stay's facility with the directory's visiting notes and phone, the next hearing, and support's outcome.
import type { AppContext } from '../../app/context.ts';
import type { CaseCipher } from '../../crypto/case-keys.ts';
import type { Case } from '../../db/schema.ts';
import { readOutcome } from '../case-support/case-support.outcome.ts';
import type { FamilyStatusFacts } from '../cases/cases.status-lookup.ts';
import { readTracking } from './case-tracking.service.ts';

export async function readFamilyStatusFacts(
  context: AppContext,
  caseRow: Case,
  cipher: CaseCipher,
): Promise<FamilyStatusFacts> {
  const tracking = await readTracking(context, caseRow, cipher);
  const outcome = readOutcome({ caseRow, cipher });
  const now = context.clock.now().getTime();
  const stay = tracking.stays[0];
  const next = tracking.hearings
    .filter((hearing) => hearing.startsAt.getTime() >= now)
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())[0];
  return {
    releasedOn: outcome?.outcome === 'released' ? outcome.date : null,
    // Still detained or transferred: the stays say where. Removal or departure a person tells the family.
    otherOutcome: outcome?.outcome === 'removed' || outcome?.outcome === 'voluntary_departure',
    facility: stay
      ? {
          name: stay.facility?.name ?? stay.record.facilityName,
          visiting: stay.facility?.visiting_notes ?? '',
          phone: stay.facility?.phone ?? '',
        }
      : null,
    nextHearingAt: next?.startsAt ?? null,
  };
}
