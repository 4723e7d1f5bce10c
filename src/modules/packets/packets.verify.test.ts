import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { runEvidenceVerify } from '../../cli/evidence-commands.ts';
import { rawPublicKey } from './packets.format.ts';
import { packetStream, type PacketSigner } from './packets.zip.ts';

function testSigner(): PacketSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { rawPublicKey: rawPublicKey(publicKey), sign: (data) => sign(null, data, privateKey) };
}

async function* chunksOf(bytes: Buffer, size = 7): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

function captured() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

/** Rewrites the zip with one entry's bytes replaced, as someone editing a packet would. */
async function rewriteEntry(file: string, target: string, change: (bytes: Uint8Array) => Uint8Array) {
  const entries = unzipSync(new Uint8Array(await readFile(file)));
  const next: Zippable = {};
  for (const [name, bytes] of Object.entries(entries)) {
    next[name] = [name === target ? change(bytes) : bytes, { level: 0 }];
  }
  const out = path.join(path.dirname(file), `changed-${path.basename(file)}`);
  await writeFile(out, zipSync(next));
  return out;
}

describe('evidence packet: writing and `amparo evidence verify`', () => {
  let dir: string;
  let packet: string;
  const signer = testSigner();
  const photo = Buffer.from('a photo, byte for byte '.repeat(50));
  const video = Buffer.alloc(3 * 1024 * 1024 + 17, 7);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'amparo-packet-'));
    packet = path.join(dir, 'packet.zip');
    await pipeline(
      packetStream({
        network: 'Test network',
        createdAt: new Date('2026-12-17T12:00:00Z'),
        incidentReference: 'INC-0042',
        signer,
        entries: [
          { path: 'summary.pdf', open: async () => chunksOf(Buffer.from('%PDF-1.7 summary')) },
          { path: 'files/001-photo.jpg', open: async () => chunksOf(photo) },
          { path: 'files/002-video.mp4', open: async () => chunksOf(video, 65536) },
        ],
      }),
      createWriteStream(packet),
    );
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test('a packet as exported verifies, with the manifest listing every file with its hash and size', async () => {
    const run = captured();
    assert.equal(await runEvidenceVerify([packet], run.output), 0, run.err.join(''));
    assert.match(run.out.join(''), /VERIFIED: all 3 files match/);
    const manifest = JSON.parse(
      Buffer.from(unzipSync(new Uint8Array(await readFile(packet)))['manifest.json']!).toString('utf8'),
    ) as { files: { path: string; size: number }[]; incident: { reference: string } };
    assert.deepEqual(
      manifest.files.map((f) => [f.path, f.size]),
      [
        ['summary.pdf', 16],
        ['files/001-photo.jpg', photo.length],
        ['files/002-video.mp4', video.length],
      ],
    );
    assert.deepEqual(manifest.incident, { reference: 'INC-0042' });
  });

  test('the right key given with --key verifies; another key is named as different', async () => {
    const right = captured();
    assert.equal(
      await runEvidenceVerify([packet, '--key', signer.rawPublicKey.toString('hex')], right.output),
      0,
    );
    const wrong = captured();
    const other = testSigner().rawPublicKey.toString('hex');
    assert.equal(await runEvidenceVerify([packet, '--key', other], wrong.output), 1);
    assert.match(wrong.err.join(''), /signed by a different key/);
  });

  test('one byte flipped in one file: exit 1 and that file is named, the others are not', async () => {
    const changed = await rewriteEntry(packet, 'files/002-video.mp4', (bytes) => {
      const copy = bytes.slice();
      copy[1_000_000] = copy[1_000_000]! ^ 0x01;
      return copy;
    });
    const run = captured();
    assert.equal(await runEvidenceVerify([changed], run.output), 1);
    const text = run.err.join('');
    assert.match(text, /CHANGED: files\/002-video\.mp4/);
    assert.doesNotMatch(text, /CHANGED: files\/001-photo\.jpg/);
    assert.match(text, /signature is valid/, 'the manifest itself is untouched');
  });

  test('a changed manifest fails the signature', async () => {
    const changed = await rewriteEntry(packet, 'manifest.json', (bytes) =>
      Buffer.from(Buffer.from(bytes).toString('utf8').replace('INC-0042', 'INC-0043')),
    );
    const run = captured();
    assert.equal(await runEvidenceVerify([changed], run.output), 1);
    assert.match(run.err.join(''), /signature does not match manifest\.json/);
  });

  test('a file removed and a file added are both named', async () => {
    const entries = unzipSync(new Uint8Array(await readFile(packet)));
    delete entries['files/001-photo.jpg'];
    entries['files/003-extra.jpg'] = new Uint8Array([1, 2, 3]);
    const changed = path.join(dir, 'removed-added.zip');
    await writeFile(changed, zipSync(entries));
    const run = captured();
    assert.equal(await runEvidenceVerify([changed], run.output), 1);
    assert.match(run.err.join(''), /MISSING: files\/001-photo\.jpg/);
    assert.match(run.err.join(''), /ADDED: files\/003-extra\.jpg/);
  });

  test('a file that is not a zip is refused in plain words', async () => {
    const junk = path.join(dir, 'junk.zip');
    await writeFile(junk, 'not a zip at all');
    const run = captured();
    assert.equal(await runEvidenceVerify([junk], run.output), 1);
    assert.match(run.err.join(''), /not a readable evidence packet/);
  });
});
