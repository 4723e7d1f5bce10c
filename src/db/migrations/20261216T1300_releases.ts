// Releases (issue 16): a person let out of detention gets a release record (when in the clear, for the
// operation's counts by day; where and the conditions sealed with the case key), and its check-in date becomes
// a reminder like a hearing's ('checkin', tied to the release).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table case_releases (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      released_at timestamptz not null,
      recorded_at timestamptz not null,
      recorded_by uuid,
      release_ciphertext text not null
    )`.execute(db);
  await sql`create index case_releases_case_idx on case_releases (case_id)`.execute(db);

  await sql`alter table case_reminders add column release_id uuid references case_releases (id) on delete cascade`.execute(
    db,
  );
  await sql`alter table case_reminders drop constraint case_reminders_kind_check`.execute(db);
  await sql`alter table case_reminders add constraint case_reminders_kind_check
    check (kind in ('hearing', 'locator', 'checkin'))`.execute(db);
  await sql`alter table case_reminders add constraint case_reminders_checkin_release
    check ((kind = 'checkin') = (release_id is not null))`.execute(db);

  // A destroyed key leaves nothing of the release behind either (see the case-tracking migration).
  await sql`
    create or replace function case_tracking_forget_destroyed_case() returns trigger language plpgsql as $$
    begin
      delete from case_reminders where case_id = new.id;
      delete from case_releases where case_id = new.id;
      delete from hearings where case_id = new.id;
      delete from case_facility_stays where case_id = new.id;
      delete from locator_checks where case_id = new.id;
      return new;
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function case_tracking_forget_destroyed_case() returns trigger language plpgsql as $$
    begin
      delete from case_reminders where case_id = new.id;
      delete from hearings where case_id = new.id;
      delete from case_facility_stays where case_id = new.id;
      delete from locator_checks where case_id = new.id;
      return new;
    end $$`.execute(db);
  await sql`delete from case_reminders where kind = 'checkin'`.execute(db);
  await sql`alter table case_reminders drop constraint case_reminders_checkin_release`.execute(db);
  await sql`alter table case_reminders drop constraint case_reminders_kind_check`.execute(db);
  await sql`alter table case_reminders add constraint case_reminders_kind_check
    check (kind in ('hearing', 'locator'))`.execute(db);
  await sql`alter table case_reminders drop column release_id`.execute(db);
  await sql`drop table case_releases`.execute(db);
}
