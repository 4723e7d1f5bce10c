// A 300 MB recording uploaded by tus over HTTP to a separate Amparo process, as the phone's script sends it (8 MB
// PATCHes): the upload's throughput, the time the last PATCH takes (sealing the last frame, the SHA-256 pass
// over the sealed original), the time until the working-copy job (the remux, sealed) has run after it, and the
// server's resident memory before the upload and at its peak while receiving and while the job runs (sampled
// from /proc/<pid>/status every 50 ms, and VmHWM). `amparo start` runs the job in the same process.
// The file is an MP4 made here with mediabunny (PCM sound, 300 MB), so the working copy's remux runs too.
// Run: node bench/evidence-upload.ts [megabytes=300] [chunkMegabytes=8]
//      (on AMPARO_BENCH_DATABASE_URL or AMPARO_TEST_DATABASE_URL when set, else a PostgreSQL server it starts)
// Client and server share the machine's 2 cores.
import { createHash, randomBytes } from 'node:crypto';
import { open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EncodedAudioPacketSource, EncodedPacket, FilePathTarget, Mp4OutputFormat, Output } from 'mediabunny';
import pino from 'pino';
import { closeContext, createContext } from '../src/app/bootstrap.ts';
import { loadConfig } from '../src/config/config.ts';
import { createStaff, insertIncident } from '../src/modules/dispatch/dispatch.test-helpers.ts';
import { createStaffSession, type StaffSession } from '../test/support/staff.ts';
import { startTestServer } from '../test/support/test-database.ts';
import {
  BENCH_DATABASE_URL,
  freshPostgres,
  makeAmparoHome,
  peakResidentMiB,
  residentMiB,
  startAmparo,
} from './support.ts';

const MEGABYTES = Number(process.argv[2] ?? 300);
const CHUNK_BYTES = Number(process.argv[3] ?? 8) * 1024 * 1024;
const MiB = 1024 * 1024;

/** An MP4 of PCM sound, about `megabytes` large, written packet by packet (never whole in memory). */
async function makeRecording(file: string, megabytes: number): Promise<void> {
  const output = new Output({ format: new Mp4OutputFormat(), target: new FilePathTarget(file) });
  const source = new EncodedAudioPacketSource('pcm-s16');
  output.addAudioTrack(source);
  await output.start();
  const second = randomBytes(48_000 * 2 * 2);
  const seconds = Math.ceil((megabytes * MiB) / second.length);
  for (let i = 0; i < seconds; i += 1) {
    await source.add(
      new EncodedPacket(second, 'key', i, 1),
      i === 0 ? { decoderConfig: { codec: 'pcm-s16', numberOfChannels: 2, sampleRate: 48_000 } } : undefined,
    );
  }
  await output.finalize();
}

interface Setup {
  env: Record<string, string>;
  dataDir: string;
  responder: StaffSession;
  dispatcher: StaffSession;
  incidentId: string;
}

async function prepare(databaseUrl: string | undefined): Promise<Setup> {
  const dir = await makeAmparoHome('amparo-evidence-bench-');
  const env: Record<string, string> = {
    AMPARO_DATA_DIR: path.join(dir, 'data'),
    AMPARO_MASTER_KEY_FILE: path.join(dir, 'master.key'),
    ...(databaseUrl
      ? { AMPARO_DATABASE_URL: databaseUrl, AMPARO_MASTER_KEY: randomBytes(32).toString('base64') }
      : {}),
  };
  const context = await createContext({ config: loadConfig(env), logger: pino({ level: 'silent' }) });
  try {
    return {
      env,
      dataDir: dir,
      responder: await createStaff(context, ['responder']),
      dispatcher: await createStaffSession(context, ['dispatcher']),
      incidentId: (await insertIncident(context)).id,
    };
  } finally {
    await closeContext(context);
  }
}

