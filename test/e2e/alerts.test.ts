// Journey: a responder has confirmed an incident; dispatcher A opens it, chooses "Alert the community" and
// writes a draft from the fixed phrases; A is not offered approval. Dispatcher B finds the draft waiting,
// reads the English and Spanish texts and the count per language, approves it, and watches delivery on the
// same page, without a reload, until every subscriber's text is sent (the console outbox stands in for the
// SMS provider, sending one text a second so the progress visibly moves). Each subscriber got the text in
// their own language; the one who texted STOP got nothing.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { outboxTextsTo } from '../../src/modules/dispatch/dispatch.test-helpers.ts';
import { addSubscriber, incidentWith, stopNumber } from '../../src/modules/alerts/alerts.test-helpers.ts';
import { createStaffSession } from '../support/staff.ts';
import { createTestApp } from '../support/test-context.ts';
import { closeAll, launchBrowser, signedInContext, type ServedApp } from './browser.ts';

const SCREENSHOTS = path.join(import.meta.dirname, '..', '..', 'test-results');

interface MarkedWindow {
  __amparoMarker?: number;
}

/** Like serveApp, with alert texts paced at one a second: four recipients take a few seconds to reach. */
async function serveSlowAlerts(): Promise<ServedApp> {
  const t = await createTestApp({
    work: true,
    env: { AMPARO_ALERT_RATE_PER_SECOND: '1', AMPARO_NETWORK_NAME: 'Red Pilsen' },
  });
  try {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await t.close();
    throw error;
  }
  const { port } = t.app.server.address() as AddressInfo;
  return { ...t, baseUrl: `http://127.0.0.1:${port}` };
}

describe('community alert: compose, approve, watch delivery', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let composerPage: Page;
  let approverPage: Page;
  let incidentId: string;
  let alertPath: string;
  const english: string[] = [];
  const spanish: string[] = [];
  let stopped: string;

  before(async () => {
    browser = await launchBrowser();
    served = await serveSlowAlerts();
    await mkdir(SCREENSHOTS, { recursive: true });
    const { context } = served;
    incidentId = (await incidentWith(context, { status: 'confirmed', type: 'workplace', agency: 'ice' })).id;
    for (const language of ['en', 'en', 'es', 'es']) {
      const { phone } = await addSubscriber(context, { language, zips: ['60623'] });
      (language === 'en' ? english : spanish).push(phone);
    }
    stopped = (await addSubscriber(context, { language: 'es', zips: ['60623'] })).phone;
    await stopNumber(context, stopped);
    const composer = await createStaffSession(context, ['dispatcher']);
    const approver = await createStaffSession(context, ['dispatcher']);
    composerPage = await (await signedInContext(browser, served.baseUrl, composer)).newPage();
    approverPage = await (await signedInContext(browser, served.baseUrl, approver)).newPage();
  });

  after(async () => closeAll(browser, served));

  test('dispatcher A composes from the confirmed incident and cannot approve it', async () => {
    await composerPage.goto(`${served!.baseUrl}/console/incidents/${incidentId}`);
    await composerPage.locator('#alert-community').click();
    await composerPage.waitForURL(/\/alerts\/new$/);
    assert.equal(await composerPage.locator('#compose-what').inputValue(), 'at_workplace');
    assert.equal(await composerPage.locator('#compose-area').inputValue(), 'ZIP 60623');
    await composerPage.locator('#compose-advice').selectOption('stay_inside');
    await composerPage.locator('#compose-form button[type="submit"]').click();
    await composerPage.waitForURL(/\/console\/alerts\/[0-9a-f-]{36}\?saved=composed$/);
    alertPath = new URL(composerPage.url()).pathname;

    const preview = composerPage.locator('#alert-preview');
    assert.match(
      await preview.locator('[data-language="en"] .sms-text').innerText(),
      /^Red Pilsen VERIFIED ALERT .*ICE agents at a workplace near ZIP 60623\. Stay inside\./,
    );
    assert.match(
      await preview.locator('[data-language="es"] .sms-text').innerText(),
      /^Red Pilsen ALERTA VERIFICADA .*agentes de ICE en un lugar de trabajo cerca de ZIP 60623\. Permanezca adentro\./,
    );
    assert.match(await composerPage.locator('#own-alert').innerText(), /cannot approve it/);
    assert.equal(await composerPage.locator('#approve-form').count(), 0);
  });

  test('dispatcher B approves it and watches every text go out, live', async () => {
    await approverPage.goto(`${served!.baseUrl}/console/alerts`);
    await approverPage.locator(`#draft-alerts a[href="${alertPath}"]`).click();
    await approverPage.waitForURL((url) => url.pathname === alertPath);
    const counts = approverPage.locator('#alert-recipients');
    assert.equal(await counts.locator('tr[data-language="en"] .count').innerText(), '2');
    assert.equal(
      await counts.locator('tr[data-language="es"] .count').innerText(),
      '2',
      'the one who texted STOP is not counted',
    );
    await approverPage.getByRole('button', { name: 'Approve and send to 4 subscribers' }).click();
    await approverPage.waitForURL(/\?saved=approved$/);

    await approverPage.locator('#live-indicator.on').waitFor();
    await approverPage.evaluate(() => {
      (window as MarkedWindow).__amparoMarker = 11;
    });
    const sentCell = approverPage.locator('#alert-progress [data-count="sent"]');
    const sentAtFirst = Number(await sentCell.innerText());
    assert.ok(sentAtFirst < 4, `still sending when the page opened (${sentAtFirst} sent)`);
    assert.equal(await approverPage.locator('#alert-progress [data-count="total"]').innerText(), '4');

    await approverPage.waitForFunction(
      () =>
        document.querySelector('#alert-progress [data-count="sent"]')?.textContent === '4' &&
        document.querySelector('#alert-status')?.textContent?.trim() === 'Sent',
      undefined,
      { timeout: 30_000 },
    );
    assert.equal(await approverPage.locator('#alert-progress [data-count="queued"]').innerText(), '0');
    assert.equal(await approverPage.locator('#alert-progress [data-count="failed"]').innerText(), '0');
    assert.equal(
      await approverPage.evaluate(() => (window as MarkedWindow).__amparoMarker),
      11,
      'the page was not reloaded',
    );
    await approverPage.screenshot({ path: path.join(SCREENSHOTS, 'alert-delivery.png'), fullPage: true });

    // Each subscriber got one text, in their own language; the STOP'd number got nothing.
    const { context } = served!;
    for (const phone of english) {
      const texts = await outboxTextsTo(context, phone);
      assert.equal(texts.length, 1, 'one text each');
      assert.match(texts[0]!, /^Red Pilsen VERIFIED ALERT/);
    }
    for (const phone of spanish) {
      const texts = await outboxTextsTo(context, phone);
      assert.equal(texts.length, 1, 'one text each');
      assert.match(texts[0]!, /^Red Pilsen ALERTA VERIFICADA/);
    }
    assert.deepEqual(await outboxTextsTo(context, stopped), []);

    // The incident's timeline says an alert went out.
    await approverPage.goto(`${served!.baseUrl}/console/incidents/${incidentId}`);
    assert.match(await approverPage.locator('ol.timeline').innerText(), /Community alert approved/);
  });
});
