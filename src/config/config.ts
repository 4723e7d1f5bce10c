// The one place that reads process.env. Everything else receives a validated AppConfig.
import { isIP } from 'node:net';
import path from 'node:path';
import { DEFAULT_VOICES, sayVoice, type SayVoice } from './voices.ts';
import { parseSmsCountries, type SmsCountries } from '../phone/phone.ts';
import { SUPPORTED_LANGUAGES, type Language } from './languages.ts';

export { SUPPORTED_LANGUAGES, type Language };

export interface AppConfig {
  port: number;
  host: string;
  /** The address people reach Amparo at. Links in CLI output and signed webhooks are built from it. */
  publicUrl: URL;
  /** PostgreSQL connection string; when absent Amparo runs its own PostgreSQL server in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** The embedded server's generated password: outside dataDir, so a copy of the data is not a way in. */
  databasePasswordFile: string;
  masterKey: string | undefined;
  masterKeyFile: string;
  hotlineNumber: string | undefined;
  networkName: string;
  /**
   * IANA time zone the network works in, for every time shown to people (console, texts, PDF). AMPARO_TIMEZONE
   * when set; else the zone the first admin chose at setup (the settings module puts it here, and reads are per
   * use, so it applies without a restart); else the host's zone.
   */
  timeZone: string;
  /** Miles (US networks) or kilometres: how distances are shown and typed. Stored in metres either way. */
  distanceUnit: DistanceUnit;
  /** True when AMPARO_TIMEZONE set the zone: it wins over the one stored at setup, and setup does not ask. */
  timeZoneFromEnv: boolean;
  defaultLanguage: Language;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /**
   * Which reverse proxies may say who the client is (X-Forwarded-For): false (none), a number of hops, or
   * their addresses and CIDR ranges. Never "all": then any client could name itself.
   */
  trustProxy: TrustProxy;
  reportRetentionDays: number;
  /** A settled incident's observation log and media are deleted this many days after it settled, unless held. */
  incidentEvidenceRetentionDays: number;
  publicRateLimitPerMinute: number;
  /** Where outgoing texts go: Twilio, or the console outbox (offline demos and development). */
  smsProvider: SmsProvider;
  twilio: TwilioConfig;
  /** Where texts an anonymous person can cause may go (web sign-up codes, replies to texts): anti-pumping. */
  smsCountries: SmsCountries;
  hotline: HotlineConfig;
  subscriptions: SubscriptionsConfig;
  alerts: AlertsConfig;
  webhookReceipts: WebhookReceiptsConfig;
  cases: CasesConfig;
  outbox: OutboxConfig;
  admins: AdminsConfig;
  /** Street tiles for the console map ({z}/{x}/{y} template); without it the map uses only offline outlines. */
  mapTileUrl: string | undefined;
  /** The network's PMTiles file (AMPARO_MAP_PMTILES): the console draws a street map from it, served by the app. */
  mapPmtiles: string | undefined;
  audit: AuditConfig;
  imageDecoding: ImageDecodingConfig;
  /** Media kept as evidence (the evidence module). */
  evidence: EvidenceConfig;
}

export type DistanceUnit = 'mi' | 'km';
export const DISTANCE_UNITS: readonly DistanceUnit[] = ['mi', 'km'];

export interface AuditConfig {
  /** Where the audit head's anchors are appended: outside the data directory (and ideally another disk). */
  anchorFile: string;
}

/** Photos anyone can send are decoded a few at a time, with a bounded queue and a time limit. */
export interface ImageDecodingConfig {
  concurrency: number;
  queueLimit: number;
  timeoutSeconds: number;
}

export interface OutboxConfig {
  /** Texts kept in the console outbox are deleted this many days after they were written. */
  retentionDays: number;
}

export interface AdminsConfig {
  /**
   * Granting legal or admin and joining a legal team need a second admin's approval. Off only for a network
   * of one admin: the console and the log say so while it is off.
   */
  twoAdminApproval: boolean;
}

