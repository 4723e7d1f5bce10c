// The auth module's SQL: users, sessions and invites. Functions take the database or a transaction, so
// the services decide what commits together.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database, InviteKind, Role } from '../../db/schema.ts';

type Db = Kysely<Database>;

export interface SignInUser {
  id: string;
  email_ciphertext: string;
  password_hash: string;
  roles: Role[];
  totp_secret_ciphertext: string | null;
  totp_enrolled_at: Date | null;
  totp_last_step: string | null;
  email_index: string;
  disabled_at: Date | null;
}

const SIGN_IN_COLUMNS = [
  'id',
  'email_ciphertext',
  'password_hash',
  'roles',
  'totp_secret_ciphertext',
  'totp_enrolled_at',
  'totp_last_step',
  'email_index',
  'disabled_at',
] as const;

export async function findUserByEmailIndex(db: Db, emailIndex: string): Promise<SignInUser | undefined> {
  return db
    .selectFrom('users')
    .select(SIGN_IN_COLUMNS)
    .where('email_index', '=', emailIndex)
    .executeTakeFirst();
}

export async function findUserById(db: Db, id: string): Promise<SignInUser | undefined> {
  return db.selectFrom('users').select(SIGN_IN_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertUser(
  db: Db,
  user: { id: string; emailCiphertext: string; emailIndex: string; roles: Role[]; passwordHash: string },
  now: Date,
): Promise<void> {
  await db
    .insertInto('users')
    .values({
      id: user.id,
      email_ciphertext: user.emailCiphertext,
      email_index: user.emailIndex,
      roles: user.roles,
      password_hash: user.passwordHash,
      totp_secret_ciphertext: null,
      totp_enrolled_at: null,
      totp_last_step: null,
      locked_until: null,
      disabled_at: null,
      created_at: now,
    })
    .execute();
}

export async function emailIndexExists(db: Db, emailIndex: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('email_index', '=', emailIndex)
    .executeTakeFirst();
  return row !== undefined;
}

export interface SignInClient {
  accountIndex: string;
  clientBucket: number;
}

/**
 * Counts a failed sign-in for an account from a client, atomically (two wrong guesses at once both count),
 * starting again from 1 when the last one is older than `forgetBefore`; returns the new count.
 */
export async function countSignInFailure(
  db: Db,
  pair: SignInClient,
  at: { now: Date; forgetBefore: Date },
): Promise<number> {
  await db.deleteFrom('sign_in_failures').where('last_failed_at', '<', at.forgetBefore).execute();
  const row = await db
    .insertInto('sign_in_failures')
    .values({
      account_index: pair.accountIndex,
      client_bucket: pair.clientBucket,
      failures: 1,
      last_failed_at: at.now,
    })
    .onConflict((conflict) =>
      conflict.columns(['account_index', 'client_bucket']).doUpdateSet((eb) => ({
        failures: eb('sign_in_failures.failures', '+', 1),
        last_failed_at: at.now,
      })),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  return row.failures;
}

/** Failed sign-ins for an account from a client since `forgetBefore` (0 when none). */
export async function signInFailuresOf(db: Db, pair: SignInClient, forgetBefore: Date): Promise<number> {
  const row = await db
    .selectFrom('sign_in_failures')
    .select('failures')
    .where('account_index', '=', pair.accountIndex)
    .where('client_bucket', '=', pair.clientBucket)
    .where('last_failed_at', '>=', forgetBefore)
    .executeTakeFirst();
  return row?.failures ?? 0;
}

/** A sign-in succeeded: that client starts afresh for that account (other clients' counts stay). */
export async function clearSignInFailures(db: Db, pair: SignInClient): Promise<void> {
  await db
    .deleteFrom('sign_in_failures')
    .where('account_index', '=', pair.accountIndex)
    .where('client_bucket', '=', pair.clientBucket)
    .execute();
}

/** Offers a new secret to a user still enrolling; an enrolled user's secret is never replaced here. */
export async function setPendingTotpSecret(db: Db, userId: string, ciphertext: string): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totp_secret_ciphertext: ciphertext, totp_last_step: null })
    .where('id', '=', userId)
    .where('totp_enrolled_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Records the step of an accepted code, only if it is later than the last one: of two requests carrying
 * the same code, exactly one wins.
 */
export async function acceptTotpStep(
  db: Db,
  userId: string,
  step: number,
  enrolledAt: Date | null,
): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({
      totp_last_step: step,
      ...(enrolledAt ? { totp_enrolled_at: enrolledAt } : {}),
    })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(step))]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface SessionWithUser {
  id: string;
  user_id: string;
  mfa_complete: boolean;
  csrf_secret: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  roles: Role[];
  disabled_at: Date | null;
}

