// Accounts are only ever created from single-use links: the first-run setup link (printed to the operator
// when there are no users) and invitations made by an admin in the console or with `amparo user invite`.
// There is no default password anywhere. Links carry a random token; the database keeps its hash.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import { normalizeEmail } from '../../crypto/blind-index.ts';
import { hashToken, randomToken } from '../../crypto/secrets.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { ROLES, type InviteKind, type Role } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  consumeInvite,
  countUsers,
  emailIndexExists,
  endPendingInvite,
  expireUnusedSetupInvites,
  findUsableInvite,
  insertInvite,
  insertUser,
  listPendingInvites,
  type PendingInviteRow,
} from './auth.repository.ts';
import { checkPasswordChoice, hashPassword, type PasswordProblem } from './passwords.ts';

export const INVITE_TTL_MS = 72 * 60 * 60 * 1000;
export const SETUP_TTL_MS = 24 * 60 * 60 * 1000;
export const EMAIL_MAX_LENGTH = 254;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Deliberately loose: one @, something either side, a dot in the domain. The invite is the real check. */
export function isPlausibleEmail(value: string): boolean {
  const email = value.trim();
  return email.length <= EMAIL_MAX_LENGTH && /^[^\s@]+@[^\s@]+\.[^\s@.]+$/.test(email);
}

function emailIndex(context: AppContext, email: string): string {
  return context.secrets.blindIndex.index('users.email', normalizeEmail(email));
}

function linkFor(context: AppContext, kind: InviteKind, token: string): string {
  return new URL(`${kind}/${token}`, context.config.publicUrl).href;
}

export type CreateInviteResult =
  | { ok: true; link: string; inviteId: string; expiresAt: Date }
  | { ok: false; problem: 'invalid_email' | 'invalid_role' | 'email_taken' };

/** One function for the console form and the CLI, so both make the same kind of link and audit it alike. */
export async function createInvite(
  context: AppContext,
  input: { email: string; role: string; createdBy: string | null },
): Promise<CreateInviteResult> {
  const email = input.email.trim();
  if (!isPlausibleEmail(email)) return { ok: false, problem: 'invalid_email' };
  if (!isRole(input.role)) return { ok: false, problem: 'invalid_role' };
  const role = input.role;
  const index = emailIndex(context, email);
  if (await emailIndexExists(context.db, index)) return { ok: false, problem: 'email_taken' };
  const made = newInvite(context, { email, index, role, createdBy: input.createdBy });
  await context.db.transaction().execute(async (trx) => {
    await insertInvite(trx, made.row);
    await recordAudit(trx, context, {
      actorId: input.createdBy,
      action: 'user.invited',
      subjectType: 'invite',
      subjectId: made.row.id,
      details: { role },
    });
  });
  return { ok: true, link: made.link, inviteId: made.row.id, expiresAt: made.row.expiresAt };
}

/** A fresh invitation row and its link (the token itself is never stored). */
function newInvite(
  context: AppContext,
  input: { email: string; index: string; role: Role; createdBy: string | null },
) {
  const token = randomToken();
  const id = randomUUID();
  const now = context.clock.now();
  const row = {
    id,
    tokenHash: hashToken(token),
    kind: 'invite' as const,
    emailCiphertext: context.secrets.fields.encrypt(
      { table: 'invites', column: 'email', rowId: id },
      input.email,
    ),
    emailIndex: input.index,
    role: input.role,
    createdBy: input.createdBy,
    now,
    expiresAt: new Date(now.getTime() + INVITE_TTL_MS),
  };
  return { row, link: linkFor(context, 'invite', token) };
}

export interface PendingInvite {
  id: string;
  email: string;
  role: Role;
  /** Who made it: null when it came from the command line. */
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
}

