// Incidents that are merged or split name each other on their timelines, so a dispatcher reading one can
// follow the other. The board orders by last activity and a reconnecting board asks for everything since
// a moment; both get an index.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table incident_events add column related_incident_id uuid
    references incidents(id) on delete set null`.execute(db);
  await sql`create index incident_events_at_idx on incident_events (at)`.execute(db);
  await sql`create index incidents_updated_idx on incidents (updated_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index incidents_updated_idx`.execute(db);
  await sql`drop index incident_events_at_idx`.execute(db);
  await sql`alter table incident_events drop column related_incident_id`.execute(db);
}
