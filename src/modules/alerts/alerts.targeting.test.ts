// Targeting by ZIP code centres: the radius, a point inside a drawn area, and how the default area,
// additions, removals, drawn areas and the whole network combine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distanceMeters, zipCentroid } from '../../geo/geo.ts';
import {
  isInsideArea,
  nearestZip,
  resolveTargets,
  zipsInsideArea,
  zipsWithinRadius,
} from './alerts.targeting.ts';

/** Little Village, Chicago (ZIP 60623). Centres nearby: 60624 ≈ 3.4 km, 60804 ≈ 3.7 km, 60608 ≈ 3.9 km. */
const LITTLE_VILLAGE = { lat: 41.85, lon: -87.717 };

test('the radius takes every ZIP code whose centre lies within it, nearest first', () => {
  assert.deepEqual(zipsWithinRadius(LITTLE_VILLAGE, 1500), ['60623']);
  const wider = zipsWithinRadius(LITTLE_VILLAGE, 4000);
  assert.deepEqual(wider.slice(0, 4), ['60623', '60624', '60804', '60608']);
  for (const zip of wider) assert.ok(distanceMeters(LITTLE_VILLAGE, zipCentroid(zip)!) <= 4000, zip);
  assert.ok(!wider.includes('60612'), '60612 lies 4.2 km away');
  assert.equal(nearestZip(LITTLE_VILLAGE, 5000), '60623');
  assert.equal(nearestZip({ lat: 0, lon: -30 }, 5000), undefined, 'mid-ocean');
});

test('a point is inside a drawn area by its centre', () => {
  const square: [number, number][] = [
    [41.9, -87.8],
    [41.9, -87.6],
    [41.8, -87.6],
    [41.8, -87.8],
  ];
  assert.equal(isInsideArea({ lat: 41.85, lon: -87.7 }, square), true);
  assert.equal(isInsideArea({ lat: 41.95, lon: -87.7 }, square), false);
  assert.equal(isInsideArea({ lat: 41.85, lon: -87.9 }, square), false);
  const inside = zipsInsideArea(square);
  assert.ok(inside.includes('60623') && inside.includes('60608'), inside.join(' '));
  for (const zip of inside) assert.equal(isInsideArea(zipCentroid(zip)!, square), true, zip);
  assert.deepEqual(zipsInsideArea(square.slice(0, 2)), [], 'two points are no area');
});

test('default area: the incident’s ZIP and the radius; coordinators add, remove and draw', () => {
  const base = {
    centre: LITTLE_VILLAGE,
    incidentZip: '60623',
    radiusMeters: 4000,
    addedZips: [],
    removedZips: [],
    drawnAreas: [],
  };
  assert.deepEqual(resolveTargets(base).zips, ['60608', '60623', '60624', '60804']);
  const narrow = resolveTargets({ ...base, radiusMeters: 500 });
  assert.deepEqual(
    narrow.zips,
    ['60623'],
    'the incident’s own ZIP even when its centre is out of the radius',
  );

  const edited = resolveTargets({
    ...base,
    radiusMeters: 1500,
    addedZips: ['60616'],
    removedZips: ['60623'],
    drawnAreas: [
      [
        [41.86, -87.69],
        [41.86, -87.65],
        [41.83, -87.65],
        [41.83, -87.69],
      ],
    ],
  });
  assert.deepEqual(edited.fromAreas, ['60608']);
  assert.deepEqual(edited.zips, ['60608', '60616'], 'added and drawn in, the removed one out');
  assert.equal(edited.networkWide, false);
});

test('know-your-rights alerts go to the whole network unless narrowed', () => {
  const network = ['60608', '60623', '60629'];
  const everyone = resolveTargets({
    centre: undefined,
    incidentZip: null,
    radiusMeters: 1500,
    addedZips: [],
    removedZips: ['60629'],
    drawnAreas: [],
    networkZips: network,
  });
  assert.equal(everyone.networkWide, true);
  assert.deepEqual(everyone.zips, ['60608', '60623']);
  const narrowed = resolveTargets({
    centre: undefined,
    incidentZip: null,
    radiusMeters: 1500,
    addedZips: ['60629'],
    removedZips: [],
    drawnAreas: [],
    networkZips: network,
  });
  assert.equal(narrowed.networkWide, false);
  assert.deepEqual(narrowed.zips, ['60629']);
});
