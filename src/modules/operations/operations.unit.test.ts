// The operations module's pure parts: the sites box, local days and times, and how counts are summed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shownCount, summarizeCounts } from './operations.counts.ts';
import { daysBetween, instantOf, localDay, localTime } from './operations.days.ts';
import { parseSites } from './operations.schemas.ts';

describe('the sites box', () => {
  test('one site per line, the ZIP after the last comma, blank lines skipped', () => {
    const { sites, errors } = parseSites('Koch Foods, Plant 2, 39074\r\n\n  PH Food ,39051  \n');
    assert.deepEqual(errors, []);
    assert.deepEqual(sites, [
      { name: 'Koch Foods, Plant 2', zip: '39074' },
      { name: 'PH Food', zip: '39051' },
    ]);
  });

  test('every faulty line is named by its number', () => {
    const { errors } = parseSites('Good site, 39074\nNo zip here\n\n, 39051\nBad zip, 3905\n');
    assert.deepEqual(errors, [
      { key: 'operations.error_site_no_zip', params: { line: 2 } },
      { key: 'operations.error_site_no_name', params: { line: 4 } },
      { key: 'operations.error_site_bad_zip', params: { line: 5 } },
    ]);
  });
});

describe('days in the network zone', () => {
  test('a local date and time is the right instant, in summer and in winter', () => {
    assert.equal(
      instantOf('2019-08-07', '06:30', 'America/Chicago')?.toISOString(),
      '2019-08-07T11:30:00.000Z',
    );
    assert.equal(
      instantOf('2026-12-06', '06:30', 'America/Chicago')?.toISOString(),
      '2026-12-06T12:30:00.000Z',
    );
    assert.equal(instantOf('2026-02-30', '06:30', 'America/Chicago'), undefined);
    assert.equal(instantOf('2026-02-03', '25:00', 'America/Chicago'), undefined);
  });

  test('the local day and time of an instant, and the days between two instants', () => {
    const lateEvening = new Date('2019-08-08T03:00:00Z'); // 22:00 on the 7th in Chicago
    assert.equal(localDay(lateEvening, 'America/Chicago'), '2019-08-07');
    assert.equal(localTime(lateEvening, 'America/Chicago'), '22:00');
    assert.deepEqual(daysBetween(lateEvening, new Date('2019-08-10T04:00:00Z'), 'America/Chicago'), [
      '2019-08-07',
      '2019-08-08',
      '2019-08-09',
    ]);
  });
});

test('counts are summed into totals, days, sites and facilities; a small breakdown cell shows as <5', () => {
  const numbers = summarizeCounts(
    [
      { measure: 'located', count: 3 },
      { measure: 'located', count: 4 },
      { measure: 'located', count: 2, day: '2019-08-08' },
      { measure: 'released', count: 7, siteId: 's1' },
      { measure: 'released', count: 1, facility: 'Jena' },
      { measure: 'released', count: 1, day: '2019-01-01' },
    ],
    ['2019-08-07', '2019-08-08'],
  );
  assert.equal(numbers.totals.located, 7);
  assert.deepEqual(
    numbers.byDay.map((d) => [d.day, d.counts.located]),
    [
      ['2019-08-07', 0],
      ['2019-08-08', 2],
    ],
  );
  assert.equal(numbers.bySite.get('s1')?.released, 7);
  assert.equal(numbers.byFacility.get('Jena')?.released, 1);
  assert.deepEqual([0, 1, 4, 5, 12].map(shownCount), ['<5', '<5', '<5', '5', '12']);
});
