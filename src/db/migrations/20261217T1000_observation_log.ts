// The observation log (issue 17): what an observer on an incident saw, line by line, with when it happened and
// when it was written. The text is sealed (field encryption); an edit keeps the earlier text as a version. The
// phone's own id for an entry is unique per author, so an entry sent again after a lost answer is stored once.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table observation_entries (
      id uuid primary key,
      incident_id uuid not null references incidents (id) on delete cascade,
      author_id uuid not null references users (id),
      client_id uuid not null,
      kind text not null check (kind in
        ('arrival', 'people_detained', 'vehicles', 'words_said', 'force_used', 'departure', 'other')),
      event_at timestamptz not null,
      written_at timestamptz not null,
      edited_at timestamptz,
      text_ciphertext text not null,
      unique (author_id, client_id)
    )`.execute(db);
  await sql`create index observation_entries_incident_idx on observation_entries (incident_id, event_at)`.execute(
    db,
  );
  await sql`
    create table observation_entry_versions (
      id uuid primary key,
      entry_id uuid not null references observation_entries (id) on delete cascade,
      kind text not null,
      event_at timestamptz not null,
      replaced_at timestamptz not null,
      replaced_by uuid not null references users (id),
      text_ciphertext text not null
    )`.execute(db);
  await sql`create index observation_entry_versions_entry_idx on observation_entry_versions (entry_id)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table observation_entry_versions`.execute(db);
  await sql`drop table observation_entries`.execute(db);
}
