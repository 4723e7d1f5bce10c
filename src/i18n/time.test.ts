import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTime } from './time.ts';

test("console times are shown in the network's time zone, not the server's", () => {
  const sixPmUtc = new Date('2026-11-23T18:05:00Z');
  assert.match(formatTime(sixPmUtc, 'en', 'America/Chicago'), /12:05\s?PM/);
  assert.match(formatTime(sixPmUtc, 'en', 'America/Los_Angeles'), /10:05\s?AM/);
  assert.match(formatTime(sixPmUtc, 'es', 'America/Chicago'), /12:05/);
});
