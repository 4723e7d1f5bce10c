// Need to know for detained-person follow-ups and hidden cases (issue 12).
// - legal_intake: which team takes the hotline's option-3 follow-ups, and the legal staff member who
//   coordinates it (one row at most). Only that team's legal members, or a task's assignee, see a task.
// - followup_tasks.case_id: once a case is opened from a task, the task keeps only this pointer; the
//   caller's number and the recording move under the case's key into case_hotline_messages.
// - case_duplicate_checks: a possible duplicate (case_id) that the person who opened or edited a case
//   (opened_case_id) may not see is referred to the intake coordinator, who is told which two cases to
//   compare; the person is told only that the coordinator checks. Nothing personal is stored here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table legal_intake (
      singleton boolean primary key default true check (singleton),
      team_id uuid references teams (id) on delete set null,
      coordinator_id uuid references users (id) on delete set null,
      updated_at timestamptz not null
    )`.execute(db);
  await sql`alter table followup_tasks add column case_id uuid references cases (id) on delete set null`.execute(
    db,
  );
  await sql`
    create table case_hotline_messages (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      storage_key text,
      details_ciphertext text not null,
      created_at timestamptz not null
    )`.execute(db);
  await sql`create index case_hotline_messages_case_idx on case_hotline_messages (case_id)`.execute(db);
  await sql`
    create table case_duplicate_checks (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      opened_case_id uuid not null references cases (id) on delete cascade,
      requested_by uuid references users (id) on delete set null,
      coordinator_id uuid references users (id) on delete set null,
      created_at timestamptz not null,
      resolved_at timestamptz
    )`.execute(db);
  await sql`create index case_duplicate_checks_open_idx on case_duplicate_checks (resolved_at, created_at)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table case_duplicate_checks`.execute(db);
  await sql`drop table case_hotline_messages`.execute(db);
  await sql`alter table followup_tasks drop column case_id`.execute(db);
  await sql`drop table legal_intake`.execute(db);
}
