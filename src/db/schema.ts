// The typed shape of Amparo's tables, as the migrations create them. Columns ending in _ciphertext hold
// field-encrypted values (see src/crypto/field-encryption.ts); columns ending in _index hold blind indexes.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export const ROLES = ['admin', 'coordinator', 'dispatcher', 'responder', 'legal'] as const;
export type Role = (typeof ROLES)[number];

/** Granting legal or admin, or adding to a legal team, waiting for a second admin (auth module). */
export interface AccessRequestsTable {
  id: string;
  kind: 'role' | 'team';
  user_id: string;
  role: 'legal' | 'admin' | null;
  team_id: string | null;
  requested_by: string;
  requested_at: Timestamp;
  decision: 'approved' | 'refused' | null;
  decided_by: string | null;
  decided_at: Timestamp | null;
}

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

/**
 * Failed sign-ins per account and client (auth module), forgotten a while after the last one. account_index
 * is the blind index of the email typed, whether or not an account has it, so the answer never tells.
 */
export interface SignInFailuresTable {
  account_index: string;
  /** The client's rate-limit bucket (a 20-bit slice of a keyed hash of its address, daily key). */
  client_bucket: number;
  failures: number;
  last_failed_at: Date;
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
  /** HMAC of seq and hash under the audit-head key; null only before this release's first append. */
  mac: string | null;
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
  /** Null when the channel did not collect it (a voicemail, an unfinished text conversation). */
  activity: ReportActivity | null;
  location_ciphertext: string | null;
  /** Neighbourhood-level, kept in the clear for targeting and triage. */
  zip: string | null;
  seen_when: ReportSeenWhen | null;
  agents_count: number | null;
  vehicles_count: number | null;
  uniform_ciphertext: string | null;
  agency: ReportAgency;
  source: ReportSource | null;
  callback_phone_ciphertext: string | null;
  callback_phone_index: string | null;
  details_ciphertext: string | null;
  status_changed_by: string | null;
  status_changed_at: Date | null;
  /** The reporter's language: replies, and ranking responders who share it. */
  language: Generated<string>;
  /** True for a text conversation that stopped before every question was answered. */
  incomplete: Generated<boolean>;
  /** True for a report made with the console's text simulator: shown as such, never counted or alerted on. */
  simulated: Generated<boolean>;
  /** H3 cell (resolution H3_RESOLUTION) of the reported place, when a point is known. */
  h3_cell: string | null;
  incident_id: string | null;
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
  /** The case a text is about (hearing reminders, family updates): shown only to who may open it. */
  case_id: Generated<string | null>;
}