export interface HotlineConfig {
  /** A new report within this distance and time window of an open incident is suggested for it. */
  incidentRadiusMeters: number;
  incidentWindowMinutes: number;
  /** When this many responders are on their way to one incident, the console says the scene is covered. */
  crowdCap: number;
  /** A text conversation silent this long becomes a (partial) report. */
  smsConversationTimeoutMinutes: number;
  /** At most one automatic reply per number in this window, so the hotline cannot be used to pump texts. */
  smsReplyWindowSeconds: number;
  /** How long on-shift dispatchers' phones ring before the caller is offered voicemail. */
  voiceRingSeconds: number;
  /** The text-to-speech voice the phone line speaks each language with (checked against Twilio's). */
  voices: Record<Language, SayVoice>;
}

export interface SubscriptionsConfig {
  /** An opted-out subscriber's row (their number) is deleted this many days after STOP. */
  purgeDays: number;
  /**
   * Web sign-ups (the only texts a stranger can make Amparo send to a number that did not write first) per
   * number prefix per hour, in total per hour, per number per day and per client per hour; over any, no code
   * is texted and the page points to signing up by text. Sign-ups by text are never capped by these.
   */
  capPerPrefixPerHour: number;
  capPerHour: number;
  capPerNumberPerDay: number;
  capPerClientPerHour: number;
  /** The web sign-up's proof of work: the largest counter a browser may have to reach (SHA-256 steps). */
  proofOfWork: number;
}

export interface AlertsConfig {
  /** By default an alert goes to subscribers of ZIP codes whose centre lies this close to the incident. */
  radiusMeters: number;
  /** A second dispatcher or coordinator must approve what one composed; off only for a network of one. */
  twoPersonApproval: boolean;
  /** Alert texts handed to the provider per second, in total; 0 means no cap. */
  ratePerSecond: number;
  /** Per sender number in the pool (not with a messaging service, which paces itself); 0 means no cap. */
  ratePerSenderPerSecond: number;
  /** Numbers alert texts go out from, spread evenly; defaults to AMPARO_TWILIO_FROM. */
  senders: string[];
  /** Texts handed to the provider but not yet recorded as sent, at most: what a crash can send twice. */
  inFlight: number;
  /** Delivery ledger rows are reduced to counts this many days after an alert finished sending. */
  deliveryRetentionDays: number;
}

export interface WebhookReceiptsConfig {
  /**
   * Twilio's webhooks carry no time in their signature, so a captured one can be replayed: its delivery key
   * (hashed) is kept this many days, and a replay within them is answered once (the answer itself goes
   * after 48 hours).
   */
  keyDays: number;
}

export interface CasesConfig {
  /**
   * Where each case's data key is kept, wrapped by the master key: outside the database (and outside
   * AMPARO_DATA_DIR), so destroying a key makes that case unreadable in every database backup too.
   */
  keysDir: string;
  /** A closed case's key is destroyed this many days after closing. */
  retentionDays: number;
  /** While a detained person is not located, the legal team is reminded to check the locator again. */
  locatorRecheckHours: number;
  /** Hours before each hearing that the family and the attorney are texted a reminder (if they opted in). */
  hearingReminderHours: number[];
}

export type TrustProxy = false | number | string[];

export const SMS_PROVIDERS = ['console', 'twilio'] as const;
export type SmsProvider = (typeof SMS_PROVIDERS)[number];

export interface TwilioConfig {
  accountSid: string | undefined;
  authToken: string | undefined;
  /** Scheme, host and port of Twilio's REST API; a local stand-in in tests and benchmarks. */
  apiBase: string;
  /** The number texts are sent from (E.164), unless a messaging service picks from its pool. */
  from: string | undefined;
  messagingServiceSid: string | undefined;
}

/**
 * Every AMPARO_* variable Amparo reads: one list, which every reader of a setting below takes its name from (a
 * name not in it does not compile), and against which an unknown AMPARO_* variable stops start-up with a "did
 * you mean" (a misspelt setting silently ignored once showed times in the server's zone). Adding a setting
 * means adding its name here, and a row to the README's configuration table.
 */
