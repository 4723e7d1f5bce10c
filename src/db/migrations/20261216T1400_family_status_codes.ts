// Family status codes: a private code a consenting family contact texts (ESTADO K7M4PX) to learn what the
// family may know about the person detained. Only the code's keyed blind index is stored, never the code; at
// most one live code per contact, and no live code twice. A revoked code stays (so its index is never issued
// again and a lookup of it can be audited as revoked) until the case goes.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table case_status_codes (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      contact_id uuid not null references case_contacts (id) on delete cascade,
      code_index text not null unique,
      created_at timestamptz not null,
      revoked_at timestamptz
    )`.execute(db);
  await sql`
    create unique index case_status_codes_one_live_per_contact
      on case_status_codes (contact_id) where revoked_at is null`.execute(db);
  await sql`create index case_status_codes_case on case_status_codes (case_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table case_status_codes`.execute(db);
}
