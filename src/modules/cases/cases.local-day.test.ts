// Issue 14, "npm test passes at any hour of the day": the case forms refuse dates in the future, and "today" is
// the network's day (AMPARO_TIMEZONE), not UTC's. The clock is moved to 02:30 UTC, when it is still the evening
// before in Chicago: a date of birth or a "last seen" on the UTC day is tomorrow for the network, so it is
// refused; the evening's own date is accepted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { postForm } from '../incidents/incidents.test-helpers.ts';

const PERSON = {
  name: 'Rosa Ixcoy Pérez',
  country_of_birth: 'Guatemala',
  contact_name: 'Marta Ixcoy',
  contact_phone: '773 555 0172',
  contact_language: 'es',
};

describe('case forms: "today" is the network day, whatever the UTC day', () => {
  let t: TestApp;
  let legal: StaffSession;
  before(async () => {
    // 02:30 UTC on 7 December is 20:30 on 6 December in Chicago.
    t = await createTestApp({
      env: { AMPARO_TIMEZONE: 'America/Chicago' },
      clock: new TestClock(Date.parse('2026-12-07T02:30:00Z')),
    });
    legal = await createStaffSession(t.context, ['legal']);
  });
  after(async () => t.close());

  test('at 02:30 UTC, a date of birth or a last-seen time on the UTC day is still in the future for the network', async () => {
    const birthTomorrow = await postForm(t.app, legal, '/console/cases', {
      ...PERSON,
      date_of_birth: '2026-12-07',
    });
    assert.equal(birthTomorrow.statusCode, 422);
    assert.match(birthTomorrow.body, /Enter a real date/);

    const seenTomorrow = await postForm(
      t.app,
      legal,
      '/console/cases',
      { ...PERSON, last_seen_at: '2026-12-07T01:00' },
      { lang: 'es' },
    );
    assert.equal(seenTomorrow.statusCode, 422);
    assert.match(seenTomorrow.body, /Escriba una fecha y hora reales, que no sean futuras/);

    const seenThisEvening = await postForm(t.app, legal, '/console/cases', {
      ...PERSON,
      date_of_birth: '1990-05-02',
      last_seen_at: '2026-12-06T19:45',
    });
    assert.equal(seenThisEvening.statusCode, 303, seenThisEvening.body.slice(0, 300));
  });
});
