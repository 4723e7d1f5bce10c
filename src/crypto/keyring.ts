// Master keys and the keys derived from them. The master key lives outside the database (environment or a
// 0600 file); every purpose gets its own key derived with HKDF, so a key leaked for one purpose opens
// nothing else.
import { hkdfSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Keyring {
  /** The version new values are encrypted under. */
  currentVersion: number;
  /** Derives a 32-byte key for a purpose from the master key of the given version. */
  derive(purpose: string, version?: number): Buffer;
}

export class KeyError extends Error {
  override name = 'KeyError';
}

const KEY_BYTES = 32;

/**
 * Parses AMPARO_MASTER_KEY: either one base64 key (version 1), or comma-separated `version:base64` entries
 * for rotation, where the highest version encrypts new values and older ones still decrypt.
 */
export function parseMasterKeys(value: string): Map<number, Buffer> {
  const keys = new Map<number, Buffer>();
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const match = /^(?:(\d+):)?([A-Za-z0-9+/=_-]+)$/.exec(entry);
    const version = match?.[1] === undefined ? 1 : Number(match[1]);
    const key = match?.[2] === undefined ? Buffer.alloc(0) : Buffer.from(match[2], 'base64');
    if (!match || key.length !== KEY_BYTES || version < 1) {
      throw new KeyError(
        'AMPARO_MASTER_KEY must be 32 random bytes in base64 (for example from `openssl rand -base64 32`), ' +
          'or comma-separated version:key pairs when rotating.',
      );
    }
    if (entries.length > 1 && match[1] === undefined) {
      throw new KeyError(
        'When AMPARO_MASTER_KEY lists several keys, give each one a version, as 2:base64key.',
      );
    }
    keys.set(version, key);
  }
  if (keys.size === 0) throw new KeyError('AMPARO_MASTER_KEY is empty.');
  return keys;
}

export function createKeyring(masterKeys: Map<number, Buffer>): Keyring {
  const currentVersion = Math.max(...masterKeys.keys());
  const cache = new Map<string, Buffer>();
  return {
    currentVersion,
    derive(purpose, version = currentVersion) {
      const cacheKey = `${version}\0${purpose}`;
      const cached = cache.get(cacheKey);
      if (cached) return cached;
      const master = masterKeys.get(version);
      if (!master) throw new KeyError(`No master key of version ${version} is configured.`);
      const key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `amparo:${purpose}`, KEY_BYTES));
      cache.set(cacheKey, key);
      return key;
    },
  };
}

export interface MasterKeySource {
  masterKey: string | undefined;
  masterKeyFile: string;
  /** Embedded mode may create a key file; PostgreSQL mode must be given its key. */
  mayCreateFile: boolean;
}

export interface LoadedMasterKeys {
  keys: Map<number, Buffer>;
  /** Set when a new key file was written and the operator must back it up. */
  createdFile: string | undefined;
}

export async function loadMasterKeys(source: MasterKeySource): Promise<LoadedMasterKeys> {
  if (source.masterKey) return { keys: parseMasterKeys(source.masterKey), createdFile: undefined };
  try {
    const content = await readFile(source.masterKeyFile, 'utf8');
    return { keys: parseMasterKeys(content.trim()), createdFile: undefined };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!source.mayCreateFile) {
    throw new KeyError(
      `No master key: set AMPARO_MASTER_KEY (32 random bytes in base64, e.g. from \`openssl rand -base64 32\`) ` +
        `or put one in ${source.masterKeyFile}.`,
    );
  }
  await mkdir(path.dirname(source.masterKeyFile), { recursive: true });
  const key = randomBytes(KEY_BYTES).toString('base64');
  // 'wx' refuses to overwrite: two processes starting at once must not each write a different key.
  await writeFile(source.masterKeyFile, `${key}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(source.masterKeyFile, 0o600);
  return { keys: parseMasterKeys(key), createdFile: source.masterKeyFile };
}
