// One entry per time in a facility: stays recorded twice at the same place (before the service refused them,
// or brought together by merging two cases) read as one, with the earlier day, on the page and in the export.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withoutRepeatedStays } from './case-tracking.service.ts';

const stay = (facilityId: string | null, facilityName: string, since: string) => ({
  record: { facilityId, facilityName, since, notes: '' },
});

test('repeated stays at the same facility read as one; a return after a transfer stays a move', () => {
  const newestFirst = [
    stay('b', 'Broadview', '2026-12-03'),
    stay(null, 'broadview', '2026-12-02'),
    stay('b', 'Broadview', '2026-12-01'),
    stay('d', 'Dodge County Jail', '2026-11-28'),
    stay('b', 'Broadview', '2026-11-25'),
  ];
  assert.deepEqual(
    withoutRepeatedStays(newestFirst).map((s) => [s.record.facilityName, s.record.since]),
    [
      ['Broadview', '2026-12-01'],
      ['Dodge County Jail', '2026-11-28'],
      ['Broadview', '2026-11-25'],
    ],
  );
});
