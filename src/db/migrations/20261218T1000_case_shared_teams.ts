// Surge response: every case of an operation is visible to each legal team assigned to the operation, not only
// to the team that opened it. A case keeps its own team (team_id); these are the other teams that share it.
// Deleting the case (or the team) removes the rows, so nothing outlives what it points at.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table case_shared_teams (
      case_id uuid not null references cases (id) on delete cascade,
      team_id uuid not null references teams (id) on delete cascade,
      primary key (case_id, team_id)
    )
  `.execute(db);
  await sql`create index case_shared_teams_team_idx on case_shared_teams (team_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists case_shared_teams`.execute(db);
}
