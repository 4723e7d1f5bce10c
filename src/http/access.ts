// Access is denied by default: a route that does not declare who may use it cannot even be registered.
// The declarations themselves (which roles may do what) live in each module's *.policy.ts file.
import type { Role } from '../db/schema.ts';

export type RouteAccess =
  | { kind: 'public' }
  /** A signed-in staff member (password and second factor) holding at least one of these roles. */
  | { kind: 'staff'; roles: readonly Role[] }
  /**
   * Twilio's webhooks: only a request carrying a valid X-Twilio-Signature for this account gets in. The
   * check needs the parsed body, so it runs in the app's preValidation hook, before any handler.
   */
  | { kind: 'twilio' };

export const PUBLIC: RouteAccess = { kind: 'public' };
export const SIGNED_BY_TWILIO: RouteAccess = { kind: 'twilio' };

export function staffWith(...roles: Role[]): RouteAccess {
  return { kind: 'staff', roles };
}

/**
 * How a state-changing route is protected from cross-site forgery.
 * - 'session' (the default for staff routes): the access hook checks the session-bound token.
 * - 'handler': the handler checks an anonymous-form token itself, so it can bring the form back with
 *   the typed data when the token has expired.
 */
export type CsrfMode = 'session' | 'handler';

export interface StaffPrincipal {
  userId: string;
  roles: readonly Role[];
  sessionId: string;
  csrfSecret: string;
  /**
   * Why nobody else approves access to cases, said on every console page: the two-admin rule is off, or the
   * network has a single admin (who cannot approve their own grants).
   */
  accessApprovalWarning?: 'rule_off' | 'single_admin' | undefined;
}

export function hasAnyRole(principal: StaffPrincipal | null, roles: readonly Role[]): boolean {
  return principal !== null && principal.roles.some((role) => roles.includes(role));
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    csrf?: CsrfMode;
    /** Requests the browser makes by itself (reconnecting event streams): they do not count as activity. */
    background?: boolean;
  }
}
