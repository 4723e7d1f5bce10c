// The one place that reads process.env. Everything else receives a validated AppConfig.
import path from 'node:path';

export type Language = 'en' | 'es';
export const SUPPORTED_LANGUAGES: readonly Language[] = ['en', 'es'];

export interface AppConfig {
  port: number;
  host: string;
  /** The address people reach Amparo at. Links in CLI output and signed webhooks are built from it. */
  publicUrl: URL;
  /** PostgreSQL connection string; when absent Amparo runs on embedded PGlite in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  masterKey: string | undefined;
  masterKeyFile: string;
  hotlineNumber: string | undefined;
  networkName: string;
  /** IANA time zone the network works in, for times shown to staff. */
  timeZone: string;
  defaultLanguage: Language;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  trustProxy: boolean;
  reportRetentionDays: number;
  publicRateLimitPerMinute: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}".`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false; got "${env[name]}".`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got "${raw}".`);
  }
  return raw as T;
}

function timeZone(env: Env): string {
  const zone = env.AMPARO_TIMEZONE || Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new ConfigError(
      `AMPARO_TIMEZONE must be an IANA time zone such as America/Chicago; got "${zone}".`,
    );
  }
  return zone;
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): AppConfig {
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
  return {
    port,
    host,
    publicUrl,
    databaseUrl,
    dataDir,
    masterKey: env.AMPARO_MASTER_KEY || undefined,
    masterKeyFile,
    hotlineNumber: env.AMPARO_HOTLINE_NUMBER || undefined,
    networkName: env.AMPARO_NETWORK_NAME || 'Amparo',
    timeZone: timeZone(env),
    defaultLanguage: oneOf(env, 'AMPARO_DEFAULT_LANGUAGE', SUPPORTED_LANGUAGES, 'en'),
    logLevel: oneOf(env, 'AMPARO_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'silent'], 'info'),
    trustProxy: boolean(env, 'AMPARO_TRUST_PROXY', false),
    reportRetentionDays: integer(env, 'AMPARO_REPORT_RETENTION_DAYS', 30, 1, 3650),
    publicRateLimitPerMinute: integer(env, 'AMPARO_PUBLIC_RATE_LIMIT', 20, 1, 100000),
  };
}

/** True when cookies must carry Secure and the __Host- prefix (anything but plain-http local use). */
export function isSecureOrigin(config: Pick<AppConfig, 'publicUrl'>): boolean {
  return config.publicUrl.protocol === 'https:';
}
