// Evidence packets (issue 17): the network's Ed25519 signing key (one row; the private half sealed with the
// master key, the public half in the clear, as every packet prints it), and legal holds that keep an incident's
// observation log and media past its retention (on an incident, or on a case linked to one).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table packet_signing_keys (
      id boolean primary key default true check (id),
      public_key text not null,
      private_key_ciphertext text not null,
      created_at timestamptz not null
    )`.execute(db);
  await sql`
    create table legal_holds (
      id uuid primary key,
      incident_id uuid references incidents (id) on delete cascade,
      case_id uuid references cases (id) on delete cascade,
      reason_ciphertext text not null,
      set_by uuid,
      set_at timestamptz not null,
      lifted_by uuid,
      lifted_at timestamptz,
      check ((incident_id is null) <> (case_id is null))
    )`.execute(db);
  await sql`create index legal_holds_incident_idx on legal_holds (incident_id) where lifted_at is null`.execute(
    db,
  );
  await sql`create index legal_holds_case_idx on legal_holds (case_id) where lifted_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table legal_holds`.execute(db);
  await sql`drop table packet_signing_keys`.execute(db);
}
