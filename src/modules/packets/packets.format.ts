// The evidence packet's format, shared by the writer (packets.export.ts) and the verifier (packets.verify.ts,
// which must work on an attorney's machine without Amparo's database). A packet is a zip of:
//   summary.pdf          the incident, the observation timeline, the list of items with their hashes
//   files/<n>-<name>     the original files, byte for byte as received
//   manifest.json        every other entry's path, SHA-256 and size, and the network's Ed25519 public key
//   manifest.sig         the Ed25519 signature over the exact bytes of manifest.json (64 raw bytes)
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

export const PACKET_FORMAT = 'amparo-evidence-packet';
export const PACKET_FORMAT_VERSION = 1;
export const MANIFEST_PATH = 'manifest.json';
export const SIGNATURE_PATH = 'manifest.sig';
export const SUMMARY_PATH = 'summary.pdf';

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
  /** For an original: the SHA-256 Amparo computed when it received the file (equal to sha256 unless altered). */
  sha256AtReceipt?: string;
}

export interface PacketManifest {
  format: typeof PACKET_FORMAT;
  version: number;
  network: string;
  createdAt: string;
  /** The incident by its reference only: no names of detained people. */
  incident: { reference: string };
  files: ManifestFile[];
  publicKey: { algorithm: 'Ed25519'; hex: string; base64: string; fingerprint: string };
}

/** The SHA-256 of the raw 32-byte public key, in groups of four hex digits: what an attorney reads aloud. */
export function keyFingerprint(rawPublicKey: Buffer): string {
  const hex = createHash('sha256').update(rawPublicKey).digest('hex');
  return (hex.match(/.{4}/g) ?? []).join(' ');
}

export function publicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new Error('An Ed25519 public key is 32 bytes.');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
}

export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (!jwk.x) throw new Error('Not an Ed25519 public key.');
  return Buffer.from(jwk.x, 'base64url');
}

/**
 * The name of an original inside the packet: its position and the file name reduced to safe characters, so no
 * entry can climb out of the directory it is unpacked into, whatever name the phone gave the file.
 */
export function packetFilePath(position: number, fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const safe = base
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(-80);
  return `files/${String(position).padStart(3, '0')}-${safe || 'file'}`;
}