function pendingInvite(context: AppContext, row: PendingInviteRow): PendingInvite {
  return {
    id: row.id,
    email: inviteEmail(context, row) ?? '',
    role: row.role,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/** Invitations an admin made that nobody has used yet and that still work. */
export async function listPendingInvitations(context: AppContext): Promise<PendingInvite[]> {
  const rows = await listPendingInvites(context.db, context.clock.now());
  return rows.map((row) => pendingInvite(context, row));
}

/** Ends a pending invitation: its link then answers like an expired one. */
export async function revokeInvite(
  context: AppContext,
  input: { inviteId: string; actorId: string },
): Promise<'ok' | 'not_found'> {
  return context.db.transaction().execute(async (trx) => {
    const ended = await endPendingInvite(trx, input.inviteId, context.clock.now());
    if (!ended) return 'not_found';
    await recordAudit(trx, context, {
      actorId: input.actorId,
      action: 'user.invite_revoked',
      subjectType: 'invite',
      subjectId: ended.id,
      details: { role: ended.role },
    });
    return 'ok';
  });
}

export type ResendInviteResult =
  | { ok: true; link: string; inviteId: string; expiresAt: Date }
  | { ok: false; problem: 'not_found' | 'needs_approval' | 'email_taken' };

/**
 * Replaces a pending invitation with a new link for the same address and role; the old link stops working
 * in the same transaction. `needsApproval` is the caller's two-admin rule for the role, checked here so a
 * resend never grants what a new invitation could not.
 */
export async function resendInvite(
  context: AppContext,
  input: { inviteId: string; actorId: string; needsApproval: (role: Role) => boolean },
): Promise<ResendInviteResult> {
  const current = (await listPendingInvitations(context)).find((invite) => invite.id === input.inviteId);
  if (!current) return { ok: false, problem: 'not_found' };
  if (input.needsApproval(current.role)) return { ok: false, problem: 'needs_approval' };
  const index = emailIndex(context, current.email);
  if (await emailIndexExists(context.db, index)) return { ok: false, problem: 'email_taken' };
  const made = newInvite(context, {
    email: current.email,
    index,
    role: current.role,
    createdBy: input.actorId,
  });
  const done = await context.db.transaction().execute(async (trx) => {
    const ended = await endPendingInvite(trx, current.id, made.row.now);
    if (!ended) return false;
    await insertInvite(trx, made.row);
    await recordAudit(trx, context, {
      actorId: input.actorId,
      action: 'user.invite_resent',
      subjectType: 'invite',
      subjectId: made.row.id,
      details: { role: current.role, replaces: current.id },
    });
    return true;
  });
  if (!done) return { ok: false, problem: 'not_found' };
  return { ok: true, link: made.link, inviteId: made.row.id, expiresAt: made.row.expiresAt };
}

/**
 * On a fresh installation, makes the one link that creates the first admin. Older unused setup links stop
 * working, so only the most recently printed one is live.
 */
export async function ensureSetupInvite(context: AppContext): Promise<string | null> {
  if ((await countUsers(context.db)) > 0) return null;
  const token = randomToken();
  const inviteId = randomUUID();
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    await expireUnusedSetupInvites(trx, now);
    await insertInvite(trx, {
      id: inviteId,
      tokenHash: hashToken(token),
      kind: 'setup',
      emailCiphertext: null,
      emailIndex: null,
      role: 'admin',
      createdBy: null,
      now,
      expiresAt: new Date(now.getTime() + SETUP_TTL_MS),
    });
    await recordAudit(trx, context, {
      actorId: null,
      action: 'user.setup_link_created',
      subjectType: 'invite',
      subjectId: inviteId,
    });
  });
  return linkFor(context, 'setup', token);
}

export interface InviteForm {
  kind: InviteKind;
  role: Role;
  /** The address the admin invited; null for the setup link, where the first admin types their own. */
  email: string | null;
}

export async function findInvite(
  context: AppContext,
  kind: InviteKind,
  token: string,
): Promise<InviteForm | null> {
  if (token.length > 100) return null;
  const invite = await findUsableInvite(context.db, hashToken(token), kind, context.clock.now());
  if (!invite) return null;
  return { kind, role: invite.role, email: inviteEmail(context, invite) };
}

function inviteEmail(
  context: AppContext,
  invite: { id: string; email_ciphertext: string | null },
): string | null {
  return context.secrets.fields.decryptOptional(
    { table: 'invites', column: 'email', rowId: invite.id },
    invite.email_ciphertext,
  );
}

export type AcceptInviteResult =
  | { ok: true; userId: string }
  | { ok: false; problem: 'link_expired' | 'invalid_email' | 'email_taken' | PasswordProblem };

export async function acceptInvite(
  context: AppContext,
  kind: InviteKind,
  token: string,
  input: { email: string | undefined; password: string; repeated: string },
): Promise<AcceptInviteResult> {
  const form = await findInvite(context, kind, token);
  if (!form) return { ok: false, problem: 'link_expired' };
  const email = (form.email ?? input.email ?? '').trim();
  if (!isPlausibleEmail(email)) return { ok: false, problem: 'invalid_email' };
  const passwordProblem = checkPasswordChoice(input.password, input.repeated);
  if (passwordProblem) return { ok: false, problem: passwordProblem };
  const index = emailIndex(context, email);
  if (await emailIndexExists(context.db, index)) return { ok: false, problem: 'email_taken' };
  // Hashing takes a moment and much memory, so it happens before the transaction holds any locks.
  const passwordHash = await hashPassword(input.password);
  const userId = randomUUID();
  try {
    return await context.db.transaction().execute(async (trx) => {
      const now = context.clock.now();
      const invite = await consumeInvite(trx, hashToken(token), kind, now);
      if (!invite) return { ok: false, problem: 'link_expired' } as const;
      await insertUser(
        trx,
        {
          id: userId,
          emailCiphertext: context.secrets.fields.encrypt(
            { table: 'users', column: 'email', rowId: userId },
            email,
          ),
          emailIndex: index,
          roles: [invite.role],
          passwordHash,
        },
        now,
      );
      await recordAudit(trx, context, {
        actorId: userId,
        action: 'user.created',
        subjectType: 'user',
        subjectId: userId,
        details: { inviteId: invite.id, kind, roles: [invite.role] },
      });
      return { ok: true, userId } as const;
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, problem: 'email_taken' };
    throw error;
  }
}