export async function findSessionWithUser(db: Db, sessionId: string): Promise<SessionWithUser | undefined> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.user_id',
      'sessions.mfa_complete',
      'sessions.csrf_secret',
      'sessions.created_at',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'users.roles',
      'users.disabled_at',
    ])
    .where('sessions.id', '=', sessionId)
    .executeTakeFirst();
}

export async function insertSession(
  db: Db,
  session: {
    id: string;
    userId: string;
    mfaComplete: boolean;
    csrfSecret: string;
    now: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: session.id,
      user_id: session.userId,
      mfa_complete: session.mfaComplete,
      csrf_secret: session.csrfSecret,
      created_at: session.now,
      last_seen_at: session.now,
      expires_at: session.expiresAt,
    })
    .execute();
}

export async function touchSession(db: Db, sessionId: string, now: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', sessionId).execute();
}

export async function deleteSession(db: Db, sessionId: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('id', '=', sessionId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteSessionsOfUser(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Tells every process, when the transaction commits, that these sessions ended (see sessions.ended.ts). */
export async function notifySessionsEnded(db: Db, channel: string, payload: string): Promise<void> {
  await sql`select pg_notify(${channel}, ${payload})`.execute(db);
}

export async function deletePendingSessionsOfUser(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).where('mfa_complete', '=', false).execute();
}

/** Deletes sessions past their absolute end, or idle since before idleCutoff. */
export async function deleteExpiredSessions(db: Db, now: Date, idleCutoff: Date): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleCutoff)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface UserListRow {
  id: string;
  email_ciphertext: string;
  roles: Role[];
  totp_enrolled_at: Date | null;
  disabled_at: Date | null;
  locked_until: Date | null;
  created_at: Date;
  active_sessions: number;
}

export async function listUsers(db: Db, now: Date, idleCutoff: Date): Promise<UserListRow[]> {
  const rows = await db
    .selectFrom('users')
    .select((eb) => [
      'users.id',
      'users.email_ciphertext',
      'users.roles',
      'users.totp_enrolled_at',
      'users.disabled_at',
      'users.locked_until',
      'users.created_at',
      eb
        .selectFrom('sessions')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('sessions.user_id', '=', 'users.id')
        .where('sessions.mfa_complete', '=', true)
        .where('sessions.expires_at', '>', now)
        .where('sessions.last_seen_at', '>=', idleCutoff)
        .as('active_sessions'),
    ])
    .orderBy('users.created_at')
    .execute();
  return rows.map((row) => ({ ...row, active_sessions: Number(row.active_sessions ?? 0) }));
}

export async function updateRoles(db: Db, userId: string, roles: Role[]): Promise<void> {
  await db.updateTable('users').set({ roles }).where('id', '=', userId).execute();
}

export async function setDisabled(db: Db, userId: string, disabledAt: Date | null): Promise<void> {
  await db.updateTable('users').set({ disabled_at: disabledAt }).where('id', '=', userId).execute();
}

/** Locks the user row for the rest of the transaction, so concurrent admin changes apply one after another. */
export async function lockUser(
  db: Db,
  userId: string,
): Promise<{ id: string; roles: Role[]; disabled_at: Date | null } | undefined> {
  return db
    .selectFrom('users')
    .select(['id', 'roles', 'disabled_at'])
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}

export interface InviteRow {
  id: string;
  kind: InviteKind;
  email_ciphertext: string | null;
  role: Role;
  expires_at: Date;
  used_at: Date | null;
}

export async function insertInvite(
  db: Db,
  invite: {
    id: string;
    tokenHash: string;
    kind: InviteKind;
    emailCiphertext: string | null;
    emailIndex: string | null;
    role: Role;
    createdBy: string | null;
    now: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await db
    .insertInto('invites')
    .values({
      id: invite.id,
      token_hash: invite.tokenHash,
      kind: invite.kind,
      email_ciphertext: invite.emailCiphertext,
      email_index: invite.emailIndex,
      role: invite.role,
      created_by: invite.createdBy,
      created_at: invite.now,
      expires_at: invite.expiresAt,
      used_at: null,
    })
    .execute();
}

/** Ends every unused setup link, so only the newest one printed works. */
export async function expireUnusedSetupInvites(db: Db, now: Date): Promise<void> {
  await db
    .updateTable('invites')
    .set({ expires_at: now })
    .where('kind', '=', 'setup')
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
}

const INVITE_COLUMNS = ['id', 'kind', 'email_ciphertext', 'role', 'expires_at', 'used_at'] as const;

/** The one definition of a usable link: this token, this kind, never used, not expired. */
function usableInvite(tokenHash: string, kind: InviteKind, now: Date) {
  return (eb: ExpressionBuilder<Database, 'invites'>) =>
    eb.and([
      eb('token_hash', '=', tokenHash),
      eb('kind', '=', kind),
      eb('used_at', 'is', null),
      eb('expires_at', '>', now),
    ]);
}

export async function findUsableInvite(
  db: Db,
  tokenHash: string,
  kind: InviteKind,
  now: Date,
): Promise<InviteRow | undefined> {
  return db
    .selectFrom('invites')
    .select(INVITE_COLUMNS)
    .where(usableInvite(tokenHash, kind, now))
    .executeTakeFirst();
}

/**
 * Marks an invite used if it still can be: the check and the mark are one statement, so of two
 * concurrent uses only one gets the row back.
 */
export async function consumeInvite(
  db: Db,
  tokenHash: string,
  kind: InviteKind,
  now: Date,
): Promise<InviteRow | undefined> {
  return db
    .updateTable('invites')
    .set({ used_at: now })
    .where(usableInvite(tokenHash, kind, now))
    .returning(INVITE_COLUMNS)
    .executeTakeFirst();
}

export interface PendingInviteRow {
  id: string;
  email_ciphertext: string | null;
  role: Role;
  created_by: string | null;
  created_at: Date;
  expires_at: Date;
}

const PENDING_INVITE_COLUMNS = [
  'id',
  'email_ciphertext',
  'role',
  'created_by',
  'created_at',
  'expires_at',
] as const;

/** Admin invitations nobody has used yet and that still work, soonest to expire first. */
export async function listPendingInvites(db: Db, now: Date): Promise<PendingInviteRow[]> {
  return db
    .selectFrom('invites')
    .select(PENDING_INVITE_COLUMNS)
    .where('kind', '=', 'invite')
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('expires_at')
    .orderBy('id')
    .execute();
}

/**
 * Ends one pending admin invitation now (its link then answers like an expired one). Returns the row only
 * if it was still pending, so of two concurrent revokes only one is recorded.
 */
export async function endPendingInvite(
  db: Db,
  inviteId: string,
  now: Date,
): Promise<PendingInviteRow | undefined> {
  return db
    .updateTable('invites')
    .set({ expires_at: now })
    .where('id', '=', inviteId)
    .where('kind', '=', 'invite')
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(PENDING_INVITE_COLUMNS)
    .executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------------------
// Reads for other modules (through users.queries.ts)

export interface AccountRow {
  id: string;
  email_ciphertext: string;
  roles: Role[];
  disabled_at: Date | null;
  created_at: Date;
}

const ACCOUNT_COLUMNS = ['id', 'email_ciphertext', 'roles', 'disabled_at', 'created_at'] as const;

export async function findAccountsByIds(db: Db, userIds: readonly string[]): Promise<AccountRow[]> {
  if (userIds.length === 0) return [];
  return db.selectFrom('users').select(ACCOUNT_COLUMNS).where('id', 'in', userIds).execute();
}

/** Accounts holding the role, oldest first (then by id). */
export async function listAccountsWithRole(
  db: Db,
  role: Role,
  options: { enabledOnly: boolean; among?: readonly string[] },
): Promise<AccountRow[]> {
  let query = db
    .selectFrom('users')
    .select(ACCOUNT_COLUMNS)
    .where(sql<boolean>`${role} = any(roles)`);
  if (options.enabledOnly) query = query.where('disabled_at', 'is', null);
  if (options.among !== undefined) {
    if (options.among.length === 0) return [];
    query = query.where('id', 'in', options.among);
  }
  return query.orderBy('created_at').orderBy('id').execute();
}

/** For the admin's home page: enabled staff accounts, and invitations sent but not yet used nor expired. */
export async function countStaffAndPendingInvites(
  db: Db,
  now: Date,
): Promise<{ staff: number; pendingInvites: number }> {
  const staff = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('disabled_at', 'is', null)
    .executeTakeFirstOrThrow();
  const invites = await db
    .selectFrom('invites')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('kind', '=', 'invite')
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return { staff: Number(staff.n), pendingInvites: Number(invites.n) };
}
