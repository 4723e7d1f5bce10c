// The network's map file (AMPARO_MAP_PMTILES), served by the app itself so the console's map makes no
// request to another origin. A PMTiles file is one archive that the browser's pmtiles reader fetches piece
// by piece with HTTP Range requests; this answers one byte range at a time, as the reader asks.
import { open, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export type ByteRange = { start: number; end: number };

/**
 * One byte range from a Range header, for a file of `size` bytes: `undefined` when there is no header (the
 * whole file), 'unsatisfiable' for a malformed header, several ranges, or one that starts past the end.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'unsatisfiable';
  if (match[1] === '') {
    // "bytes=-500": the last 500 bytes.
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** The file's size and a validator that changes when an admin replaces it, or undefined when it is not there. */
export async function mapFileInfo(
  file: string | undefined,
): Promise<{ size: number; etag: string } | undefined> {
  if (!file) return undefined;
  try {
    const info = await stat(file);
    if (!info.isFile()) return undefined;
    return { size: info.size, etag: `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"` };
  } catch {
    return undefined;
  }
}

/** The pmtiles reader asks for a 16 KiB header, then directories and tiles: bounded, never the whole file. */
export const MAX_RANGE_BYTES = 16 * 1024 * 1024;

export async function readRange(file: string, range: ByteRange): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const length = range.end - range.start + 1;
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, range.start);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The map's libraries, served from the app's own node_modules under /assets/map/ (the worker beside the
 * library, where MapLibre looks for it by default, so it loads as a same-origin module worker and the
 * Content-Security-Policy needs no blob: worker).
 */
const require = createRequire(import.meta.url);
const packageDir = (name: string): string => path.dirname(require.resolve(`${name}/package.json`));

export const MAP_ASSETS: Record<string, { file: () => string; type: string }> = {
  'maplibre-gl.mjs': {
    file: () => path.join(packageDir('maplibre-gl'), 'dist', 'maplibre-gl.mjs'),
    type: 'text/javascript',
  },
  'maplibre-gl-worker.mjs': {
    file: () => path.join(packageDir('maplibre-gl'), 'dist', 'maplibre-gl-worker.mjs'),
    type: 'text/javascript',
  },
  'maplibre-gl.css': {
    file: () => path.join(packageDir('maplibre-gl'), 'dist', 'maplibre-gl.css'),
    type: 'text/css',
  },
  'pmtiles.js': {
    file: () => path.join(packageDir('pmtiles'), 'dist', 'pmtiles.js'),
    type: 'text/javascript',
  },
  'basemaps.js': {
    file: () => path.join(packageDir('@protomaps/basemaps'), 'dist', 'basemaps.js'),
    type: 'text/javascript',
  },
};
