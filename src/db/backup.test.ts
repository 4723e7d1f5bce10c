// The backup file format on its own (no database): what goes in comes out, and a wrong key, any changed
// byte, chunks swapped, cut or appended are refused with a clear reason before any line is handed on.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createKeyring, type Keyring } from '../crypto/keyring.ts';
import { BackupError, decryptBackup, verifyBackup, writeBackup, type BackupProblem } from './backup.ts';
import { DUMP_FORMAT, DUMP_VERSION, type DumpHeader } from './logical-dump.ts';

const HEADER_BYTES = 64;
const CHUNK_OVERHEAD = 4 + 16;

function keyringOf(...versions: [number, Buffer][]): Keyring {
  return createKeyring(new Map(versions));
}

const header: DumpHeader = {
  format: DUMP_FORMAT,
  version: DUMP_VERSION,
  createdAt: new Date(0).toISOString(),
  serverVersionNum: 180000,
  migrations: ['20261123T0900_foundation'],
  pgBossSchemaVersion: null,
  pgBossPartitionedQueues: [],
  tables: [{ schema: 'public', name: 'notes', columns: [{ name: 'body', type: 'text' }] }],
  partitions: [],
  sequences: [],
};

/** Random (incompressible) rows, so the file spans several 64 KiB chunks. */
function dumpLines(rows: string[]): string[] {
  return [
    `H ${JSON.stringify(header)}`,
    `T ${JSON.stringify({ schema: 'public', name: 'notes' })}`,
    ...rows.map((body) => `R ${JSON.stringify({ body })}`),
    `Z ${JSON.stringify({ rows: { 'public.notes': rows.length } })}`,
  ];
}

async function* fromArray(lines: string[]): AsyncGenerator<string> {
  yield* lines;
}

