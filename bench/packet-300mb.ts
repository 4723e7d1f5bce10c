// bench/packet-300mb: an evidence packet holding a 300 MB video is written (streamed through the zip, as the
// download route does) and then verified (as `amparo evidence verify` does), each in its own child process so
// each peak resident memory is its own. Run: node bench/packet-300mb.ts (Node 24). On the 2-core build machine
// (17 Dec 2026): written in 3.2 s with a peak RSS of 100 MiB; verified in 0.6 s with a peak RSS of 111 MiB.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { runEvidenceVerify } from '../src/cli/evidence-commands.ts';
import { rawPublicKey } from '../src/modules/packets/packets.format.ts';
import { packetStream } from '../src/modules/packets/packets.zip.ts';

const MiB = 1024 * 1024;
const [mode, dir] = process.argv.slice(2);

async function write(dir: string): Promise<void> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const video = path.join(dir, 'video.mp4');
  await pipeline(
    packetStream({
      network: 'Bench',
      createdAt: new Date('2026-12-17T12:00:00Z'),
      incidentReference: 'INC-BENCH',
      signer: { rawPublicKey: rawPublicKey(publicKey), sign: (data) => sign(null, data, privateKey) },
      entries: [{ path: 'files/001-video.mp4', open: async () => createReadStream(video) }],
    }),
    createWriteStream(path.join(dir, 'packet.zip')),
  );
}

function report(label: string, started: number): void {
  const seconds = (performance.now() - started) / 1000;
  const peak = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${label}: ${seconds.toFixed(2)} s, peak RSS ${peak.toFixed(0)} MiB\n`);
}

if (mode === 'write' && dir) {
  const started = performance.now();
  await write(dir);
  report('write 300 MB packet', started);
} else if (mode === 'verify' && dir) {
  const started = performance.now();
  const code = await runEvidenceVerify([path.join(dir, 'packet.zip')], {
    out: () => {},
    err: (s) => process.stderr.write(s),
  });
  report(`verify 300 MB packet (exit ${code})`, started);
} else {
  const work = await mkdtemp(path.join(tmpdir(), 'amparo-packet-bench-'));
  try {
    const chunk = randomBytes(MiB);
    const handle = createWriteStream(path.join(work, 'video.mp4'));
    for (let i = 0; i < 300; i += 1)
      if (!handle.write(chunk)) await new Promise<void>((resolve) => handle.once('drain', () => resolve()));
    await new Promise<void>((resolve) => handle.end(resolve));
    for (const step of ['write', 'verify']) {
      process.stdout.write(
        execFileSync(process.execPath, [import.meta.filename, step, work], { encoding: 'utf8' }),
      );
    }
    process.stdout.write(
      `packet size: ${((await stat(path.join(work, 'packet.zip'))).size / MiB).toFixed(1)} MiB\n`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
