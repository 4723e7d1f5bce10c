// Reading the console outbox: decrypts the newest texts for a staff member and records that they looked.
import type { AppContext } from '../../app/context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { listRecentOutboxMessages } from './outbox.repository.ts';

export const OUTBOX_PAGE_SIZE = 100;

export interface OutboxEntry {
  id: string;
  createdAt: Date;
  /** The recipient with all but the last four digits hidden: enough to tell texts apart, not to call. */
  maskedTo: string;
  body: string;
  segments: number;
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '').length;
  let seen = 0;
  return phone.replace(/\d/g, (digit) => (++seen > digits - 4 ? digit : '•'));
}

export async function readOutbox(
  context: Pick<AppContext, 'db' | 'secrets' | 'clock'>,
  actorId: string,
): Promise<OutboxEntry[]> {
  const rows = await listRecentOutboxMessages(context.db, OUTBOX_PAGE_SIZE);
  await recordAudit(context.db, context, {
    actorId,
    action: 'outbox.viewed',
    subjectType: 'sms_outbox',
    details: { shown: rows.length },
  });
  const { fields } = context.secrets;
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.created_at,
    maskedTo: maskPhone(
      fields.decrypt({ table: 'sms_outbox', column: 'to', rowId: row.id }, row.to_ciphertext),
    ),
    body: fields.decrypt({ table: 'sms_outbox', column: 'body', rowId: row.id }, row.body_ciphertext),
    segments: row.segments,
  }));
}
