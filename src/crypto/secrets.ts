// Everything derived from the master key, built once at start and handed to the parts that need it.
import { createHash, randomBytes } from 'node:crypto';
import { BlindIndexer } from './blind-index.ts';
import { FieldCipher } from './field-encryption.ts';
import { createKeyring, type Keyring } from './keyring.ts';

export interface Secrets {
  keyring: Keyring;
  fields: FieldCipher;
  blindIndex: BlindIndexer;
}

export function createSecrets(masterKeys: Map<number, Buffer>): Secrets {
  const keyring = createKeyring(masterKeys);
  return { keyring, fields: new FieldCipher(keyring), blindIndex: new BlindIndexer(keyring) };
}

/** A random token for links and cookies (256 bits). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens are stored hashed: whoever reads the database cannot use them. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
