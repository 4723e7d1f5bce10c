// Which roles may reach the evidence routes at all; evidence.access.ts then decides per incident.
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';

/** Responders and legal observers add media; the incident rule (evidence.access.ts) says to which incidents. */
export const EVIDENCE_ADD_ROLES: readonly Role[] = ['responder', 'legal'];
/** Seeing media: those who add it, legal staff, and the hotline's roles when the setting grants it. */
export const EVIDENCE_VIEW_ROLES: readonly Role[] = [
  'admin',
  'coordinator',
  'dispatcher',
  'responder',
  'legal',
];

export const addEvidence = staffWith(...EVIDENCE_ADD_ROLES);
export const viewEvidence = staffWith(...EVIDENCE_VIEW_ROLES);
