// The typed shape of Amparo's tables, as the migrations create them. Columns ending in _ciphertext hold
// field-encrypted values (see src/crypto/field-encryption.ts); columns ending in _index hold blind indexes.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export const ROLES = ['admin', 'coordinator', 'dispatcher', 'responder', 'legal'] as const;
export type Role = (typeof ROLES)[number];

export interface UsersTable {
  id: string;
  email_ciphertext: string;
  email_index: string;
  roles: Role[];
  password_hash: string;
  totp_secret_ciphertext: string | null;
  totp_enrolled_at: Date | null;
  /** The last TOTP time step accepted: a code from this step or earlier is a replay. */
  totp_last_step: ColumnType<string | null, string | number | null, string | number | null>;
  failed_login_count: Generated<number>;
  locked_until: Date | null;
  disabled_at: Date | null;
  created_at: Timestamp;
}

export interface SessionsTable {
  /** SHA-256 of the cookie token: a database reader cannot replay a session. */
  id: string;
  user_id: string;
  /** False between a correct password and a correct second factor. */
  mfa_complete: boolean;
  csrf_secret: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}

export type InviteKind = 'setup' | 'invite';
export interface InvitesTable {
  id: string;
  token_hash: string;
  kind: InviteKind;
  email_ciphertext: string | null;
  email_index: string | null;
  role: Role;
  created_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Date | null;
}

export interface AuditLogTable {
  seq: ColumnType<string, number | string, never>;
  at: Timestamp;
  actor_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: ColumnType<Record<string, unknown>, string, never>;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: ColumnType<string, number | string, number | string>;
  hash: string;
}

export const REPORT_CHANNELS = ['web', 'sms', 'voice'] as const;
export type ReportChannel = (typeof REPORT_CHANNELS)[number];
export const REPORT_STATUSES = ['new', 'duplicate', 'spam', 'needs_verification'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
export const REPORT_ACTIVITIES = [
  'detaining',
  'questioning',
  'watching',
  'checkpoint',
  'raid',
  'vehicle_stop',
  'other',
] as const;
export type ReportActivity = (typeof REPORT_ACTIVITIES)[number];
export const REPORT_SEEN_WHEN = ['now', 'last_15_minutes', 'last_hour', 'today', 'earlier'] as const;
export type ReportSeenWhen = (typeof REPORT_SEEN_WHEN)[number];
export const REPORT_AGENCIES = ['ice', 'cbp', 'local_police', 'other', 'unknown'] as const;
export type ReportAgency = (typeof REPORT_AGENCIES)[number];
export const REPORT_SOURCES = ['saw', 'heard'] as const;
export type ReportSource = (typeof REPORT_SOURCES)[number];

export interface ReportsTable {
  id: string;
  /** Short code shown to the reporter and read over the phone; not secret, not guessable in bulk. */
  reference: string;
  channel: ReportChannel;
  status: ReportStatus;
  created_at: Timestamp;
  activity: ReportActivity;
  location_ciphertext: string;
  /** Neighbourhood-level, kept in the clear for targeting and triage. */
  zip: string | null;
  seen_when: ReportSeenWhen;
  agents_count: number | null;
  vehicles_count: number | null;
  uniform_ciphertext: string | null;
  agency: ReportAgency;
  source: ReportSource;
  callback_phone_ciphertext: string | null;
  callback_phone_index: string | null;
  details_ciphertext: string | null;
  status_changed_by: string | null;
  status_changed_at: Date | null;
}

export interface ReportPhotosTable {
  id: string;
  report_id: string;
  /** Random file name in the upload store; carries nothing about the photo. */
  storage_key: string;
  /** SHA-256 of the bytes as received, before metadata was stripped. */
  original_sha256: string;
  content_type: 'image/jpeg' | 'image/png';
  size_bytes: number;
  created_at: Timestamp;
}

/** Texts kept by the console SMS provider instead of being sent. */
export interface SmsOutboxTable {
  id: string;
  created_at: Timestamp;
  to_ciphertext: string;
  to_index: string;
  body_ciphertext: string;
  /** What the text would have cost to send, in SMS segments. */
  segments: number;
  provider_id: string;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  reports: ReportsTable;
  report_photos: ReportPhotosTable;
  sms_outbox: SmsOutboxTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type Invite = Selectable<InvitesTable>;
export type Report = Selectable<ReportsTable>;
export type NewReport = Insertable<ReportsTable>;
export type ReportPhoto = Selectable<ReportPhotosTable>;
export type SmsOutboxRow = Selectable<SmsOutboxTable>;
export type NewSmsOutboxRow = Insertable<SmsOutboxTable>;
