// A small PMTiles v3 file for tests: a few vector tiles of a box of Chicago (Little Village), with land, a
// lake, a park and a few streets in the source layers that @protomaps/basemaps styles (earth, water, landuse,
// roads). Written here by hand from the specification (github.com/protomaps/PMTiles/blob/main/spec/v3), so
// the tests never download a map: geojson-vt cuts the tiles, vt-pbf encodes them, this file lays them out.
import { createRequire } from 'node:module';
import { writeFile } from 'node:fs/promises';
import GeoJSONVT from 'geojson-vt';
import { zxyToTileId } from 'pmtiles';

type GeoJson = ConstructorParameters<typeof GeoJSONVT>[0];
type Geometry =
  | { type: 'Polygon'; coordinates: [number, number][][] }
  | { type: 'LineString'; coordinates: [number, number][] };
interface Feature {
  type: 'Feature';
  geometry: Geometry;
  properties: Record<string, unknown>;
}
interface FeatureCollection {
  type: 'FeatureCollection';
  features: Feature[];
}

const require = createRequire(import.meta.url);
const vtpbf = require('vt-pbf') as {
  fromGeojsonVt(layers: Record<string, unknown>, options?: { version?: number; extent?: number }): Uint8Array;
};

/** The box the fixture covers: a few blocks around 26th St & Lawndale Ave. */
export const FIXTURE_BOUNDS = { west: -87.74, south: 41.835, east: -87.7, north: 41.865 };
export const FIXTURE_CENTER = { lat: 41.85, lon: -87.72 };
export const FIXTURE_MIN_ZOOM = 0;
export const FIXTURE_MAX_ZOOM = 14;

function feature(geometry: Geometry, properties: Record<string, unknown>): Feature {
  return { type: 'Feature', geometry, properties };
}

function box(west: number, south: number, east: number, north: number): Geometry {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [west, south],
        [east, south],
        [east, north],
        [west, north],
        [west, south],
      ],
    ],
  };
}

function collection(features: Feature[]): FeatureCollection {
  return { type: 'FeatureCollection', features };
}

/** What the fixture's map shows, by basemap source layer. */
export function fixtureLayers(): Record<string, FeatureCollection> {
  const { west, south, east, north } = FIXTURE_BOUNDS;
  const line = (coordinates: [number, number][]): Geometry => ({ type: 'LineString', coordinates });
  return {
    earth: collection([feature(box(west, south, east, north), { kind: 'earth' })]),
    water: collection([feature(box(-87.735, 41.856, -87.728, 41.861), { kind: 'water' })]),
    landuse: collection([feature(box(-87.712, 41.838, -87.704, 41.845), { kind: 'park' })]),
    roads: collection([
      feature(
        line([
          [west, 41.8445],
          [east, 41.8445],
        ]),
        { kind: 'major_road', name: 'W 26th St' },
      ),
      feature(
        line([
          [-87.7185, south],
          [-87.7185, north],
        ]),
        { kind: 'major_road', name: 'S Lawndale Ave' },
      ),
      feature(
        line([
          [west, 41.852],
          [east, 41.852],
        ]),
        { kind: 'minor_road', name: 'W Cermak Rd' },
      ),
      feature(
        line([
          [-87.726, south],
          [-87.726, north],
        ]),
        { kind: 'minor_road', name: 'S Pulaski Rd' },
      ),
    ]),
  };
}