export const SETTINGS = [
  'AMPARO_ADMIN_TWO_PERSON_APPROVAL',
  'AMPARO_ALERT_DELIVERY_RETENTION_DAYS',
  'AMPARO_ALERT_IN_FLIGHT',
  'AMPARO_ALERT_RADIUS_METERS',
  'AMPARO_ALERT_RATE_PER_SECOND',
  'AMPARO_ALERT_RATE_PER_SENDER_PER_SECOND',
  'AMPARO_ALERT_SENDERS',
  'AMPARO_ALERT_TWO_PERSON_APPROVAL',
  'AMPARO_AUDIT_ANCHOR_FILE',
  'AMPARO_CASE_KEYS_DIR',
  'AMPARO_CASE_RETENTION_DAYS',
  'AMPARO_CROWD_CAP',
  'AMPARO_DATABASE_PASSWORD_FILE',
  'AMPARO_DATABASE_URL',
  'AMPARO_DATA_DIR',
  'AMPARO_DEFAULT_LANGUAGE',
  'AMPARO_DISTANCE_UNIT',
  'AMPARO_EVIDENCE_MAX_BYTES',
  'AMPARO_EVIDENCE_MEDIA_FOR_DISPATCH',
  'AMPARO_HEARING_REMINDER_HOURS',
  'AMPARO_HOST',
  'AMPARO_HOTLINE_NUMBER',
  'AMPARO_IMAGE_DECODE_CONCURRENCY',
  'AMPARO_IMAGE_DECODE_QUEUE',
  'AMPARO_IMAGE_DECODE_TIMEOUT_SECONDS',
  'AMPARO_INCIDENT_EVIDENCE_RETENTION_DAYS',
  'AMPARO_INCIDENT_RADIUS_METERS',
  'AMPARO_INCIDENT_WINDOW_MINUTES',
  'AMPARO_LOCATOR_RECHECK_HOURS',
  'AMPARO_LOG_LEVEL',
  'AMPARO_MAP_PMTILES',
  'AMPARO_MAP_TILE_URL',
  'AMPARO_MASTER_KEY',
  'AMPARO_MASTER_KEY_FILE',
  'AMPARO_NETWORK_NAME',
  'AMPARO_OUTBOX_RETENTION_DAYS',
  'AMPARO_PORT',
  'AMPARO_PUBLIC_RATE_LIMIT',
  'AMPARO_PUBLIC_URL',
  'AMPARO_REPORT_RETENTION_DAYS',
  'AMPARO_SMS_CONVERSATION_TIMEOUT_MINUTES',
  'AMPARO_SMS_COUNTRIES',
  'AMPARO_SMS_PROVIDER',
  'AMPARO_SMS_REPLY_WINDOW_SECONDS',
  'AMPARO_SUBSCRIBER_PURGE_DAYS',
  'AMPARO_SUBSCRIBE_CAP_PER_CLIENT_PER_HOUR',
  'AMPARO_SUBSCRIBE_CAP_PER_HOUR',
  'AMPARO_SUBSCRIBE_CAP_PER_NUMBER_PER_DAY',
  'AMPARO_SUBSCRIBE_CAP_PER_PREFIX_PER_HOUR',
  'AMPARO_SUBSCRIBE_PROOF_OF_WORK',
  'AMPARO_TIMEZONE',
  'AMPARO_TRUST_PROXY',
  'AMPARO_TWILIO_ACCOUNT_SID',
  'AMPARO_TWILIO_API_BASE',
  'AMPARO_TWILIO_AUTH_TOKEN',
  'AMPARO_TWILIO_FROM',
  'AMPARO_TWILIO_MESSAGING_SERVICE_SID',
  'AMPARO_VOICE_EN',
  'AMPARO_VOICE_ES',
  'AMPARO_VOICE_RING_SECONDS',
  'AMPARO_WEBHOOK_KEY_RETENTION_DAYS',
  // Read by the tests, benchmarks and browser journeys, not by the app; accepted so a test run's environment
  // can start the app.
  'AMPARO_TEST_DATABASE_URL',
  'AMPARO_BENCH_DATABASE_URL',
  'AMPARO_CHROMIUM_PATH',
  'AMPARO_E2E_SHOTS',
  'AMPARO_SCREENSHOTS_DIR',
] as const;
export type SettingName = (typeof SETTINGS)[number];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The environment as the readers below see it: only the settings in SETTINGS can be named. */
type Env = Readonly<Partial<Record<SettingName, string>>>;

