// Every case route of every case module starts here: need to know, checked per case. A case that does not
// exist, was merged into another, had its key destroyed, or belongs neither to the staff member nor to a team
// they are in answers the same 404, so nobody learns that a case exists by guessing its id.
import type { AppContext } from '../../app/context.ts';
import { caseKeyStoreFor, CaseKeyUnavailableError, type CaseCipher } from '../../crypto/case-keys.ts';
import type { Case } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { AppError } from '../../http/errors.ts';
import { isUuid } from '../../http/ids.ts';
import { CASE_ROLES } from './cases.policy.ts';
import { findCase, findCases, isCaseVisibleTo, visibleCaseIds } from './cases.repository.ts';

function mayReadCases(principal: Pick<StaffPrincipal, 'roles'>): boolean {
  return principal.roles.some((role) => CASE_ROLES.includes(role));
}

/**
 * The case row when the principal may see it (assigned, or in its team), whatever its state: merged away and
 * destroyed cases included, for the pages that show what is left of them. Undefined otherwise.
 */
export async function findCaseForStaff(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'roles' | 'userId'>,
  caseId: string,
): Promise<Case | undefined> {
  if (!mayReadCases(principal) || !isUuid(caseId)) return undefined;
  // A UUID's hex digits may come in either case (a hand-typed or pasted link). The database compares them
  // as one, but what is keyed by the id as text (key files, sealed fields' bindings) uses the lower case.
  const id = caseId.toLowerCase();
  const caseRow = await findCase(context.db, id);
  if (!caseRow) return undefined;
  if (!(await isCaseVisibleTo(context.db, id, principal.userId))) return undefined;
  return caseRow;
}

/**
 * Opens a live case for a staff member: its row and its key, unwrapped. Throws the 404 AppError when the case
 * does not exist, was merged away, its key was destroyed, or the principal is neither assigned nor in its team.
 */
export async function openCaseForStaff(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'roles' | 'userId'>,
  caseId: string,
): Promise<{ caseRow: Case; cipher: CaseCipher }> {
  const caseRow = await findCaseForStaff(context, principal, caseId);
  if (!caseRow || caseRow.merged_into !== null || caseRow.key_destroyed_at !== null) {
    throw new AppError('not_found');
  }
  try {
    // The row's own id, in the database's canonical (lower-case) form: key files are named by it.
    return { caseRow, cipher: await caseKeyStoreFor(context).cipherFor(caseRow.id) };
  } catch (error) {
    // The destruction job deletes the key file before it marks the row: between the two, the case is gone.
    if (error instanceof CaseKeyUnavailableError) throw new AppError('not_found');
    throw error;
  }
}

/**
 * openCaseForStaff for many cases at once (a worklist's rows), in two statements whatever their number: the
 * same rule, and the cases the principal may not open are left out instead of answering 404. By case id.
 */
export async function openCasesForStaff(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'roles' | 'userId'>,
  caseIds: readonly string[],
): Promise<Map<string, { caseRow: Case; cipher: CaseCipher }>> {
  const opened = new Map<string, { caseRow: Case; cipher: CaseCipher }>();
  const wanted = [...new Set(caseIds.filter(isUuid).map((id) => id.toLowerCase()))];
  if (!mayReadCases(principal) || wanted.length === 0) return opened;
  const visible = await visibleCaseIds(context.db, wanted, principal.userId);
  const rows = await findCases(context.db, [...visible]);
  const keys = caseKeyStoreFor(context);
  // The key files are read side by side (200 one after the other cost more than the two statements).
  const ciphers = await Promise.all(
    rows.map(async (caseRow) => {
      if (caseRow.merged_into !== null || caseRow.key_destroyed_at !== null) return null;
      try {
        return await keys.cipherFor(caseRow.id);
      } catch (error) {
        // As openCaseForStaff: a key deleted before its row was marked is a case gone.
        if (error instanceof CaseKeyUnavailableError) return null;
        throw error;
      }
    }),
  );
  rows.forEach((caseRow, index) => {
    const cipher = ciphers[index];
    if (cipher) opened.set(caseRow.id, { caseRow, cipher });
  });
  return opened;
}

/**
 * Of these case ids, those the principal may open now (openCaseForStaff's rule: a live case, assigned to them
 * or to a team they are in). For pages outside the cases modules that show something about a case, such as
 * texts about it in the console outbox.
 */
export async function casesStaffMayOpen(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'roles' | 'userId'>,
  caseIds: readonly string[],
): Promise<Set<string>> {
  const wanted = [...new Set(caseIds.filter(isUuid).map((id) => id.toLowerCase()))];
  if (!mayReadCases(principal) || wanted.length === 0) return new Set();
  const open = new Set<string>();
  for (const id of await visibleCaseIds(context.db, wanted, principal.userId)) {
    const caseRow = await findCase(context.db, id);
    if (caseRow && caseRow.merged_into === null && caseRow.key_destroyed_at === null) open.add(id);
  }
  return open;
}
