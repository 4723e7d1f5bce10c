// Writing a packet as a stream: each original is read once, hashed and passed into the zip as it goes
// (stored, not compressed: photos and video are compressed already), so a 300 MB video never sits in memory.
// The manifest comes last, once every hash is known, followed by its signature.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Zip, ZipPassThrough } from 'fflate';
import {
  keyFingerprint,
  MANIFEST_PATH,
  PACKET_FORMAT,
  PACKET_FORMAT_VERSION,
  SIGNATURE_PATH,
  type ManifestFile,
  type PacketManifest,
} from './packets.format.ts';

export interface PacketEntry {
  path: string;
  /** Opened only when the zip reaches this entry. */
  open(): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>;
  sha256AtReceipt?: string;
}

export interface PacketSigner {
  rawPublicKey: Buffer;
  sign(data: Buffer): Buffer;
}

export interface PacketInput {
  network: string;
  createdAt: Date;
  incidentReference: string;
  entries: readonly PacketEntry[];
  signer: PacketSigner;
}

/** The manifest's bytes: the exact bytes the signature covers. */
export function manifestBytes(manifest: PacketManifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}

export function buildManifest(input: Omit<PacketInput, 'entries'>, files: ManifestFile[]): PacketManifest {
  const raw = input.signer.rawPublicKey;
  return {
    format: PACKET_FORMAT,
    version: PACKET_FORMAT_VERSION,
    network: input.network,
    createdAt: input.createdAt.toISOString(),
    incident: { reference: input.incidentReference },
    files,
    publicKey: {
      algorithm: 'Ed25519',
      hex: raw.toString('hex'),
      base64: raw.toString('base64'),
      fingerprint: keyFingerprint(raw),
    },
  };
}

async function* packetChunks(input: PacketInput): AsyncGenerator<Uint8Array> {
  const pending: Uint8Array[] = [];
  let failure: Error | undefined;
  const zip = new Zip((error, data) => {
    if (error) failure = error;
    else pending.push(data);
  });
  const take = (): Uint8Array[] => {
    if (failure) throw failure;
    return pending.splice(0);
  };
  const addStored = (path: string): ZipPassThrough => {
    const file = new ZipPassThrough(path);
    file.mtime = input.createdAt;
    zip.add(file);
    return file;
  };
  const files: ManifestFile[] = [];
  for (const entry of input.entries) {
    const file = addStored(entry.path);
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of await entry.open()) {
      hash.update(chunk);
      size += chunk.byteLength;
      file.push(chunk);
      yield* take();
    }
    file.push(new Uint8Array(0), true);
    yield* take();
    files.push({
      path: entry.path,
      sha256: hash.digest('hex'),
      size,
      ...(entry.sha256AtReceipt ? { sha256AtReceipt: entry.sha256AtReceipt } : {}),
    });
  }
  const manifest = manifestBytes(buildManifest(input, files));
  addStored(MANIFEST_PATH).push(manifest, true);
  addStored(SIGNATURE_PATH).push(input.signer.sign(manifest), true);
  zip.end();
  yield* take();
}

/** The packet as a byte stream, pulled by whoever reads it (the HTTP response): nothing is read ahead. */
export function packetStream(input: PacketInput): Readable {
  return Readable.from(packetChunks(input), { objectMode: false });
}