/** Edits between two names (Levenshtein): how far a typed variable is from a setting. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known setting closest to a name, if it is close enough to be a misspelling of it. */
export function closestSetting(name: string): SettingName | undefined {
  let best: { setting: SettingName; distance: number } | undefined;
  for (const setting of SETTINGS) {
    const distance = editDistance(name, setting);
    if (!best || distance < best.distance) best = { setting, distance };
  }
  // Up to a third of the name's own part (after AMPARO_) may differ: TIME_ZONE for TIMEZONE, a dropped S.
  const limit = Math.max(2, Math.floor((name.length - 'AMPARO_'.length) / 3));
  return best && best.distance <= limit ? best.setting : undefined;
}

/** An AMPARO_* variable nobody reads is a mistake (a typo, a removed setting): start-up stops and says so. */
function rejectUnknownSettings(env: Record<string, string | undefined>): void {
  const known = new Set<string>(SETTINGS);
  const unknown = Object.keys(env)
    .filter((name) => name.startsWith('AMPARO_') && !known.has(name))
    .sort();
  if (unknown.length === 0) return;
  const sentences = unknown.map((name) => {
    const suggestion = closestSetting(name);
    return suggestion
      ? `${name} is not a setting Amparo reads; did you mean ${suggestion}?`
      : `${name} is not a setting Amparo reads.`;
  });
  throw new ConfigError(
    `${sentences.join(' ')} Remove it or correct its name (the README's configuration table lists every setting).`,
  );
}

function integer(env: Env, name: SettingName, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}".`);
  }
  return value;
}

function boolean(env: Env, name: SettingName, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false; got "${env[name]}".`);
}

function oneOf<T extends string>(env: Env, name: SettingName, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got "${raw}".`);
  }
  return raw as T;
}

