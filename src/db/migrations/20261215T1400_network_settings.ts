// The network's own settings that its first admin chooses in the console rather than the server's environment:
// for now its time zone (AMPARO_TIMEZONE, when set, wins over it). One row at most.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table network_settings (
      id boolean primary key default true check (id),
      time_zone text,
      updated_at timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table network_settings`.execute(db);
}
