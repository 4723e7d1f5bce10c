import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTime, zoneAbbreviation } from './time.ts';

test("console times are shown in the network's time zone, not the server's", () => {
  const sixPmUtc = new Date('2026-11-23T18:05:00Z');
  assert.match(formatTime(sixPmUtc, 'en', 'America/Chicago'), /12:05\s?PM/);
  assert.match(formatTime(sixPmUtc, 'en', 'America/Los_Angeles'), /10:05\s?AM/);
  assert.match(formatTime(sixPmUtc, 'es', 'America/Chicago'), /12:05/);
});

test('a time carries its zone abbreviation, in English and Spanish, in Chicago and elsewhere', () => {
  // 04:11 UTC on Dec 7 is 10:11 PM on Dec 6 in Chicago: the alert that once said "4:11 AM".
  const at = new Date('2026-12-07T04:11:00Z');
  assert.equal(formatTime(at, 'en', 'America/Chicago'), 'Dec 6, 2026, 10:11 PM CST');
  assert.equal(formatTime(at, 'es', 'America/Chicago'), '6 dic 2026, 10:11 p.m. CST');
  assert.equal(formatTime(at, 'en', 'America/Los_Angeles'), 'Dec 6, 2026, 8:11 PM PST');
  assert.equal(formatTime(at, 'es', 'America/Los_Angeles'), '6 dic 2026, 8:11 p.m. PST');
  // Summer time has its own abbreviation.
  assert.match(formatTime(new Date('2026-07-01T17:00:00Z'), 'en', 'America/Chicago'), /12:00 PM CDT$/);
  // A zone with no common abbreviation shows its offset, which still says which zone the time is in.
  assert.equal(formatTime(at, 'en', 'America/Bogota'), 'Dec 6, 2026, 11:11 PM GMT-5');
  assert.equal(zoneAbbreviation(at, 'es', 'America/Bogota'), 'GMT-5');
  assert.equal(zoneAbbreviation(at, 'en', 'America/New_York'), 'EST');
});