/** True for a zone Intl knows (an IANA name such as America/Chicago). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone !== '';
  } catch {
    return false;
  }
}

function timeZone(env: Env): string {
  const zone = env.AMPARO_TIMEZONE || Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isTimeZone(zone)) {
    throw new ConfigError(
      `AMPARO_TIMEZONE must be an IANA time zone such as America/Chicago; got "${zone}".`,
    );
  }
  return zone;
}

function tileUrl(env: Env): string | undefined {
  const raw = env.AMPARO_MAP_TILE_URL || undefined;
  if (raw === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw.replace(/\{[xyz]\}/g, '0'));
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.protocol !== 'https:' || !['{z}', '{x}', '{y}'].every((part) => raw.includes(part))) {
    throw new ConfigError(
      'AMPARO_MAP_TILE_URL must be an https:// tile address with {z}, {x} and {y}, such as https://tile.example.org/{z}/{x}/{y}.png.',
    );
  }
  return raw;
}

function pmtilesFile(env: Env, cwd: string): string | undefined {
  const raw = env.AMPARO_MAP_PMTILES || undefined;
  if (raw === undefined) return undefined;
  if (!raw.toLowerCase().endsWith('.pmtiles'))
    throw new ConfigError(
      `AMPARO_MAP_PMTILES must be the path of a .pmtiles file, such as /var/lib/amparo/chicago.pmtiles; got "${raw}".`,
    );
  return path.resolve(cwd, raw);
}

function sid(env: Env, name: SettingName, prefix: 'AC' | 'MG'): string | undefined {
  const raw = env[name] || undefined;
  // The value is not quoted back: an account SID paired with a leaked token is a credential.
  if (raw !== undefined && !new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(raw)) {
    throw new ConfigError(
      `${name} must be ${prefix} followed by 32 hexadecimal characters, as Twilio shows it.`,
    );
  }
  return raw;
}

function twilio(env: Env): { smsProvider: SmsProvider; twilio: TwilioConfig } {
  const accountSid = sid(env, 'AMPARO_TWILIO_ACCOUNT_SID', 'AC');
  const authToken = env.AMPARO_TWILIO_AUTH_TOKEN || undefined;
  const messagingServiceSid = sid(env, 'AMPARO_TWILIO_MESSAGING_SERVICE_SID', 'MG');
  const from = env.AMPARO_TWILIO_FROM || undefined;
  if (from !== undefined && !/^\+[1-9]\d{7,14}$/.test(from)) {
    throw new ConfigError('AMPARO_TWILIO_FROM must be a phone number in E.164 form, such as +15550100199.');
  }
  let apiBase: URL;
  try {
    apiBase = new URL(env.AMPARO_TWILIO_API_BASE || 'https://api.twilio.com');
  } catch {
    throw new ConfigError('AMPARO_TWILIO_API_BASE must be an absolute URL such as https://api.twilio.com.');
  }
  if (apiBase.protocol !== 'https:' && apiBase.protocol !== 'http:') {
    throw new ConfigError(
      'AMPARO_TWILIO_API_BASE must start with https:// (or http:// for a local stand-in).',
    );
  }
  const hasCredentials = accountSid !== undefined && authToken !== undefined;
  const smsProvider = oneOf(env, 'AMPARO_SMS_PROVIDER', SMS_PROVIDERS, hasCredentials ? 'twilio' : 'console');
  if (smsProvider === 'twilio') {
    if (!hasCredentials) {
      throw new ConfigError(
        'AMPARO_SMS_PROVIDER=twilio needs AMPARO_TWILIO_ACCOUNT_SID and AMPARO_TWILIO_AUTH_TOKEN; set both, or use AMPARO_SMS_PROVIDER=console.',
      );
    }
    if (from === undefined && messagingServiceSid === undefined) {
      throw new ConfigError(
        'Sending through Twilio needs a sender: set AMPARO_TWILIO_FROM or AMPARO_TWILIO_MESSAGING_SERVICE_SID.',
      );
    }
  }
  return {
    smsProvider,
    twilio: {
      accountSid,
      authToken,
      apiBase: apiBase.href.replace(/\/+$/, ''),
      from,
      messagingServiceSid,
    },
  };
}

export function loadConfig(
  environment: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): AppConfig {
  rejectUnknownSettings(environment);
  const env: Env = environment;
  const port = integer(env, 'AMPARO_PORT', 8080, 0, 65535);
  const host = env.AMPARO_HOST || 'localhost';
  let publicUrl: URL;
  try {
    publicUrl = new URL(env.AMPARO_PUBLIC_URL || `http://localhost:${port}`);
  } catch {
    throw new ConfigError(`AMPARO_PUBLIC_URL must be an absolute URL such as https://hotline.example.org.`);
  }
  if (publicUrl.protocol !== 'https:' && publicUrl.protocol !== 'http:') {
    throw new ConfigError('AMPARO_PUBLIC_URL must start with https:// (or http:// for local use).');
  }
  const databaseUrl = env.AMPARO_DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('AMPARO_DATABASE_URL must be a postgres:// or postgresql:// connection string.');
  }
  const dataDir = path.resolve(cwd, env.AMPARO_DATA_DIR || './data');
  const masterKeyFile = path.resolve(cwd, env.AMPARO_MASTER_KEY_FILE || './.amparo-master-key');
  if (masterKeyFile.startsWith(dataDir + path.sep)) {
    // A key stored beside the data it protects protects nothing once the directory is copied.
    throw new ConfigError('AMPARO_MASTER_KEY_FILE must be outside AMPARO_DATA_DIR.');
  }
  const databasePasswordFile = path.resolve(
    cwd,
    env.AMPARO_DATABASE_PASSWORD_FILE || './.amparo-database-password',
  );
  if (databasePasswordFile.startsWith(dataDir + path.sep)) {
    throw new ConfigError('AMPARO_DATABASE_PASSWORD_FILE must be outside AMPARO_DATA_DIR.');
  }
  return {
    port,
    host,
    publicUrl,
    databaseUrl,
    dataDir,
    databasePasswordFile,
    masterKey: env.AMPARO_MASTER_KEY || undefined,
    masterKeyFile,
    hotlineNumber: env.AMPARO_HOTLINE_NUMBER || undefined,
    networkName: env.AMPARO_NETWORK_NAME || 'Amparo',
    timeZone: timeZone(env),
    distanceUnit: oneOf(env, 'AMPARO_DISTANCE_UNIT', DISTANCE_UNITS, 'mi'),
    timeZoneFromEnv: Boolean(env.AMPARO_TIMEZONE),
    defaultLanguage: oneOf(env, 'AMPARO_DEFAULT_LANGUAGE', SUPPORTED_LANGUAGES, 'en'),
    logLevel: oneOf(env, 'AMPARO_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'silent'], 'info'),
    trustProxy: trustProxy(env),
    reportRetentionDays: integer(env, 'AMPARO_REPORT_RETENTION_DAYS', 30, 1, 3650),
    incidentEvidenceRetentionDays: integer(env, 'AMPARO_INCIDENT_EVIDENCE_RETENTION_DAYS', 180, 1, 3650),
    publicRateLimitPerMinute: integer(env, 'AMPARO_PUBLIC_RATE_LIMIT', 20, 1, 100000),
    ...twilio(env),
    smsCountries: smsCountries(env),
    hotline: {
      incidentRadiusMeters: integer(env, 'AMPARO_INCIDENT_RADIUS_METERS', 800, 50, 50000),
      incidentWindowMinutes: integer(env, 'AMPARO_INCIDENT_WINDOW_MINUTES', 120, 5, 2880),
      crowdCap: integer(env, 'AMPARO_CROWD_CAP', 4, 1, 500),
      smsConversationTimeoutMinutes: integer(env, 'AMPARO_SMS_CONVERSATION_TIMEOUT_MINUTES', 20, 1, 1440),
      smsReplyWindowSeconds: integer(env, 'AMPARO_SMS_REPLY_WINDOW_SECONDS', 10, 0, 3600),
      voiceRingSeconds: integer(env, 'AMPARO_VOICE_RING_SECONDS', 25, 5, 120),
      voices: voices(env),
    },
    subscriptions: {
      purgeDays: integer(env, 'AMPARO_SUBSCRIBER_PURGE_DAYS', 30, 1, 3650),
      capPerPrefixPerHour: integer(env, 'AMPARO_SUBSCRIBE_CAP_PER_PREFIX_PER_HOUR', 20, 1, 100000),
      capPerHour: integer(env, 'AMPARO_SUBSCRIBE_CAP_PER_HOUR', 500, 1, 10000000),
      ...webSignupLimits(env),
    },
    alerts: alerts(env),
    webhookReceipts: webhookReceipts(env),
    cases: cases(env, cwd, dataDir),
    ...outboxAndAdmins(env),
    mapTileUrl: tileUrl(env),
    mapPmtiles: pmtilesFile(env, cwd),
    audit: audit(env, cwd, dataDir),
    imageDecoding: imageDecoding(env),
    evidence: evidence(env),
  };
}

export interface EvidenceConfig {
  /** The largest photo, video or recording one upload may be (AMPARO_EVIDENCE_MAX_BYTES, default 500 MB). */
  maxBytes: number;
  /** Dispatchers and coordinators see an incident's media too (AMPARO_EVIDENCE_MEDIA_FOR_DISPATCH, off). */
  mediaForDispatch: boolean;
}

