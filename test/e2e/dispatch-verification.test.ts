// Journey: a report comes in; a dispatcher groups it into an incident and sends the on-shift responder; the
// dispatch text reaches the responder; the responder, on a phone-sized screen with JavaScript off, fills in
// the verification page and confirms; a second dispatcher's console, open all along, shows the incident turn
// `confirmed` without a reload.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { outboxTextsTo, setProfile } from '../../src/modules/dispatch/dispatch.test-helpers.ts';
import { openPublicForm, submitReport } from '../support/amparo-process.ts';
import { createStaffSession, type StaffSession } from '../support/staff.ts';
import { closeAll, launchBrowser, serveApp, signedInContext, WAIT_MS, type ServedApp } from './browser.ts';

const SCREENSHOTS = path.join(import.meta.dirname, '..', '..', 'test-results');
const RESPONDER_PHONE = '+13125550147';

interface MarkedWindow {
  __amparoMarker?: number;
}

describe('dispatch and field verification', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let dispatcherPage: Page;
  let watcherPage: Page;
  let responderPage: Page;
  let responder: StaffSession;
  let incidentId: string;
  let dispatchPath: string;

  before(async () => {
    browser = await launchBrowser();
    served = await serveApp();
    await mkdir(SCREENSHOTS, { recursive: true });
    const dispatcher = await createStaffSession(served.context, ['dispatcher']);
    const watcher = await createStaffSession(served.context, ['dispatcher']);
    responder = await createStaffSession(served.context, ['responder']);
    await setProfile(served.context, responder.userId, {
      displayName: 'Rosa (responder)',
      phone: RESPONDER_PHONE,
      languages: ['es', 'en'],
      homeZips: ['60623'],
      onShift: true,
    });
    dispatcherPage = await (await signedInContext(browser, served.baseUrl, dispatcher)).newPage();
    watcherPage = await (await signedInContext(browser, served.baseUrl, watcher)).newPage();
    // A phone: small screen, touch, and no JavaScript at all.
    const phone = await signedInContext(browser, served.baseUrl, responder, {
      viewport: { width: 375, height: 812 },
      isMobile: true,
      hasTouch: true,
      javaScriptEnabled: false,
    });
    responderPage = await phone.newPage();
  });

  after(async () => closeAll(browser, served));

  test('a dispatcher groups a new report into an incident and sends the responder', async () => {
    const form = await openPublicForm(served!.baseUrl);
    const reference = await submitReport(served!.baseUrl, form, 26);
    assert.ok(reference, 'the report was acknowledged');
    const report = await served!.context.db
      .selectFrom('reports')
      .select('id')
      .where('reference', '=', reference)
      .executeTakeFirstOrThrow();

    await dispatcherPage.goto(`${served!.baseUrl}/console/incidents/new?report=${report.id}`);
    await dispatcherPage.locator('#type').selectOption('street');
    await dispatcherPage.locator('#agency').selectOption('ice');
    await dispatcherPage.locator('#create-form button[type="submit"]').click();
    await dispatcherPage.waitForURL(/\/console\/incidents\/[0-9a-f-]{36}$/);
    incidentId = /\/console\/incidents\/([0-9a-f-]{36})$/.exec(dispatcherPage.url())![1]!;

    // The second console opens the board now and stays open for the rest of the journey.
    await watcherPage.goto(`${served!.baseUrl}/console/incidents`);
    await watcherPage.locator('#live-indicator.on').waitFor();
    await watcherPage.evaluate(() => {
      (window as MarkedWindow).__amparoMarker = 7;
    });
    const watchedRow = watcherPage.locator(`#incident-rows tr[data-id="${incidentId}"]`);
    await watchedRow.waitFor();
    assert.match(await watchedRow.innerText(), /Reported/);

    await dispatcherPage.goto(`${served!.baseUrl}/console/incidents/${incidentId}/dispatch`);
    const suggestion = dispatcherPage.locator(`tr[data-id="${responder.userId}"]`);
    await suggestion.waitFor();
    await suggestion.getByRole('button', { name: 'Send' }).click();
    await dispatcherPage.waitForURL(/sent=1/);
    const link = dispatcherPage.locator('#dispatches tr a[href*="/console/dispatches/"]').first();
    dispatchPath = new URL((await link.getAttribute('href'))!, served!.baseUrl).pathname;

    // The dispatch goes by text (the console outbox here, as no SMS provider is configured), in the
    // responder's first language, with the safety line and the link.
    let texts: string[] = [];
    for (let waited = 0; waited < WAIT_MS && texts.length === 0; waited += 100) {
      texts = await outboxTextsTo(served!.context, RESPONDER_PHONE);
      if (texts.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(texts.length, 1, 'one dispatch text');
    assert.ok(texts[0]!.includes(dispatchPath), 'the text links to the verification page');
    assert.match(texts[0]!, /no (confronte|se enfrente)|do not confront/i);

    // The board moved to verifying on its own.
    await watcherPage.waitForFunction(
      (id) =>
        document.querySelector(`#incident-rows tr[data-id="${id}"]`)?.textContent?.includes('Verifying'),
      incidentId,
    );
  });

  test('the responder confirms from a phone with JavaScript off, and the other console sees it live', async () => {
    const response = await responderPage.goto(`${served!.baseUrl}${dispatchPath}`);
    assert.equal(response?.status(), 200);
    const form = responderPage.locator('#verification-form');
    await form.locator('input[name="anyone_present"][value="yes"]').check();
    await form.locator('[name="agency"]').selectOption('ice');
    await form.locator('input[name="identified_by"][value="vests"]').check();
    await form.locator('input[name="identified_by"][value="vehicles"]').check();
    await form.locator('[name="agents_count"]').fill('4');
    await form.locator('[name="vehicles_count"]').fill('2');
    await form.locator('input[name="outcome"][value="confirmed"]').check();
    // The form fits the phone's width: usable without zooming or scrolling sideways.
    const submit = form.locator('button[type="submit"]');
    const box = await submit.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `submit button at ${JSON.stringify(box)}`);
    await submit.click();
    await responderPage.waitForURL(/saved=1/);
    await responderPage.screenshot({
      path: path.join(SCREENSHOTS, 'verification-phone.png'),
      fullPage: true,
    });
    assert.match(await responderPage.locator('#incident-status').innerText(), /Confirmed/);

    await watcherPage.waitForFunction(
      (id) =>
        document.querySelector(`#incident-rows tr[data-id="${id}"]`)?.textContent?.includes('Confirmed'),
      incidentId,
    );
    assert.equal(
      await watcherPage.evaluate(() => (window as MarkedWindow).__amparoMarker),
      7,
      'the second console was not reloaded',
    );
    await watcherPage.screenshot({ path: path.join(SCREENSHOTS, 'incident-board.png'), fullPage: true });

    const incident = await served!.context.db
      .selectFrom('incidents')
      .select('status')
      .where('id', '=', incidentId)
      .executeTakeFirstOrThrow();
    assert.equal(incident.status, 'confirmed');
  });
});
