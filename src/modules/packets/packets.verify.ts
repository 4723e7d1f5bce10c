// Checking a packet: the signature over manifest.json, then every file's SHA-256 and size. It reads the zip
// by its central directory and streams each entry from the file, so a packet of any size is checked with a
// few kilobytes of memory. It needs nothing from Amparo's database: an attorney runs it on their own copy.
import { createHash, verify as verifySignature, type KeyObject } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { Writable } from 'node:stream';
import {
  MANIFEST_PATH,
  PACKET_FORMAT,
  publicKeyFromRaw,
  SIGNATURE_PATH,
  keyFingerprint,
  type PacketManifest,
} from './packets.format.ts';

export type SignatureOutcome = 'valid' | 'invalid' | 'missing' | 'key_differs';

export interface PacketVerification {
  ok: boolean;
  /** Set when the file is not a packet at all (not a zip, no manifest, unreadable manifest). */
  unreadable?: string;
  signature: SignatureOutcome;
  /** The fingerprint of the key the manifest names. */
  fingerprint?: string;
  changed: string[];
  missing: string[];
  extra: string[];
  checked: number;
}

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

class NotAPacket extends Error {}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new NotAPacket('the zip ends early');
  return buffer;
}

async function centralDirectory(handle: FileHandle): Promise<ZipEntry[]> {
  const { size } = await handle.stat();
  const tailLength = Math.min(size, 22 + 0xffff);
  if (tailLength < 22) throw new NotAPacket('too short to be a zip');
  const tail = await readAt(handle, size - tailLength, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i -= 1) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new NotAPacket('not a zip file');
  let count = tail.readUInt16LE(at + 10);
  let directorySize = tail.readUInt32LE(at + 12);
  let directoryOffset = tail.readUInt32LE(at + 16);
  if (at >= 20 && tail.readUInt32LE(at - 20) === ZIP64_LOCATOR) {
    const record = await readAt(handle, Number(tail.readBigUInt64LE(at - 20 + 8)), 56);
    count = Number(record.readBigUInt64LE(32));
    directorySize = Number(record.readBigUInt64LE(40));
    directoryOffset = Number(record.readBigUInt64LE(48));
  }
  if (directorySize > MAX_DIRECTORY_BYTES) throw new NotAPacket('the zip directory is too large');
  const directory = await readAt(handle, directoryOffset, directorySize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let n = 0; n < count; n += 1) {
    if (p + 46 > directory.length || directory.readUInt32LE(p) !== CENTRAL) {
      throw new NotAPacket('the zip directory is damaged');
    }
    const nameLength = directory.readUInt16LE(p + 28);
    const extraLength = directory.readUInt16LE(p + 30);
    const commentLength = directory.readUInt16LE(p + 32);
    const entry: ZipEntry = {
      method: directory.readUInt16LE(p + 10),
      compressedSize: directory.readUInt32LE(p + 20),
      size: directory.readUInt32LE(p + 24),
      localHeaderOffset: directory.readUInt32LE(p + 42),
      name: directory.toString('utf8', p + 46, p + 46 + nameLength),
    };
    readZip64Extra(directory.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength), entry);
    entries.push(entry);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Sizes and offsets too large for 32 bits are in the zip64 extra field, in this order, when marked 0xffffffff. */
function readZip64Extra(extra: Buffer, entry: ZipEntry): void {
  for (let p = 0; p + 4 <= extra.length;) {
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const next = (): number => {
        const value = Number(extra.readBigUInt64LE(q));
        q += 8;
        return value;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
    }
    p += 4 + length;
  }
}

/** Streams one entry's uncompressed bytes through `sink`. */
async function streamEntry(
  handle: FileHandle,
  entry: ZipEntry,
  sink: (chunk: Buffer) => void,
): Promise<void> {
  const header = await readAt(handle, entry.localHeaderOffset, 30);
  if (header.readUInt32LE(0) !== LOCAL) throw new NotAPacket(`the zip entry ${entry.name} is damaged`);
  const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const writable = new Writable({
    write(chunk: Buffer, _encoding, done) {
      sink(chunk);
      done();
    },
  });
  if (entry.compressedSize === 0) return;
  const source = handle.createReadStream({
    start,
    end: start + entry.compressedSize - 1,
    autoClose: false,
  });
  if (entry.method === 0) await pipeline(source, writable);
  else if (entry.method === 8) await pipeline(source, createInflateRaw(), writable);
  else throw new NotAPacket(`the zip entry ${entry.name} uses an unknown compression`);
}

async function readSmallEntry(handle: FileHandle, entry: ZipEntry): Promise<Buffer> {
  if (entry.size > MAX_MANIFEST_BYTES) throw new NotAPacket(`${entry.name} is too large`);
  const chunks: Buffer[] = [];
  await streamEntry(handle, entry, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks);
}

function parseManifest(bytes: Buffer): PacketManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new NotAPacket('manifest.json is not valid JSON');
  }
  const manifest = parsed as Partial<PacketManifest>;
  if (
    manifest.format !== PACKET_FORMAT ||
    !Array.isArray(manifest.files) ||
    typeof manifest.publicKey?.hex !== 'string'
  ) {
    throw new NotAPacket('manifest.json is not an Amparo packet manifest');
  }
  return manifest as PacketManifest;
}

