// The board's map without a database: framing, Web Mercator against the published slippy-map formula, tile
// placement, the outline cache, and that nothing in the SVG points elsewhere unless tiles were configured.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyReply } from 'fastify';
import { h3CellOf, distanceMeters, zipCentroid } from '../../geo/geo.ts';
import { allowImagesFrom, contentSecurityPolicy } from '../../http/security-headers.ts';
import {
  cachedFrameCount,
  CONTIGUOUS_US,
  frameFor,
  frameKey,
  framePosition,
  isInsideFrame,
  MAP_HEIGHT,
  MAP_WIDTH,
  markerPoint,
  parseFrameKey,
  projectedOutlines,
  renderMap,
  tileOrigin,
  tilesFor,
  worldPixel,
} from './incidents.map.ts';

const CHICAGO = { lat: 41.85, lon: -87.717 };
const MILWAUKEE = { lat: 43.0389, lon: -87.9065 };
const DETROIT = { lat: 42.3314, lon: -83.0458 };

/** The OpenStreetMap wiki's tile-number formula, written independently of the code under test. */
function osmTile(lat: number, lon: number, zoom: number): { x: number; y: number } {
  const n = 2 ** zoom;
  const latRad = (lat * Math.PI) / 180;
  return {
    x: Math.floor(((lon + 180) / 360) * n),
    y: Math.floor(((1 - Math.asinh(Math.tan(latRad)) / Math.PI) / 2) * n),
  };
}

test('world pixels agree with the slippy-map tile formula', () => {
  for (const point of [CHICAGO, MILWAUKEE, DETROIT, { lat: -33.9, lon: 151.2 }]) {
    for (const zoom of [3, 8, 14]) {
      const pixel = worldPixel(point, zoom);
      assert.deepEqual(
        { x: Math.floor(pixel.x / 256), y: Math.floor(pixel.y / 256) },
        osmTile(point.lat, point.lon, zoom),
        `${point.lat},${point.lon} at ${zoom}`,
      );
    }
  }
});

test('an empty board frames the contiguous United States', () => {
  const frame = frameFor([]);
  assert.equal(frame.zoom, 4);
  for (const corner of CONTIGUOUS_US) assert.ok(isInsideFrame(framePosition(frame, corner)));
});

test('a frame is the closest zoom that fits every incident with a margin', () => {
  const single = frameFor([CHICAGO]);
  assert.equal(single.zoom, 14, 'one incident: street level');
  const centre = framePosition(single, CHICAGO);
  assert.ok(Math.abs(centre.x - MAP_WIDTH / 2) <= 32 && Math.abs(centre.y - MAP_HEIGHT / 2) <= 32);

  const points = [CHICAGO, MILWAUKEE, DETROIT];
  const frame = frameFor(points);
  for (const point of points) {
    const { x, y } = framePosition(frame, point);
    assert.ok(
      x >= 48 && x <= MAP_WIDTH - 48 && y >= 48 && y <= MAP_HEIGHT - 48,
      `${x},${y} kept off the edge`,
    );
  }
  const closer = points.map((point) => worldPixel(point, frame.zoom + 1));
  const spread = Math.max(...closer.map((p) => p.x)) - Math.min(...closer.map((p) => p.x));
  assert.ok(spread > MAP_WIDTH - 160, 'one zoom closer would not fit');
  assert.equal(frame.left % 64, 0, 'the corner snaps to the grid, so frames repeat');
  assert.equal(frame.top % 64, 0);
});

test('frames travel as text and garbage is refused', () => {
  const frame = frameFor([CHICAGO, DETROIT]);
  assert.deepEqual(parseFrameKey(frameKey(frame)), frame);
  for (const bad of [undefined, '', '4/1/2/3', '99/0/0', 'a/b/c', '4/1e9/0'])
    assert.equal(parseFrameKey(bad), undefined);
});

test('markers sit at the centre of the H3 cell (a neighbourhood), else of the ZIP code', () => {
  const cell = markerPoint({ h3_cell: h3CellOf(CHICAGO), zip: null });
  assert.ok(cell && distanceMeters(cell, CHICAGO) < 600, 'within the cell');
  assert.ok(cell && distanceMeters(cell, CHICAGO) > 0, 'not the exact point');
  assert.deepEqual(markerPoint({ h3_cell: null, zip: '60623' }), zipCentroid('60623'));
  assert.equal(markerPoint({ h3_cell: 'garbage', zip: null }), undefined);
});

