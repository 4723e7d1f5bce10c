// A dispatcher names an incident's place in words ("26th St & Lawndale Ave"): responders get those words in
// their text instead of coordinates. Encrypted like the point, bound to the incident's row.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table incidents add column place_name_ciphertext text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table incidents drop column place_name_ciphertext`.execute(db);
}
