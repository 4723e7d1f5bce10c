// A family's follow-up (the SMS intake FAMILIA / FAMILY) holds the detained person's name encrypted; the roster
// import must find it without decrypting every task. `detained_name_index` holds a keyed blind index of each
// spelling of that name (as cases.names_index does), only while the task is open: it is cleared when the task is
// closed or taken into a case, with the rest of what the task gives up. Tasks filed before this have none.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table followup_tasks add column detained_name_index text[]`.execute(db);
  await sql`
    create index followup_tasks_detained_name_idx on followup_tasks using gin (detained_name_index)
    where detained_name_index is not null
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists followup_tasks_detained_name_idx`.execute(db);
  await sql`alter table followup_tasks drop column detained_name_index`.execute(db);
}
