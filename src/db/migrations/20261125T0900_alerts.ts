// Community alerts: what a dispatcher or coordinator composed, for which incident, aimed where, and who
// approved it. The bodies are the texts the community receives (no names, addresses or anything about the
// people affected, so nothing here is encrypted); targeting is kept as ZIP codes and drawn areas.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table alerts (
      id uuid primary key,
      reference text not null unique,
      kind text not null check (kind in
        ('confirmed_activity', 'update', 'area_clear', 'rumour_control', 'know_your_rights')),
      incident_id uuid references incidents (id),
      status text not null check (status in ('draft', 'approved', 'sending', 'sent', 'cancelled')),
      area_label text not null,
      what_key text,
      advice_key text,
      bodies jsonb not null,
      radius_meters integer,
      added_zips text[] not null default '{}',
      removed_zips text[] not null default '{}',
      drawn_areas jsonb not null default '[]',
      target_zips text[] not null default '{}',
      composed_by uuid not null references users (id),
      composed_at timestamptz not null,
      approved_by uuid references users (id),
      approved_at timestamptz,
      cancelled_by uuid references users (id),
      cancelled_at timestamptz,
      recipients integer,
      sending_started_at timestamptz,
      sending_finished_at timestamptz,
      deliveries_purged_at timestamptz,
      purged_counts jsonb
    )`.execute(db);
  await sql`create index alerts_incident_idx on alerts (incident_id)`.execute(db);
  await sql`create index alerts_composed_at_idx on alerts (composed_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table alerts`.execute(db);
}
