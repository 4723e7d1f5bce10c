// One large photo, and five at once, through the photo check: time and growth of the resident set, before
// (decoded whatever its size, as preparePhoto did until issue 12) and now (PhotoDecoder: dimensions read from
// the headers and refused above 40 megapixels, decodes through a gate of 2 places). Each case runs in a child
// process of its own, so one case's memory does not hide another's.
// Run: node bench/photo-decode.ts [side=10000]
//      (the image is a one-colour side × side JPEG, made here: about 1 MB at 10,000 × 10,000)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { PhotoDecoder } from '../src/modules/reports/photo.ts';

type Mode = 'before' | 'after';

async function measure(mode: Mode, side: number, count: number): Promise<void> {
  const image = await sharp({ create: { width: side, height: side, channels: 3, background: 'gray' } })
    .jpeg()
    .toBuffer();
  const decoder = new PhotoDecoder({ concurrency: 2, queueLimit: 8, timeoutSeconds: 60 });
  // Both load libvips first, so neither pays for it in the figures.
  await sharp({ create: { width: 8, height: 8, channels: 3, background: 'gray' } })
    .jpeg()
    .toBuffer();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: count }, async () => {
      try {
        if (mode === 'before') {
          await sharp(image, { limitInputPixels: 100_000_000, failOn: 'error' })
            .rotate()
            .jpeg({ quality: 88, mozjpeg: true })
            .toBuffer();
        } else {
          await decoder.prepare(image);
        }
        return 'decoded';
      } catch (error) {
        return (error as { reason?: string }).reason ?? 'failed';
      }
    }),
  );
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const grewMiB = (peak - before) / 2 ** 20;
  console.log(
    `${mode.padEnd(6)} ${String(count).padStart(2)} × ${side}×${side}: ${ms.toFixed(0).padStart(6)} ms, peak RSS +${grewMiB.toFixed(0)} MiB (${[...new Set(outcomes)].join(', ')})`,
  );
}

const [, , sideArg, modeArg, countArg] = process.argv;
const side = Number(sideArg ?? 10000);
if (modeArg === 'before' || modeArg === 'after') {
  await measure(modeArg, side, Number(countArg ?? 1));
} else {
  const self = fileURLToPath(import.meta.url);
  for (const mode of ['before', 'after'] as const) {
    for (const count of [1, 5]) {
      execFileSync(process.execPath, [self, String(side), mode, String(count)], { stdio: 'inherit' });
    }
  }
}
