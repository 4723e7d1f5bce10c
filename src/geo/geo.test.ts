import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellToLatLng, getResolution } from 'h3-js';
import { distanceMeters, formatPoint, h3CellOf, parsePoint, readPoint, zipCentroid } from './geo.ts';

test('ZIP centroids come from the data package; unknown ZIPs have none', () => {
  const littleVillage = zipCentroid('60623');
  assert.ok(littleVillage);
  assert.ok(Math.abs(littleVillage.lat - 41.85) < 0.05 && Math.abs(littleVillage.lon + 87.72) < 0.05);
  assert.equal(zipCentroid('00000'), undefined);
  assert.equal(zipCentroid(null), undefined);
});

test('coordinates are found in typed text, and addresses are not mistaken for them', () => {
  assert.deepEqual(parsePoint('41.850, -87.717 (approximate)'), { lat: 41.85, lon: -87.717 });
  assert.deepEqual(parsePoint('cerca de 41.8501,-87.7172'), { lat: 41.8501, lon: -87.7172 });
  assert.equal(parsePoint('2600 S Kedzie Ave, Chicago'), undefined);
  assert.equal(parsePoint('95.1, 10.2'), undefined, 'latitude beyond 90');
  assert.equal(parsePoint(null), undefined);
});

test('stored points round-trip, and distances are great-circle metres', () => {
  const point = { lat: 41.85012, lon: -87.71734 };
  assert.deepEqual(readPoint(formatPoint(point)), point);
  assert.equal(readPoint('garbage'), undefined);
  // One thousandth of a degree of latitude is about 111 m anywhere.
  const d = distanceMeters(point, { lat: point.lat + 0.001, lon: point.lon });
  assert.ok(Math.abs(d - 111.2) < 0.5, `got ${d}`);
  // Chicago to Milwaukee is about 130 km.
  const far = distanceMeters({ lat: 41.8781, lon: -87.6298 }, { lat: 43.0389, lon: -87.9065 });
  assert.ok(far > 125_000 && far < 135_000, `got ${far}`);
});

test('the H3 cell is at neighbourhood resolution and contains the point', () => {
  const point = { lat: 41.85, lon: -87.717 };
  const cell = h3CellOf(point);
  assert.equal(getResolution(cell), 8);
  const [lat, lon] = cellToLatLng(cell);
  assert.ok(distanceMeters(point, { lat, lon }) < 600);
});
