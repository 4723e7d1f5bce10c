// Reading the console outbox: decrypts the newest texts for a staff member and records that they looked.
import type { AppContext } from '../../app/context.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { casesStaffMayOpen } from '../cases/cases.access.ts';
import { deleteOutboxMessagesBefore, listRecentOutboxMessages } from './outbox.repository.ts';
import { OUTBOX_READER_ROLES } from './outbox.policy.ts';

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

export interface OutboxView {
  entries: OutboxEntry[];
  /** Texts among the newest that this reader may not see: about a case they may not open, or not theirs. */
  hidden: number;
}

/**
 * The newest texts this staff member may read: texts about a case only when they may open that case, other
 * texts only for the outbox's reader roles. What was withheld is counted, never shown.
 */
export async function readOutbox(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'roles' | 'userId'>,
): Promise<OutboxView> {
  const rows = await listRecentOutboxMessages(context.db, OUTBOX_PAGE_SIZE);
  const caseIds = rows.flatMap((row) => (row.case_id === null ? [] : [row.case_id]));
  const openable = await casesStaffMayOpen(context, principal, caseIds);
  const readsOthers = principal.roles.some((role) => OUTBOX_READER_ROLES.includes(role));
  const shown = rows.filter((row) => (row.case_id === null ? readsOthers : openable.has(row.case_id)));
  await recordAudit(context.db, context, {
    actorId: principal.userId,
    action: 'outbox.viewed',
    subjectType: 'sms_outbox',
    details: { shown: shown.length, hidden: rows.length - shown.length },
  });
  const { fields } = context.secrets;
  return {
    hidden: rows.length - shown.length,
    entries: shown.map((row) => ({
      id: row.id,
      createdAt: row.created_at,
      maskedTo: maskPhone(
        fields.decrypt({ table: 'sms_outbox', column: 'to', rowId: row.id }, row.to_ciphertext),
      ),
      body: fields.decrypt({ table: 'sms_outbox', column: 'body', rowId: row.id }, row.body_ciphertext),
      segments: row.segments,
    })),
  };
}

/** Deletes the texts older than AMPARO_OUTBOX_RETENTION_DAYS; returns how many. */
export async function purgeOutbox(context: Pick<AppContext, 'db' | 'clock' | 'config'>): Promise<number> {
  const days = context.config.outbox.retentionDays;
  return deleteOutboxMessagesBefore(context.db, new Date(context.clock.now().getTime() - days * 86_400_000));
}
