// Journey: the pages issue 12's directory part changed, in a real Chromium, on a phone and on a desktop, in
// English and Spanish, each checked with axe-core and photographed into test-results/: the attorney form as a
// coordinator sees it (the phone read-only), a case whose attorney's phone changed, the outbox with texts
// about a case withheld, and a single admin's staff list and team page with grants waiting for a second admin
// (and the notice that says so on every console page).
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createStaffSession, type StaffSession } from '../support/staff.ts';
import { createSmsSender } from '../../src/integrations/messaging/create-sms-sender.ts';
import { addAttorney } from '../../src/modules/case-support/case-support.test-helpers.ts';
import { sendFamilyTexts } from '../../src/modules/cases/cases.family.ts';
import { openTestCase, testContact } from '../../src/modules/cases/cases.test-helpers.ts';
import {
  axeViolations,
  closeAll,
  launchBrowser,
  serveApp,
  signedInContext,
  type ServedApp,
} from './browser.ts';

const SCREENSHOTS = path.join(import.meta.dirname, '..', '..', 'test-results');
const VIEWPORTS = { phone: { width: 375, height: 812 }, desktop: { width: 1440, height: 900 } };

describe('directory, outbox and admin approvals, in a browser', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  const pages: { name: string; staff: () => StaffSession; url: () => string; expect: RegExp[] }[] = [];

  async function post(session: StaffSession, url: string, form: Record<string, string | string[]>) {
    const body = new URLSearchParams({ _csrf: session.csrfToken });
    for (const [name, value] of Object.entries(form)) {
      for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
    }
    const res = await served!.app.inject({
      method: 'POST',
      url,
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: body.toString(),
    });
    assert.equal(res.statusCode, 303, `${url}: ${res.body.slice(0, 300)}`);
    return res;
  }

  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    served = await serveApp();
    browser = await launchBrowser();
    const { context } = served;
    const admin = await createStaffSession(context, ['admin']);
    const coordinator = await createStaffSession(context, ['coordinator']);
    const legal = await createStaffSession(context, ['legal']);
    const dispatcher = await createStaffSession(context, ['dispatcher']);
    const attorneyId = await addAttorney(context, legal.userId, {
      name: 'Ana Ruiz',
      organization: 'Centro Legal',
      languages: ['Spanish', 'English'],
      capacity: 8,
      phone: '+13125550142',
    });
    const { id: caseId } = await openTestCase(context, legal.userId, { contacts: [testContact()] });
    await post(legal, `/console/cases/${caseId}/attorney`, { attorney_id: attorneyId });
    await post(legal, `/console/attorneys/${attorneyId}`, {
      name: 'Ana Ruiz',
      organization: 'Centro Legal',
      languages: 'Spanish, English',
      capacity: '8',
      phone: '+13125550143',
    });
    await createSmsSender(context).send({ to: '+13125550107', body: 'Community alert: meeting at six' });
    await sendFamilyTexts(context, {
      caseId,
      change: 'hearing',
      notificationId: '0b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8',
    });
    await post(admin, `/console/users/${dispatcher.userId}/roles`, { roles: ['dispatcher', 'legal'] });
    const team = await post(admin, '/console/teams', { name: 'Court accompaniment' });
    const teamUrl = String(team.headers.location);
    await post(admin, `${teamUrl}/members`, { user_id: legal.userId });

    pages.push(
      {
        name: 'attorney-coordinator',
        staff: () => coordinator,
        url: () => `/console/attorneys/${attorneyId}`,
        expect: [/\+13125550143/],
      },
      {
        name: 'case-phone-changed',
        staff: () => legal,
        url: () => `/console/cases/${caseId}`,
        expect: [/Ana Ruiz/],
      },
      { name: 'outbox-dispatcher', staff: () => dispatcher, url: () => '/console/outbox', expect: [/0107/] },
      { name: 'outbox-legal', staff: () => legal, url: () => '/console/outbox', expect: [/0142/] },
      { name: 'users-pending', staff: () => admin, url: () => '/console/users', expect: [/access-requests/] },
      { name: 'team-pending', staff: () => admin, url: () => teamUrl, expect: [/team-requests/] },
    );
  });
  after(async () => closeAll(browser, served));

  test('each changed page fits a phone and a desktop, in English and Spanish, with no axe violations', async () => {
    for (const entry of pages) {
      for (const lang of ['en', 'es'] as const) {
        for (const [size, viewport] of Object.entries(VIEWPORTS)) {
          const context = await signedInContext(browser!, served!.baseUrl, entry.staff(), {
            viewport,
            locale: lang === 'es' ? 'es-MX' : 'en-US',
            extraHTTPHeaders: { 'Accept-Language': lang === 'es' ? 'es-MX,es' : 'en-US,en' },
          });
          try {
            const page: Page = await context.newPage();
            const response = await page.goto(`${served!.baseUrl}${entry.url()}`);
            const name = `${entry.name}-${lang}-${size}`;
            assert.equal(response?.status(), 200, name);
            const html = await page.content();
            for (const pattern of entry.expect) assert.match(html, pattern, name);
            {
              // A single admin: every console page says so.
              assert.match(html, /id="access-approval-warning"/, name);
            }
            assert.deepEqual(await axeViolations(page), [], `${name}: no accessibility violations`);
            await page.screenshot({ path: path.join(SCREENSHOTS, `directory-${name}.png`), fullPage: true });
            const overflow = await page.evaluate(
              () => document.documentElement.scrollWidth > window.innerWidth,
            );
            assert.equal(overflow, false, `${name}: nothing wider than the screen`);
          } finally {
            await context.close();
          }
        }
      }
    }
  });
});
