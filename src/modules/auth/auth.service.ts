// Signing in: password, then a mandatory second factor (TOTP, enrolled at first sign-in), then a fresh
// session. Failures of either step count against the account, never globally, so an attacker can lock one
// account for a while but cannot lock everybody out or guess codes without limit.
import type { AppContext } from '../../app/context.ts';
import { normalizeEmail } from '../../crypto/blind-index.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { announceSessionsEnded, notifyOtherProcesses } from './sessions.ended.ts';
import {
  acceptTotpStep,
  deletePendingSessionsOfUser,
  deleteSession,
  deleteSessionsOfUser,
  findUserByEmailIndex,
  findUserById,
  incrementFailedLogins,
  resetFailedLogins,
  setLockedUntil,
  setPendingTotpSecret,
  type SessionWithUser,
  type SignInUser,
} from './auth.repository.ts';
import { verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { createSession, type NewSession } from './sessions.service.ts';
import { base32Decode, generateTotpSecret, otpauthUri, verifyTotp } from './totp.ts';

export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_BASE_MS = 60 * 1000;
export const LOCKOUT_MAX_MS = 15 * 60 * 1000;

/** How long an account stays locked after this many consecutive failures (null: not locked). */
export function lockoutDuration(consecutiveFailures: number): number | null {
  if (consecutiveFailures < LOCKOUT_THRESHOLD) return null;
  const doublings = Math.min(consecutiveFailures - LOCKOUT_THRESHOLD, 10);
  return Math.min(LOCKOUT_BASE_MS * 2 ** doublings, LOCKOUT_MAX_MS);
}

function emailIndex(context: AppContext, email: string): string {
  return context.secrets.blindIndex.index('users.email', normalizeEmail(email));
}

function totpSecretRef(userId: string) {
  return { table: 'users', column: 'totp_secret', rowId: userId };
}

function isLocked(user: Pick<SignInUser, 'locked_until'>, now: Date): boolean {
  return user.locked_until !== null && user.locked_until.getTime() > now.getTime();
}

async function recordFailure(
  context: AppContext,
  userId: string,
  stage: 'password' | 'second_factor',
): Promise<{ locked: boolean }> {
  return context.db.transaction().execute(async (trx) => {
    const failures = await incrementFailedLogins(trx, userId);
    await recordAudit(trx, context, {
      actorId: null,
      action: stage === 'password' ? 'auth.sign_in_failed' : 'auth.second_factor_failed',
      subjectType: 'user',
      subjectId: userId,
      details: { reason: stage === 'password' ? 'wrong_password' : 'wrong_code', failures },
    });
    const lockFor = lockoutDuration(failures);
    if (lockFor === null) return { locked: false };
    await setLockedUntil(trx, userId, new Date(context.clock.now().getTime() + lockFor));
    await deletePendingSessionsOfUser(trx, userId);
    await recordAudit(trx, context, {
      actorId: null,
      action: 'auth.locked_out',
      subjectType: 'user',
      subjectId: userId,
      details: { failures, seconds: lockFor / 1000 },
    });
    return { locked: true };
  });
}

export type PasswordStepResult = { ok: true; pending: NewSession } | { ok: false };

/**
 * Checks email and password. Every refusal looks and takes the same: unknown email, wrong password,
 * locked or disabled account.
 */
export async function verifyPasswordStep(
  context: AppContext,
  email: string,
  password: string,
): Promise<PasswordStepResult> {
  const user = await findUserByEmailIndex(context.db, emailIndex(context, email));
  if (!user) {
    await verifyAgainstDummy(password);
    await recordAudit(context.db, context, {
      actorId: null,
      action: 'auth.sign_in_failed',
      details: { reason: 'unknown_account' },
    });
    return { ok: false };
  }
  const now = context.clock.now();
  if (user.disabled_at || isLocked(user, now)) {
    // Spent anyway so a locked account answers as slowly as any other; the result is not used, and
    // attempts during a lock do not lengthen it.
    await verifyPassword(user.password_hash, password);
    await recordAudit(context.db, context, {
      actorId: null,
      action: 'auth.sign_in_failed',
      subjectType: 'user',
      subjectId: user.id,
      details: { reason: user.disabled_at ? 'disabled' : 'locked' },
    });
    return { ok: false };
  }
  if (!(await verifyPassword(user.password_hash, password))) {
    await recordFailure(context, user.id, 'password');
    return { ok: false };
  }
  const pending = await context.db.transaction().execute(async (trx) => {
    if (!user.totp_enrolled_at) {
      // A fresh secret per sign-in attempt: a secret shown to an earlier, abandoned attempt stops working.
      const secret = generateTotpSecret();
      await setPendingTotpSecret(
        trx,
        user.id,
        context.secrets.fields.encrypt(totpSecretRef(user.id), secret),
      );
    }
    return createSession(trx, now, user.id, 'pending');
  });
  return { ok: true, pending };
}

export type SecondFactorPage =
  | { kind: 'enrol'; secret: string; uri: string }
  | { kind: 'code' }
  /** The account went away, was disabled or locked meanwhile: start again. */
  | { kind: 'restart' };

export async function secondFactorPage(
  context: AppContext,
  pending: SessionWithUser,
): Promise<SecondFactorPage> {
  const user = await findUserById(context.db, pending.user_id);
  if (!user || user.disabled_at || !user.totp_secret_ciphertext) return { kind: 'restart' };
  if (user.totp_enrolled_at) return { kind: 'code' };
  const { fields } = context.secrets;
  const secret = fields.decrypt(totpSecretRef(user.id), user.totp_secret_ciphertext);
  const account = fields.decrypt({ table: 'users', column: 'email', rowId: user.id }, user.email_ciphertext);
  return { kind: 'enrol', secret, uri: otpauthUri({ secret, issuer: context.config.networkName, account }) };
}

export type SecondFactorResult =
  | { kind: 'signed_in'; session: NewSession; userId: string }
  | { kind: 'wrong_code' }
  | { kind: 'locked' }
  | { kind: 'restart' };

/** Checks the code; on success the pending session is replaced by a new full one (no session fixation). */
export async function completeSecondFactor(
  context: AppContext,
  pending: SessionWithUser,
  code: string,
): Promise<SecondFactorResult> {
  const user = await findUserById(context.db, pending.user_id);
  if (!user || user.disabled_at || !user.totp_secret_ciphertext) {
    await deleteSession(context.db, pending.id);
    return { kind: 'restart' };
  }
  const now = context.clock.now();
  if (isLocked(user, now)) {
    await deletePendingSessionsOfUser(context.db, user.id);
    return { kind: 'locked' };
  }
  const secret = base32Decode(
    context.secrets.fields.decrypt(totpSecretRef(user.id), user.totp_secret_ciphertext),
  );
  const lastStep = user.totp_last_step === null ? null : Number(user.totp_last_step);
  const step = verifyTotp(secret, code, now.getTime(), lastStep);
  const enrolling = user.totp_enrolled_at === null;

  const outcome =
    step === null
      ? 'wrong_code'
      : await context.db.transaction().execute(async (trx) => {
          // A concurrent request may have used this code a moment ago: the conditional update decides.
          if (!(await acceptTotpStep(trx, user.id, step, enrolling ? now : null)))
            return 'wrong_code' as const;
          if ((await deleteSession(trx, pending.id)) === 0) return 'restart' as const;
          await resetFailedLogins(trx, user.id);
          const session = await createSession(trx, now, user.id, 'full');
          if (enrolling) {
            await recordAudit(trx, context, {
              actorId: user.id,
              action: 'auth.totp_enrolled',
              subjectType: 'user',
              subjectId: user.id,
            });
          }
          await recordAudit(trx, context, {
            actorId: user.id,
            action: 'auth.sign_in',
            subjectType: 'user',
            subjectId: user.id,
          });
          return session;
        });
  if (outcome === 'restart') return { kind: 'restart' };
  if (outcome === 'wrong_code') {
    const { locked } = await recordFailure(context, user.id, 'second_factor');
    return locked ? { kind: 'locked' } : { kind: 'wrong_code' };
  }
  return { kind: 'signed_in', session: outcome, userId: user.id };
}

/** Ends a pending sign-in (the person chose to start again, or its cookie is being replaced). */
export async function abandonPending(context: AppContext, sessionId: string): Promise<void> {
  await deleteSession(context.db, sessionId);
}

export async function signOut(context: AppContext, principal: StaffPrincipal): Promise<void> {
  const ended = { sessionId: principal.sessionId };
  await context.db.transaction().execute(async (trx) => {
    await deleteSession(trx, principal.sessionId);
    await notifyOtherProcesses(trx, ended);
    await recordAudit(trx, context, {
      actorId: principal.userId,
      action: 'auth.sign_out',
      subjectType: 'user',
      subjectId: principal.userId,
    });
  });
  announceSessionsEnded(ended);
}

export async function signOutEverywhere(context: AppContext, principal: StaffPrincipal): Promise<number> {
  const ended = { userId: principal.userId };
  const sessions = await context.db.transaction().execute(async (trx) => {
    const deleted = await deleteSessionsOfUser(trx, principal.userId);
    await notifyOtherProcesses(trx, ended);
    await recordAudit(trx, context, {
      actorId: principal.userId,
      action: 'auth.sign_out_everywhere',
      subjectType: 'user',
      subjectId: principal.userId,
      details: { sessions: deleted },
    });
    return deleted;
  });
  announceSessionsEnded(ended);
  return sessions;
}
