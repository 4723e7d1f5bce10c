// Who may do what with community alerts. The people who run the hotline compose, approve and watch alerts;
// aiming one beyond its default area (adding or removing ZIP codes, drawing areas) is a coordinator's call.
// That the composer cannot approve their own alert is an object-level rule, checked by the service.
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';

export const ALERT_ROLES: readonly Role[] = ['admin', 'coordinator', 'dispatcher'];
export const ALERT_TARGETING_ROLES: readonly Role[] = ['admin', 'coordinator'];

/** The list, an alert's page and its live progress. */
export const viewAlerts = staffWith(...ALERT_ROLES);

/** Composing, editing the wording of a draft, cancelling a draft. */
export const composeAlerts = staffWith(...ALERT_ROLES);

/** Approving someone else's draft (the service refuses the composer's own). */
export const approveAlerts = staffWith(...ALERT_ROLES);

/** The radius, added and removed ZIP codes, drawn areas. */
export const targetAlerts = staffWith(...ALERT_TARGETING_ROLES);
