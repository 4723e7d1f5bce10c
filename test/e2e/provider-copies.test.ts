// Journey: Twilio refuses to delete a text; an admin opens "Copies at Twilio" from the console's menu on a
// phone and on a desktop, in English and in Spanish, sees the counts and Twilio's answer (never a SID, a
// number or a text), and asks for the refused deletions to be tried again, without JavaScript. Each view
// passes axe-core's checks.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createSmsSender } from '../../src/integrations/messaging/create-sms-sender.ts';
import {
  deleteDueCopies,
  recordTextStatus,
} from '../../src/modules/provider-retention/provider-retention.service.ts';
import { createStaffSession } from '../support/staff.ts';
import { createTestApp } from '../support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../support/twilio-stand-in.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TWILIO_TEST_ENV } from '../support/twilio-webhooks.ts';
import { axeViolations, closeAll, launchBrowser, signedInContext, type ServedApp } from './browser.ts';

const SCREENSHOTS = path.join(import.meta.dirname, '..', '..', 'test-results');

describe('copies at Twilio, for admins', () => {
  let browser: Browser | undefined;
  let served: ServedApp | undefined;
  let standIn: TwilioStandIn;
  let refuse = true;

  before(async () => {
    standIn = await startTwilioStandIn({
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
      refuseDeletion: () => (refuse ? { status: 403, code: 20403 } : undefined),
    });
    const t = await createTestApp({
      // A plain-http public address, as for the other journeys: the browser talks to 127.0.0.1.
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_PUBLIC_URL: 'http://127.0.0.1',
        AMPARO_TWILIO_API_BASE: standIn.baseUrl,
      },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    served = { ...t, baseUrl: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}` };
    browser = await launchBrowser();
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await closeAll(browser, served);
    await standIn.close();
  });

  test('an admin sees the refusals and has them tried again, on a phone and a desktop, in both languages', async () => {
    const { context } = served!;
    const { providerId } = await createSmsSender(context).send({ to: '+13125550401', body: 'hearing' });
    await recordTextStatus(context, { messageSid: providerId, status: 'delivered' });
    await createSmsSender(context).send({ to: '+13125550402', body: 'your code' });
    assert.equal((await deleteDueCopies(context)).failed, 1);
    const admin = await createStaffSession(context, ['admin']);

    const views = [
      { locale: 'en-US', viewport: { width: 375, height: 812 }, title: 'Copies at Twilio' },
      { locale: 'es-US', viewport: { width: 1440, height: 900 }, title: 'Copias en Twilio' },
      { locale: 'es-US', viewport: { width: 375, height: 812 }, title: 'Copias en Twilio' },
      { locale: 'en-US', viewport: { width: 1440, height: 900 }, title: 'Copies at Twilio' },
    ];
    for (const view of views) {
      const browserContext = await signedInContext(browser!, served!.baseUrl, admin, {
        ...view,
        javaScriptEnabled: true,
      });
      try {
        const page = await browserContext.newPage();
        await page.goto(`${served!.baseUrl}/console`);
        // On a phone the navigation is behind its "Menu".
        if (view.viewport.width < 640) await page.locator('nav.console-nav summary').click();
        await page.getByRole('link', { name: view.title }).click();
        await page.waitForURL('**/console/provider-copies');
        assert.equal(await page.locator('h1').textContent(), view.title);
        assert.equal(await page.locator('[data-count="failed"]').textContent(), '1');
        assert.equal(await page.locator('[data-count="waiting"]').textContent(), '1');
        assert.match((await page.locator('table.provider-failures').textContent()) ?? '', /HTTP 403\/20403/);
        const content = await page.content();
        assert.ok(!content.includes(providerId) && !content.includes('5550401'), 'no SID, no number');
        await page.screenshot({
          path: path.join(SCREENSHOTS, `provider-copies-${view.locale}-${view.viewport.width}.png`),
          fullPage: true,
        });
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.ok(overflow <= 0, `fits ${view.viewport.width} px (overflow ${overflow})`);
        assert.deepEqual(await axeViolations(page), [], `axe-core at ${view.locale} ${view.viewport.width}`);
      } finally {
        await browserContext.close();
      }
    }

    // Without JavaScript: the retry is a plain form.
    refuse = false;
    const noScript = await signedInContext(browser!, served!.baseUrl, admin, {
      locale: 'es-US',
      viewport: { width: 375, height: 812 },
      javaScriptEnabled: false,
    });
    try {
      const page = await noScript.newPage();
      await page.goto(`${served!.baseUrl}/console/provider-copies`);
      await page.getByRole('button', { name: 'Volver a intentar los borrados rechazados' }).click();
      await page.waitForURL('**/console/provider-copies?retried=1');
      assert.match(
        (await page.locator(`.notice.ok[role="status"]`).textContent()) ?? '',
        /volverán a intentar en menos de un minuto: 1/,
      );
      await page.screenshot({ path: path.join(SCREENSHOTS, 'provider-copies-retried-es-375.png') });
    } finally {
      await noScript.close();
    }
    assert.equal((await deleteDueCopies(context)).deleted, 1);
    assert.ok(!standIn.messages.has(providerId));
  });
});
