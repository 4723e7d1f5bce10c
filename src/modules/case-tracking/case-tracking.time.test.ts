// Hearing times in the network's zone: typed wall-clock times become the right instants across daylight
// saving changes, and back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { instantOf, wallTimeOf } from './case-tracking.time.ts';

describe('hearing times', () => {
  test('a wall-clock time in Chicago, in winter and in summer', () => {
    assert.equal(
      instantOf({ date: '2026-12-02', time: '09:00' }, 'America/Chicago')?.toISOString(),
      '2026-12-02T15:00:00.000Z',
    );
    assert.equal(
      instantOf({ date: '2026-07-15', time: '13:30' }, 'America/Chicago')?.toISOString(),
      '2026-07-15T18:30:00.000Z',
    );
    assert.deepEqual(wallTimeOf(new Date('2026-12-02T15:00:00Z'), 'America/Chicago'), {
      date: '2026-12-02',
      time: '09:00',
    });
    assert.deepEqual(wallTimeOf(new Date('2026-12-03T05:30:00Z'), 'America/Chicago'), {
      date: '2026-12-02',
      time: '23:30',
    });
  });

  test('the hour skipped in spring does not exist; the hour repeated in autumn is its first time', () => {
    assert.equal(instantOf({ date: '2026-03-08', time: '02:30' }, 'America/Chicago'), undefined);
    assert.equal(
      instantOf({ date: '2026-11-01', time: '01:30' }, 'America/Chicago')?.toISOString(),
      '2026-11-01T06:30:00.000Z',
    );
    // East of Greenwich too: 02:30 happens twice in Madrid on 25 October 2026 (CEST, then CET).
    assert.equal(
      instantOf({ date: '2026-10-25', time: '02:30' }, 'Europe/Madrid')?.toISOString(),
      '2026-10-25T00:30:00.000Z',
    );
    assert.equal(instantOf({ date: '2026-03-29', time: '02:30' }, 'Europe/Madrid'), undefined);
  });
});
