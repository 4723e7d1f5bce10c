// The audit log: append-only and hash-chained. Each row's hash is an HMAC, under a key derived from the
// master key (so it lives outside the database), over the previous row's hash and this row's content. A
// changed row breaks its own hash; a removed row breaks the next row's link; removed newest rows no longer
// match audit_head. Details hold ids and codes only: never emails, names, phone numbers or report text.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database } from '../../db/schema.ts';
import { insertRow, lockHead, readHead, readPage, type AuditRow } from './audit.repository.ts';

export type AuditAction =
  | 'auth.sign_in'
  | 'auth.sign_in_failed'
  | 'auth.second_factor_failed'
  | 'auth.totp_enrolled'
  | 'auth.sign_out'
  | 'auth.sign_out_everywhere'
  | 'auth.sessions_revoked'
  | 'auth.locked_out'
  | 'user.setup_link_created'
  | 'user.invited'
  | 'user.created'
  | 'user.roles_changed'
  | 'user.disabled'
  | 'user.enabled'
  | 'report.viewed'
  | 'report.photo_viewed'
  | 'report.status_changed'
  | 'outbox.viewed'
  | 'incident.created'
  | 'incident.viewed'
  | 'incident.status_changed'
  | 'incident.updated'
  | 'incident.merged'
  | 'incident.split'
  | 'incident.report_linked'
  | 'dispatch.sent'
  | 'dispatch.called_out'
  | 'dispatch.answered'
  | 'dispatch.cancelled'
  | 'dispatch.viewed'
  | 'verification.photo_viewed'
  | 'verification.recorded'
  | 'profile.updated'
  | 'recording.played'
  | 'followup.created'
  | 'followup.listed'
  | 'followup.done'
  | 'case.created'
  | 'case.viewed'
  | 'case.listed'
  | 'case.exported'
  | 'case.updated'
  | 'case.assigned'
  | 'case.unassigned'
  | 'case.closed'
  | 'case.reopened'
  | 'case.merged'
  | 'case.key_destroyed'
  | 'team.created'
  | 'team.member_added'
  | 'team.member_removed'
  | 'team.intake_set'
  | 'case.duplicate_lookup'
  | 'case.duplicate_check_resolved'
  | 'followup.moved_to_case'
  | 'followup.assigned'
  | 'attorney.created'
  | 'attorney.updated'
  | 'attorney.archived'
  | 'attorney.restored'
  | 'case.attorney_assigned'
  | 'case.attorney_unassigned'
  | 'case.bond_paid'
  | 'bond_fund.created'
  | 'bond_fund.deposit_recorded'
  | 'sms.opted_out'
  | 'sms.simulated'
  | 'alert.composed'
  | 'alert.edited'
  | 'alert.targeted'
  | 'alert.approved'
  | 'alert.approval_refused'
  | 'alert.cancelled'
  | 'provider_copies.retried';

export interface AuditEvent {
  actorId: string | null;
  action: AuditAction;
  subjectType?: string;
  subjectId?: string;
  /** Ids, codes and counts only. */
  details?: Record<string, string | number | boolean | null | string[]>;
}

type AuditContext = Pick<AppContext, 'secrets' | 'clock'>;

function chainKey(context: AuditContext): Buffer {
  return context.secrets.keyring.derive('audit-chain', 1);
}

/** Canonical content of a row: fixed field order, so the same row always hashes the same way. */
function rowHash(key: Buffer, row: Omit<AuditRow, 'hash'>): string {
  const content = JSON.stringify([
    // bigint arrives from node-postgres as a string; String() also keeps a number as it was hashed.
    String(row.seq),
    row.at.toISOString(),
    row.actor_id,
    row.action,
    row.subject_type,
    row.subject_id,
    canonicalJson(row.details),
    row.prev_hash,
  ]);
  return createHmac('sha256', key).update(content).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Appends an event. Pass the transaction that makes the change being audited, so the change and its
 * record commit together; outside a transaction one is opened.
 */
export async function recordAudit(
  db: Kysely<Database>,
  context: AuditContext,
  event: AuditEvent,
): Promise<void> {
  if (!db.isTransaction) {
    await db.transaction().execute((trx) => recordAudit(trx, context, event));
    return;
  }
  const head = await lockHead(db);
  const row: Omit<AuditRow, 'hash'> = {
    seq: String(BigInt(head.seq) + 1n),
    // Millisecond precision: what PostgreSQL stores (microseconds) must round-trip exactly for verification.
    at: new Date(Math.floor(context.clock.now().getTime())),
    actor_id: event.actorId,
    action: event.action,
    subject_type: event.subjectType ?? null,
    subject_id: event.subjectId ?? null,
    details: event.details ?? {},
    prev_hash: head.hash,
  };
  const hash = rowHash(chainKey(context), row);
  await insertRow(db, { ...row, details: JSON.stringify(row.details), hash });
}

export interface AuditVerification {
  ok: boolean;
  rowsChecked: number;
  /** The first sequence number where the chain breaks, when it does. */
  brokenAt?: string;
  problem?: 'row_changed' | 'row_missing' | 'tail_missing';
}

export async function verifyAuditChain(
  db: Kysely<Database>,
  context: AuditContext,
): Promise<AuditVerification> {
  const key = chainKey(context);
  let expectedSeq = 1n;
  let prevHash = '';
  let rowsChecked = 0;
  for (;;) {
    const page = await readPage(db, String(expectedSeq - 1n), 1000);
    if (page.length === 0) break;
    for (const row of page) {
      if (BigInt(row.seq) !== expectedSeq || row.prev_hash !== prevHash) {
        return { ok: false, rowsChecked, brokenAt: String(expectedSeq), problem: 'row_missing' };
      }
      const expected = Buffer.from(rowHash(key, row));
      const actual = Buffer.from(row.hash);
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
        return { ok: false, rowsChecked, brokenAt: String(row.seq), problem: 'row_changed' };
      }
      prevHash = row.hash;
      expectedSeq += 1n;
      rowsChecked += 1;
    }
  }
  const head = await readHead(db);
  if (BigInt(head.seq) !== expectedSeq - 1n || head.hash !== prevHash) {
    return { ok: false, rowsChecked, brokenAt: String(expectedSeq), problem: 'tail_missing' };
  }
  return { ok: true, rowsChecked };
}
