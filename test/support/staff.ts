// Signs a staff member in without going through the sign-in pages, for tests of other features.
// The contract it relies on (the auth module honours it): the session cookie holds a random token, the
// sessions row's id is hashToken(token), and a session with mfa_complete = true is fully signed in.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../src/app/context.ts';
import { normalizeEmail } from '../../src/crypto/blind-index.ts';
import { hashToken, randomToken } from '../../src/crypto/secrets.ts';
import type { Role } from '../../src/db/schema.ts';
import { cookieNames } from '../../src/http/app.ts';
import { CsrfTokens } from '../../src/http/csrf.ts';

export interface StaffSession {
  userId: string;
  email: string;
  /** Value for a Cookie header. */
  cookie: string;
  /** A valid CSRF token for this session's forms. */
  csrfToken: string;
  sessionToken: string;
}

export async function createStaffSession(
  context: AppContext,
  roles: Role[],
  options: { email?: string } = {},
): Promise<StaffSession> {
  const userId = randomUUID();
  const email = options.email ?? `${roles.join('-') || 'nobody'}-${userId.slice(0, 8)}@example.org`;
  const { fields, blindIndex } = context.secrets;
  await context.db
    .insertInto('users')
    .values({
      id: userId,
      email_ciphertext: fields.encrypt({ table: 'users', column: 'email', rowId: userId }, email),
      email_index: blindIndex.index('users.email', normalizeEmail(email)),
      roles,
      // Not a valid argon2 hash: this user can only be signed in through this fixture.
      password_hash: 'fixture-no-password',
      totp_enrolled_at: context.clock.now(),
      totp_last_step: null,
      totp_secret_ciphertext: null,
      locked_until: null,
      disabled_at: null,
    })
    .execute();
  const sessionToken = randomToken();
  const csrfSecret = randomToken();
  const now = context.clock.now();
  await context.db
    .insertInto('sessions')
    .values({
      id: hashToken(sessionToken),
      user_id: userId,
      mfa_complete: true,
      csrf_secret: csrfSecret,
      created_at: now,
      last_seen_at: now,
      expires_at: new Date(now.getTime() + 12 * 3600 * 1000),
    })
    .execute();
  const csrf = new CsrfTokens(context.secrets.keyring.derive('csrf'), context.clock);
  return {
    userId,
    email,
    cookie: `${cookieNames(context).session}=${sessionToken}`,
    csrfToken: csrf.issue(csrfSecret),
    sessionToken,
  };
}
