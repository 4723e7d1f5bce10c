// Operations (issue 16): a surge response to one raid, opened from confirmed incidents or directly, with its
// sites, the legal teams that answer for it, and the dependents left without care (described in words,
// encrypted). No foreign keys to other modules' case or follow-up rows: those may be destroyed with their keys.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table operations (
      id uuid primary key,
      name text not null,
      raid_at timestamptz not null,
      agencies text[] not null default '{}',
      opened_by uuid references users(id),
      created_at timestamptz not null,
      closed_at timestamptz
    )`.execute(db);
  await sql`create index operations_open on operations (created_at) where closed_at is null`.execute(db);
  await sql`
    create table operation_sites (
      id uuid primary key,
      operation_id uuid not null references operations(id) on delete cascade,
      position integer not null,
      name text not null,
      zip text not null
    )`.execute(db);
  await sql`create index operation_sites_operation on operation_sites (operation_id, position)`.execute(db);
  await sql`
    create table operation_incidents (
      operation_id uuid not null references operations(id) on delete cascade,
      incident_id uuid not null references incidents(id),
      primary key (operation_id, incident_id)
    )`.execute(db);
  await sql`
    create table operation_teams (
      operation_id uuid not null references operations(id) on delete cascade,
      team_id uuid not null references teams(id),
      primary key (operation_id, team_id)
    )`.execute(db);
  await sql`create index operation_teams_team on operation_teams (team_id)`.execute(db);
  await sql`
    create table operation_dependents (
      id uuid primary key,
      operation_id uuid not null references operations(id) on delete cascade,
      site_id uuid references operation_sites(id),
      case_id uuid,
      followup_id uuid,
      need text not null check (need in ('school_pickup', 'childcare', 'trusted_adult', 'other')),
      description_ciphertext text not null,
      created_at timestamptz not null,
      created_by uuid references users(id),
      caregiver_name_ciphertext text,
      caregiver_relationship_ciphertext text,
      caregiver_confirmed_at timestamptz,
      caregiver_confirmed_by uuid references users(id)
    )`.execute(db);
  await sql`
    create index operation_dependents_waiting on operation_dependents (operation_id, created_at)
      where caregiver_confirmed_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table operation_dependents`.execute(db);
  await sql`drop table operation_teams`.execute(db);
  await sql`drop table operation_incidents`.execute(db);
  await sql`drop table operation_sites`.execute(db);
  await sql`drop table operations`.execute(db);
}
