// Foundation schema: staff accounts, sessions, invites, the audit chain, and web reports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table users (
      id uuid primary key,
      email_ciphertext text not null,
      email_index text not null unique,
      roles text[] not null check (roles <@ array['admin','coordinator','dispatcher','responder','legal']::text[]),
      password_hash text not null,
      totp_secret_ciphertext text,
      totp_enrolled_at timestamptz,
      totp_last_step bigint,
      failed_login_count integer not null default 0,
      locked_until timestamptz,
      disabled_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table sessions (
      id text primary key,
      user_id uuid not null references users(id) on delete cascade,
      mfa_complete boolean not null,
      csrf_secret text not null,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index sessions_user_id_idx on sessions (user_id)`.execute(db);

  await sql`
    create table invites (
      id uuid primary key,
      token_hash text not null unique,
      kind text not null check (kind in ('setup','invite')),
      email_ciphertext text,
      email_index text,
      role text not null check (role in ('admin','coordinator','dispatcher','responder','legal')),
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    )`.execute(db);

  // The audit log is append-only: the database itself refuses updates and deletes, and each row's hash
  // (an HMAC under a key outside the database) covers the previous row's, so a change or a removal
  // breaks the chain. audit_head remembers the tip, so removing the newest rows is caught too.
  await sql`
    create table audit_log (
      seq bigint primary key,
      at timestamptz not null default now(),
      actor_id uuid,
      action text not null,
      subject_type text,
      subject_id text,
      details jsonb not null default '{}'::jsonb,
      prev_hash text not null,
      hash text not null
    )`.execute(db);
  await sql`create table audit_head (id integer primary key check (id = 1), seq bigint not null, hash text not null)`.execute(
    db,
  );
  await sql`insert into audit_head (id, seq, hash) values (1, 0, '')`.execute(db);
  await sql`
    create function audit_log_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only';
    end
    $$`.execute(db);
  await sql`
    create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function audit_log_refuse_change()`.execute(db);
  await sql`
    create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_refuse_change()`.execute(db);

  await sql`
    create table reports (
      id uuid primary key,
      reference text not null unique,
      channel text not null check (channel in ('web','sms','voice')),
      status text not null check (status in ('new','duplicate','spam','needs_verification')),
      created_at timestamptz not null default now(),
      activity text not null,
      location_ciphertext text not null,
      zip text check (zip ~ '^[0-9]{5}$'),
      seen_when text not null,
      agents_count integer check (agents_count between 0 and 1000),
      vehicles_count integer check (vehicles_count between 0 and 1000),
      uniform_ciphertext text,
      agency text not null,
      source text not null check (source in ('saw','heard')),
      callback_phone_ciphertext text,
      callback_phone_index text,
      details_ciphertext text,
      status_changed_by uuid references users(id) on delete set null,
      status_changed_at timestamptz
    )`.execute(db);
  await sql`create index reports_status_created_idx on reports (status, created_at desc)`.execute(db);
  await sql`create index reports_created_idx on reports (created_at desc)`.execute(db);

  await sql`
    create table report_photos (
      id uuid primary key,
      report_id uuid not null references reports(id) on delete cascade,
      storage_key text not null unique,
      original_sha256 text not null,
      content_type text not null check (content_type in ('image/jpeg','image/png')),
      size_bytes integer not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index report_photos_report_idx on report_photos (report_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table report_photos`.execute(db);
  await sql`drop table reports`.execute(db);
  await sql`drop table audit_head`.execute(db);
  await sql`drop table audit_log`.execute(db);
  await sql`drop function audit_log_refuse_change()`.execute(db);
  await sql`drop table invites`.execute(db);
  await sql`drop table sessions`.execute(db);
  await sql`drop table users`.execute(db);
}
