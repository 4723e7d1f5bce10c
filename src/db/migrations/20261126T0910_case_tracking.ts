// Following a detained person's case: the facility directory, detainee-locator checks, the facilities a
// person was held in, immigration court hearings, and the reminders those cause.
//
// The facility directory is public knowledge (names, addresses and phone numbers of detention centres), so it
// is stored in the clear. Everything tied to a case is sealed with the case's own key (src/crypto/case-keys.ts):
// what a locator check found, where the person is held, when and where their hearings are. What stays in the
// clear is what the work needs to find rows: the case, who recorded something and when, and a reminder's due
// time. The reminder tables hold ids only (no number, no text): the worker reads the recipients and builds the
// text when it sends. When a case's key is destroyed, a trigger deletes the case's rows here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table facilities (
      id uuid primary key,
      name text not null,
      name_key text not null unique,
      operator text not null default '',
      address text not null default '',
      phone text not null default '',
      visiting_notes text not null default '',
      deposit_notes text not null default '',
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`.execute(db);

  await sql`
    create table locator_checks (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      checked_at timestamptz not null,
      checked_by uuid references users (id) on delete set null,
      result_ciphertext text not null
    )`.execute(db);
  await sql`create index locator_checks_case_idx on locator_checks (case_id, checked_at)`.execute(db);

  await sql`
    create table case_facility_stays (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      recorded_at timestamptz not null,
      recorded_by uuid references users (id) on delete set null,
      stay_ciphertext text not null
    )`.execute(db);
  await sql`create index case_facility_stays_case_idx on case_facility_stays (case_id, recorded_at)`.execute(
    db,
  );

  await sql`
    create table hearings (
      id uuid primary key,
      case_id uuid not null references cases (id) on delete cascade,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      hearing_ciphertext text not null
    )`.execute(db);
  await sql`create index hearings_case_idx on hearings (case_id)`.execute(db);

  // pending → sending (claimed by one worker) → done, or skipped with a reason code when there was nothing
  // to send (case closed, key destroyed, hearing cancelled, person located). A worker that dies leaves its
  // reminder 'sending' with claimed_at; another worker takes it over later, and the delivery ledger below
  // keeps anyone already texted from being texted twice.
  await sql`
    create table case_reminders (
      id uuid primary key,
      kind text not null check (kind in ('hearing', 'locator')),
      case_id uuid not null references cases (id) on delete cascade,
      hearing_id uuid references hearings (id) on delete cascade,
      hours_before integer,
      due_at timestamptz not null,
      status text not null check (status in ('pending', 'sending', 'done', 'skipped')),
      skip_reason text,
      claimed_at timestamptz,
      finished_at timestamptz,
      created_at timestamptz not null,
      check ((kind = 'hearing') = (hearing_id is not null))
    )`.execute(db);
  await sql`create index case_reminders_due_idx on case_reminders (due_at)
    where status in ('pending', 'sending')`.execute(db);
  await sql`create index case_reminders_hearing_idx on case_reminders (hearing_id)
    where hearing_id is not null`.execute(db);
  // One locator reminder per due time of a case, however many workers notice it.
  await sql`create unique index case_reminders_locator_idx on case_reminders (case_id, due_at)
    where kind = 'locator'`.execute(db);

  // Who a reminder went to, by reference only: 'family:<contact id>', 'attorney', 'staff:<user id>'.
  await sql`
    create table case_reminder_deliveries (
      reminder_id uuid not null references case_reminders (id) on delete cascade,
      recipient text not null,
      status text not null check (status in ('sending', 'sent', 'failed', 'opted_out')),
      provider_id text,
      updated_at timestamptz not null,
      primary key (reminder_id, recipient)
    )`.execute(db);

  // When a case's key is destroyed, its sealed rows here could no longer be read, but their clear times (when
  // the locator was checked, when reminders were due, which hint at hearing dates) would stay. Keep as little
  // as possible: they go in the same transaction.
  await sql`
    create function case_tracking_forget_destroyed_case() returns trigger language plpgsql as $$
    begin
      delete from case_reminders where case_id = new.id;
      delete from hearings where case_id = new.id;
      delete from case_facility_stays where case_id = new.id;
      delete from locator_checks where case_id = new.id;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger case_tracking_key_destroyed after update of key_destroyed_at on cases
    for each row when (new.key_destroyed_at is not null and old.key_destroyed_at is null)
    execute function case_tracking_forget_destroyed_case()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger case_tracking_key_destroyed on cases`.execute(db);
  await sql`drop function case_tracking_forget_destroyed_case()`.execute(db);
  await sql`drop table case_reminder_deliveries`.execute(db);
  await sql`drop table case_reminders`.execute(db);
  await sql`drop table hearings`.execute(db);
  await sql`drop table case_facility_stays`.execute(db);
  await sql`drop table locator_checks`.execute(db);
  await sql`drop table facilities`.execute(db);
}