async function measure(label: string, recording: string, databaseUrl?: string): Promise<void> {
  const setup = await prepare(databaseUrl);
  const running = await startAmparo({ databaseUrl, dataDir: setup.dataDir, env: setup.env });
  try {
    const pid = await running.serverPid();
    const sent = await fetch(`${running.baseUrl}/console/incidents/${setup.incidentId}/dispatch`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: setup.dispatcher.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: setup.dispatcher.csrfToken, responder_id: setup.responder.userId }),
    });
    if (sent.status !== 303) throw new Error(`dispatch answered ${sent.status}`);

    const size = (await stat(recording)).size;
    const tus = {
      'tus-resumable': '1.0.0',
      cookie: setup.responder.cookie,
      'x-csrf-token': setup.responder.csrfToken,
    };
    const before = await residentMiB(pid);
    const peakBefore = await peakResidentMiB(pid);
    let sampledPeak = before;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        sampledPeak = Math.max(sampledPeak, await residentMiB(pid));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const started = performance.now();
    const created = await fetch(`${running.baseUrl}/console/incidents/${setup.incidentId}/evidence/uploads`, {
      method: 'POST',
      headers: {
        ...tus,
        'upload-length': String(size),
        'upload-metadata': `filename ${Buffer.from('bench.mp4').toString('base64')}`,
      },
    });
    if (created.status !== 201) throw new Error(`create answered ${created.status}`);
    const url = `${running.baseUrl}${created.headers.get('location')}`;
    const hash = createHash('sha256');
    const file = await open(recording, 'r');
    const chunk = Buffer.alloc(CHUNK_BYTES);
    let offset = 0;
    let lastPatchMs = 0;
    let serverSha = '';
    let itemId = '';
    try {
      while (offset < size) {
        const { bytesRead } = await file.read(chunk, 0, CHUNK_BYTES, offset);
        const body = chunk.subarray(0, bytesRead);
        hash.update(body);
        const patchStarted = performance.now();
        const response = await fetch(url, {
          method: 'PATCH',
          headers: {
            ...tus,
            'upload-offset': String(offset),
            'content-type': 'application/offset+octet-stream',
          },
          body,
        });
        if (response.status !== 204) throw new Error(`PATCH at ${offset} answered ${response.status}`);
        offset = Number(response.headers.get('upload-offset'));
        lastPatchMs = performance.now() - patchStarted;
        serverSha = response.headers.get('evidence-sha256') ?? serverSha;
        itemId = response.headers.get('evidence-item') ?? itemId;
      }
    } finally {
      await file.close();
    }
    const finished = performance.now();
    const seconds = (finished - started) / 1000;
    const receivingPeak = sampledPeak;
    // The working copy is made by a job after the upload is answered: wait for the item page to stop saying so.
    for (;;) {
      const page = await fetch(`${running.baseUrl}/console/evidence/${itemId}`, {
        headers: { cookie: setup.responder.cookie },
      });
      if (page.status !== 200) throw new Error(`the item page answered ${page.status}`);
      if (!(await page.text()).includes('id="evidence-working-pending"')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const jobSeconds = (performance.now() - finished) / 1000;
    sampling = false;
    await sampler;
    const peakAfter = await peakResidentMiB(pid);
    const clientSha = hash.digest('hex');

    console.log(`${label}:`);
    console.log(
      `  uploaded ${(size / MiB).toFixed(1)} MiB in ${Math.ceil(size / CHUNK_BYTES)} PATCHes of ${CHUNK_BYTES / MiB} MiB`,
    );
    console.log(
      `  throughput ${(size / MiB / seconds).toFixed(1)} MiB/s (${seconds.toFixed(1)} s, the receipt included)`,
    );
    console.log(`  last PATCH (last frame, SHA-256 pass): ${(lastPatchMs / 1000).toFixed(1)} s`);
    console.log(`  working copy (job: remux, seal) ready ${jobSeconds.toFixed(1)} s after the last PATCH`);
    console.log(`  SHA-256 matches the bytes sent: ${serverSha === clientSha}`);
    console.log(
      `  server RSS before ${before.toFixed(0)} MiB, sampled peak receiving ${receivingPeak.toFixed(0)} MiB, ` +
        `with the job ${sampledPeak.toFixed(0)} MiB`,
    );
    console.log(`  server VmHWM before ${peakBefore.toFixed(0)} MiB, after ${peakAfter.toFixed(0)} MiB`);
  } finally {
    await running.stop();
    await running.cleanUp();
  }
}

const recording = path.join(tmpdir(), `amparo-evidence-bench-${process.pid}.mp4`);
try {
  await makeRecording(recording, MEGABYTES);
  // A PostgreSQL server of its own when none is named (the one the tests start).
  const server = BENCH_DATABASE_URL ? undefined : await startTestServer();
  const database = await freshPostgres(BENCH_DATABASE_URL ?? server!.url);
  try {
    await measure('PostgreSQL', recording, database.url);
  } finally {
    await database.drop();
    await server?.stop();
  }
} finally {
  await rm(recording, { force: true });
}
