// Who an alert reaches: active subscribers with at least one target ZIP code whose number has not opted out
// anywhere (STOP to the hotline stops alerts too). One query shape serves the console's count before
// approval and the ledger's fill at approval, so the number approved is the number queued.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';

/** Recipients per language for these ZIP codes, as the console shows them before approval. */
export async function countRecipientsByLanguage(
  db: Kysely<Database>,
  zips: readonly string[],
): Promise<Record<string, number>> {
  if (zips.length === 0) return {};
  const result = await sql<{ language: string; recipients: string | number }>`
    select s.language, count(*) as recipients
    from subscribers s
    where s.status = 'active'
      and s.zips && ${sql.val([...zips])}::text[]
      and not exists (select 1 from sms_opt_outs o where o.phone_index = s.phone_index)
    group by s.language`.execute(db);
  return Object.fromEntries(result.rows.map((row) => [row.language, Number(row.recipients)]));
}

/**
 * Of those recipients, how many Twilio still blocks: they texted a STOP word Twilio handles, then came back
 * by a word Twilio does not know (INICIO, ALERTS), so Amparo counts them but Twilio will refuse their texts
 * (21610) until they text START. Staff see the count before approving.
 */
export async function countRecipientsBlockedByProvider(
  db: Kysely<Database>,
  zips: readonly string[],
): Promise<number> {
  if (zips.length === 0) return 0;
  const result = await sql<{ blocked: string | number }>`
    select count(*) as blocked
    from subscribers s
    join sms_provider_blocks b on b.phone_index = s.phone_index
    where s.status = 'active'
      and s.zips && ${sql.val([...zips])}::text[]
      and not exists (select 1 from sms_opt_outs o where o.phone_index = s.phone_index)`.execute(db);
  return Number(result.rows[0]?.blocked ?? 0);
}

/**
 * Fills the delivery ledger for an approved alert: one pending row per recipient, in one statement so 100,000
 * rows never pass through the application. Returns how many rows it created. Only approval calls it, once,
 * with the alert locked and still a draft, so no row can exist yet: a plain insert, as `on conflict`'s
 * speculative insertion made the fill about a fifth slower. In recipient order, the ledger's indexes (keyed
 * by alert and recipient) are filled at their right-hand edge rather than at random pages.
 */
export async function fillDeliveryLedger(
  trx: Transaction<Database>,
  alertId: string,
  zips: readonly string[],
  now: Date,
): Promise<number> {
  if (zips.length === 0) return 0;
  const result = await sql`
    insert into alert_deliveries (alert_id, subscriber_id, language, status, updated_at)
    select ${alertId}::uuid, s.id, s.language, 'pending', ${now}
    from subscribers s
    where s.status = 'active'
      and s.zips && ${sql.val([...zips])}::text[]
      and not exists (select 1 from sms_opt_outs o where o.phone_index = s.phone_index)
    order by s.id`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}
