// Issue 12: one photo must not take the server down. A one-colour 10,000 × 10,000 JPEG weighs about 1 MB
// and used to take 600 MB and seconds of every core to decode; anyone can post it. Five at once: the
// server keeps answering, its memory barely moves, each reporter is told in their language why the photo
// was not kept, and their report is saved. Then real decodes: at most N at once, a bounded line, other
// requests answered while they run. Its own file, run first, so the resident set it measures is its own.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import sharp from 'sharp';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { photoDecoder } from './photo.ts';
import { openReportForm, postReport, VALID_FIELDS } from './reports.test-helpers.ts';

const MiB = 2 ** 20;

async function oneColourJpeg(side: number, background: string): Promise<Buffer> {
  return sharp({ create: { width: side, height: side, channels: 3, background } })
    .jpeg()
    .toBuffer();
}

/** The largest resident set seen while work runs, sampled from the event loop (decodes run off it). */
async function peakResidentDuring<T>(work: () => Promise<T>): Promise<{ result: T; grewBytes: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, grewBytes: peak - start };
  } finally {
    clearInterval(sampler);
  }
}

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('photos anyone can send', () => {
  let t: TestApp;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-photo-flood-'));
    t = await createTestApp({
      env: {
        AMPARO_DATA_DIR: dataDir,
        AMPARO_PUBLIC_RATE_LIMIT: '1000',
        AMPARO_IMAGE_DECODE_CONCURRENCY: '1',
        AMPARO_IMAGE_DECODE_QUEUE: '1',
      },
    });
  });
  after(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const countReports = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from reports`.execute(t.context.db)).rows[0]?.n);
  const countPhotos = async () =>
    Number(
      (await sql<{ n: string }>`select count(*) as n from report_photos`.execute(t.context.db)).rows[0]?.n,
    );

  test('five 10,000 × 10,000 photos at once: others answered, memory flat, each refused in its language, reports saved', async () => {
    const colours = ['white', 'black', 'red', 'green', 'blue'];
    const bombs = await Promise.all(colours.map((colour) => oneColourJpeg(10_000, colour)));
    for (const bomb of bombs) assert.ok(bomb.length < 2 * MiB, 'a small file claiming 100 megapixels');
    const langs = ['en', 'es', 'en', 'es', 'en'];
    const sessions = await Promise.all(langs.map((lang) => openReportForm(t.app, lang)));
    const probe = () => t.app.inject({ url: '/report', headers: { accept: 'text/html' } });
    await probe();
    const baseline = median(await Promise.all([0, 1, 2, 3, 4].map(() => timed(probe))));
    const reportsBefore = await countReports();
    const photosBefore = await countPhotos();

    const { result, grewBytes } = await peakResidentDuring(async () => {
      const posts = bombs.map((bomb, i) =>
        postReport(t.app, sessions[i]!, VALID_FIELDS, { photo: { bytes: bomb }, lang: langs[i]! }),
      );
      // Other people's requests while the five are being handled.
      const others = await Promise.all([0, 1, 2, 3, 4].map(() => timed(probe)));
      return { answers: await Promise.all(posts), others };
    });

    assert.ok(
      grewBytes < 300 * MiB,
      `the resident set grew by ${Math.round(grewBytes / MiB)} MiB for five photos`,
    );
    // Other requests keep their usual time: a generous factor of a baseline taken in this same run.
    assert.ok(
      median(result.others) < baseline * 20 + 50,
      `others took ${median(result.others).toFixed(0)} ms (usually ${baseline.toFixed(0)} ms)`,
    );
    for (const [i, answer] of result.answers.entries()) {
      assert.equal(answer.statusCode, 303, 'the report is saved; only the photo is refused');
      const received = await t.app.inject({
        url: String(answer.headers.location),
        headers: { accept: 'text/html', 'accept-language': langs[i]! },
      });
      assert.equal(received.statusCode, 200);
      assert.match(
        received.body,
        langs[i] === 'es'
          ? /Su reporte se guardó, pero no su foto: la foto tiene más de 40 megapíxeles/
          : /Your report was saved, but not its photo: the photo is larger than 40 megapixels/,
      );
      assert.match(received.body, /class="reference"/);
    }
    assert.equal(await countReports(), reportsBefore + 5);
    assert.equal(await countPhotos(), photosBefore, 'no photo was kept');
    assert.deepEqual(photoDecoder(t.context).gate.state, { running: 0, waiting: 0 }, 'nothing was decoded');
  });

  test('real decodes go one at a time, a full line is told to try again, and others are answered meanwhile', async () => {
    // 5,000 × 5,000 (25 megapixels): allowed, and a decode long enough to be seen running.
    const photos = await Promise.all(['white', 'gray', 'navy'].map((colour) => oneColourJpeg(5_000, colour)));
    const sessions = await Promise.all(['en', 'en', 'es'].map((lang) => openReportForm(t.app, lang)));
    const reportsBefore = await countReports();
    const photosBefore = await countPhotos();
    const events: string[] = [];

    const posts = photos.map((bytes, i) =>
      postReport(
        t.app,
        sessions[i]!,
        { ...VALID_FIELDS, details: `photo ${i}` },
        {
          photo: { bytes },
          lang: i === 2 ? 'es' : 'en',
        },
      ).then((answer) => (events.push(`post ${i}`), answer)),
    );
    // Wait until the decoder is full: one decoding, one waiting.
    const gate = photoDecoder(t.context).gate;
    while (gate.state.running + gate.state.waiting < 2)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const other = await t.app.inject({ url: '/report', headers: { accept: 'text/html' } });
    events.push(`other ${other.statusCode}`);
    const stateWhileOtherAnswered = gate.state;
    const answers = await Promise.all(posts);

    assert.equal(
      stateWhileOtherAnswered.running,
      1,
      'a decode was running when the other request was answered',
    );
    // Answered while a decode was still going: some post ends after it. Which one depends on the machine's
    // load (the first decode may finish while the page is being answered), so no particular one is named.
    assert.ok(
      events.slice(events.indexOf('other 200') + 1).some((event) => event.startsWith('post')),
      events.join(', '),
    );
    for (const answer of answers) assert.equal(answer.statusCode, 303);
    const refused = answers.filter((answer) => String(answer.headers.location).includes('photo=busy'));
    assert.equal(refused.length, 1, 'the one that found the line full');
    const received = await t.app.inject({
      url: String(refused[0]!.headers.location),
      headers: { accept: 'text/html', 'accept-language': 'es' },
    });
    assert.match(received.body, /Amparo está procesando muchas fotos en este momento/);
    assert.equal(await countReports(), reportsBefore + 3, 'every report is saved');
    assert.equal(await countPhotos(), photosBefore + 2, 'the two that had their turn are kept');
  });
});
