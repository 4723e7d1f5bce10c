// The map file: the test fixture is a valid PMTiles archive (read back with the pmtiles package), and the app
// serves the network's file by byte range, to staff only, with 206, Content-Range and 416 as readers expect.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PMTiles, TileType, type RangeResponse, type Source } from 'pmtiles';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import {
  buildFixturePmtiles,
  FIXTURE_CENTER,
  FIXTURE_MAX_ZOOM,
  writeFixturePmtiles,
} from '../../../test/support/pmtiles-fixture.ts';
import { MAP_TILES_ROUTE } from './incidents.map.ts';
import { parseRange } from './incidents.tiles.ts';
import { loadConfig } from '../../config/config.ts';

/** The tile that holds a point at a zoom (slippy-map numbering). */
function tileAt(point: { lat: number; lon: number }, z: number): [number, number, number] {
  const n = 2 ** z;
  const sin = Math.sin((point.lat * Math.PI) / 180);
  return [
    z,
    Math.floor(((point.lon + 180) / 360) * n),
    Math.floor((0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * n),
  ];
}

function bytesSource(bytes: Uint8Array): Source {
  return {
    getKey: () => 'fixture',
    getBytes: async (offset: number, length: number): Promise<RangeResponse> => {
      const slice = bytes.slice(offset, offset + length);
      return { data: slice.buffer.slice(slice.byteOffset, slice.byteOffset + slice.byteLength) };
    },
  };
}

test('the generated fixture is a PMTiles v3 archive of vector tiles that the pmtiles reader can read', async () => {
  const archive = new PMTiles(bytesSource(buildFixturePmtiles()));
  const header = await archive.getHeader();
  assert.equal(header.specVersion, 3);
  assert.equal(header.tileType, TileType.Mvt);
  assert.equal(header.maxZoom, FIXTURE_MAX_ZOOM);
  const tile = await archive.getZxy(...tileAt(FIXTURE_CENTER, FIXTURE_MAX_ZOOM));
  assert.ok(tile && tile.data.byteLength > 0, 'the centre tile at the deepest zoom is there');
  const text = Buffer.from(tile.data).toString('latin1');
  for (const layer of ['earth', 'roads']) assert.ok(text.includes(layer), `layer ${layer} in the tile`);
  assert.equal(
    await archive.getZxy(...tileAt({ lat: 40.7, lon: -74 }, 12)),
    undefined,
    'New York is not in it',
  );
  const metadata = (await archive.getMetadata()) as { name?: unknown };
  assert.equal(metadata.name, 'amparo-test-fixture');
});

test('a Range header is one byte range, or unsatisfiable', () => {
  assert.equal(parseRange(undefined, 100), undefined);
  assert.deepEqual(parseRange('bytes=0-15', 100), { start: 0, end: 15 });
  assert.deepEqual(parseRange('bytes=90-200', 100), { start: 90, end: 99 }, 'cut at the end');
  assert.deepEqual(parseRange('bytes=40-', 100), { start: 40, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  for (const bad of [
    'bytes=100-',
    'bytes=5-2',
    'bytes=0-1,4-5',
    'items=0-1',
    'bytes=-',
    'bytes=-0',
    'nonsense',
  ])
    assert.equal(parseRange(bad, 100), 'unsatisfiable', bad);
});

describe('the map file route', () => {
  let dir: string;
  let file: string;
  let t: TestApp;
  let dispatcher: StaffSession;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'amparo-map-'));
    file = await writeFixturePmtiles(path.join(dir, 'area.pmtiles'));
    t = await createTestApp({ env: { AMPARO_MAP_PMTILES: file } });
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (range: string | undefined, session: StaffSession | null = dispatcher) =>
    t.app.inject({
      url: MAP_TILES_ROUTE,
      headers: {
        ...(range ? { range } : {}),
        ...(session ? { cookie: session.cookie } : {}),
      },
    });

  test('answers a range with 206 and Content-Range, a bad range with 416, no range with the file', async () => {
    const size = buildFixturePmtiles().length;
    const first = await get('bytes=0-126');
    assert.equal(first.statusCode, 206);
    assert.equal(first.headers['content-range'], `bytes 0-126/${size}`);
    assert.equal(first.headers['accept-ranges'], 'bytes');
    assert.equal(first.rawPayload.length, 127);
    assert.equal(first.rawPayload.subarray(0, 7).toString(), 'PMTiles');
    const tail = await get('bytes=-5');
    assert.equal(tail.statusCode, 206);
    assert.equal(tail.headers['content-range'], `bytes ${size - 5}-${size - 1}/${size}`);
    for (const bad of [`bytes=${size}-`, 'bytes=9-3', 'bytes=0-1,5-9']) {
      const refused = await get(bad);
      assert.equal(refused.statusCode, 416, bad);
      assert.equal(refused.headers['content-range'], `bytes */${size}`, bad);
    }
    const whole = await get(undefined);
    assert.equal(whole.statusCode, 200);
    assert.equal(Buffer.compare(whole.rawPayload, Buffer.from(buildFixturePmtiles())), 0, 'the whole file');
  });

  test('the pmtiles reader reads the archive through the route', async () => {
    const source: Source = {
      getKey: () => MAP_TILES_ROUTE,
      getBytes: async (offset, length) => {
        const res = await get(`bytes=${offset}-${offset + length - 1}`);
        assert.equal(res.statusCode, 206);
        const bytes = new Uint8Array(res.rawPayload);
        return { data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
      },
    };
    const tile = await new PMTiles(source).getZxy(...tileAt(FIXTURE_CENTER, 13));
    assert.ok(tile && tile.data.byteLength > 0);
  });

  test('only staff who see incidents get the file', async () => {
    assert.equal((await get('bytes=0-10', null)).statusCode, 401, 'anonymous: signed-in staff only');
    const responder = await createStaffSession(t.context, ['responder']);
    assert.equal((await get('bytes=0-10', responder)).statusCode, 403);
  });
});

describe('without a map file', () => {
  let t: TestApp;
  let dispatcher: StaffSession;
  before(async () => {
    t = await createTestApp({ env: { AMPARO_MAP_PMTILES: path.join(tmpdir(), 'amparo-not-there.pmtiles') } });
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
  });
  after(async () => t.close());

  test('the route is not found and the board says how to set the map up', async () => {
    const res = await t.app.inject({
      url: MAP_TILES_ROUTE,
      headers: { cookie: dispatcher.cookie, range: 'bytes=0-9' },
    });
    assert.equal(res.statusCode, 404);
    const board = await t.app.inject({
      url: '/console/incidents',
      headers: { cookie: dispatcher.cookie, accept: 'text/html' },
    });
    assert.match(board.body, /The map.*README/);
    assert.ok(!board.body.includes(MAP_TILES_ROUTE));
  });
});

test('AMPARO_MAP_PMTILES is a path to a .pmtiles file, resolved from the working directory', () => {
  assert.equal(loadConfig({}, '/srv/amparo').mapPmtiles, undefined);
  assert.equal(
    loadConfig({ AMPARO_MAP_PMTILES: 'map/chicago.pmtiles' }, '/srv/amparo').mapPmtiles,
    '/srv/amparo/map/chicago.pmtiles',
  );
  assert.throws(
    () => loadConfig({ AMPARO_MAP_PMTILES: 'https://build.protomaps.com/x.pmtiles.zip' }, '/srv'),
    /\.pmtiles file/,
  );
});
