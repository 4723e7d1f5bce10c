// Surge response: a case may belong to an operation (many people detained at once). No foreign key: the
// operations table belongs to another module and may be merged later. `names_index` holds blind indexes of the
// person's name and each other spelling on its own (no date of birth), so a roster can flag "same name,
// different or missing date of birth" as doubtful without anyone reading another team's case. Cases opened
// before this migration have none (their names are sealed with their own keys); they match by A-number and
// by name with date of birth only.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table cases add column operation_id uuid`.execute(db);
  await sql`alter table cases add column names_index text[]`.execute(db);
  await sql`create index cases_operation_idx on cases (operation_id) where operation_id is not null`.execute(
    db,
  );
  await sql`create index cases_names_idx on cases using gin (names_index) where names_index is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists cases_names_idx`.execute(db);
  await sql`drop index if exists cases_operation_idx`.execute(db);
  await sql`alter table cases drop column names_index`.execute(db);
  await sql`alter table cases drop column operation_id`.execute(db);
}
