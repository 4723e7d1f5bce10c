// The hotline: reports by text and phone, incidents that group reports, responders and their dispatches,
// field verifications, and the bookkeeping Twilio's webhooks need (receipts for retries, opt-outs).
// Exact places, numbers and free text are field-encrypted; ZIP codes and H3 cells stay in the clear
// because targeting and triage need them and they only name a neighbourhood.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table incidents (
      id uuid primary key,
      reference text not null unique,
      type text not null check (type in
        ('home','workplace','vehicle_stop','courthouse','check_in','street','other')),
      agency text not null check (agency in ('ice','cbp','local_police','other','unknown')),
      status text not null check (status in ('reported','verifying','confirmed','not_immigration',
        'false_alarm','unable_to_verify','active','concluded')),
      point_ciphertext text,
      zip text check (zip ~ '^[0-9]{5}$'),
      h3_cell text,
      summary_ciphertext text,
      reporter_language text not null default 'en',
      merged_into uuid references incidents(id) on delete set null,
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      status_changed_by uuid references users(id) on delete set null,
      status_changed_at timestamptz
    )`.execute(db);
  await sql`create index incidents_status_created_idx on incidents (status, created_at desc)`.execute(db);
  await sql`create index incidents_created_idx on incidents (created_at desc)`.execute(db);

  await sql`
    create table incident_events (
      id uuid primary key,
      incident_id uuid not null references incidents(id) on delete cascade,
      at timestamptz not null default now(),
      actor_id uuid references users(id) on delete set null,
      kind text not null,
      from_status text,
      to_status text,
      note_ciphertext text,
      report_id uuid,
      dispatch_id uuid
    )`.execute(db);
  await sql`create index incident_events_incident_idx on incident_events (incident_id, at)`.execute(db);

  // Reports from a call or an unfinished text conversation may lack what the web form requires.
  await sql`alter table reports alter column location_ciphertext drop not null`.execute(db);
  await sql`alter table reports alter column activity drop not null`.execute(db);
  await sql`alter table reports alter column seen_when drop not null`.execute(db);
  await sql`alter table reports alter column source drop not null`.execute(db);
  await sql`alter table reports add column language text not null default 'en'`.execute(db);
  await sql`alter table reports add column incomplete boolean not null default false`.execute(db);
  await sql`alter table reports add column h3_cell text`.execute(db);
  await sql`alter table reports add column incident_id uuid references incidents(id) on delete set null`.execute(
    db,
  );
  await sql`create index reports_incident_idx on reports (incident_id)`.execute(db);

  await sql`
    create table staff_profiles (
      user_id uuid primary key references users(id) on delete cascade,
      display_name text not null default '',
      phone_ciphertext text,
      phone_index text,
      languages text[] not null default '{en}',
      home_zips text[] not null default '{}',
      on_shift boolean not null default false,
      on_shift_since timestamptz,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create unique index staff_profiles_phone_idx on staff_profiles (phone_index)`.execute(db);

  await sql`
    create table dispatches (
      id uuid primary key,
      incident_id uuid not null references incidents(id) on delete cascade,
      responder_id uuid not null references users(id) on delete cascade,
      status text not null check (status in ('sent','on_way','declined','arrived','done','cancelled')),
      eta_minutes integer check (eta_minutes between 0 and 600),
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      responded_at timestamptz,
      provider_id text
    )`.execute(db);
  await sql`create index dispatches_incident_idx on dispatches (incident_id)`.execute(db);
  await sql`create index dispatches_responder_idx on dispatches (responder_id, created_at desc)`.execute(db);

  await sql`
    create table verifications (
      id uuid primary key,
      incident_id uuid not null references incidents(id) on delete cascade,
      dispatch_id uuid references dispatches(id) on delete set null,
      responder_id uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      anyone_present boolean not null,
      agency text not null check (agency in ('ice','cbp','local_police','other','unknown')),
      identified_by text[] not null default '{}',
      activity text,
      agents_count integer check (agents_count between 0 and 1000),
      vehicles_count integer check (vehicles_count between 0 and 1000),
      outcome text not null check (outcome in ('confirmed','not_immigration','false_alarm','unable_to_verify')),
      notes_ciphertext text,
      photo_storage_key text unique,
      photo_sha256 text,
      photo_content_type text check (photo_content_type in ('image/jpeg','image/png'))
    )`.execute(db);
  await sql`create index verifications_incident_idx on verifications (incident_id)`.execute(db);

  // One row per webhook Twilio delivered, so a retry is answered the same way and stored once. Rows are
  // purged after a few days; the key is Twilio's SID plus what distinguishes the step (see webhook.ts).
  await sql`
    create table twilio_webhook_receipts (
      key text primary key,
      received_at timestamptz not null default now(),
      response text
    )`.execute(db);
  await sql`create index twilio_webhook_receipts_received_idx on twilio_webhook_receipts (received_at)`.execute(
    db,
  );

  // Numbers that texted STOP: the blind index only, so the list cannot be read back as numbers.
  await sql`
    create table sms_opt_outs (
      phone_index text primary key,
      opted_out_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table sms_conversations (
      id uuid primary key,
      phone_ciphertext text not null,
      phone_index text not null,
      language text not null default 'en',
      step text not null,
      answers_ciphertext text not null,
      started_at timestamptz not null default now(),
      last_message_at timestamptz not null default now(),
      last_auto_reply_at timestamptz,
      closed_at timestamptz,
      report_id uuid references reports(id) on delete set null
    )`.execute(db);
  await sql`create unique index sms_conversations_open_idx on sms_conversations (phone_index)
    where closed_at is null`.execute(db);

  await sql`
    create table sms_media (
      id uuid primary key,
      conversation_id uuid references sms_conversations(id) on delete set null,
      report_id uuid references reports(id) on delete cascade,
      twilio_url_ciphertext text,
      content_type text not null,
      storage_key text unique,
      original_sha256 text,
      received_at timestamptz not null default now(),
      fetched_at timestamptz,
      deleted_at_twilio_at timestamptz
    )`.execute(db);
  await sql`create index sms_media_conversation_idx on sms_media (conversation_id)`.execute(db);

  await sql`
    create table voice_calls (
      call_sid text primary key,
      phone_ciphertext text,
      phone_index text,
      language text,
      choice text,
      started_at timestamptz not null default now(),
      report_id uuid references reports(id) on delete set null
    )`.execute(db);

  await sql`
    create table report_recordings (
      id uuid primary key,
      report_id uuid not null references reports(id) on delete cascade,
      recording_sid text not null unique,
      twilio_url_ciphertext text,
      duration_seconds integer,
      storage_key text unique,
      original_sha256 text,
      content_type text,
      created_at timestamptz not null default now(),
      fetched_at timestamptz,
      deleted_at_twilio_at timestamptz
    )`.execute(db);
  await sql`create index report_recordings_report_idx on report_recordings (report_id)`.execute(db);

  // Work for the legal team that a call or an incident creates (the case module builds on it).
  await sql`
    create table followup_tasks (
      id uuid primary key,
      kind text not null check (kind in ('family_detained')),
      report_id uuid references reports(id) on delete set null,
      language text not null default 'en',
      status text not null default 'open' check (status in ('open','done')),
      assigned_to uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      closed_at timestamptz
    )`.execute(db);
  await sql`create index followup_tasks_status_idx on followup_tasks (status, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table followup_tasks`.execute(db);
  await sql`drop table report_recordings`.execute(db);
  await sql`drop table voice_calls`.execute(db);
  await sql`drop table sms_media`.execute(db);
  await sql`drop table sms_conversations`.execute(db);
  await sql`drop table sms_opt_outs`.execute(db);
  await sql`drop table twilio_webhook_receipts`.execute(db);
  await sql`drop table verifications`.execute(db);
  await sql`drop table dispatches`.execute(db);
  await sql`drop table staff_profiles`.execute(db);
  await sql`drop index reports_incident_idx`.execute(db);
  await sql`alter table reports drop column incident_id`.execute(db);
  await sql`alter table reports drop column h3_cell`.execute(db);
  await sql`alter table reports drop column incomplete`.execute(db);
  await sql`alter table reports drop column language`.execute(db);
  // Rows without these cannot go back to the old shape: they are removed, as the old schema cannot hold them.
  await sql`delete from reports where location_ciphertext is null or activity is null
    or seen_when is null or source is null`.execute(db);
  await sql`alter table reports alter column source set not null`.execute(db);
  await sql`alter table reports alter column seen_when set not null`.execute(db);
  await sql`alter table reports alter column activity set not null`.execute(db);
  await sql`alter table reports alter column location_ciphertext set not null`.execute(db);
  await sql`drop table incident_events`.execute(db);
  await sql`drop table incidents`.execute(db);
}
