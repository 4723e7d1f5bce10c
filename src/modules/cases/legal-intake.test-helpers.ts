// Tests' legal intake team: a team, its members, and the legal_intake row naming it (and its coordinator).
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';

export async function makeLegalIntakeTeam(
  context: Pick<AppContext, 'db' | 'clock'>,
  memberIds: readonly string[],
  coordinatorId: string | null = null,
): Promise<string> {
  const teamId = randomUUID();
  await context.db
    .insertInto('teams')
    .values({ id: teamId, name: `Intake ${teamId.slice(0, 8)}`, created_at: context.clock.now() })
    .execute();
  for (const userId of memberIds) {
    await context.db.insertInto('team_members').values({ team_id: teamId, user_id: userId }).execute();
  }
  await context.db
    .insertInto('legal_intake')
    .values({
      singleton: true,
      team_id: teamId,
      coordinator_id: coordinatorId,
      updated_at: context.clock.now(),
    })
    .onConflict((oc) =>
      oc.column('singleton').doUpdateSet({ team_id: teamId, coordinator_id: coordinatorId }),
    )
    .execute();
  return teamId;
}
