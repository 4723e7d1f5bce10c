// A ledger row holds a claim (claimed_by, claimed_at) exactly while it is 'sending': the fan-out records
// outcomes by claim alone (see recordOutcomes), so this is now kept by the database, not only by the code.
// Rows that break it (none should exist) are mended first, as the fan-out would: a settled row loses a
// leftover claim, and a 'sending' row without one (which no run could ever take back) goes back to 'pending'.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    update alert_deliveries set claimed_by = null, claimed_at = null
    where status <> 'sending' and (claimed_by is not null or claimed_at is not null)`.execute(db);
  await sql`
    update alert_deliveries set status = 'pending', claimed_by = null, claimed_at = null
    where status = 'sending' and (claimed_by is null or claimed_at is null)`.execute(db);
  await sql`
    alter table alert_deliveries add constraint alert_deliveries_claim_check
      check ((status = 'sending') = (claimed_by is not null and claimed_at is not null))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table alert_deliveries drop constraint alert_deliveries_claim_check`.execute(db);
}
