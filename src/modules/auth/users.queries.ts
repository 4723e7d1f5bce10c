// What other modules may read about staff accounts (the `users` table is auth's): set-based reads (ids in,
// rows out) and the bindings of the account's encrypted email. Nothing here writes.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import { normalizeEmail } from '../../crypto/blind-index.ts';
import { fieldRef, type FieldRef } from '../../crypto/field-encryption.ts';
import type { Database, Role } from '../../db/schema.ts';
import { findAccountsByIds, listAccountsWithRole, type AccountRow } from './auth.repository.ts';

export { countStaffAndPendingInvites } from './auth.repository.ts';

type Db = Kysely<Database>;

/** A staff member's sign-in email, encrypted in `users.email_ciphertext`. */
export function userEmailField(userId: string): FieldRef<'users'> {
  return fieldRef('users', 'email', userId);
}

/** The blind index of an email address (`users.email_index`), normalised first. */
export function userEmailIndex(context: Pick<AppContext, 'secrets'>, email: string): string {
  return context.secrets.blindIndex.index('users.email', normalizeEmail(email));
}

/** The decrypted sign-in email of an account. */
export function userEmail(
  context: Pick<AppContext, 'secrets'>,
  userId: string,
  emailCiphertext: string,
): string {
  return context.secrets.fields.decrypt(userEmailField(userId), emailCiphertext);
}

export interface Account {
  id: string;
  emailCiphertext: string;
  roles: Role[];
  disabled: boolean;
  createdAt: Date;
}

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    emailCiphertext: row.email_ciphertext,
    roles: row.roles,
    disabled: row.disabled_at !== null,
    createdAt: row.created_at,
  };
}

/** The accounts with these ids (in no particular order; unknown ids are left out). */
export async function findAccounts(db: Db, userIds: readonly string[]): Promise<Account[]> {
  if (userIds.length === 0) return [];
  return (await findAccountsByIds(db, userIds)).map(toAccount);
}

/** One account's roles and whether it is disabled. */
export async function findUserRoles(
  db: Db,
  userId: string,
): Promise<{ roles: Role[]; disabled: boolean } | undefined> {
  const [account] = await findAccounts(db, [userId]);
  return account && { roles: account.roles, disabled: account.disabled };
}

/**
 * Accounts holding the role, oldest first (then by id), optionally only the enabled ones, optionally only
 * among these ids.
 */
export async function listAccountsHolding(
  db: Db,
  role: Role,
  options: { enabledOnly: boolean; among?: readonly string[] },
): Promise<Account[]> {
  if (options.among?.length === 0) return [];
  return (await listAccountsWithRole(db, role, options)).map(toAccount);
}

/** Whether the account exists, is enabled and holds the role. */
export async function isEnabledWithRole(db: Db, userId: string, role: Role): Promise<boolean> {
  return (await listAccountsHolding(db, role, { enabledOnly: true, among: [userId] })).length > 0;
}
