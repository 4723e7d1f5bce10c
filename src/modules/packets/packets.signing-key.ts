// The network's Ed25519 key that signs evidence packets. Made once, the first time a packet or the key's page
// needs it; the private half is sealed with the master key like every other secret in the database (a field
// bound to its table, column and row), so a copy of the database alone cannot sign a packet. The public half
// is in every manifest and on the key's page, where an attorney compares its fingerprint.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import { keyFingerprint, rawPublicKey } from './packets.format.ts';
import { signingKeyPrivateField } from './packets.fields.ts';
import { findSigningKey, insertSigningKeyOnce } from './packets.repository.ts';
import type { PacketSigner } from './packets.zip.ts';

export interface NetworkSigningKey extends PacketSigner {
  publicKeyHex: string;
  fingerprint: string;
}

type KeyContext = Pick<AppContext, 'db' | 'secrets' | 'clock'>;

async function storedOrNew(context: KeyContext) {
  const stored = await findSigningKey(context.db);
  if (stored) return stored;
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  await insertSigningKeyOnce(context.db, {
    public_key: rawPublicKey(publicKey).toString('hex'),
    private_key_ciphertext: context.secrets.fields.encrypt(signingKeyPrivateField(), der),
    created_at: context.clock.now(),
  });
  const kept = await findSigningKey(context.db);
  if (!kept) throw new Error('The signing key was not stored.');
  return kept;
}

/** The public half only: for the key's page (never unseals the private half). */
export async function networkPublicKey(
  context: KeyContext,
): Promise<{ publicKeyHex: string; fingerprint: string }> {
  const stored = await storedOrNew(context);
  return {
    publicKeyHex: stored.public_key,
    fingerprint: keyFingerprint(Buffer.from(stored.public_key, 'hex')),
  };
}

export async function networkSigningKey(context: KeyContext): Promise<NetworkSigningKey> {
  const stored = await storedOrNew(context);
  const der = context.secrets.fields.decryptBytes(signingKeyPrivateField(), stored.private_key_ciphertext);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const raw = Buffer.from(stored.public_key, 'hex');
  // The sealed private key must belong to the public key beside it: a swapped row would sign as someone else.
  if (!rawPublicKey(createPublicKey(privateKey)).equals(raw)) {
    throw new Error('The stored signing key does not match its public half.');
  }
  return {
    rawPublicKey: raw,
    publicKeyHex: stored.public_key,
    fingerprint: keyFingerprint(raw),
    sign: (data) => sign(null, data, privateKey),
  };
}
