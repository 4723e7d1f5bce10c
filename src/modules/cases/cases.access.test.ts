// A case id typed or pasted with upper-case hex digits is the same id (the database compares UUIDs that way):
// it opens the same case, or gets the same 404, as its lower-case form, on every case route and never a 500
// (the per-case key files are named by the lower-case id only).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import { AppError } from '../../http/errors.ts';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { postForm } from '../incidents/incidents.test-helpers.ts';
import { findCaseForStaff, openCaseForStaff } from './cases.access.ts';
import { familyContacts } from './cases.family.ts';
import { unsealDetails } from './cases.model.ts';
import { CANARY_PERSON, createTestTeam, openTestCase, testCaseDetails } from './cases.test-helpers.ts';

const asLegal = (session: StaffSession) => ({ userId: session.userId, roles: ['legal' as const] });

/** Whatever openCaseForStaff answers, as something two calls can be compared by. */
async function answerOf(promise: Promise<{ caseRow: { id: string } }>): Promise<string> {
  try {
    return `opened ${(await promise).caseRow.id}`;
  } catch (error) {
    if (error instanceof AppError) return `AppError ${error.code}`;
    return `other error: ${String(error)}`;
  }
}

function get(app: FastifyInstance, session: StaffSession, url: string) {
  return app.inject({
    url,
    headers: { cookie: session.cookie, accept: 'text/html', 'accept-language': 'en' },
  });
}

/** The page's main content (the header's language link repeats the address as typed). */
function mainOf(body: string): string {
  const main = /<main[\s\S]*<\/main>/.exec(body)?.[0];
  assert.ok(main, 'the page has a main element');
  return main;
}

describe(`case ids in upper case`, () => {
  let t: TestApp;
  let attorney: StaffSession;
  let outsider: StaffSession;
  let caseId: string;
  let upper: string;

  before(async () => {
    t = await createTestApp();
    attorney = await createStaffSession(t.context, ['legal']);
    outsider = await createStaffSession(t.context, ['legal']);
    await createTestTeam(t.context, 'Elsewhere', [outsider.userId]);
    caseId = (
      await openTestCase(t.context, attorney.userId, {
        details: testCaseDetails({ name: CANARY_PERSON.name, aNumber: CANARY_PERSON.aNumber }),
      })
    ).id;
    upper = caseId.toUpperCase();
    assert.notEqual(upper, caseId, 'a UUID has letters to change');
  });
  after(async () => t.close());

  test('openCaseForStaff opens the same case with the same key', async () => {
    const opened = await openCaseForStaff(t.context, asLegal(attorney), upper);
    assert.equal(opened.caseRow.id, caseId);
    assert.equal(opened.cipher.caseId, caseId, 'the cipher is bound to the canonical id');
    assert.equal(unsealDetails(opened.cipher, opened.caseRow).person.name, CANARY_PERSON.name);
    const contacts = await familyContacts(t.context, opened.cipher, opened.caseRow.id);
    assert.equal(contacts.length, 1, 'what was sealed under the lower-case id opens');
    assert.equal((await findCaseForStaff(t.context, asLegal(attorney), upper))?.id, caseId);
  });

  test('every refusal is the same 404 in either case, never another error', async () => {
    const other = await createStaffSession(t.context, ['legal']);
    const destroyed = (await openTestCase(t.context, other.userId)).id;
    await caseKeyStoreFor(t.context).destroy(destroyed);
    const kept = (await openTestCase(t.context, other.userId)).id;
    const merged = (await openTestCase(t.context, other.userId)).id;
    await t.context.db.updateTable('cases').set({ merged_into: kept }).where('id', '=', merged).execute();
    const missing = '0000000a-000b-4000-800c-00000000000d';

    const cases: [string, { userId: string; roles: ('legal' | 'admin')[] }, string][] = [
      ['the case, for its attorney', asLegal(attorney), caseId],
      ['the case, for another team', asLegal(outsider), caseId],
      ['the case, for an admin', { userId: attorney.userId, roles: ['admin'] }, caseId],
      ['a destroyed key', asLegal(other), destroyed],
      ['a merged-away case', asLegal(other), merged],
      ['no such case', asLegal(other), missing],
    ];
    for (const [what, principal, id] of cases) {
      const lower = await answerOf(openCaseForStaff(t.context, principal, id));
      const upperAnswer = await answerOf(openCaseForStaff(t.context, principal, id.toUpperCase()));
      assert.equal(upperAnswer, lower, `${what}: the same answer in upper case`);
      assert.ok(!upperAnswer.startsWith('other error'), `${what}: ${upperAnswer}`);
    }
    assert.equal(
      await answerOf(openCaseForStaff(t.context, asLegal(other), destroyed)),
      'AppError not_found',
    );
  });

  test('the case pages answer an upper-case id as they answer the lower-case one', async () => {
    for (const suffix of [
      '',
      '/edit',
      '/contacts/new',
      '/attorneys',
      '/bond',
      '/outcome',
      '/support-tasks',
    ]) {
      const lower = await get(t.app, attorney, `/console/cases/${caseId}${suffix}`);
      const upperResponse = await get(t.app, attorney, `/console/cases/${upper}${suffix}`);
      assert.equal(lower.statusCode, 200, `${suffix || 'case page'}: ${lower.body.slice(0, 200)}`);
      assert.equal(upperResponse.statusCode, 200, `${suffix || 'case page'} in upper case`);
      if (suffix === '') assert.ok(upperResponse.body.includes(CANARY_PERSON.name));
      const refused = await get(t.app, outsider, `/console/cases/${upper}${suffix}`);
      assert.equal(refused.statusCode, 404, `${suffix || 'case page'}: another team's attorney`);
      const refusedLower = await get(t.app, outsider, `/console/cases/${caseId}${suffix}`);
      assert.equal(mainOf(refused.body), mainOf(refusedLower.body), 'the same 404 page');
    }
  });

  test('changes posted to an upper-case id are sealed under the case and read back', async () => {
    const contact = await postForm(t.app, attorney, `/console/cases/${upper}/contacts`, {
      contact_name: 'Lucía Canaria',
      contact_relationship: 'cousin',
      contact_phone: '773 555 0177',
      contact_language: 'es',
      contact_consent: 'yes',
    });
    assert.equal(contact.statusCode, 303, contact.body.slice(0, 300));
    assert.match(String(contact.headers.location), new RegExp(`^/console/cases/${caseId}`));

    const bond = await postForm(t.app, attorney, `/console/cases/${upper}/bond`, {
      eligibility: 'eligible',
      amount: '4500',
      set_by: 'judge',
      hearing_date: '',
    });
    assert.equal(bond.statusCode, 303, bond.body.slice(0, 300));
    assert.match(String(bond.headers.location), new RegExp(`^/console/cases/${caseId}`));

    const refused = await postForm(t.app, outsider, `/console/cases/${upper}/bond`, {
      eligibility: 'eligible',
      amount: '9000',
      set_by: 'ice',
      hearing_date: '',
    });
    assert.equal(refused.statusCode, 404);

    const page = await get(t.app, attorney, `/console/cases/${caseId}`);
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes('Lucía Canaria'), 'the contact opens with the case key');
    assert.ok(page.body.includes('$4,500'), 'the bond opens with the case key');
    assert.ok(!page.body.includes('$9,000'));
  });
});