function checkSignature(
  manifestBytes: Buffer,
  signature: Buffer | undefined,
  manifestKey: KeyObject,
  givenKeyHex: string | undefined,
): SignatureOutcome {
  if (!signature) return 'missing';
  if (givenKeyHex !== undefined) {
    const given = publicKeyFromRaw(Buffer.from(givenKeyHex, 'hex'));
    if (!verifySignature(null, manifestBytes, given, signature)) {
      return verifySignature(null, manifestBytes, manifestKey, signature) ? 'key_differs' : 'invalid';
    }
    return 'valid';
  }
  return verifySignature(null, manifestBytes, manifestKey, signature) ? 'valid' : 'invalid';
}

/** Verifies the packet at `path`; `keyHex` is the network's public key as the attorney got it separately. */
export async function verifyPacket(
  path: string,
  options: { keyHex?: string } = {},
): Promise<PacketVerification> {
  const result: PacketVerification = {
    ok: false,
    signature: 'missing',
    changed: [],
    missing: [],
    extra: [],
    checked: 0,
  };
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return { ...result, unreadable: 'the file cannot be opened' };
  }
  try {
    const entries = await centralDirectory(handle);
    const byName = new Map<string, ZipEntry>();
    for (const entry of entries) {
      if (byName.has(entry.name)) result.extra.push(entry.name);
      else byName.set(entry.name, entry);
    }
    const manifestEntry = byName.get(MANIFEST_PATH);
    if (!manifestEntry) throw new NotAPacket('there is no manifest.json');
    const manifestBytes = await readSmallEntry(handle, manifestEntry);
    const manifest = parseManifest(manifestBytes);
    const signatureEntry = byName.get(SIGNATURE_PATH);
    const signature = signatureEntry ? await readSmallEntry(handle, signatureEntry) : undefined;
    let manifestKey: KeyObject;
    try {
      manifestKey = publicKeyFromRaw(Buffer.from(manifest.publicKey.hex, 'hex'));
    } catch {
      throw new NotAPacket('the public key in manifest.json is not an Ed25519 key');
    }
    result.fingerprint = keyFingerprint(Buffer.from(manifest.publicKey.hex, 'hex'));
    result.signature = checkSignature(manifestBytes, signature, manifestKey, options.keyHex);

    const listed = new Set<string>();
    for (const file of manifest.files) {
      listed.add(file.path);
      const entry = byName.get(file.path);
      if (!entry) {
        result.missing.push(file.path);
        continue;
      }
      const hash = createHash('sha256');
      let size = 0;
      await streamEntry(handle, entry, (chunk) => {
        hash.update(chunk);
        size += chunk.length;
      });
      result.checked += 1;
      if (size !== file.size || hash.digest('hex') !== file.sha256) result.changed.push(file.path);
    }
    for (const name of byName.keys()) {
      if (name !== MANIFEST_PATH && name !== SIGNATURE_PATH && !listed.has(name)) result.extra.push(name);
    }
  } catch (error) {
    if (error instanceof NotAPacket) return { ...result, unreadable: error.message };
    if ((error as NodeJS.ErrnoException).code === 'Z_DATA_ERROR') {
      return { ...result, unreadable: 'a compressed entry is damaged' };
    }
    throw error;
  } finally {
    await handle.close();
  }
  result.ok =
    result.signature === 'valid' &&
    result.changed.length === 0 &&
    result.missing.length === 0 &&
    result.extra.length === 0;
  return result;
}
