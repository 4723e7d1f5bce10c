// The audit head is authenticated: `mac` is an HMAC, under a key derived from the master key (outside the
// database), over the head's sequence number and hash. Rewriting the head after cutting the newest rows no
// longer passes `amparo audit verify`. Null until the first append (or start) of this release writes it.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table audit_head add column mac text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table audit_head drop column mac`.execute(db);
}
