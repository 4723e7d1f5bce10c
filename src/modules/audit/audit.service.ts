// The audit log: append-only and hash-chained. Each row's hash is an HMAC, under a key derived from the
// master key (so it lives outside the database), over the previous row's hash and this row's content. A
// changed row breaks its own hash; a removed row breaks the next row's link; removed newest rows no longer
// match audit_head. The head carries its own MAC (another derived key), so cutting the newest rows and
// rewriting the head to the new last row is caught too; replaying an older head (from a copy of the database)
// or a reset to an empty log is caught against the anchors written outside the database (audit.anchors.ts).
// Details hold ids and codes only: never emails, names, phone numbers or report text.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database } from '../../db/schema.ts';
import {
  insertRow,
  lockHead,
  readHead,
  readOwnership,
  readPage,
  readTriggers,
  setHeadMac,
  type AuditHead,
  type AuditRow,
} from './audit.repository.ts';

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
  | 'user.invite_revoked'
  | 'user.invite_resent'
  | 'user.created'
  | 'user.roles_changed'
  | 'access.requested'
  | 'access.approved'
  | 'access.refused'
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
  | 'case.status_code_issued'
  | 'case.status_code_revoked'
  | 'case.status_lookup'
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
  | 'case.roster_preview'
  | 'case.roster_import'
  | 'followup.moved_to_case'
  | 'followup.assigned'
  | 'attorney.created'
  | 'attorney.updated'
  | 'attorney.phone_changed'
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
  | 'provider_copies.retried'
  | 'operation.created'
  | 'operation.viewed'
  | 'operation.closed'
  | 'operation.reopened'
  | 'operation.exported'
  | 'operation.dependent_added'
  | 'operation.caregiver_recorded'
  | 'observation.recorded'
  | 'observation.edited'
  | 'evidence.received'
  | 'evidence.viewed'
  | 'evidence.downloaded'
  | 'evidence.exported'
  | 'evidence.packet_exported'
  | 'legal_hold.set'
  | 'legal_hold.lifted';

export interface AuditEvent {
  actorId: string | null;
  action: AuditAction;
  subjectType?: string;
  subjectId?: string;
  /** Ids, codes and counts only. */
  details?: Record<string, string | number | boolean | null | string[]>;
}

type AuditContext = Pick<AppContext, 'secrets' | 'clock'> & { logger?: AppContext['logger'] };

function chainKey(context: AuditContext): Buffer {
  return context.secrets.keyring.derive('audit-chain', 1);
}

function headKey(context: AuditContext): Buffer {
  return context.secrets.keyring.derive('audit-head', 1);
}

