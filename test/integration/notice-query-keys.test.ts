// Pages that show a notice named in the query string (?done=, ?saved=) must treat an inherited property name
// (constructor, __proto__, toString) as no notice at all: looking it up in a plain object once returned a
// function and turned the page into a 500.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession } from '../support/staff.ts';
import { createTestApp, type TestApp } from '../support/test-context.ts';

const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
const PAGES = [
  { url: '/console/users?done=', roles: ['admin' as const] },
  { url: '/console/attorneys?saved=', roles: ['legal' as const] },
];

describe(`notice keys from the query string`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  for (const page of PAGES) {
    test(`${page.url}<inherited name> is the page without a notice, not a 500`, async () => {
      const staff = await createStaffSession(t.context, page.roles);
      for (const name of INHERITED) {
        const response = await t.app.inject({
          url: `${page.url}${name}`,
          headers: { cookie: staff.cookie },
        });
        assert.equal(response.statusCode, 200, `${page.url}${name}: ${response.body.slice(0, 200)}`);
      }
    });
  }
});