function evidence(env: Env): EvidenceConfig {
  return {
    maxBytes: integer(env, 'AMPARO_EVIDENCE_MAX_BYTES', 500 * 1024 * 1024, 1024, 20 * 1024 * 1024 * 1024),
    mediaForDispatch: boolean(env, 'AMPARO_EVIDENCE_MEDIA_FOR_DISPATCH', false),
  };
}

function imageDecoding(env: Env): ImageDecodingConfig {
  return {
    concurrency: integer(env, 'AMPARO_IMAGE_DECODE_CONCURRENCY', 2, 1, 16),
    queueLimit: integer(env, 'AMPARO_IMAGE_DECODE_QUEUE', 8, 0, 1000),
    timeoutSeconds: integer(env, 'AMPARO_IMAGE_DECODE_TIMEOUT_SECONDS', 15, 1, 300),
  };
}

function audit(env: Env, cwd: string, dataDir: string): AuditConfig {
  const anchorFile = path.resolve(cwd, env.AMPARO_AUDIT_ANCHOR_FILE || './.amparo-audit-anchors');
  if (anchorFile.startsWith(dataDir + path.sep)) {
    // An anchor beside the database goes wherever the database goes, and whoever can cut one can cut both.
    throw new ConfigError('AMPARO_AUDIT_ANCHOR_FILE must be outside AMPARO_DATA_DIR.');
  }
  return { anchorFile };
}