/** The head's MAC: what audit_head.mac holds and what an anchor records. */
export function headMac(context: AuditContext, seq: string, hash: string): string {
  return createHmac('sha256', headKey(context))
    .update(JSON.stringify(['audit-head', String(seq), hash]))
    .digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Whether the head is one Amparo wrote: its MAC matches, or it is the empty log's head as the migration made
 * it (seq 0, no MAC yet). Only the anchors can tell that empty head from a log someone truncated and reset.
 */
export function headIsAuthentic(context: AuditContext, head: AuditHead): boolean {
  if (head.mac === null) return head.seq === '0' && head.hash === '';
  return sameText(headMac(context, head.seq, head.hash), head.mac);
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
  // A head that is not authentic stays so: appending to it must not launder a cut log into a valid one.
  const authentic = headIsAuthentic(context, head);
  if (!authentic)
    context.logger?.error({ auditSeq: head.seq }, 'audit head is not authentic: run amparo audit verify');
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
  await insertRow(
    db,
    { ...row, details: JSON.stringify(row.details), hash },
    authentic ? headMac(context, row.seq, hash) : null,
  );
}

/** A head recorded outside the database (the anchor file, or the log): its sequence number and MAC. */
export interface AuditAnchor {
  seq: string;
  mac: string;
}

export type AuditProblem =
  /** A row's content no longer matches its hash. */
  | 'row_changed'
  /** A row is gone, or out of order. */
  | 'row_missing'
  /** The newest rows are gone and the head was left pointing past them. */
  | 'tail_missing'
  /** The head's MAC is missing or wrong: it was rewritten (after cutting the newest rows, say). */
  | 'head_not_authentic'
  /** An anchor names a later entry than the log now holds: the newest rows were cut (or the log was reset). */
  | 'cut_since_anchor'
  /** The entry an anchor names is not the one that was anchored: the log was replaced from there on. */
  | 'anchor_mismatch'
  /** An append-only trigger is disabled, missing or no longer refuses anything. */
  | 'trigger_disabled';

export interface AuditVerification {
  ok: boolean;
  rowsChecked: number;
  anchorsChecked: number;
  /** The first sequence number where the chain breaks, when it does. */
  brokenAt?: string;
  problem?: AuditProblem;
}

const APPEND_ONLY_TRIGGERS = ['audit_log_append_only', 'audit_log_no_truncate'];

export async function verifyAuditChain(
  db: Kysely<Database>,
  context: AuditContext,
  options: { anchors?: readonly AuditAnchor[] } = {},
): Promise<AuditVerification> {
  const anchors = options.anchors ?? [];
  const key = chainKey(context);
  const wanted = new Set(anchors.map((anchor) => anchor.seq));
  const hashes = new Map<string, string>([['0', '']]);
  let expectedSeq = 1n;
  let prevHash = '';
  let rowsChecked = 0;
  const failed = (problem: AuditProblem, brokenAt?: string): AuditVerification => ({
    ok: false,
    rowsChecked,
    anchorsChecked: 0,
    problem,
    ...(brokenAt === undefined ? {} : { brokenAt }),
  });
  for (;;) {
    const page = await readPage(db, String(expectedSeq - 1n), 1000);
    if (page.length === 0) break;
    for (const row of page) {
      if (BigInt(row.seq) !== expectedSeq || row.prev_hash !== prevHash) {
        return failed('row_missing', String(expectedSeq));
      }
      if (!sameText(rowHash(key, row), row.hash)) return failed('row_changed', String(row.seq));
      if (wanted.has(String(row.seq))) hashes.set(String(row.seq), row.hash);
      prevHash = row.hash;
      expectedSeq += 1n;
      rowsChecked += 1;
    }
  }
  const head = await readHead(db);
  if (BigInt(head.seq) !== expectedSeq - 1n || head.hash !== prevHash) {
    return failed('tail_missing', String(expectedSeq));
  }
  if (!headIsAuthentic(context, head)) return failed('head_not_authentic', head.seq);
  for (const anchor of anchors) {
    if (BigInt(anchor.seq) > BigInt(head.seq))
      return failed('cut_since_anchor', String(BigInt(head.seq) + 1n));
    const hash = hashes.get(anchor.seq);
    if (hash === undefined || !sameText(headMac(context, anchor.seq, hash), anchor.mac)) {
      return failed('anchor_mismatch', anchor.seq);
    }
  }
  const triggers = await readTriggers(db);
  for (const name of APPEND_ONLY_TRIGGERS) {
    const trigger = triggers.find((candidate) => candidate.name === name);
    // 'O' fires in normal sessions, 'A' always; 'D' never, 'R' only in replica sessions.
    const fires = trigger && (trigger.enabled === 'O' || trigger.enabled === 'A');
    if (!fires || !trigger.source?.includes(`raise exception 'audit_log is append-only'`)) {
      return failed('trigger_disabled');
    }
  }
  return { ok: true, rowsChecked, anchorsChecked: anchors.length };
}

/**
 * A head written before this release has no MAC. The first start authenticates it once, if the chain up to it
 * verifies and no anchor was ever written (after that, a head without a MAC means someone rewrote it).
 */
export async function sealLegacyAuditHead(
  db: Kysely<Database>,
  context: AuditContext,
  anchors: readonly AuditAnchor[],
): Promise<'sealed' | 'not_needed' | 'refused'> {
  const head = await readHead(db);
  if (head.mac !== null || head.seq === '0') return 'not_needed';
  const verified = await verifyAuditChain(db, context);
  if (verified.problem !== 'head_not_authentic' || anchors.length > 0) {
    context.logger?.error(
      { auditSeq: head.seq },
      'audit head has no MAC and cannot be authenticated: run amparo audit verify --anchor',
    );
    return 'refused';
  }
  if (!(await setHeadMac(db, head, headMac(context, head.seq, head.hash)))) return 'refused';
  context.logger?.warn({ auditSeq: head.seq }, 'audit head authenticated for the first time');
  return 'sealed';
}

/**
 * When the app's database role owns the audit log (it could not hand it to amparo_audit_owner: not a
 * superuser), the statements a superuser must run; undefined when the log has its own owner. A superuser app
 * role is bound by no ownership: then only the chain, the head's MAC and the anchors protect the log.
 */
export async function auditOwnershipProblem(
  db: Kysely<Database>,
): Promise<{ appRole: string; superuser: boolean; ownedByApp: boolean } | undefined> {
  const ownership = await readOwnership(db);
  const ownedByApp = ownership.owner === ownership.user || ownership.owner === `"${ownership.user}"`;
  if (!ownedByApp && !ownership.superuser) return undefined;
  return { appRole: ownership.user, superuser: ownership.superuser, ownedByApp };
}