async function decryptAll(bytes: Buffer, keyring: Keyring): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of decryptBackup(
    (async function* () {
      yield bytes;
    })(),
    keyring,
  )) {
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/** Where each chunk starts, walking the length words. */
function chunkOffsets(bytes: Buffer): { offset: number; length: number; final: boolean }[] {
  const chunks = [];
  let offset = HEADER_BYTES;
  while (offset < bytes.length) {
    const word = bytes.readUInt32BE(offset);
    const length = word & 0x7fff_ffff;
    chunks.push({ offset, length, final: (word & 0x8000_0000) !== 0 });
    offset += CHUNK_OVERHEAD + length;
  }
  return chunks;
}

describe('backup file format', () => {
  let dir: string;
  let file: string;
  let bytes: Buffer;
  const key = randomBytes(32);
  const keyring = keyringOf([1, key]);
  const rows = Array.from({ length: 300 }, () => randomBytes(600).toString('base64'));

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'amparo-backup-format-'));
    file = path.join(dir, 'amparo.backup');
    await writeBackup({ file, keyring, lines: fromArray(dumpLines(rows)) });
    bytes = await readFile(file);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function refusedAs(problem: BackupProblem, changed: Buffer, withKeyring = keyring): Promise<void> {
    const damaged = path.join(dir, `damaged-${randomBytes(4).toString('hex')}`);
    await writeFile(damaged, changed);
    await assert.rejects(verifyBackup({ file: damaged, keyring: withKeyring }), (error: unknown) => {
      assert.ok(error instanceof BackupError, `a BackupError, not ${String(error)}`);
      assert.equal(error.problem, problem, error.message);
      return true;
    });
  }

  test('reads back every line, and the file is private to its owner', async () => {
    const contents = await verifyBackup({ file, keyring });
    assert.deepEqual(contents.header, header);
    assert.equal(contents.rows, rows.length);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const plaintext = await decryptAll(bytes, keyring);
    assert.ok(plaintext.length > 0);
    // Several chunks, of which only the last is final.
    const chunks = chunkOffsets(bytes);
    assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
    assert.deepEqual(
      chunks.map((chunk) => chunk.final),
      chunks.map((_, index) => index === chunks.length - 1),
    );
    assert.ok(!bytes.includes(Buffer.from(rows[0]!.slice(0, 24))), 'no row appears in the clear');
  });

  test('every backup has its own salt, so its own key', async () => {
    const second = path.join(dir, 'second.backup');
    await writeBackup({ file: second, keyring, lines: fromArray(dumpLines(['same'])) });
    const third = path.join(dir, 'third.backup');
    await writeBackup({ file: third, keyring, lines: fromArray(dumpLines(['same'])) });
    const [a, b] = [await readFile(second), await readFile(third)];
    assert.notDeepEqual(a.subarray(16, 48), b.subarray(16, 48));
    assert.notDeepEqual(a.subarray(HEADER_BYTES), b.subarray(HEADER_BYTES));
  });

  test('another master key is refused as the wrong key', async () => {
    await refusedAs('wrong_key', bytes, keyringOf([1, randomBytes(32)]));
  });

  test('a backup made under an older master key opens once that key is listed with its version', async () => {
    const rotated = keyringOf([1, key], [2, randomBytes(32)]);
    assert.equal((await verifyBackup({ file, keyring: rotated })).rows, rows.length);
    await refusedAs('key_unavailable', bytes, keyringOf([2, key]));
  });

  test('a byte changed anywhere is refused', async () => {
    const chunks = chunkOffsets(bytes);
    const middle = chunks[1]!;
    const flips: [position: number, mask: number, problem: BackupProblem][] = [
      [0, 0x01, 'not_a_backup'], // magic
      [8, 0x01, 'unsupported_version'],
      [12, 0x01, 'key_unavailable'], // master key version
      [20, 0x01, 'wrong_key'], // salt
      [50, 0x01, 'wrong_key'], // key check
      [middle.offset + 3, 0x01, 'damaged'], // a length word
      [middle.offset, 0x80, 'damaged'], // a middle chunk claiming to be the last
      [chunks.at(-1)!.offset, 0x80, 'damaged'], // the last chunk claiming not to be
      [middle.offset + 4 + 100, 0x01, 'damaged'], // ciphertext
      [middle.offset + 4 + middle.length + 3, 0x01, 'damaged'], // a tag
      [bytes.length - 1, 0x01, 'damaged'],
    ];
    for (const [position, mask, problem] of flips) {
      const changed = Buffer.from(bytes);
      changed[position] = changed[position]! ^ mask;
      await refusedAs(problem, changed);
    }
  });

  test('chunks swapped, cut off or followed by more data are refused', async () => {
    const chunks = chunkOffsets(bytes);
    const [first, second] = [chunks[0]!, chunks[1]!];
    const firstBytes = bytes.subarray(first.offset, second.offset);
    const secondBytes = bytes.subarray(second.offset, second.offset + CHUNK_OVERHEAD + second.length);
    const swapped = Buffer.concat([
      bytes.subarray(0, first.offset),
      secondBytes,
      firstBytes,
      bytes.subarray(second.offset + CHUNK_OVERHEAD + second.length),
    ]);
    await refusedAs('damaged', swapped);
    // Cut exactly between two chunks: every chunk left checks out, but none is marked final.
    await refusedAs('truncated', bytes.subarray(0, chunks.at(-1)!.offset));
    await refusedAs('truncated', bytes.subarray(0, second.offset + 10));
    await refusedAs('truncated', bytes.subarray(0, HEADER_BYTES));
    await refusedAs('truncated', bytes.subarray(0, 30));
    await refusedAs('damaged', Buffer.concat([bytes, Buffer.from([0])]));
    // Dropping a middle chunk shifts every later index.
    await refusedAs(
      'damaged',
      Buffer.concat([bytes.subarray(0, first.offset), bytes.subarray(second.offset)]),
    );
  });

  test('nothing but authenticated plaintext is handed on: a damaged chunk yields nothing of itself', async () => {
    const chunks = chunkOffsets(bytes);
    const changed = Buffer.from(bytes);
    const target = chunks[1]!;
    changed[target.offset + 4 + 10] = changed[target.offset + 4 + 10]! ^ 0xff;
    const received: Buffer[] = [];
    await assert.rejects(async () => {
      for await (const part of decryptBackup(
        (async function* () {
          yield changed;
        })(),
        keyring,
      )) {
        received.push(part);
      }
    }, BackupError);
    assert.equal(Buffer.concat(received).length, chunks[0]!.length, 'only the chunk before it');
  });

  test('a file that is not a backup says so', async () => {
    await refusedAs('not_a_backup', Buffer.from('PGDMP\n-- not ours\n'));
  });

  test('a failed write leaves no partial file behind and keeps the previous backup', async () => {
    const target = path.join(dir, 'kept.backup');
    await writeBackup({ file: target, keyring, lines: fromArray(dumpLines(['first'])) });
    const before = await readFile(target);
    async function* failing(): AsyncGenerator<string> {
      yield `H ${JSON.stringify(header)}`;
      throw new Error('the database went away');
    }
    await assert.rejects(writeBackup({ file: target, keyring, lines: failing() }), /went away/);
    assert.deepEqual(await readFile(target), before);
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name.includes('.partial')),
      [],
      'no temporary file left',
    );
  });
});
