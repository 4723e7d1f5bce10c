import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDistance, parseDistance } from './distance.ts';

test('distances read in miles for US networks, or kilometres by setting, in English and Spanish', () => {
  assert.equal(formatDistance(25_000, 'mi', 'en'), '15.5 mi');
  assert.equal(formatDistance(25_000, 'km', 'en'), '25 km');
  assert.equal(formatDistance(25_000, 'km', 'es'), '25 km');
  assert.equal(formatDistance(2_414, 'mi', 'es'), '1.5 mi', 'US Spanish writes a decimal point');
  assert.equal(formatDistance(1_500, 'km', 'es'), '1.5 km');
  assert.equal(formatDistance(120, 'mi', 'en'), '390 ft', 'under a tenth of a mile in feet');
  assert.equal(formatDistance(434, 'km', 'en'), '430 m', 'under a kilometre in metres');
});

test('a typed distance is read in the network unit and kept in metres', () => {
  assert.equal(Math.round(parseDistance('1', 'mi')!), 1609);
  assert.equal(parseDistance('1,5', 'km'), 1500);
  assert.equal(parseDistance(' 2 km ', 'km'), 2000);
  assert.equal(Math.round(parseDistance('0.5 mi', 'mi')!), 805);
  assert.equal(parseDistance('two', 'mi'), null);
  assert.equal(parseDistance('', 'km'), null);
  assert.equal(parseDistance('-1', 'km'), null);
});