test('outlines are projected once per frame and kept small', () => {
  const frame = frameFor([]);
  const before = cachedFrameCount();
  const first = projectedOutlines(frame);
  const second = projectedOutlines(frame);
  assert.equal(first, second, 'the cached paths are reused');
  assert.ok(cachedFrameCount() <= before + 1);
  assert.match(first.states, /^M-?\d/);
  assert.equal(first.counties, '', 'no county lines across the whole country');
  assert.ok(first.states.length < 40_000, `states path is ${first.states.length} characters`);
  const region = projectedOutlines(frameFor([CHICAGO, DETROIT]));
  assert.ok(region.counties.length > 1000, 'county lines at a regional zoom');
  assert.doesNotMatch(region.states + region.counties, /NaN|\d\.\d/, 'whole pixels only');
});

test('tiles cover the frame and line up with the world pixel grid', () => {
  const frame = frameFor([CHICAGO]);
  const template = 'https://tiles.example.org/{z}/{x}/{y}.png';
  const tiles = tilesFor(frame, template);
  const expected = osmTile(CHICAGO.lat, CHICAGO.lon, frame.zoom);
  const position = framePosition(frame, CHICAGO);
  const under = tiles.find(
    (tile) =>
      position.x >= tile.x && position.x < tile.x + 256 && position.y >= tile.y && position.y < tile.y + 256,
  );
  assert.equal(under?.url, `https://tiles.example.org/${frame.zoom}/${expected.x}/${expected.y}.png`);
  for (const [x, y] of [
    [0, 0],
    [MAP_WIDTH - 1, 0],
    [0, MAP_HEIGHT - 1],
    [MAP_WIDTH - 1, MAP_HEIGHT - 1],
  ]) {
    assert.ok(
      tiles.some((tile) => x! >= tile.x && x! < tile.x + 256 && y! >= tile.y && y! < tile.y + 256),
      `${x},${y} covered`,
    );
  }
  // Across the antimeridian tile numbers wrap.
  const wrapped = tilesFor({ zoom: 3, left: -300, top: 0 }, template);
  assert.ok(wrapped.some((tile) => tile.url === 'https://tiles.example.org/3/7/0.png'));
  assert.ok(wrapped.every((tile) => !/\/-\d/.test(tile.url)));
});

test('a tile origin is one https host; anything else is not used', () => {
  assert.equal(tileOrigin('https://tiles.example.org/{z}/{x}/{y}.png'), 'https://tiles.example.org');
  assert.equal(tileOrigin('https://{x}.tiles.example.org/{z}/{y}.png'), undefined);
  assert.equal(tileOrigin('http://tiles.example.org/{z}/{x}/{y}.png'), undefined);
  assert.equal(tileOrigin(undefined), undefined);
});

test('the map links markers to incidents and, without tiles, names no other origin', () => {
  const frame = frameFor([CHICAGO]);
  const marker = {
    id: 'a1',
    url: '/console/incidents/a1',
    label: 'INC-2345AB · Reported',
    status: 'confirmed' as const,
    point: CHICAGO,
  };
  const plain = renderMap({ frame, markers: [marker], tileTemplate: undefined, title: 'Map' }).value;
  assert.match(plain, /<a href="\/console\/incidents\/a1" data-id="a1"/);
  assert.match(plain, /fill="#b3141b"/, 'confirmed is red');
  assert.doesNotMatch(plain, /https?:|\/\/[a-z]/i);
  const tiled = renderMap({
    frame,
    markers: [],
    tileTemplate: 'https://tiles.example.org/{z}/{x}/{y}.png',
    title: 'Map',
  }).value;
  const urls = [...tiled.matchAll(/https?:\/\/[^"/]+/g)].map((m) => m[0]);
  assert.ok(urls.length > 0 && urls.every((url) => url === 'https://tiles.example.org'));
});

test('one reply may add one image origin; nothing else can be smuggled into the policy', () => {
  const reply = {} as FastifyReply;
  for (const bad of [
    'https://x.org; script-src *',
    'http://x.org',
    'https://x.org/path',
    "'unsafe-inline'",
  ]) {
    assert.throws(() => allowImagesFrom(reply, bad), bad);
  }
  allowImagesFrom(reply, 'https://tiles.example.org');
  assert.match(
    contentSecurityPolicy(['https://tiles.example.org']),
    /img-src 'self' data: https:\/\/tiles\.example\.org;/,
  );
  assert.match(contentSecurityPolicy(), /img-src 'self' data:;/);
});
