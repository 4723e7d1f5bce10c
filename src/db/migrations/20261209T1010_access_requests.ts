// Access that needs a second admin: granting the legal or admin role, and adding someone to a legal team.
// An admin's request waits here until another admin (neither the one who asked nor the one it is for)
// approves or refuses it. Owned by the auth module.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table access_requests (
      id uuid primary key,
      kind text not null check (kind in ('role', 'team')),
      user_id uuid not null references users(id) on delete cascade,
      role text check (role in ('legal', 'admin')),
      team_id uuid references teams(id) on delete cascade,
      requested_by uuid not null references users(id) on delete cascade,
      requested_at timestamptz not null,
      decision text check (decision in ('approved', 'refused')),
      decided_by uuid references users(id) on delete set null,
      decided_at timestamptz,
      check ((kind = 'role') = (role is not null) and (kind = 'team') = (team_id is not null)),
      check ((decision is null) = (decided_at is null))
    )`.execute(db);
  await sql`
    create unique index access_requests_one_pending_idx
      on access_requests (user_id, kind, coalesce(role, ''), coalesce(team_id::text, ''))
      where decided_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table access_requests`.execute(db);
}
