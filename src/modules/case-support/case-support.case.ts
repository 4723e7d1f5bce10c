// What every support change on a case starts from: the case opened for the staff member (openCaseForStaff
// checked need to know and unwrapped its key), and the rule that only a live, open case takes changes.
import type { CaseCipher } from '../../crypto/case-keys.ts';
import type { Case } from '../../db/schema.ts';

export interface OpenedCase {
  caseRow: Case;
  cipher: CaseCipher;
}

/**
 * Closing a case starts its retention clock; it is read-only from then on (reopening it is the core's), and
 * a case merged away or whose key is gone takes nothing. Checked again under the case's row lock.
 */
export function acceptsChanges(caseRow: Case | undefined): caseRow is Case {
  return (
    caseRow !== undefined &&
    caseRow.status === 'open' &&
    caseRow.merged_into === null &&
    caseRow.key_destroyed_at === null
  );
}
