// Cases for detained people. Every field about the person, the family and the case is encrypted with the
// case's own data key (src/crypto/case-keys.ts), except the status and the times the work needs in the
// clear (opened, closed, when the key is due to be destroyed). Duplicate detection uses keyed blind indexes
// of the A-number and of name + date of birth; they are cleared when the case's key is destroyed.
// Access is need-to-know: legal staff assigned to the case or in its team.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table teams (
      id uuid primary key,
      name text not null unique,
      created_at timestamptz not null
    )`.execute(db);
  await sql`
    create table team_members (
      team_id uuid not null references teams (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      primary key (team_id, user_id)
    )`.execute(db);

  await sql`
    create table cases (
      id uuid primary key,
      reference text not null unique,
      status text not null check (status in ('open', 'closed')),
      team_id uuid references teams (id),
      source text not null check (source in ('hotline', 'incident', 'console')),
      followup_task_id uuid references followup_tasks (id) on delete set null,
      incident_id uuid references incidents (id) on delete set null,
      person_ciphertext text,
      languages_ciphertext text,
      last_seen_ciphertext text,
      dependents_ciphertext text,
      bond_ciphertext text,
      outcome_ciphertext text,
      a_number_index text,
      name_dob_index text,
      merged_into uuid references cases (id),
      opened_by uuid references users (id),
      opened_at timestamptz not null,
      updated_at timestamptz not null,
      closed_by uuid references users (id),
      closed_at timestamptz,
      key_destroy_after timestamptz,
      key_destroyed_at timestamptz,
      next_locator_check_at timestamptz
    )`.execute(db);
  await sql`create index cases_a_number_idx on cases (a_number_index) where a_number_index is not null`.execute(
    db,
  );
  await sql`create index cases_name_dob_idx on cases (name_dob_index) where name_dob_index is not null`.execute(
    db,
  );
  await sql`create index cases_key_destroy_idx on cases (key_destroy_after)
    where key_destroyed_at is null and key_destroy_after is not null`.execute(db);
  await sql`create index cases_locator_idx on cases (next_locator_check_at)
    where next_locator_check_at is not null`.execute(db);

  await sql`
    create table case_assignees (
      case_id uuid not null references cases (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      assigned_at timestamptz not null,
      primary key (case_id, user_id)
    )`.execute(db);

  await sql`
    create table case_events (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      at timestamptz not null,
      actor_id uuid references users (id),
      kind text not null,
      details_ciphertext text
    )`.execute(db);
  await sql`create index case_events_case_idx on case_events (case_id, at)`.execute(db);

  // Family contacts: name, relationship, phone, language and consent, all in one document sealed with the
  // case key. No phone blind index is kept: the texting job computes it from the decrypted number when it
  // checks sms_opt_outs, so nothing here outlives the case key.
  await sql`
    create table case_contacts (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      details_ciphertext text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`.execute(db);
  await sql`create index case_contacts_case_idx on case_contacts (case_id)`.execute(db);

  // The ledger of texts to families: one row per (notification, contact), so a retried job never texts
  // anyone twice. It holds no number and no text.
  await sql`
    create table case_family_texts (
      notification_id uuid not null,
      contact_id uuid not null references case_contacts (id) on delete cascade,
      case_id uuid not null references cases (id) on delete cascade,
      change text not null,
      created_at timestamptz not null,
      outcome text not null check (outcome in ('sending', 'sent', 'opted_out', 'failed')),
      provider_id text,
      primary key (notification_id, contact_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table case_family_texts`.execute(db);
  await sql`drop table case_contacts`.execute(db);
  await sql`drop table case_events`.execute(db);
  await sql`drop table case_assignees`.execute(db);
  await sql`drop table cases`.execute(db);
  await sql`drop table team_members`.execute(db);
  await sql`drop table teams`.execute(db);
}
