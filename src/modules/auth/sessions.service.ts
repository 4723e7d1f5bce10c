// Server-side sessions. The browser holds a random token; the database holds only its SHA-256, so a
// database reader cannot ride a session. A session is "pending" between a correct password and a correct
// second factor and never counts as signed in; signing in replaces it with a new full session.
import type { AppContext } from '../../app/context.ts';
import { hashToken, randomToken } from '../../crypto/secrets.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import {
  deleteExpiredSessions,
  deleteSession,
  findSessionWithUser,
  insertSession,
  touchSession,
  type SessionWithUser,
} from './auth.repository.ts';

export const PENDING_SESSION_MS = 10 * 60 * 1000;
export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;
/** last_seen_at is refreshed at most this often, so browsing is not a database write per request. */
export const SESSION_TOUCH_INTERVAL_MS = 60 * 1000;

type SessionContext = Pick<AppContext, 'db' | 'clock'>;
type Db = AppContext['db'];

export interface NewSession {
  /** The cookie value. */
  token: string;
  id: string;
  csrfSecret: string;
}

export async function createSession(
  db: Db,
  now: Date,
  userId: string,
  kind: 'pending' | 'full',
): Promise<NewSession> {
  const token = randomToken();
  const session: NewSession = { token, id: hashToken(token), csrfSecret: randomToken() };
  await insertSession(db, {
    id: session.id,
    userId,
    mfaComplete: kind === 'full',
    csrfSecret: session.csrfSecret,
    now,
    expiresAt: new Date(now.getTime() + (kind === 'full' ? SESSION_ABSOLUTE_MS : PENDING_SESSION_MS)),
  });
  return session;
}

function isExpired(session: SessionWithUser, now: Date): boolean {
  return (
    now.getTime() >= session.expires_at.getTime() ||
    now.getTime() - session.last_seen_at.getTime() >= SESSION_IDLE_MS
  );
}

export type SessionLookup =
  | { kind: 'none' }
  | { kind: 'pending'; session: SessionWithUser }
  | { kind: 'full'; principal: StaffPrincipal };

/**
 * Finds the live session behind a cookie token. An expired one is deleted on sight, as if it never was; a
 * disabled user's sessions count for nothing.
 */
export async function lookupSession(
  context: SessionContext,
  token: string | undefined,
  options: { touch?: boolean } = {},
): Promise<SessionLookup> {
  if (!token || token.length > 100) return { kind: 'none' };
  const id = hashToken(token);
  const session = await findSessionWithUser(context.db, id);
  if (!session) return { kind: 'none' };
  const now = context.clock.now();
  if (isExpired(session, now)) {
    await deleteSession(context.db, id);
    return { kind: 'none' };
  }
  if (session.disabled_at) return { kind: 'none' };
  if (!session.mfa_complete) return { kind: 'pending', session };
  if (
    options.touch !== false &&
    now.getTime() - session.last_seen_at.getTime() >= SESSION_TOUCH_INTERVAL_MS
  ) {
    await touchSession(context.db, id, now);
  }
  return {
    kind: 'full',
    principal: {
      userId: session.user_id,
      roles: session.roles,
      sessionId: id,
      csrfSecret: session.csrf_secret,
    },
  };
}

export async function purgeExpiredSessions(context: SessionContext): Promise<number> {
  const now = context.clock.now();
  return deleteExpiredSessions(context.db, now, new Date(now.getTime() - SESSION_IDLE_MS));
}