export const INCIDENT_TYPES = [
  'home',
  'workplace',
  'vehicle_stop',
  'courthouse',
  'check_in',
  'street',
  'other',
] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];
export const INCIDENT_AGENCIES = REPORT_AGENCIES;
export type IncidentAgency = ReportAgency;
export const INCIDENT_STATUSES = [
  'reported',
  'verifying',
  'confirmed',
  'not_immigration',
  'false_alarm',
  'unable_to_verify',
  'active',
  'concluded',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
/** Resolution of the H3 cells kept for reports and incidents: about 0.7 km², a neighbourhood block. */
export const H3_RESOLUTION = 8;

export interface IncidentsTable {
  id: string;
  reference: string;
  type: IncidentType;
  agency: IncidentAgency;
  status: IncidentStatus;
  /** "lat,lon" of the place, encrypted; the exact place is for staff, never for alerts. */
  point_ciphertext: string | null;
  /** The place in words a dispatcher typed ("26th St & Lawndale Ave"), encrypted; what responders are texted. */
  place_name_ciphertext: ColumnType<string | null, string | null | undefined, string | null>;
  zip: string | null;
  h3_cell: string | null;
  summary_ciphertext: string | null;
  reporter_language: Generated<string>;
  /** Set when a dispatcher merged this incident into another; the reports moved there. */
  merged_into: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  status_changed_by: string | null;
  status_changed_at: Date | null;
}

/** The incident's timeline: one row for everything that happened to it. */
export interface IncidentEventsTable {
  id: string;
  incident_id: string;
  at: Timestamp;
  actor_id: string | null;
  kind: string;
  from_status: IncidentStatus | null;
  to_status: IncidentStatus | null;
  /** Why, in the actor's words; encrypted. */
  note_ciphertext: string | null;
  report_id: string | null;
  dispatch_id: string | null;
  /** The other incident of a merge or split (migration 20261123T1330). */
  related_incident_id: Generated<string | null>;
}

export interface StaffProfilesTable {
  user_id: string;
  display_name: Generated<string>;
  phone_ciphertext: string | null;
  phone_index: string | null;
  languages: ColumnType<string[], string[] | undefined, string[]>;
  home_zips: ColumnType<string[], string[] | undefined, string[]>;
  on_shift: Generated<boolean>;
  on_shift_since: Date | null;
  updated_at: Timestamp;
}

export const DISPATCH_STATUSES = ['sent', 'on_way', 'declined', 'arrived', 'done', 'cancelled'] as const;
export type DispatchStatus = (typeof DISPATCH_STATUSES)[number];

export interface DispatchesTable {
  id: string;
  incident_id: string;
  responder_id: string;
  status: DispatchStatus;
  eta_minutes: number | null;
  created_by: string | null;
  created_at: Timestamp;
  responded_at: Date | null;
  /** The dispatch text's id at the SMS provider. */
  provider_id: string | null;
}

export const VERIFICATION_OUTCOMES = [
  'confirmed',
  'not_immigration',
  'false_alarm',
  'unable_to_verify',
] as const;
export type VerificationOutcome = (typeof VERIFICATION_OUTCOMES)[number];
export const IDENTIFIED_BY = ['vests', 'vehicles', 'statements', 'badges', 'other'] as const;
export type IdentifiedBy = (typeof IDENTIFIED_BY)[number];

export interface VerificationsTable {
  id: string;
  incident_id: string;
  dispatch_id: string | null;
  responder_id: string | null;
  created_at: Timestamp;
  anyone_present: boolean;
  agency: IncidentAgency;
  identified_by: ColumnType<IdentifiedBy[], IdentifiedBy[] | undefined, IdentifiedBy[]>;
  activity: ReportActivity | null;
  agents_count: number | null;
  vehicles_count: number | null;
  outcome: VerificationOutcome;
  notes_ciphertext: string | null;
  photo_storage_key: string | null;
  photo_sha256: string | null;
  photo_content_type: 'image/jpeg' | 'image/png' | null;
}

export const OBSERVATION_KINDS = [
  'arrival',
  'people_detained',
  'vehicles',
  'words_said',
  'force_used',
  'departure',
  'other',
] as const;
export type ObservationKind = (typeof OBSERVATION_KINDS)[number];

/** One line of an incident's observation log (observations module). The text is sealed. */
export interface ObservationEntriesTable {
  id: string;
  incident_id: string;
  author_id: string;
  /** The id the observer's phone gave the entry: the same entry sent twice is stored once. */
  client_id: string;
  kind: ObservationKind;
  /** When it happened, as the observer says (defaults to when they wrote it). */
  event_at: Timestamp;
  /** When the server received it. */
  written_at: Timestamp;
  edited_at: Timestamp | null;
  text_ciphertext: string;
}

/** An observation entry's earlier text, kept when it is edited. */
export interface ObservationEntryVersionsTable {
  id: string;
  entry_id: string;
  kind: ObservationKind;
  event_at: Timestamp;
  /** When this text was replaced. */
  replaced_at: Timestamp;
  replaced_by: string;
  text_ciphertext: string;
}

export interface TwilioWebhookReceiptsTable {
  /** The delivery key (SID plus step) as a keyed hash: kept for weeks, so a late replay is answered once. */
  key_hash: string;
  received_at: Timestamp;
  /** The answer given the first time (TwiML), repeated to a retry; null once it is 48 hours old. */
  response: string | null;
}

export interface SmsOptOutsTable {
  phone_index: string;
  opted_out_at: Timestamp;
}

/** A number Twilio blocks (it handled the number's STOP, or refused a text with 21610) until its START. */
export interface SmsProviderBlocksTable {
  phone_index: string;
  blocked_at: Timestamp;
}

/** Numbers Twilio or the carrier said can never get a text (unknown, inactive, landline): blind index only. */
export interface SmsUnreachableNumbersTable {
  phone_index: string;
  /** Twilio's error code that said so. */
  error_code: number;
  recorded_at: Timestamp;
}

export const SUBSCRIBER_STATUSES = ['pending', 'active', 'opted_out'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

/** A community alert subscriber: the number encrypted and blind-indexed, no name. */
export interface SubscribersTable {
  id: string;
  phone_ciphertext: string;
  phone_index: string;
  language: string;
  zips: ColumnType<string[], string[] | undefined, string[]>;
  status: SubscriberStatus;
  created_at: Timestamp;
  confirmed_at: Date | null;
  opted_out_at: Date | null;
  /** Keyed hash of the web double opt-in code, bound to the row; cleared once used. */
  confirmation_code_hash: string | null;
  confirmation_expires_at: Date | null;
  confirmation_attempts: Generated<number>;
  /** What a web sign-up asked for, applied only once the code proves the phone is theirs. */
  pending_zips: string[] | null;
  pending_language: string | null;
}

/**
 * One web sign-up attempt, counted for the anti-pumping caps: the prefix and the number only as keyed hashes
 * of their own purposes, the client as a coarse bucket. (Rows of channel 'sms' are from before texted
 * sign-ups stopped being capped.)
 */
export interface SubscriptionSignupsTable {
  id: string;
  prefix_index: string;
  number_index: string | null;
  client_bucket: number | null;
  channel: 'sms' | 'web';
  outcome: 'accepted' | 'refused';
  at: Timestamp;
}

/** A web sign-up waiting for its code to be texted (by the subscriptions.send-code job). */
export interface SubscriptionCodeRequestsTable {
  id: string;
  phone_ciphertext: string;
  zips: string[];
  language: string;
  created_at: Timestamp;
}

export interface SmsConversationsTable {
  id: string;
  phone_ciphertext: string;
  phone_index: string;
  language: string;
  /** Which question the conversation is waiting on. */
  step: string;
  /** Everything the sender has answered and every message they sent, as encrypted JSON. */
  answers_ciphertext: string;
  started_at: Timestamp;
  last_message_at: Timestamp;
  last_auto_reply_at: Date | null;
  closed_at: Date | null;
  report_id: string | null;
}

export interface SmsMediaTable {
  id: string;
  conversation_id: string | null;
  report_id: string | null;
  /** Where Twilio holds it until fetched; cleared once Amparo has its copy and Twilio's is deleted. */
  twilio_url_ciphertext: string | null;
  content_type: string;
  storage_key: string | null;
  original_sha256: string | null;
  received_at: Timestamp;
  fetched_at: Date | null;
  deleted_at_twilio_at: Date | null;
}

export interface VoiceCallsTable {
  call_sid: string;
  phone_ciphertext: string | null;
  phone_index: string | null;
  language: string | null;
  choice: string | null;
  started_at: Timestamp;
  report_id: string | null;
  /** The operation site the family named when asked "was it at <site>?" (option 3 during an operation). */
  operation_id: Generated<string | null>;
  operation_site_id: Generated<string | null>;
  operation_site_name: Generated<string | null>;
}

export type ProviderCopyKind = 'message' | 'call' | 'media' | 'recording';
export type ProviderCopyState = 'waiting' | 'ready' | 'failed';

/** A copy Twilio holds (message, call, attachment, recording), by SID alone, until it is deleted there. */
export interface ProviderCopiesTable {
  sid: string;
  kind: ProviderCopyKind;
  /** An attachment's message, or a recording's call: deleted before the parent is. */
  parent_sid: string | null;
  state: ProviderCopyState;
  created_at: Timestamp;
  /** Waiting: the latest it waits. Ready: when the next deletion attempt is due. */
  due_at: Date;
  attempts: Generated<number>;
  /** What Twilio last answered, as "HTTP status/Twilio code" (never Twilio's text). */
  last_error: string | null;
  redacted_at: Date | null;
}

export interface ReportRecordingsTable {
  id: string;
  report_id: string;
  recording_sid: string;
  twilio_url_ciphertext: string | null;
  duration_seconds: number | null;
  storage_key: string | null;
  original_sha256: string | null;
  content_type: string | null;
  created_at: Timestamp;
  fetched_at: Date | null;
  deleted_at_twilio_at: Date | null;
}

export interface FollowupTasksTable {
  id: string;
  kind: 'family_detained';
  report_id: string | null;
  language: Generated<string>;
  status: Generated<'open' | 'done'>;
  assigned_to: string | null;
  created_at: Timestamp;
  closed_at: Date | null;
  /** The case opened from this task: its number and recording now live there, under the case's key. */
  case_id: Generated<string | null>;
  /** The operation (a raid on several sites) the family's call or text came during, and the site they named. */
  operation_id: Generated<string | null>;
  operation_site_id: Generated<string | null>;
  operation_site_name: Generated<string | null>;
  /** The short family intake's answers: the detained person's name and the relationship (encrypted). */
  detained_name_ciphertext: Generated<string | null>;
  relationship_ciphertext: Generated<string | null>;
  /** Blind indexes of each spelling of the detained person's name, while the task is open (the roster finds it). */
  detained_name_index: Generated<string[] | null>;
  /** Children or other dependents now without care (0 for none); null when not asked or not answered. */
  dependents_without_care: Generated<number | null>;
  /** Whether the family agreed to be texted about the case; null when not asked (a call). */
  consent_to_text: Generated<boolean | null>;
  channel: Generated<'voice' | 'sms'>;
}

export const ALERT_KINDS = [
  'confirmed_activity',
  'update',
  'area_clear',
  'rumour_control',
  'know_your_rights',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export type AlertStatus = 'draft' | 'approved' | 'sending' | 'sent' | 'cancelled';

/** A drawn target area: a closed ring of [lat, lon] points. */
export type DrawnArea = [number, number][];

/** What stays of an alert's delivery once its ledger rows are purged. */
export interface AlertDeliveryCounts {
  sent: number;
  delivered: number;
  failed: number;
  undeliverable: number;
  /** Rows never sent (an alert cancelled mid-way); absent when there were none. */
  unsent?: number;
}

export interface AlertsTable {
  id: string;
  reference: string;
  kind: AlertKind;
  /** Null only for know-your-rights alerts, which are about no incident. */
  incident_id: string | null;
  status: AlertStatus;
  area_label: string;
  what_key: string | null;
  advice_key: string | null;
  /** The text each language's subscribers receive, by language code. */
  bodies: ColumnType<Record<string, string>, string, string>;
  radius_meters: number | null;
  added_zips: ColumnType<string[], string[] | undefined, string[]>;
  removed_zips: ColumnType<string[], string[] | undefined, string[]>;
  drawn_areas: ColumnType<DrawnArea[], string | undefined, string>;
  /** The ZIP codes the alert goes to, resolved from radius, additions, removals and drawn areas. */
  target_zips: ColumnType<string[], string[] | undefined, string[]>;
  composed_by: string;
  composed_at: Timestamp;
  approved_by: string | null;
  approved_at: Date | null;
  cancelled_by: string | null;
  cancelled_at: Date | null;
  /** How many ledger rows approval created. */
  recipients: number | null;
  sending_started_at: Date | null;
  sending_finished_at: Date | null;
  deliveries_purged_at: Date | null;
  purged_counts: ColumnType<AlertDeliveryCounts | null, string | null | undefined, string | null>;
}

export type AlertDeliveryStatus = 'pending' | 'sending' | 'sent' | 'delivered' | 'failed' | 'undeliverable';

export interface AlertDeliveriesTable {
  alert_id: string;
  subscriber_id: string;
  language: string;
  status: AlertDeliveryStatus;
  /** The pool number it went from; null with a messaging service or the console outbox. */
  sender: string | null;
  provider_sid: string | null;
  error_code: number | null;
  attempts: Generated<number>;
  /** A transient failure's retry is not claimed before this. */
  next_attempt_at: Date | null;
  /** The fan-out run that claimed the row ('sending'); only that run records its outcome. */
  claimed_by: string | null;
  claimed_at: Date | null;
  updated_at: Timestamp;
  provider_copy_deleted_at: Date | null;
}

/** A final status callback that arrived before the fan-out recorded the message SID it names. */
export interface AlertDeliveryEarlyStatusesTable {
  provider_sid: string;
  status: 'delivered' | 'failed' | 'undeliverable';
  /** The callback's ErrorCode, if it had one. */
  error_code: number | null;
  received_at: Timestamp;
}

export interface TeamsTable {
  id: string;
  name: string;
  created_at: Timestamp;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
}

/** Teams other than its own that may see a case: the legal teams of the operation it was opened under. */
export interface CaseSharedTeamsTable {
  case_id: string;
  team_id: string;
}

/** The team that takes the hotline's follow-ups, and its coordinator (one row at most). */
export interface LegalIntakeTable {
  singleton: Generated<boolean>;
  team_id: string | null;
  coordinator_id: string | null;
  updated_at: Timestamp;
}

/** A follow-up's caller number and recording, moved under the case's key when the case was opened. */
export interface CaseHotlineMessagesTable {
  id: string;
  case_id: string;
  /** The recording's bytes, sealed with the case key, in the blob store; null when there was none. */
  storage_key: string | null;
  /** Sealed JSON: the caller's number, the report reference, content type, SHA-256, duration. */
  details_ciphertext: string;
  created_at: Timestamp;
}

/** A possible duplicate the person opening a case may not see, referred to the intake coordinator. */
export interface CaseDuplicateChecksTable {
  id: string;
  /** The case the staff member may not see. */
  case_id: string;
  /** The case they opened or edited, which may be the same person. */
  opened_case_id: string;
  requested_by: string | null;
  coordinator_id: string | null;
  created_at: Timestamp;
  resolved_at: Date | null;
}

export type CaseStatus = 'open' | 'closed';
export type CaseSource = 'hotline' | 'incident' | 'console';

/** A detained person's case. Every *_ciphertext is sealed with the case's own key (src/crypto/case-keys.ts). */
export interface CasesTable {
  id: string;
  reference: string;
  status: CaseStatus;
  team_id: string | null;
  source: CaseSource;
  followup_task_id: string | null;
  incident_id: string | null;
  person_ciphertext: string | null;
  languages_ciphertext: string | null;
  last_seen_ciphertext: string | null;
  dependents_ciphertext: string | null;
  bond_ciphertext: string | null;
  outcome_ciphertext: string | null;
  a_number_index: string | null;
  name_dob_index: string | null;
  /** Blind indexes of the name and of each other spelling, alone (no date of birth): doubtful matches. */
  names_index: string[] | null;
  /** The surge operation the case was opened under (the operations module's id; no foreign key). */
  operation_id: string | null;
  merged_into: string | null;
  opened_by: string | null;
  opened_at: Timestamp;
  updated_at: Timestamp;
  closed_by: string | null;
  closed_at: Date | null;
  /** Closing starts the retention clock: the case's key is destroyed at this time. */
  key_destroy_after: Date | null;
  key_destroyed_at: Date | null;
  /** While the person is not located, when the legal team is next reminded to check the locator. */
  next_locator_check_at: Date | null;
}

export interface CaseAssigneesTable {
  case_id: string;
  user_id: string;
  assigned_at: Timestamp;
}

/** The case's timeline; details sealed with the case key, the kind in the clear (it names no one). */
export interface CaseEventsTable {
  id: string;
  case_id: string;
  at: Timestamp;
  actor_id: string | null;
  kind: string;
  details_ciphertext: string | null;
}

/** A family contact of a case: everything about them in one document sealed with the case key. */
export interface CaseContactsTable {
  id: string;
  case_id: string;
  details_ciphertext: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A family contact's status code (ESTADO <code>): only its keyed blind index, never the code. */
export interface CaseStatusCodesTable {
  id: string;
  case_id: string;
  contact_id: string;
  code_index: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export type EvidenceKind = 'photo' | 'video' | 'audio' | 'other';

/** A photo, video or recording kept as evidence; its original is a sealed file on disk (evidence module). */
export interface EvidenceItemsTable {
  id: string;
  incident_id: string;
  observer_id: string | null;
  kind: EvidenceKind;
  file_name_ciphertext: string;
  content_type: string;
  size_bytes: ColumnType<string, number, number>;
  sha256: string;
  /** 'pending' from receipt until the working-copy job has run (evidence.jobs.ts). */
  working_copy: 'pending' | 'ready' | 'none';
  working_content_type: string | null;
  received_at: Timestamp;
}

export type EvidenceCustodyAction = 'received' | 'viewed' | 'downloaded' | 'exported';

/** The chain of custody: every receipt, view, download and export of an item, with why (sealed). */
export interface EvidenceCustodyEventsTable {
  id: string;
  /** The order events were recorded in (two in the same millisecond keep theirs). */
  seq: Generated<string>;
  item_id: string;
  actor_id: string | null;
  action: EvidenceCustodyAction;
  reason_ciphertext: string | null;
  sha256: string;
  at: Timestamp;
}

export type CaseFamilyTextOutcome = 'sending' | 'sent' | 'opted_out' | 'failed';

/** One row per (notification, family contact): a retried job never texts anyone twice. No number, no text. */
export interface CaseFamilyTextsTable {
  notification_id: string;
  contact_id: string;
  case_id: string;
  change: string;
  created_at: Timestamp;
  outcome: CaseFamilyTextOutcome;
  provider_id: string | null;
}

export const SUPPORT_TASK_KINDS = [
  'childcare',
  'rent',
  'food',
  'transport',
  'mental_health',
  'other',
  'accompany_check_in',
  'accompany_court',
] as const;
export type SupportTaskKind = (typeof SUPPORT_TASK_KINDS)[number];
export const SUPPORT_TASK_STATUSES = ['open', 'in_progress', 'done'] as const;
export type SupportTaskStatus = (typeof SUPPORT_TASK_STATUSES)[number];

/** An attorney in the legal directory: professional contact data, not case data (phone field-encrypted). */
export interface AttorneysTable {
  id: string;
  name: string;
  organization: string | null;
  languages: ColumnType<string[], string[] | undefined, string[]>;
  /** How many open cases the attorney can take. */
  capacity: number;
  phone_ciphertext: string | null;
  /** Archived attorneys are no longer suggested; their past assignments stay. */
  archived_at: Date | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Who represents a case; at most one current (ended_at null) assignment per case. */
export interface CaseAttorneyAssignmentsTable {
  id: string;
  case_id: string;
  attorney_id: string;
  assigned_by: string | null;
  assigned_at: Timestamp;
  /** Assigned despite a warning that the attorney represents a related party. */
  conflict_acknowledged: Generated<boolean>;
  ended_by: string | null;
  ended_at: Date | null;
}

export interface BondFundsTable {
  id: string;
  name: string;
  created_by: string | null;
  created_at: Timestamp;
}

/** A bond fund's ledger. Amounts in the clear (the balance is their sum); the receipt number encrypted. */
export interface BondFundEntriesTable {
  id: string;
  fund_id: string;
  kind: 'deposit' | 'payment';
  /** Whole US cents, > 0. */
  amount_cents: number;
  /** YYYY-MM-DD, as the person recording it entered it. */
  occurred_on: string;
  receipt_ciphertext: string | null;
  /** The case a payment was for; cleared when that case's key is destroyed. */
  case_id: string | null;
  recorded_by: string | null;
  recorded_at: Timestamp;
}

/** A family support need or an accompaniment, with its notes sealed with the case key. */
export interface CaseSupportTasksTable {
  id: string;
  case_id: string;
  kind: SupportTaskKind;
  assignee_id: string | null;
  /** YYYY-MM-DD. */
  due_on: string;
  status: SupportTaskStatus;
  notes_ciphertext: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A detention facility in the directory: public knowledge, so not case data and not encrypted. */
export interface FacilitiesTable {
  id: string;
  name: string;
  /** The name folded (case, accents, spaces): a CSV re-import updates the facility of the same key. */
  name_key: string;
  operator: Generated<string>;
  address: Generated<string>;
  phone: Generated<string>;
  visiting_notes: Generated<string>;
  deposit_notes: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A detainee-locator check; what it found (and where) sealed with the case key. */
export interface LocatorChecksTable {
  id: string;
  case_id: string;
  checked_at: Timestamp;
  checked_by: string | null;
  result_ciphertext: string;
}

/** A facility the person was held in (arrival or transfer), sealed with the case key. */
export interface CaseFacilityStaysTable {
  id: string;
  case_id: string;
  recorded_at: Timestamp;
  recorded_by: string | null;
  stay_ciphertext: string;
}

/** An immigration court hearing: when, court, judge, kind, result, all sealed with the case key. */
export interface HearingsTable {
  id: string;
  case_id: string;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  hearing_ciphertext: string;
}

/** A release from detention: when in the clear (counts by day); where and the conditions sealed with the case key. */
export interface CaseReleasesTable {
  id: string;
  case_id: string;
  released_at: Timestamp;
  recorded_at: Timestamp;
  recorded_by: string | null;
  release_ciphertext: string;
}

export type CaseReminderKind = 'hearing' | 'locator' | 'checkin';
export type CaseReminderStatus = 'pending' | 'sending' | 'done' | 'skipped';

/** A reminder due at a time: ids only, no recipient and no text (built when it is sent). */
export interface CaseRemindersTable {
  id: string;
  kind: CaseReminderKind;
  case_id: string;
  hearing_id: string | null;
  /** The release whose check-in this reminder is about (kind 'checkin'). */
  release_id: Generated<string | null>;
  hours_before: number | null;
  due_at: Timestamp;
  status: CaseReminderStatus;
  skip_reason: string | null;
  claimed_at: Date | null;
  finished_at: Date | null;
  created_at: Timestamp;
}

export type CaseReminderDeliveryStatus = 'sending' | 'sent' | 'failed' | 'opted_out';

/** One row per (reminder, recipient reference): a retried or doubled worker never texts anyone twice. */
export interface CaseReminderDeliveriesTable {
  reminder_id: string;
  /** 'family:<contact id>', 'attorney' or 'staff:<user id>'. */
  recipient: string;
  status: CaseReminderDeliveryStatus;
  provider_id: string | null;
  updated_at: Timestamp;
}

/** Per-window request counts of public endpoints, by a coarse bucket of a keyed hash of the client. */
export interface RateLimitCountsTable {
  /** The route (method and path) the limit belongs to. */
  scope: string;
  bucket: number;
  window_start: Date;
  expires_at: Date;
  hits: number;
}

/** Proof-of-work challenges already used on a public form, kept until they expire (each is used once). */
export interface ProofOfWorkSpentTable {
  challenge_id: string;
  expires_at: Date;
}

/** The network's settings chosen in the console (one row at most): its time zone, asked at setup. */
export interface NetworkSettingsTable {
  id: Generated<boolean>;
  time_zone: string | null;
  updated_at: Date;
}

/** The network's Ed25519 key that signs evidence packets (issue 17). One row; the private half sealed. */
export interface PacketSigningKeysTable {
  id: Generated<boolean>;
  /** The raw 32-byte public key, hex. */
  public_key: string;
  /** The private key (PKCS#8 DER), sealed with the master key. */
  private_key_ciphertext: string;
  created_at: Date;
}

/** A legal hold on an incident or on a case: its evidence is kept past retention until the hold is lifted. */
export interface LegalHoldsTable {
  id: string;
  incident_id: string | null;
  case_id: string | null;
  reason_ciphertext: string;
  set_by: string | null;
  set_at: Date;
  lifted_by: string | null;
  lifted_at: Date | null;
}

/** An operation (issue 16): the surge response to one raid. `raid_at` is when it happened (the network's zone). */
export interface OperationsTable {
  id: string;
  name: string;
  raid_at: Timestamp;
  agencies: IncidentAgency[];
  opened_by: string | null;
  created_at: Timestamp;
  closed_at: Timestamp | null;
}

/** A workplace or address where people were taken, in the order it was entered. */
export interface OperationSitesTable {
  id: string;
  operation_id: string;
  position: number;
  name: string;
  zip: string;
}

export interface OperationIncidentsTable {
  operation_id: string;
  incident_id: string;
}

/** The legal teams that answer for an operation: their members see its page and its dependents. */
export interface OperationTeamsTable {
  operation_id: string;
  team_id: string;
}

export const DEPENDENT_NEEDS = ['school_pickup', 'childcare', 'trusted_adult', 'other'] as const;
export type DependentNeed = (typeof DEPENDENT_NEEDS)[number];

/** A child or other dependent left without care by the raid: an urgent task until a caregiver is confirmed. */
export interface OperationDependentsTable {
  id: string;
  operation_id: string;
  site_id: string | null;
  case_id: string | null;
  followup_id: string | null;
  need: DependentNeed;
  /** Who and where, in words. */
  description_ciphertext: string;
  created_at: Timestamp;
  created_by: string | null;
  caregiver_name_ciphertext: string | null;
  caregiver_relationship_ciphertext: string | null;
  caregiver_confirmed_at: Timestamp | null;
  caregiver_confirmed_by: string | null;
}

export interface Database {
  users: UsersTable;
  access_requests: AccessRequestsTable;
  sessions: SessionsTable;
  sign_in_failures: SignInFailuresTable;
  network_settings: NetworkSettingsTable;
  packet_signing_keys: PacketSigningKeysTable;
  legal_holds: LegalHoldsTable;
  invites: InvitesTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  reports: ReportsTable;
  report_photos: ReportPhotosTable;
  sms_outbox: SmsOutboxTable;
  incidents: IncidentsTable;
  incident_events: IncidentEventsTable;
  staff_profiles: StaffProfilesTable;
  dispatches: DispatchesTable;
  verifications: VerificationsTable;
  observation_entries: ObservationEntriesTable;
  observation_entry_versions: ObservationEntryVersionsTable;
  twilio_webhook_receipts: TwilioWebhookReceiptsTable;
  sms_opt_outs: SmsOptOutsTable;
  sms_provider_blocks: SmsProviderBlocksTable;
  sms_unreachable_numbers: SmsUnreachableNumbersTable;
  sms_conversations: SmsConversationsTable;
  sms_media: SmsMediaTable;
  voice_calls: VoiceCallsTable;
  provider_copies: ProviderCopiesTable;
  report_recordings: ReportRecordingsTable;
  followup_tasks: FollowupTasksTable;
  subscribers: SubscribersTable;
  subscription_signups: SubscriptionSignupsTable;
  subscription_code_requests: SubscriptionCodeRequestsTable;
  alerts: AlertsTable;
  alert_deliveries: AlertDeliveriesTable;
  alert_delivery_early_statuses: AlertDeliveryEarlyStatusesTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  case_shared_teams: CaseSharedTeamsTable;
  legal_intake: LegalIntakeTable;
  case_hotline_messages: CaseHotlineMessagesTable;
  case_duplicate_checks: CaseDuplicateChecksTable;
  cases: CasesTable;
  case_assignees: CaseAssigneesTable;
  case_events: CaseEventsTable;
  facilities: FacilitiesTable;
  locator_checks: LocatorChecksTable;
  case_facility_stays: CaseFacilityStaysTable;
  hearings: HearingsTable;
  case_releases: CaseReleasesTable;
  case_reminders: CaseRemindersTable;
  case_reminder_deliveries: CaseReminderDeliveriesTable;
  attorneys: AttorneysTable;
  case_attorney_assignments: CaseAttorneyAssignmentsTable;
  bond_funds: BondFundsTable;
  bond_fund_entries: BondFundEntriesTable;
  case_support_tasks: CaseSupportTasksTable;
  case_contacts: CaseContactsTable;
  case_family_texts: CaseFamilyTextsTable;
  case_status_codes: CaseStatusCodesTable;
  rate_limit_counts: RateLimitCountsTable;
  proof_of_work_spent: ProofOfWorkSpentTable;
  operations: OperationsTable;
  operation_sites: OperationSitesTable;
  operation_incidents: OperationIncidentsTable;
  operation_teams: OperationTeamsTable;
  operation_dependents: OperationDependentsTable;
  evidence_items: EvidenceItemsTable;
  evidence_custody_events: EvidenceCustodyEventsTable;
}

export type Subscriber = Selectable<SubscribersTable>;
export type Alert = Selectable<AlertsTable>;
export type Case = Selectable<CasesTable>;
export type CaseEvent = Selectable<CaseEventsTable>;
export type Facility = Selectable<FacilitiesTable>;
export type CaseReminder = Selectable<CaseRemindersTable>;
export type Session = Selectable<SessionsTable>;
export type Invite = Selectable<InvitesTable>;
export type Report = Selectable<ReportsTable>;
export type NewReport = Insertable<ReportsTable>;
export type ReportPhoto = Selectable<ReportPhotosTable>;
export type SmsOutboxRow = Selectable<SmsOutboxTable>;
export type NewSmsOutboxRow = Insertable<SmsOutboxTable>;
export type Incident = Selectable<IncidentsTable>;
export type StaffProfile = Selectable<StaffProfilesTable>;
export type Dispatch = Selectable<DispatchesTable>;
export type Verification = Selectable<VerificationsTable>;
export type ObservationEntry = Selectable<ObservationEntriesTable>;
export type ObservationEntryVersion = Selectable<ObservationEntryVersionsTable>;
export type SmsConversation = Selectable<SmsConversationsTable>;