/** AMPARO_VOICE_EN and AMPARO_VOICE_ES: a voice Twilio offers for that language (see voices.ts). */
const TRUST_PROXY_HELP =
  'AMPARO_TRUST_PROXY must be the number of reverse proxies in front of Amparo (1 for one nginx or Caddy), or ' +
  'their addresses or CIDR ranges separated by commas (10.0.0.5, 10.0.0.0/8); "true" would let any client ' +
  'name its own address and escape every rate limit.';

/** AMPARO_TRUST_PROXY: false, a hop count, or proxy addresses/ranges, as Fastify's trustProxy takes them. */
function trustProxy(env: Env): TrustProxy {
  const raw = env.AMPARO_TRUST_PROXY?.trim() ?? '';
  if (raw === '' || ['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) throw new ConfigError(`${TRUST_PROXY_HELP} Got ${hops} hops.`);
    return hops;
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    const prefixOk =
      prefix === undefined ||
      (/^\d+$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32) && Number(prefix) >= 1);
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new ConfigError(`${TRUST_PROXY_HELP} Got "${raw}".`);
    }
  }
  return entries;
}

function voices(env: Env): Record<Language, SayVoice> {
  const chosen = {} as Record<Language, SayVoice>;
  for (const language of SUPPORTED_LANGUAGES) {
    const name = `AMPARO_VOICE_${language.toUpperCase()}` as SettingName;
    const raw = env[name] || DEFAULT_VOICES[language];
    const voice = sayVoice(language, raw);
    if (!voice) {
      const examples =
        language === 'en' ? 'Polly.Joanna, Polly.Matthew-Neural' : 'Polly.Mia, Polly.Lupe-Neural';
      throw new ConfigError(
        `${name} must be a Twilio text-to-speech voice for ${language === 'en' ? 'US English' : 'American Spanish'}, such as ${examples} or a Google voice; got "${raw}".`,
      );
    }
    chosen[language] = voice;
  }
  return chosen;
}

function smsCountries(env: Env): SmsCountries {
  const parsed = parseSmsCountries(env.AMPARO_SMS_COUNTRIES || '+1');
  if (!parsed.ok) {
    throw new ConfigError(
      `AMPARO_SMS_COUNTRIES must be country calling codes with their + (+1 is all of the North American Numbering Plan) or two-letter region codes (US, PR), separated by commas; "${parsed.entry}" is neither.`,
    );
  }
  return parsed.countries;
}