function tileRange(zoom: number): { x0: number; x1: number; y0: number; y1: number } {
  const n = 2 ** zoom;
  const x = (lon: number) => Math.floor(((lon + 180) / 360) * n);
  const y = (lat: number) => {
    const sin = Math.sin((lat * Math.PI) / 180);
    return Math.floor((0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * n);
  };
  const { west, south, east, north } = FIXTURE_BOUNDS;
  return { x0: x(west), x1: x(east), y0: y(north), y1: y(south) };
}

function varint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

interface Entry {
  tileId: number;
  offset: number;
  length: number;
  runLength: number;
}

/** A directory as the specification lays it out (uncompressed: internal compression 1, none). */
function directory(entries: readonly Entry[]): Uint8Array {
  const out: number[] = [];
  varint(out, entries.length);
  let last = 0;
  for (const entry of entries) {
    varint(out, entry.tileId - last);
    last = entry.tileId;
  }
  for (const entry of entries) varint(out, entry.runLength);
  for (const entry of entries) varint(out, entry.length);
  entries.forEach((entry, i) => {
    const previous = entries[i - 1];
    // 0 means "right after the previous tile", anything else is the offset plus one.
    varint(out, previous && entry.offset === previous.offset + previous.length ? 0 : entry.offset + 1);
  });
  return Uint8Array.from(out);
}

const HEADER_BYTES = 127;

/** The whole fixture file's bytes. */
export function buildFixturePmtiles(): Uint8Array {
  const layers = fixtureLayers();
  const indexes = Object.fromEntries(
    Object.entries(layers).map(([name, data]) => [
      name,
      new GeoJSONVT(data as GeoJson, {
        maxZoom: FIXTURE_MAX_ZOOM,
        indexMaxZoom: FIXTURE_MAX_ZOOM,
        buffer: 64,
      }),
    ]),
  );
  const tiles: { tileId: number; data: Uint8Array }[] = [];
  for (let z = FIXTURE_MIN_ZOOM; z <= FIXTURE_MAX_ZOOM; z++) {
    const { x0, x1, y0, y1 } = tileRange(z);
    for (let x = x0; x <= x1; x++) {
      for (let y = y0; y <= y1; y++) {
        const tileLayers: Record<string, unknown> = {};
        for (const [name, index] of Object.entries(indexes)) {
          const tile = index.getTile(z, x, y);
          if (tile && tile.features.length > 0) tileLayers[name] = tile;
        }
        if (Object.keys(tileLayers).length === 0) continue;
        tiles.push({ tileId: zxyToTileId(z, x, y), data: vtpbf.fromGeojsonVt(tileLayers, { version: 2 }) });
      }
    }
  }
  tiles.sort((a, b) => a.tileId - b.tileId);
  const entries: Entry[] = [];
  let offset = 0;
  for (const tile of tiles) {
    entries.push({ tileId: tile.tileId, offset, length: tile.data.length, runLength: 1 });
    offset += tile.data.length;
  }
  const root = directory(entries);
  const metadata = new TextEncoder().encode(
    JSON.stringify({
      name: 'amparo-test-fixture',
      attribution: 'Test shapes, not a real map',
      vector_layers: Object.keys(layers).map((id) => ({ id, fields: {} })),
    }),
  );
  const rootOffset = HEADER_BYTES;
  const metadataOffset = rootOffset + root.length;
  const tileDataOffset = metadataOffset + metadata.length;
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('PMTiles', 0, 'ascii');
  header.writeUInt8(3, 7);
  const u64 = (value: number, at: number) => header.writeBigUInt64LE(BigInt(value), at);
  u64(rootOffset, 8);
  u64(root.length, 16);
  u64(metadataOffset, 24);
  u64(metadata.length, 32);
  u64(tileDataOffset, 40); // no leaf directories: offset where they would be, length 0
  u64(0, 48);
  u64(tileDataOffset, 56);
  u64(offset, 64);
  u64(tiles.length, 72);
  u64(entries.length, 80);
  u64(tiles.length, 88);
  header.writeUInt8(1, 96); // clustered: tiles in tile-id order
  header.writeUInt8(1, 97); // internal compression: none
  header.writeUInt8(1, 98); // tile compression: none
  header.writeUInt8(1, 99); // tile type: Mapbox Vector Tile
  header.writeUInt8(FIXTURE_MIN_ZOOM, 100);
  header.writeUInt8(FIXTURE_MAX_ZOOM, 101);
  const e7 = (degrees: number) => Math.round(degrees * 1e7);
  header.writeInt32LE(e7(FIXTURE_BOUNDS.west), 102);
  header.writeInt32LE(e7(FIXTURE_BOUNDS.south), 106);
  header.writeInt32LE(e7(FIXTURE_BOUNDS.east), 110);
  header.writeInt32LE(e7(FIXTURE_BOUNDS.north), 114);
  header.writeUInt8(13, 118);
  header.writeInt32LE(e7(FIXTURE_CENTER.lon), 119);
  header.writeInt32LE(e7(FIXTURE_CENTER.lat), 123);
  return Buffer.concat([header, root, metadata, ...tiles.map((tile) => tile.data)]);
}

/** Writes the fixture to a file and returns its path. */
export async function writeFixturePmtiles(file: string): Promise<string> {
  await writeFile(file, buildFixturePmtiles());
  return file;
}
