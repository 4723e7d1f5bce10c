// Journey: the pages the admin part changed, as staff see them at a phone's and a desk's width, in English and
// Spanish, with JavaScript off: the staff page's pending invitations (revoke works without a script) and the
// profile's languages ticked by name. No horizontal overflow, no serious axe violation; screenshots go to
// the temporary directory for a person to look at.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createStaffSession } from '../support/staff.ts';
import { createInvite } from '../../src/modules/auth/invites.service.ts';
import {
  axeViolations,
  closeAll,
  launchBrowser,
  serveApp,
  signedInContext,
  type ServedApp,
} from './browser.ts';

const VIEWPORTS = [
  { width: 375, height: 812 },
  { width: 1440, height: 900 },
] as const;
const SHOTS = path.join(tmpdir(), 'i15-admin');

describe('admin pages at phone and desk widths', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;

  before(async () => {
    browser = await launchBrowser();
    served = await serveApp();
    await mkdir(SHOTS, { recursive: true });
  });
  after(async () => closeAll(browser, served));

  for (const [route, role, name] of [
    ['/console/users', 'admin', 'users'],
    ['/console/profile', 'responder', 'profile'],
  ] as const) {
    test(`${route} fits and passes axe in English and Spanish`, async () => {
      const staff = await createStaffSession(served!.context, [role]);
      if (role === 'admin') {
        const made = await createInvite(served!.context, {
          email: 'pending.volunteer@example.org',
          role: 'responder',
          createdBy: staff.userId,
        });
        assert.ok(made.ok);
      }
      for (const lang of ['en', 'es'] as const) {
        for (const viewport of VIEWPORTS) {
          for (const javaScript of [false, true]) {
            const context = await signedInContext(browser!, served!.baseUrl, staff, {
              viewport,
              javaScriptEnabled: javaScript,
              locale: lang === 'es' ? 'es-MX' : 'en-US',
              extraHTTPHeaders: { 'Accept-Language': lang === 'es' ? 'es-MX,es' : 'en-US,en' },
            });
            try {
              const page = await context.newPage();
              await page.goto(`${served!.baseUrl}${route}`);
              const overflow = await page.evaluate(
                () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
              );
              assert.equal(overflow, 0, `${route} ${lang} ${viewport.width}: no horizontal overflow`);
              if (javaScript) {
                const serious = (await axeViolations(page)).filter((v) => /\((serious|critical)\)/.test(v));
                assert.deepEqual(serious, [], `${route} ${lang} ${viewport.width}`);
              } else {
                await page.screenshot({
                  path: path.join(SHOTS, `${name}-${lang}-${viewport.width}.png`),
                  fullPage: true,
                });
              }
            } finally {
              await context.close();
            }
          }
        }
      }
    });
  }

  test('revoking an invitation works without JavaScript', async () => {
    const admin = await createStaffSession(served!.context, ['admin']);
    const made = await createInvite(served!.context, {
      email: 'to.revoke@example.org',
      role: 'dispatcher',
      createdBy: admin.userId,
    });
    assert.ok(made.ok);
    const context = await signedInContext(browser!, served!.baseUrl, admin, { javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(`${served!.baseUrl}/console/users`);
      const row = page.locator(`tr[data-invite="${made.inviteId}"]`);
      await row.getByRole('button', { name: 'Revoke' }).click();
      await page.waitForURL(`${served!.baseUrl}/console/users?done=invite_revoked`);
      await page.getByText('Invitation revoked: the link no longer works.').waitFor();
      assert.equal(await page.locator(`tr[data-invite="${made.inviteId}"]`).count(), 0);
      const link = await page.goto(`${served!.baseUrl}${new URL(made.link).pathname}`);
      assert.equal(link?.status(), 410);
    } finally {
      await context.close();
    }
  });
});
