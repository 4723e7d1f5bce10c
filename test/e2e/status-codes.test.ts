// A family status code from the case page, in a real browser without JavaScript, at 375 px and 1440 px: the
// family section's button gives the code, shown once without horizontal overflow; the family then texts
// ESTADO with it (signed webhook) and hears the facility in Spanish, with no name in the text.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { closeAll, launchBrowser, serveApp, signedInContext, type ServedApp } from './browser.ts';
import { createStaffSession } from '../support/staff.ts';
import { incomingSms, postWebhook, TWILIO_TEST_ENV } from '../support/twilio-webhooks.ts';
import { recordFacilityStay } from '../../src/modules/case-tracking/case-tracking.service.ts';
import { saveFacility } from '../../src/modules/case-tracking/facilities.service.ts';
import { CANARY_PERSON, openTestCase, testContact } from '../../src/modules/cases/cases.test-helpers.ts';
import { replyOf, SMS_PATH } from '../../src/modules/sms/sms.test-helpers.ts';

const SHOTS = '/tmp/i16-status';

describe('family status code journey', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  before(async () => {
    // The browser's cookies need the app's own (http) address, so the webhook is signed for that address.
    const twilio = Object.fromEntries(
      Object.entries(TWILIO_TEST_ENV).filter(([name]) => name !== 'AMPARO_PUBLIC_URL'),
    );
    served = await serveApp({ env: { ...twilio, AMPARO_SMS_PROVIDER: 'console' } });
    browser = await launchBrowser();
    await mkdir(SHOTS, { recursive: true });
  });
  after(async () => closeAll(browser, served));

  test('give a code from the case page, then ESTADO <code> answers with the facility in Spanish', async () => {
    const t = served!;
    const legal = await createStaffSession(t.context, ['legal']);
    await saveFacility(t.context, undefined, {
      name: 'Adams County Detention Center',
      visiting_notes: 'Sat-Sun 8-11 AM',
    });
    const facilityId = (await t.context.db.selectFrom('facilities').select('id').executeTakeFirstOrThrow())
      .id;
    const { id: caseId } = await openTestCase(t.context, legal.userId, { contacts: [testContact()] });
    const principal = { userId: legal.userId, roles: ['legal' as const] };
    await recordFacilityStay(t.context, principal, caseId, { facility_id: facilityId, since: '2026-01-02' });

    let code = '';
    for (const viewport of [
      { width: 375, height: 812 },
      { width: 1440, height: 900 },
    ]) {
      const context = await signedInContext(browser!, t.baseUrl, legal, {
        viewport,
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/console/cases/${caseId}#case-family`);
      await page
        .getByRole('button', { name: /Give a status code|New status code/ })
        .first()
        .click();
      await page.waitForSelector('#status-code');
      code = (await page.textContent('#status-code'))!.trim();
      assert.match(code, /^[A-Z0-9]{6}$/);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.equal(overflow, 0, `no horizontal overflow at ${viewport.width}`);
      await page.screenshot({ path: `${SHOTS}/status-code-${viewport.width}.png`, fullPage: true });
      await page.goto(`${t.baseUrl}/console/cases/${caseId}#case-family`);
      const familyOverflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.equal(familyOverflow, 0, `case page: no horizontal overflow at ${viewport.width}`);
      await page.locator('#case-family').screenshot({ path: `${SHOTS}/family-${viewport.width}.png` });
      await context.close();
    }
    // The second click gave a new code: the first no longer answers, the last one does.
    const answer = await postWebhook(t.app, SMS_PATH, incomingSms('+17735550166', `ESTADO ${code}`), {
      publicUrl: t.context.config.publicUrl.href.replace(/\/$/, ''),
    });
    assert.equal(answer.status, 200);
    const reply = replyOf(answer.body)!;
    assert.match(reply, /su familiar se encuentra en Adams County Detention Center\./);
    assert.doesNotMatch(reply, new RegExp(`${CANARY_PERSON.aNumber}|Canaria|Rosa`));
  });
});