function webSignupLimits(env: Env) {
  return {
    capPerNumberPerDay: integer(env, 'AMPARO_SUBSCRIBE_CAP_PER_NUMBER_PER_DAY', 3, 1, 100),
    capPerClientPerHour: integer(env, 'AMPARO_SUBSCRIBE_CAP_PER_CLIENT_PER_HOUR', 10, 1, 100000),
    proofOfWork: integer(env, 'AMPARO_SUBSCRIBE_PROOF_OF_WORK', 100000, 1, 10000000),
  };
}

function alerts(env: Env): AlertsConfig {
  const raw = env.AMPARO_ALERT_SENDERS || env.AMPARO_TWILIO_FROM || '';
  const senders = raw
    .split(',')
    .map((sender) => sender.trim())
    .filter((sender) => sender !== '');
  for (const sender of senders) {
    if (!/^\+[1-9]\d{6,14}$/.test(sender)) {
      throw new ConfigError(
        `AMPARO_ALERT_SENDERS must be phone numbers in E.164 form separated by commas, such as +15550100199,+15550100198; got "${sender}".`,
      );
    }
  }
  return {
    radiusMeters: integer(env, 'AMPARO_ALERT_RADIUS_METERS', 1500, 100, 50000),
    twoPersonApproval: boolean(env, 'AMPARO_ALERT_TWO_PERSON_APPROVAL', true),
    ratePerSecond: integer(env, 'AMPARO_ALERT_RATE_PER_SECOND', 100, 0, 100000),
    ratePerSenderPerSecond: integer(env, 'AMPARO_ALERT_RATE_PER_SENDER_PER_SECOND', 10, 0, 100000),
    senders: [...new Set(senders)],
    inFlight: integer(env, 'AMPARO_ALERT_IN_FLIGHT', 50, 1, 1000),
    deliveryRetentionDays: integer(env, 'AMPARO_ALERT_DELIVERY_RETENTION_DAYS', 30, 1, 3650),
  };
}

function outboxAndAdmins(env: Env): { outbox: OutboxConfig; admins: AdminsConfig } {
  return {
    outbox: { retentionDays: integer(env, 'AMPARO_OUTBOX_RETENTION_DAYS', 7, 1, 365) },
    admins: { twoAdminApproval: boolean(env, 'AMPARO_ADMIN_TWO_PERSON_APPROVAL', true) },
  };
}

function webhookReceipts(env: Env): WebhookReceiptsConfig {
  return { keyDays: integer(env, 'AMPARO_WEBHOOK_KEY_RETENTION_DAYS', 35, 2, 400) };
}

function cases(env: Env, cwd: string, dataDir: string): CasesConfig {
  const keysDir = path.resolve(cwd, env.AMPARO_CASE_KEYS_DIR || './.amparo-case-keys');
  if (keysDir === dataDir || keysDir.startsWith(dataDir + path.sep)) {
    // Keys inside the data directory would be copied with every backup of it, and destroying one would
    // no longer make the backed-up case unreadable.
    throw new ConfigError('AMPARO_CASE_KEYS_DIR must be outside AMPARO_DATA_DIR.');
  }
  const rawHours = env.AMPARO_HEARING_REMINDER_HOURS || '72,24';
  const hearingReminderHours = rawHours.split(',').map((hours) => Number(hours.trim()));
  if (hearingReminderHours.some((hours) => !Number.isInteger(hours) || hours < 1 || hours > 720)) {
    throw new ConfigError(
      `AMPARO_HEARING_REMINDER_HOURS must be whole hours from 1 to 720 separated by commas, such as 72,24; got "${rawHours}".`,
    );
  }
  return {
    keysDir,
    retentionDays: integer(env, 'AMPARO_CASE_RETENTION_DAYS', 180, 1, 3650),
    locatorRecheckHours: integer(env, 'AMPARO_LOCATOR_RECHECK_HOURS', 12, 1, 720),
    hearingReminderHours: [...new Set(hearingReminderHours)].sort((a, b) => b - a),
  };
}

/** True when cookies must carry Secure and the __Host- prefix (anything but plain-http local use). */
export function isSecureOrigin(config: Pick<AppConfig, 'publicUrl'>): boolean {
  return config.publicUrl.protocol === 'https:';
}
