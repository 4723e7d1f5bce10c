// Who may use the auth module's routes. Signing in and the single-use account links are necessarily public
// (they check their own anti-forgery tokens and the link's token); everything about one's own account is
// open to any staff role; administering other staff is for admins only.
import { PUBLIC, staffWith, type RouteAccess } from '../../http/access.ts';
import { ROLES } from '../../db/schema.ts';

/** Sign-in pages and setup/invite links. */
export const SIGN_IN_ACCESS: RouteAccess = PUBLIC;

/** One's own account: view it, sign out, sign out everywhere. */
export const OWN_ACCOUNT_ACCESS: RouteAccess = staffWith(...ROLES);

/** Listing staff, inviting, changing roles, disabling, revoking sessions. */
export const STAFF_ADMIN_ACCESS: RouteAccess = staffWith('admin');

/** Per client (keyed by an HMAC of the address), on top of the per-account lockout. */
export const SIGN_IN_RATE_LIMIT = { max: 10, timeWindow: '1 minute' } as const;
