// Media kept as evidence: photos, video and audio a responder sent from an incident. The original's bytes live
// on disk, sealed (AES-256-GCM frames, see src/modules/evidence/evidence.sealed-file.ts); the row holds what
// proves them (SHA-256 of the original bytes, size), who sent them, when, and the sealed file name. The
// custody record lists every view, download and export with who, when, why (sealed) and which hash.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table evidence_items (
      id uuid primary key,
      incident_id uuid not null references incidents (id) on delete cascade,
      observer_id uuid references users (id) on delete set null,
      kind text not null check (kind in ('photo', 'video', 'audio', 'other')),
      file_name_ciphertext text not null,
      content_type text not null,
      size_bytes bigint not null,
      sha256 text not null,
      working_copy text not null check (working_copy in ('pending', 'ready', 'none')),
      working_content_type text,
      received_at timestamptz not null
    )`.execute(db);
  await sql`create index evidence_items_incident on evidence_items (incident_id, received_at)`.execute(db);
  await sql`
    create table evidence_custody_events (
      id uuid primary key,
      seq bigint generated always as identity,
      item_id uuid not null references evidence_items (id) on delete cascade,
      actor_id uuid references users (id) on delete set null,
      action text not null check (action in ('received', 'viewed', 'downloaded', 'exported')),
      reason_ciphertext text,
      sha256 text not null,
      at timestamptz not null
    )`.execute(db);
  await sql`create index evidence_custody_events_item on evidence_custody_events (item_id, seq)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table evidence_custody_events`.execute(db);
  await sql`drop table evidence_items`.execute(db);
}
