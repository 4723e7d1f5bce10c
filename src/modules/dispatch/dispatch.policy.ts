// Who may do what with profiles, dispatches and verifications. Object-level rules (only the responder who
// was sent may answer or verify a dispatch) are checked by the service against the signed-in user.
import { staffWith } from '../../http/access.ts';
import { ROLES, type Role } from '../../db/schema.ts';

/** Those who send responders, and may look at any dispatch and its verification. */
export const DISPATCHER_ROLES: readonly Role[] = ['admin', 'coordinator', 'dispatcher'];

/** Every staff member keeps their own profile: name, phone, languages, home area, on shift. */
export const editOwnProfile = staffWith(...ROLES);

/** Who is on shift: names, languages and ZIP codes, never phone numbers. */
export const viewRoster = staffWith(...DISPATCHER_ROLES);

/** The dispatch panel of an incident: suggestions, current dispatches, sending. */
export const dispatchResponders = staffWith(...DISPATCHER_ROLES);

/** A dispatch's page: its responder, or a dispatcher looking on (read-only). */
export const viewDispatchPage = staffWith('responder', ...DISPATCHER_ROLES);

/** Answering and verifying: only responders, and of those only the one who was sent (checked per object). */
export const answerDispatchPage = staffWith('responder');
