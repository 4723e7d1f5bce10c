// Reports made with the console's text simulator are marked, so every page can say so and no count or
// community alert takes them for real. Older simulated reports carry only a note in their (encrypted) details.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table reports add column simulated boolean not null default false`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table reports drop column simulated`.execute(db);
}
