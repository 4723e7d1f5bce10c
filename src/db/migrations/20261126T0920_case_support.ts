// Support for detained people's cases: the attorney directory and who represents which case, bond funds and
// their ledger, and the family support tasks. The bond and the outcome themselves live sealed in the case row
// (cases.bond_ciphertext, cases.outcome_ciphertext).
//
// Directory and fund data are not case data: attorneys' phones and deposits' receipt numbers are
// field-encrypted with the master key's per-column keys. A bond payment's receipt (ICE's receipt names the
// detained person) and a task's notes are case data, sealed with the case's key. When the core destroys a case's key (it sets
// cases.key_destroyed_at), a trigger here forgets what linked that case to this module in the same
// transaction: a payment keeps its amount for the fund's balance but loses its case, and the case's support
// tasks and attorney assignments are deleted (their notes could no longer be read anyway).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table attorneys (
      id uuid primary key,
      name text not null,
      organization text,
      languages text[] not null default '{}',
      capacity integer not null check (capacity between 0 and 500),
      phone_ciphertext text,
      archived_at timestamptz,
      created_by uuid references users (id),
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`.execute(db);

  await sql`
    create table case_attorney_assignments (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      attorney_id uuid not null references attorneys (id),
      assigned_by uuid references users (id),
      assigned_at timestamptz not null,
      conflict_acknowledged boolean not null default false,
      ended_by uuid references users (id),
      ended_at timestamptz
    )`.execute(db);
  // One attorney represents a case at a time; assigning another ends the current assignment first.
  await sql`create unique index case_attorney_current_idx on case_attorney_assignments (case_id)
    where ended_at is null`.execute(db);
  await sql`create index case_attorney_attorney_idx on case_attorney_assignments (attorney_id)
    where ended_at is null`.execute(db);

  await sql`
    create table bond_funds (
      id uuid primary key,
      name text not null unique,
      created_by uuid references users (id),
      created_at timestamptz not null
    )`.execute(db);

  await sql`
    create table bond_fund_entries (
      id uuid primary key,
      fund_id uuid not null references bond_funds (id),
      kind text not null check (kind in ('deposit', 'payment')),
      amount_cents integer not null check (amount_cents > 0),
      occurred_on text not null check (occurred_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
      receipt_ciphertext text,
      case_id uuid references cases (id) on delete set null,
      recorded_by uuid references users (id),
      recorded_at timestamptz not null,
      check (kind = 'payment' or case_id is null)
    )`.execute(db);
  await sql`create index bond_fund_entries_fund_idx on bond_fund_entries (fund_id, occurred_on)`.execute(db);
  await sql`create index bond_fund_entries_case_idx on bond_fund_entries (case_id)
    where case_id is not null`.execute(db);

  await sql`
    create table case_support_tasks (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      kind text not null check (kind in ('childcare', 'rent', 'food', 'transport', 'mental_health', 'other',
        'accompany_check_in', 'accompany_court')),
      assignee_id uuid references users (id) on delete set null,
      due_on text not null check (due_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
      status text not null check (status in ('open', 'in_progress', 'done')),
      notes_ciphertext text,
      created_by uuid references users (id),
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`.execute(db);
  await sql`create index case_support_tasks_case_idx on case_support_tasks (case_id, due_on)`.execute(db);
  await sql`create index case_support_tasks_assignee_idx on case_support_tasks (assignee_id, due_on)
    where status <> 'done'`.execute(db);

  await sql`
    create function case_support_forget_destroyed_case() returns trigger language plpgsql as $$
    begin
      update bond_fund_entries set case_id = null where case_id = new.id;
      delete from case_support_tasks where case_id = new.id;
      delete from case_attorney_assignments where case_id = new.id;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger case_support_key_destroyed after update of key_destroyed_at on cases
    for each row when (new.key_destroyed_at is not null and old.key_destroyed_at is null)
    execute function case_support_forget_destroyed_case()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger case_support_key_destroyed on cases`.execute(db);
  await sql`drop function case_support_forget_destroyed_case()`.execute(db);
  await sql`drop table case_support_tasks`.execute(db);
  await sql`drop table bond_fund_entries`.execute(db);
  await sql`drop table bond_funds`.execute(db);
  await sql`drop table case_attorney_assignments`.execute(db);
  await sql`drop table attorneys`.execute(db);
}
