// Who handles the hotline's follow-ups is the cases module's business (its legal intake team, and who may
// open a case). It registers the answers here at start, so the voice module does not import cases (cases
// imports voice to take a follow-up into a case).
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';

export interface FollowupAssignee {
  userId: string;
  label: string;
}

export interface FollowupTeam {
  /** Whether this staff member is legal staff of the intake team, and so sees every follow-up. */
  isMember(db: Kysely<Database>, userId: string): Promise<boolean>;
  /** Legal staff a follow-up may be assigned to. */
  assignable(context: Pick<AppContext, 'db' | 'secrets'>): Promise<FollowupAssignee[]>;
  /** Whether this staff member may open a case from a follow-up. */
  mayOpenCase(principal: StaffPrincipal | null): boolean;
}

let team: FollowupTeam | undefined;

/** Called once by the cases module. */
export function registerFollowupTeam(handler: FollowupTeam): void {
  team = handler;
}

export function followupTeam(): FollowupTeam {
  if (!team) throw new Error('No follow-up team registered (the cases module registers it)');
  return team;
}
