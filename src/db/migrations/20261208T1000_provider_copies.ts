// The provider-retention ledger: every message and call Amparo sends or receives through Twilio, and the
// media and recordings they carry, by SID only (no number, no text, nothing a SID does not already say),
// until its copy at Twilio is deleted. A row is 'waiting' while its copy may still be needed or change (an
// outgoing text not yet final, a call in progress, an attachment not yet fetched): due_at is then the
// latest it waits. 'ready' rows are deleted at Twilio from due_at on (later again after Twilio's 20009, not
// final yet); 'failed' ones were refused otherwise and wait for an admin. A message or call is not deleted
// while a row of its media or recordings (parent_sid) remains.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table provider_copies (
      sid text primary key check (sid ~ '^(SM|MM|CA|ME|RE)[0-9a-fA-F]{32}$'),
      kind text not null check (kind in ('message', 'call', 'media', 'recording')),
      parent_sid text check (parent_sid is null or parent_sid ~ '^(SM|MM|CA)[0-9a-fA-F]{32}$'),
      state text not null check (state in ('waiting', 'ready', 'failed')),
      created_at timestamptz not null,
      due_at timestamptz not null,
      attempts integer not null default 0,
      last_error text,
      redacted_at timestamptz,
      -- An attachment is reached through its message; a recording may name its call.
      check (kind <> 'media' or parent_sid ~ '^(SM|MM)'),
      check (kind <> 'recording' or parent_sid is null or parent_sid ~ '^CA'),
      check (kind in ('media', 'recording') or parent_sid is null)
    )`.execute(db);
  // The sweep takes what is due in order; failed rows are left to admins and never scanned by it.
  await sql`create index provider_copies_due_idx on provider_copies (due_at) where state <> 'failed'`.execute(
    db,
  );
  await sql`create index provider_copies_parent_idx on provider_copies (parent_sid)
    where parent_sid is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table provider_copies`.execute(db);
}
