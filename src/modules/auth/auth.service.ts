// Signing in: password, then a mandatory second factor (TOTP, enrolled at first sign-in), then a fresh
// session. Failures of either step are counted per account AND client (the client's rate-limit bucket), never
// per account alone or globally: an attacker who knows a staff email slows down only their own client. After
// a few failures that client must send a proof of work with each further try (the sign-in page's script solves
// it), so guessing costs work while the right person, on any other connection, is never asked or refused.
import type { AppContext } from '../../app/context.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { announceSessionsEnded, notifyOtherProcesses } from './sessions.ended.ts';
import {
  acceptTotpStep,
  clearSignInFailures,
  countSignInFailure,
  deleteSession,
  deleteSessionsOfUser,
  findUserByEmailIndex,
  findUserById,
  setPendingTotpSecret,
  signInFailuresOf,
  type SessionWithUser,
  type SignInClient,
} from './auth.repository.ts';
import { verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { createSession, type NewSession } from './sessions.service.ts';
import { base32Decode, generateTotpSecret, otpauthUri, verifyTotp } from './totp.ts';
import { fieldRef, type FieldRef } from '../../crypto/field-encryption.ts';
import { userEmailField, userEmailIndex } from './users.queries.ts';

/** Failed sign-ins for an account from one client before that client must send a proof of work. */
export const PROOF_AFTER_FAILURES = 3;
/** Failures are forgotten this long after the last one for that account and client. */
export const FAILURE_MEMORY_MS = 15 * 60 * 1000;

function emailIndex(context: AppContext, email: string): string {
  return userEmailIndex(context, email);
}

function totpSecretRef(userId: string): FieldRef<'users'> {
  return fieldRef('users', 'totp_secret', userId);
}

function forgetBefore(context: AppContext): Date {
  return new Date(context.clock.now().getTime() - FAILURE_MEMORY_MS);
}

/**
 * Whether this client must prove work before its next sign-in for this email. Asked before the password is
 * checked, and answered alike for unknown emails, so it tells nobody whether an account exists.
 */
export async function signInNeedsProof(
  context: AppContext,
  email: string,
  clientBucket: number,
): Promise<boolean> {
  const pair = { accountIndex: emailIndex(context, email), clientBucket };
  return (await signInFailuresOf(context.db, pair, forgetBefore(context))) >= PROOF_AFTER_FAILURES;
}

async function recordFailure(
  context: AppContext,
  pair: SignInClient,
  audit: { userId: string | null; reason: 'wrong_password' | 'wrong_code' | 'unknown_account' | 'disabled' },
): Promise<{ proofNeeded: boolean }> {
  return context.db.transaction().execute(async (trx) => {
    const now = context.clock.now();
    const failures = await countSignInFailure(trx, pair, { now, forgetBefore: forgetBefore(context) });
    const proofNeeded = failures >= PROOF_AFTER_FAILURES;
    await recordAudit(trx, context, {
      actorId: null,
      action: audit.reason === 'wrong_code' ? 'auth.second_factor_failed' : 'auth.sign_in_failed',
      ...(audit.userId ? { subjectType: 'user', subjectId: audit.userId } : {}),
      details: { reason: audit.reason, failuresFromClient: failures, proofNeeded },
    });
    return { proofNeeded };
  });
}

export type PasswordStepResult = { ok: true; pending: NewSession } | { ok: false; proofNeeded: boolean };

/**
 * Checks email and password (the caller has checked a proof of work when signInNeedsProof asked for one).
 * Every refusal looks and takes the same: unknown email, wrong password, disabled account.
 */
export async function verifyPasswordStep(
  context: AppContext,
  attempt: { email: string; password: string; clientBucket: number },
): Promise<PasswordStepResult> {
  const { password } = attempt;
  const pair = { accountIndex: emailIndex(context, attempt.email), clientBucket: attempt.clientBucket };
  const user = await findUserByEmailIndex(context.db, pair.accountIndex);
  if (!user) {
    await verifyAgainstDummy(password);
    return {
      ok: false,
      ...(await recordFailure(context, pair, { userId: null, reason: 'unknown_account' })),
    };
  }
  const now = context.clock.now();
  if (user.disabled_at) {
    // Spent anyway so a disabled account answers as slowly as any other; the result is not used.
    await verifyPassword(user.password_hash, password);
    return { ok: false, ...(await recordFailure(context, pair, { userId: user.id, reason: 'disabled' })) };
  }
  if (!(await verifyPassword(user.password_hash, password))) {
    return {
      ok: false,
      ...(await recordFailure(context, pair, { userId: user.id, reason: 'wrong_password' })),
    };
  }
  const pending = await context.db
    .transaction()
    .execute((trx) => beginPendingSignIn(trx, context, user, now));
  return { ok: true, pending };
}

/** What a correct password starts: a pending session, and a fresh TOTP secret to enrol if there is none yet. */
async function beginPendingSignIn(
  trx: AppContext['db'],
  context: AppContext,
  user: { id: string; totp_enrolled_at: Date | null },
  now: Date,
): Promise<NewSession> {
  if (!user.totp_enrolled_at) {
    // A fresh secret per sign-in attempt: a secret shown to an earlier, abandoned attempt stops working.
    const secret = generateTotpSecret();
    await setPendingTotpSecret(trx, user.id, context.secrets.fields.encrypt(totpSecretRef(user.id), secret));
  }
  return createSession(trx, now, user.id, 'pending');
}

/**
 * The first admin has just chosen their password on the setup form: they are where a correct password would
 * have put them (a pending session, next the second factor's enrolment) rather than typing it all again.
 */
export async function beginSignInAfterSetup(context: AppContext, userId: string): Promise<NewSession | null> {
  const user = await findUserById(context.db, userId);
  if (!user || user.disabled_at) return null;
  const now = context.clock.now();
  return context.db.transaction().execute((trx) => beginPendingSignIn(trx, context, user, now));
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
  const account = fields.decrypt(userEmailField(user.id), user.email_ciphertext);
  return { kind: 'enrol', secret, uri: otpauthUri({ secret, issuer: context.config.networkName, account }) };
}

export type SecondFactorResult =
  | { kind: 'signed_in'; session: NewSession; userId: string }
  | { kind: 'wrong_code' }
  /** Too many failures from this client: back to the password step, which now asks for a proof of work. */
  | { kind: 'proof_needed' }
  | { kind: 'restart' };

/** Checks the code; on success the pending session is replaced by a new full one (no session fixation). */
export async function completeSecondFactor(
  context: AppContext,
  pending: SessionWithUser,
  code: string,
  clientBucket: number,
): Promise<SecondFactorResult> {
  const user = await findUserById(context.db, pending.user_id);
  if (!user || user.disabled_at || !user.totp_secret_ciphertext) {
    await deleteSession(context.db, pending.id);
    return { kind: 'restart' };
  }
  const now = context.clock.now();
  const pair = { accountIndex: user.email_index, clientBucket };
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
          await clearSignInFailures(trx, pair);
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
    const { proofNeeded } = await recordFailure(context, pair, { userId: user.id, reason: 'wrong_code' });
    if (!proofNeeded) return { kind: 'wrong_code' };
    // More codes to guess take another password step, with a proof of work. Only this sign-in ends: the
    // same person's sign-in on another connection is not this client's to end.
    await deleteSession(context.db, pending.id);
    return { kind: 'proof_needed' };
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
